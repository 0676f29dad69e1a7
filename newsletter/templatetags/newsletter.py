"""``{% subscribe_form %}``: the subscribe form, in the footer of every public page and on /subscribe/."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.translation import get_language

from newsletter.forms import SubscribeForm, edition_choices

register = template.Library()


@register.inclusion_tag("newsletter/includes/subscribe_form.html")
def subscribe_form(form: SubscribeForm | None = None, prefix: str = "") -> dict:
    """The form (with ``form``'s values and errors, if given), its field ids prefixed with ``prefix``."""
    edition = (form.data.get("edition") if form is not None and form.is_bound else None) or get_language() or settings.LANGUAGE_CODE
    return {"form": form, "prefix": prefix, "editions": edition_choices(), "edition": edition}

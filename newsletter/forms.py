"""The subscribe form, on its own page and in every public page's footer."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext_lazy as _


def edition_choices() -> list[tuple[str, str]]:
    """Each edition by its own name: 简体中文, English."""
    return [(code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES]


class AddressField(forms.EmailField):
    """An email address, on one line: a line break is how headers are smuggled into a message."""

    def to_python(self, value):
        if value and ("\r" in value or "\n" in value):
            raise ValidationError(_("An email address is one line: remove the line break."), code="line_break")
        return super().to_python(value)


class SubscribeForm(forms.Form):
    email = AddressField(label=_("Email address"), max_length=254)
    edition = forms.ChoiceField(label=_("Edition"), choices=edition_choices)
    # A honeypot: hidden from people (and from screen readers), filled in by bots.
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["edition"].initial = get_language() or settings.LANGUAGE_CODE

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))

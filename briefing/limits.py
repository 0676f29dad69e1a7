"""How much staff may write in one field: far more than any real issue needs, and bounded.

Every summary and lead is rendered on save and in the editor's live preview,
and every entry is shown on several pages and feeds, so nothing staff write
is unbounded. Forms refuse what is over a limit with a message that names
the field; models validate the same limits (``full_clean``, the publish check).
"""

from __future__ import annotations

from django import forms
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _

#: A summary or a lead, in either language (the archive's longest is under 3,000).
MARKDOWN_MAX_LENGTH = 20_000
#: A paper's own abstract.
ABSTRACT_MAX_LENGTH = 10_000
#: A comment on a workflow step.
COMMENT_MAX_LENGTH = 2_000
#: An entry's extra links, and the label of each.
MAX_LINKS = 20
LINK_LABEL_MAX_LENGTH = 100
#: An entry's tags, and the length of a tag's name (django-taggit's column).
MAX_TAGS = 20
TAG_MAX_LENGTH = 100


def too_long_message(label) -> str:
    """ "<label> is too long: …", for a form field's ``max_length`` error (lazy: translated when shown)."""
    return format_lazy(
        _("{field} is too long: it has %(show_value)d characters, at most %(limit_value)d."), field=capfirst(label),
    )


def name_fields_in_length_errors(form: forms.BaseForm) -> None:
    """Make the "too long" message of each of ``form``'s fields say which field it is.

    An entry's form has a dozen fields, and the issue page a form per entry:
    a message that names the field says where to look.
    """
    for field in form.fields.values():
        if getattr(field, "max_length", None):
            field.error_messages = {**field.error_messages, "max_length": too_long_message(field.label)}

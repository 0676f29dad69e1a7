"""The editor's desk (the issue's admin page): what it tells an editor, gathered in plain Python.

The admin configures forms; this module turns a failed save into the list of
problems shown at the top of the page, and writes times the one way the
admin shows them: in the site's time zone, named.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.forms.forms import NON_FIELD_ERRORS
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _


def local_time(value: datetime.datetime | None) -> str:
    """``2024-06-01 08:00`` in the site's time zone (TIME_ZONE, Asia/Shanghai unless set otherwise)."""
    if value is None:
        return ""
    return timezone.localtime(value, timezone.get_default_timezone()).strftime("%Y-%m-%d %H:%M")


@dataclass
class Problem:
    """One reason a save failed: where (the issue, or a section and an entry), which field, what, and its anchor."""

    where: str
    field: str
    message: str
    anchor: str


def _field_label(form, name: str) -> str:
    if name == NON_FIELD_ERRORS or name not in form.fields:
        return ""
    return capfirst(str(form.fields[name].label or name))


def _anchor(form, name: str, fallback: str) -> str:
    if name != NON_FIELD_ERRORS and name in form.fields and not form.fields[name].widget.is_hidden:
        return form[name].auto_id or fallback
    return fallback


def problems_of(form, inline_admin_formsets) -> list[Problem]:
    """Every error of a submitted issue page, in page order: the issue's fields, then each entry's."""
    from entries.models import Entry

    problems: list[Problem] = []
    for name, errors in form.errors.items():
        if name == NON_FIELD_ERRORS:
            continue  # the conflict and clash messages, shown in their own panel
        for message in errors:
            problems.append(Problem(_("Issue"), _field_label(form, name), message, _anchor(form, name, "issue_form")))
    sections = dict(Entry.Section.choices)
    for inline in inline_admin_formsets:
        formset = inline.formset
        for message in formset.non_form_errors():
            problems.append(Problem(_("Entries"), "", message, f"{formset.prefix}-group"))
        for number, entry_form in enumerate(formset.forms, start=1):
            if not entry_form.errors:
                continue
            try:
                section = str(sections.get(int(entry_form["section"].value()), ""))
            except (TypeError, ValueError):
                section = ""
            title = entry_form["title"].value() or _("new entry %(n)d") % {"n": number}
            where = f"{section} · “{title}”" if section else f"“{title}”"
            row = f"{entry_form.prefix}-row"
            for name, errors in entry_form.errors.items():
                for message in errors:
                    problems.append(Problem(where, _field_label(entry_form, name), message, _anchor(entry_form, name, row)))
    return problems

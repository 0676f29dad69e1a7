"""The issue editor (the desk): the entries' forms grouped by section as compact rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms, template
from django.utils.translation import gettext as _

from briefing.markdown import plain_text, render_title

register = template.Library()


@dataclass
class Mark:
    """A warning sign on an entry's row: its kind (a CSS class), a symbol and what it means."""

    kind: str
    symbol: str
    text: str


@dataclass
class Row:
    admin_form: object
    index: int
    prefix: str
    pk: int | None
    title: str
    source: str
    tags: str
    url: str
    errors: bool
    #: Why the importer could not read it whole ("" when it could): publishing waits for an editor's check.
    attention: str = ""
    marks: list[Mark] = field(default_factory=list)
    #: Render the form's fields now (rows with a problem, and the empty row new
    #: entries are made from); other rows carry their values in hidden inputs
    #: and get their fields in the browser when opened.
    full: bool = False

    @property
    def saved(self) -> bool:
        return self.pk is not None

    @property
    def open(self) -> bool:
        """Rows with a problem open by themselves; the rest stay folded."""
        return self.errors or bool(self.attention)

    @property
    def values(self) -> list[tuple[str, str]]:
        """(name, text) of each field as the browser would post it back unchanged: for a folded row."""
        form = self.admin_form.form
        skip = {form.instance._meta.pk.name, self.admin_form.formset.fk.name, "DELETE"}
        values = []
        for name, form_field in form.fields.items():
            if name in skip:
                continue
            bound = form[name]
            value = bound.value()
            if isinstance(form_field.widget, forms.Select):
                text = "" if value is None else str(value)
            else:
                formatted = form_field.widget.format_value(value)
                text = "" if formatted is None else str(formatted)
            values.append((bound.html_name, text))
        return values


@dataclass
class Section:
    value: int
    label: str
    rows: list[Row] = field(default_factory=list)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        from entries.tags import edit_string_for_tags

        return edit_string_for_tags(value)
    return str(value)


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _row(admin_form, index: int, marks: dict) -> Row:
    form = admin_form.form
    original = admin_form.original
    pk = original.pk if original is not None and original.pk else None
    url = _text(form["url"].value())
    attention = ""
    if original is not None and original.needs_attention:
        attention = _("Needs attention (%(why)s): the issue cannot be published until an editor "
                      "has checked it and cleared “needs attention” on its own page.") % {
            "why": original.attention_note or _("flagged"),
        }
    row = Row(
        admin_form=admin_form, index=index, prefix=form.prefix, pk=pk,
        # As readers see it: the title's inline Markdown (**bold**) rendered away.
        title=plain_text(render_title(_text(form["title"].value()))),
        source=_text(form["source"].value()), tags=_text(form["tags"].value()),
        url=url, errors=bool(form.errors), attention=attention, full=bool(form.errors or attention),
    )
    if form.errors:
        row.marks.append(Mark("error", "✖", _("This entry has errors: open it to see them.")))
    if attention:
        row.marks.append(Mark("attention", "⚑", attention))
    if not url:
        row.marks.append(Mark("nolink", "⚠", _("No link: readers get the title and summary only.")))
    for kind, text in marks.get(pk, []) if pk else []:
        row.marks.append(Mark(kind, {"duplicate": "⧉", "broken": "⛓"}.get(kind, "!"), text))
    return row


@register.simple_tag
def desk_sections(inline_admin_formset, marks=None) -> dict:
    """Every section (empty ones too, to add to), each with its entries' rows in reading order, and the empty row."""
    from entries.models import Entry

    marks = marks or {}
    sections = {value: Section(value, str(label)) for value, label in Entry.Section.choices}
    empty = None
    ordered = []
    for index, admin_form in enumerate(inline_admin_formset):
        if admin_form.form.prefix.endswith("__prefix__"):
            empty = _row(admin_form, index, {})
            empty.full = True
            continue
        form = admin_form.form
        section = _int(form["section"].value(), Entry.Section.INDUSTRY)
        if section not in sections:
            section = Entry.Section.INDUSTRY
        row = _row(admin_form, index, marks)
        # Read-only (a contributor's view of an issue in review): shown as it is, nothing to unfold.
        row.full = row.full or not inline_admin_formset.has_change_permission
        ordered.append((section, _int(form["position"].value(), 0), index, row))
    for section, _position, _index, row in sorted(ordered, key=lambda item: item[:3]):
        sections[section].rows.append(row)
    return {"sections": list(sections.values()), "empty_row": empty, "count": len(ordered)}


@register.filter
def revision_note(comment: str) -> str:
    """A revision's note in the reader's language (issues.history.revision_note)."""
    from issues.history import revision_note as note

    return note(comment)

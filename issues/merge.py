"""No lost edits: a form opened before someone else saved is merged field by field with what they saved.

Three values meet for every field: what the form was opened with (the
*base*, kept in the edit token), what is stored now, and what the editor
submits. A field only the other editor changed takes their value; a field
only this editor changed keeps theirs; where both changed one field
differently, the editor is asked which to keep (a *clash*). The merge works on
the submitted form data, so what the editor sees next is exactly what the next
save writes.

Snapshots come from ``issues.history``; a *path* names one field in one:
``("issue", "headline")`` or ``("entries", "12", "summary")``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from .history import FIELD_LABELS, Snapshot

Path = tuple[str, ...]
MISSING = object()
#: The prefix of the radio buttons that say which version of a clashing field to keep.
KEEP_PREFIX = "keep-"
DELETE_SUFFIX = "-DELETE"


@dataclass
class Clash:
    """One field both editors changed: its form name, what it is, their value and the editor's."""

    name: str
    label: str
    theirs: str
    mine: str

    @property
    def keep_name(self) -> str:
        return KEEP_PREFIX + self.name


def value_at(snapshot: Snapshot, path: Path) -> Any:
    node: Any = snapshot
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return MISSING
        node = node[key]
    return node


def form_text(field: str, value: Any) -> str:
    """A snapshot's value as the form's field holds it."""
    if field == "links":
        return "\n".join(f"{link.get('label', '')}: {link.get('url', '')}".lstrip(": ") for link in value or [])
    if field == "tags":
        from entries.tags import edit_string_for_tags

        return edit_string_for_tags(value or [])
    return "" if value is None else str(value)


def comparable(field: str, text: Any) -> Any:
    """What two texts of ``field`` are compared by: the same value typed differently compares equal."""
    text = "" if text is None else str(text)
    if field == "tags":
        from entries.tags import parse_tags

        return sorted(name.lower() for name in parse_tags(text))
    if field == "links":
        return [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    if field == "source":
        return " ".join(text.split()).lower()
    return text.replace("\r\n", "\n").strip()


def entry_label(pk: str, snapshot: Snapshot) -> str:
    title = value_at(snapshot, ("entries", pk, "title"))
    return _("Entry “%(title)s”") % {"title": "" if title is MISSING else title}


def field_label(path: Path, snapshot: Snapshot) -> str:
    field = str(FIELD_LABELS.get(path[-1], path[-1]))
    where = _("Issue") if path[0] == "issue" else entry_label(path[1], snapshot)
    return f"{where} · {field}"


class FormData:
    """Submitted form data that the merge may change: a mutable QueryDict (or dict) in place."""

    def __init__(self, form) -> None:
        self.form = form

    def get(self, name: str) -> Any:
        return self.form.data.get(name)

    def __contains__(self, name: str) -> bool:
        return name in self.form.data

    def set(self, name: str, value: str | None) -> None:
        try:
            if value is None:
                self.form.data.pop(name, None)
            else:
                self.form.data[name] = value
        except AttributeError:  # an immutable QueryDict (the request's POST): change a copy
            self.form.data = self.form.data.copy()
            self.set(name, value)


def apply_choices(data: FormData, names: dict[Path, str], base: Snapshot, pending: list[str]) -> list[str]:
    """Apply the editor's answers to earlier clashes ("theirs" puts their value back); the names still unanswered."""
    by_name = {name: path for path, name in names.items()}
    unanswered = []
    for name in pending:
        choice = data.get(KEEP_PREFIX + name)
        if choice == "theirs" and name.endswith(DELETE_SUFFIX):
            data.set(name, None)  # keep the entry they changed
        elif choice == "theirs" and name in by_name:
            value = value_at(base, by_name[name])
            if value is not MISSING:
                data.set(name, form_text(by_name[name][-1], value))
        elif choice != "mine" and (name in by_name or name.endswith(DELETE_SUFFIX)):
            unanswered.append(name)
    return unanswered


def merge(data: FormData, names: dict[Path, str], base: Snapshot, stored: Snapshot) -> tuple[list[Clash], list[str]]:
    """Bring what others saved since ``base`` into ``data``; the clashes, and notes on entries they removed.

    ``names`` maps each path to the name of its field in the form. A field
    only they changed gets their value in ``data``; a field both changed to
    different values is a clash, and keeps the editor's value until they choose.
    """
    clashes: list[Clash] = []
    notes: list[str] = []
    removed_entries: set[str] = set()
    for path, name in names.items():
        if name not in data:
            continue
        field = path[-1]
        was, now = value_at(base, path), value_at(stored, path)
        if path[0] == "entries" and value_at(stored, path[:2]) is MISSING:
            removed_entries.add(path[1])
            if was is not MISSING and comparable(field, data.get(name)) != comparable(field, form_text(field, was)):
                notes.append(_("%(label)s: the entry was removed meanwhile; what you wrote was: %(text)s") % {
                    "label": field_label(path, base), "text": data.get(name),
                })
            continue
        if was is MISSING or now is MISSING:
            continue
        was_text, now_text = form_text(field, was), form_text(field, now)
        if comparable(field, was_text) == comparable(field, now_text):
            continue  # nobody else changed it
        mine = data.get(name)
        if comparable(field, mine) == comparable(field, was_text):
            data.set(name, now_text)  # only they changed it
        elif comparable(field, mine) != comparable(field, now_text):
            clashes.append(Clash(name, field_label(path, stored), now_text, "" if mine is None else str(mine)))
    entry_prefixes = {path[1]: name.rsplit("-", 1)[0] for path, name in names.items() if path[0] == "entries"}
    for pk, prefix in entry_prefixes.items():
        delete = prefix + DELETE_SUFFIX
        was, now = value_at(base, ("entries", pk)), value_at(stored, ("entries", pk))
        if data.get(delete) and now is not MISSING and was != now:
            clashes.append(Clash(
                delete, entry_label(pk, stored),
                _("changed meanwhile: keep it"), _("removed by you: remove it"),
            ))
    for pk in removed_entries:
        # Gone from the database: the form drops it too rather than fail on it.
        data.set(entry_prefixes[pk] + DELETE_SUFFIX, "on")
    return clashes, notes


def clashes_named(data: FormData, names: dict[Path, str], base: Snapshot, pending: list[str]) -> list[Clash]:
    """The clashes still to settle, shown again (``base`` holds their side)."""
    paths = {name: path for path, name in names.items()}
    clashes = []
    for name in pending:
        if name in paths:
            path = paths[name]
            theirs = value_at(base, path)
            clashes.append(Clash(
                name, field_label(path, base), "" if theirs is MISSING else form_text(path[-1], theirs),
                str(data.get(name) or ""),
            ))
        elif name.endswith(DELETE_SUFFIX):
            clashes.append(Clash(name, name, _("changed meanwhile: keep it"), _("removed by you: remove it")))
    return clashes

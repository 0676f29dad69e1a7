"""An issue's history: revisions of the issue with its entries, their differences, restoring.

Revisions are django-reversion's. Each one holds the issue and all its
entries (and their tags) as they were after a save in the admin, so any
revision is a complete picture of the issue. Comparing and restoring go
through *snapshots*: plain, JSON-ready dicts of what an editor edits, the
same for a revision and for the database now. The concurrent-editing check in
``issues.forms`` compares snapshots too.
"""

from __future__ import annotations

import datetime
import difflib
import json
import re
from dataclasses import dataclass, field
from typing import Any

import reversion
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reversion.models import Revision, Version

from .models import Issue

# What an editor edits, the English edition and an entry's original abstract
# included: revisions compare and restore them, and two editors changing any
# of them at once are told (the edit tokens of issues.forms).
ISSUE_FIELDS = ["date", "title", "headline", "lead", "title_en", "headline_en", "lead_en", "tagline", "warmup_intro"]
ENTRY_FIELDS = [
    "section", "position", "title", "url", "source", "links", "arxiv_id", "venue", "summary", "tags",
    "title_en", "summary_en", "abstract",
]

Snapshot = dict[str, Any]


def register() -> None:
    """Put issues, their entries and the entries' tags under version control (from AppConfig.ready)."""
    from entries.models import Entry, TaggedEntry

    if not reversion.is_registered(TaggedEntry):
        reversion.register(TaggedEntry)
    if not reversion.is_registered(Entry):
        reversion.register(
            Entry, exclude=["summary_html", "summary_en_html", "url_normalized"], follow=["taggedentry_set"],
        )
    if not reversion.is_registered(Issue):
        reversion.register(
            Issue, exclude=["headline_html", "lead_html", "headline_en_html", "lead_en_html"], follow=["entries"],
        )


# Snapshots ---------------------------------------------------------------

def _issue_part(values: dict[str, Any]) -> dict[str, Any]:
    # A revision saved before the English edition existed holds none of it:
    # its snapshot leaves those fields out, and restoring it leaves them alone.
    date = values["date"]
    return {
        "date": date.isoformat() if hasattr(date, "isoformat") else str(date),
        **{name: values[name] or "" for name in ISSUE_FIELDS if name != "date" and name in values},
    }


def _entry_part(values: dict[str, Any], source: str, tags: list[str]) -> dict[str, Any]:
    return {
        "section": int(values["section"]),
        "position": int(values["position"]),
        "title": values["title"] or "",
        "url": values["url"] or "",
        "source": source,
        "links": list(values["links"] or []),
        "arxiv_id": values["arxiv_id"] or "",
        "venue": values["venue"] or "",
        "summary": values["summary"] or "",
        "tags": sorted(tags, key=str.lower),
        **{name: values[name] or "" for name in ("title_en", "summary_en", "abstract") if name in values},
    }


def current_snapshot(issue: Issue | int) -> Snapshot:
    """What the issue and its entries hold in the database now."""
    from entries.models import Entry, TaggedEntry

    pk = issue.pk if isinstance(issue, Issue) else issue
    values = Issue.objects.filter(pk=pk).values(*ISSUE_FIELDS).get()
    tags: dict[int, list[str]] = {}
    for entry_id, name in TaggedEntry.objects.filter(content_object__issue_id=pk).values_list("content_object_id", "tag__name"):
        tags.setdefault(entry_id, []).append(name)
    entries = {}
    for row in Entry.objects.filter(issue_id=pk).values("pk", "source__name", *[f for f in ENTRY_FIELDS if f not in ("source", "tags")]):
        entries[str(row["pk"])] = _entry_part(row, row["source__name"] or "", tags.get(row["pk"], []))
    return {"issue": _issue_part(values), "entries": entries}


def entry_snapshot(entry) -> Snapshot:
    """One entry as it is in the database now, in the shape of a snapshot."""
    from entries.models import Entry

    row = Entry.objects.filter(pk=entry.pk).values("pk", "source__name", *[f for f in ENTRY_FIELDS if f not in ("source", "tags")]).get()
    tags = list(Entry.objects.get(pk=entry.pk).tags.values_list("name", flat=True))
    return {"entries": {str(entry.pk): _entry_part(row, row["source__name"] or "", tags)}}


#: Fields added after revisions were first saved: an older revision does not hold them.
ADDED_LATER = {"title_en", "headline_en", "lead_en", "summary_en", "abstract", "tagline", "warmup_intro"}


def _saved_fields(version: Version) -> dict[str, Any]:
    """A version's field values, without those it was saved without.

    ``field_dict`` fills a field missing from an old revision with the
    model's default (an empty string), which restoring would then write over
    the text the field holds now.
    """
    values = version.field_dict
    try:
        saved = set(json.loads(version.serialized_data)[0]["fields"])
    except (ValueError, LookupError, TypeError):
        return values
    return {name: value for name, value in values.items() if name not in ADDED_LATER or name in saved}


def revision_snapshot(revision: Revision, issue_pk: int) -> Snapshot:
    """What the issue and its entries held when ``revision`` was saved."""
    from entries.models import Entry, Source, Tag, TaggedEntry

    by_model: dict[type, list[Version]] = {}
    for version in revision.version_set.all():
        by_model.setdefault(version.content_type.model_class(), []).append(version)
    issue_version = next(v for v in by_model.get(Issue, []) if v.object_id == str(issue_pk))
    entry_fields = [_saved_fields(v) for v in by_model.get(Entry, []) if v.field_dict["issue_id"] == issue_pk]
    entry_ids = {values["id"] for values in entry_fields}
    tag_ids: dict[int, list[int]] = {}
    for version in by_model.get(TaggedEntry, []):
        values = version.field_dict
        if values["content_object_id"] in entry_ids:
            tag_ids.setdefault(values["content_object_id"], []).append(values["tag_id"])
    tag_names = dict(Tag.objects.filter(pk__in={t for ids in tag_ids.values() for t in ids}).values_list("pk", "name"))
    source_names = dict(Source.objects.filter(pk__in={v["source_id"] for v in entry_fields}).values_list("pk", "name"))
    entries = {
        str(values["id"]): _entry_part(
            values, source_names.get(values["source_id"], ""),
            [tag_names[t] for t in tag_ids.get(values["id"], []) if t in tag_names],
        )
        for values in entry_fields
    }
    return {"issue": _issue_part(_saved_fields(issue_version)), "entries": entries}


def revisions_for(issue: Issue):
    """The issue's revisions, newest first, with who saved them."""
    return (
        Revision.objects.filter(
            version__content_type=ContentType.objects.get_for_model(Issue),
            version__object_id=str(issue.pk),
        )
        .select_related("user")
        .order_by("-date_created", "-pk")
        .distinct()
    )


# Differences -------------------------------------------------------------

_TOKEN = re.compile(r"[\u3000-\u9fff\uff00-\uffef]|\w+|\s+|[^\w\s]", re.UNICODE)

FIELD_LABELS = {
    "date": gettext_lazy("date"), "title": gettext_lazy("title"), "headline": gettext_lazy("headline"),
    "lead": gettext_lazy("lead"), "section": gettext_lazy("section"), "position": gettext_lazy("position"),
    "url": gettext_lazy("URL"), "source": gettext_lazy("source"), "links": gettext_lazy("extra links"),
    "arxiv_id": gettext_lazy("arXiv id"), "venue": gettext_lazy("venue"), "summary": gettext_lazy("summary"),
    "tags": gettext_lazy("tags"), "title_en": gettext_lazy("English title"),
    "headline_en": gettext_lazy("English headline"), "lead_en": gettext_lazy("English lead"),
    "summary_en": gettext_lazy("English summary"), "abstract": gettext_lazy("original abstract"),
    "tagline": gettext_lazy("tagline"), "warmup_intro": gettext_lazy("warm-up intro"),
}


def _display(name: str, value: Any) -> str:
    from entries.models import Entry

    if name == "section":
        try:
            return str(Entry.Section(value).label)
        except ValueError:
            return str(value)
    if name == "links":
        return "\n".join(f"{link.get('label', '')}: {link.get('url', '')}".lstrip(": ") for link in value or [])
    if name == "tags":
        return ", ".join(value or [])
    return "" if value is None else str(value)


def inline_diff(old: str, new: str) -> SafeString:
    """``old`` → ``new`` as HTML, removed text in <del> and added text in <ins>.

    Chinese characters are compared one by one, other words as a whole.
    """
    a, b = _TOKEN.findall(old or ""), _TOKEN.findall(new or "")
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(conditional_escape("".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(format_html("<del>{}</del>", "".join(a[i1:i2])))
        if j2 > j1:
            out.append(format_html("<ins>{}</ins>", "".join(b[j1:j2])))
    return mark_safe("".join(out))


@dataclass
class FieldChange:
    name: str
    label: str
    old: str
    new: str

    @property
    def html(self) -> SafeString:
        return inline_diff(self.old, self.new)


@dataclass
class Change:
    """What changed in the issue itself or in one entry."""

    kind: str  # "issue", "added", "removed" or "changed"
    label: str
    fields: list[FieldChange] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return {"added": _("added"), "removed": _("removed"), "changed": _("changed"), "issue": _("changed")}[self.kind]


def _field_changes(names: list[str], old: dict | None, new: dict | None) -> list[FieldChange]:
    changes = []
    for name in names:
        before = _display(name, (old or {}).get(name)) if old is not None else ""
        after = _display(name, (new or {}).get(name)) if new is not None else ""
        if before != after:
            changes.append(FieldChange(name, str(FIELD_LABELS.get(name, name)), before, after))
    return changes


def diff(old: Snapshot, new: Snapshot) -> list[Change]:
    """What changed from snapshot ``old`` to snapshot ``new``, in reading order."""
    changes: list[Change] = []
    if "issue" in old or "issue" in new:
        fields = _field_changes(ISSUE_FIELDS, old.get("issue"), new.get("issue"))
        if fields:
            changes.append(Change("issue", _("Issue"), fields))
    old_entries, new_entries = old.get("entries", {}), new.get("entries", {})

    def order(pk: str) -> tuple:
        data = new_entries.get(pk) or old_entries.get(pk)
        return (data["section"], data["position"], int(pk))

    for pk in sorted(set(old_entries) | set(new_entries), key=order):
        before, after = old_entries.get(pk), new_entries.get(pk)
        title = (after or before)["title"]
        if before is None:
            changes.append(Change("added", _("Entry “%(title)s”") % {"title": title}, _field_changes(ENTRY_FIELDS, {}, after)))
        elif after is None:
            changes.append(Change("removed", _("Entry “%(title)s”") % {"title": title}, _field_changes(ENTRY_FIELDS, before, {})))
        else:
            fields = _field_changes(ENTRY_FIELDS, before, after)
            if fields:
                changes.append(Change("changed", _("Entry “%(title)s”") % {"title": title}, fields))
    return changes


# Restoring ---------------------------------------------------------------

class RestoreError(Exception):
    """The revision cannot be restored as it is (say, another issue has its date now)."""


def save_revision(issue: Issue, user=None, comment: str = "") -> None:
    """Record the issue with its entries as a revision now (for importers and commands).

    The admin does this on every save by itself.
    """
    with reversion.create_revision(manage_manually=True):
        reversion.set_user(user)
        reversion.set_comment(comment)
        reversion.add_to_revision(issue)


def restore(issue: Issue, revision: Revision, user) -> Issue:
    """Bring back the issue and its entries as ``revision`` holds them.

    The restore is itself a new revision. If the issue was changed since its
    last revision (by the workflow, an import or a shell), that state is first
    saved as a revision too, so restoring never loses anything. The issue's
    status is the workflow's business and is left as it is.

    An entry of the revision may have moved to another issue since: restoring
    takes it back, so it touches that issue too. RestoreError is raised,
    and nothing written, unless ``user`` may edit every issue it touches.
    """
    from entries.models import Entry, Source

    target = revision_snapshot(revision, issue.pk)
    entry_ids = [int(pk) for pk in target["entries"]]
    with transaction.atomic():
        # Every issue the restore touches, locked in id order (as forms and
        # the workflow lock), then read again under the lock.
        elsewhere = set(Entry.objects.filter(pk__in=entry_ids).exclude(issue_id=issue.pk).values_list("issue_id", flat=True))
        Issue.objects.filter(pk__in=elsewhere | {issue.pk}).lock()
        locked = Issue.objects.get(pk=issue.pk)
        if not locked.can_be_edited_by(user):
            raise RestoreError(_("You may not edit this issue now, so you may not restore a version of it."))
        moved = list(Entry.objects.filter(pk__in=entry_ids).exclude(issue_id=locked.pk).select_related("issue"))
        if {entry.issue_id for entry in moved} - elsewhere:
            raise RestoreError(_("Entries of this version moved while restoring; try again."))
        refused = [entry for entry in moved if not entry.issue.can_be_edited_by(user)]
        if refused:
            raise RestoreError(" ".join(
                _("Entry “%(entry)s” is now in “%(issue)s” (%(date)s), which you may not edit: "
                  "restoring this version would take it out of that issue.") % {
                    "entry": entry.title, "issue": entry.issue, "date": entry.issue.date.isoformat(),
                }
                for entry in refused
            ))
        for touched in [locked, *{entry.issue_id: entry.issue for entry in moved}.values()]:
            latest = revisions_for(touched).first()
            if latest is None or revision_snapshot(latest, touched.pk) != current_snapshot(touched):
                save_revision(touched, user, _("The state before a restore."))

        date = target["issue"]["date"]
        if Issue.objects.filter(date=date).exclude(pk=locked.pk).exists():
            raise RestoreError(
                _("Another issue has the date %(date)s now; change its date first.") % {"date": date}
            )
        with reversion.create_revision(manage_manually=True):
            for name in ISSUE_FIELDS:
                if name in target["issue"]:
                    setattr(locked, name, target["issue"][name])
            locked.date = datetime.date.fromisoformat(target["issue"]["date"])
            locked.save()
            keep = set()
            for pk, data in target["entries"].items():
                entry = Entry.objects.filter(pk=int(pk)).first() or Entry(pk=int(pk))
                entry.issue = locked
                for name in ENTRY_FIELDS:
                    if name not in ("source", "tags") and name in data:
                        setattr(entry, name, data[name])
                entry.source = Source.objects.get_or_create(name=data["source"])[0] if data["source"] else None
                entry.save()
                entry.tags.set(data["tags"])
                keep.add(entry.pk)
            Entry.objects.filter(issue=locked).exclude(pk__in=keep).delete()
            reversion.set_user(user)
            reversion.set_comment(
                _("Restored the version of %(when)s.") % {
                    "when": timezone.localtime(revision.date_created).strftime("%Y-%m-%d %H:%M:%S"),
                }
            )
            reversion.add_to_revision(locked)
    return locked


# Revision notes ----------------------------------------------------------

def revision_note(comment: str) -> str:
    """A revision's note in the reader's language.

    The admin stores what a save changed as Django's change message (JSON,
    with field labels in English) and it is put into words here, when shown:
    "已修改 要点 和 导读。" for a Chinese reader, "Changed Headline and Lead."
    for an English one, never a mix. Notes written as text (restores,
    imports) are shown as written.
    """
    if not comment or not comment.startswith("["):
        return comment or ""
    from django.contrib.admin.models import LogEntry
    from django.utils.text import capfirst

    try:
        parts = json.loads(comment)
    except ValueError:
        return comment
    if not parts:
        return _("Saved without changes.")

    def label(text: str) -> str:
        # The admin keeps capitalised labels ("Headline"); the msgids are the fields' verbose names ("headline").
        translated = _(text)
        return translated if translated != text else capfirst(_(text[:1].lower() + text[1:]))

    for part in parts:
        for values in part.values():
            if isinstance(values, dict):
                if "fields" in values:
                    values["fields"] = [label(str(name)) for name in values["fields"]]
                if "name" in values:
                    values["name"] = label(str(values["name"]))
    return LogEntry(change_message=json.dumps(parts)).get_change_message()


# Edit tokens (optimistic locking) ---------------------------------------

EDIT_TOKEN_SALT = "issues.edit-token"


def make_edit_token(snapshot: Snapshot, pending: list[str] | None = None) -> str:
    """A signed, compressed copy of what the editor's form was built from, and when.

    ``pending`` names the fields whose clash the editor has yet to settle (``issues.merge``).
    """
    data = {"s": snapshot, "t": timezone.now().timestamp()}
    if pending:
        data["k"] = pending
    return signing.dumps(data, salt=EDIT_TOKEN_SALT, compress=True)


def read_edit_token(token: str) -> tuple[Snapshot, float, list[str]] | None:
    """(snapshot, when, fields with a clash to settle) of a token; None if it is not one of ours."""
    try:
        data = signing.loads(token or "", salt=EDIT_TOKEN_SALT)
        return data["s"], float(data["t"]), [str(name) for name in data.get("k", [])]
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def savers_since(issue_pk: int, timestamp: float) -> list[tuple[str, Any]]:
    """(who, when) of the revisions of an issue saved after ``timestamp``, oldest first."""
    since = datetime.datetime.fromtimestamp(timestamp, tz=datetime.timezone.utc)
    revisions = (
        Revision.objects.filter(
            version__content_type=ContentType.objects.get_for_model(Issue),
            version__object_id=str(issue_pk), date_created__gt=since,
        )
        .select_related("user").order_by("date_created").distinct()
    )
    return [(str(r.user) if r.user else _("someone"), r.date_created) for r in revisions]

"""Write parsed briefing files to the database: one transaction per file, batched queries.

Importing the same file again updates its issue in place: entries are matched
by section and position, so their pages and tags survive a re-import, and only
what differs is written. A file that fails leaves nothing behind.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DatabaseError, transaction
from django.utils import timezone

from briefing.markdown import render_markdown
from entries.links import host_kind, normalize_url
from entries.models import Entry, Source, unicode_slug
from issues import workflow
from issues.models import Issue

from .parser import ParsedEntry, ParsedIssue, ParseError, parse_file

ENTRY_FIELDS = ["title", "url", "source_id", "arxiv_id", "venue", "links", "summary"]
BATCH_SIZE = 500


class ImportFailed(Exception):
    """A file could not be imported; nothing from it was written."""

    def __init__(self, path: str, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass
class FileResult:
    """What importing one file did (or, in a dry run, would do)."""

    path: str
    date: datetime.date | None = None
    issue_created: bool = False
    issue_changed: bool = False
    entries_created: int = 0
    entries_updated: int = 0
    entries_deleted: int = 0
    entries_total: int = 0
    sources_created: list[str] = field(default_factory=list)
    status: str = ""
    warnings: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.issue_created or self.issue_changed or self.entries_created
                    or self.entries_updated or self.entries_deleted or self.sources_created)


def publish_time(date: datetime.date) -> datetime.datetime:
    """The publish time given to an archived issue: the start of its date, in the site's time zone."""
    return timezone.make_aware(datetime.datetime.combine(date, datetime.time.min))


def source_kind(url: str) -> str:
    """A first guess at what kind of publisher a new Source is, from one of its links."""
    return Source.Kind(host_kind(url)) if host_kind(url) else Source.Kind.WEBSITE


def _resolve_sources(parsed: ParsedIssue, result: FileResult) -> dict[str, Source]:
    """The Source of every publisher in ``parsed``, by exact name, creating the missing ones."""
    first_url: dict[str, str] = {}
    for entry in parsed.entries:
        if entry.publisher:
            first_url.setdefault(entry.publisher, entry.url)
    if not first_url:
        return {}
    sources = {s.name: s for s in Source.objects.filter(name__in=list(first_url))}
    missing = [name for name in first_url if name not in sources]
    if missing:
        taken = set(Source.objects.values_list("slug", flat=True))
        new = []
        for name in missing:
            base = unicode_slug(name, "source")
            slug, n = base, 1
            while slug in taken:
                n += 1
                slug = f"{base}-{n}"
            taken.add(slug)
            new.append(Source(name=name, slug=slug, kind=source_kind(first_url[name])))
        created = Source.objects.bulk_create(new)
        if any(s.pk is None for s in created):  # backends that cannot return ids
            created = list(Source.objects.filter(name__in=missing))
        for source in created:
            sources[source.name] = source
        result.sources_created = missing
    return sources


def _values(parsed: ParsedEntry, sources: dict[str, Source]) -> dict:
    source = sources.get(parsed.publisher) if parsed.publisher else None
    return {
        "title": parsed.title,
        "url": parsed.url,
        "source_id": source.pk if source else None,
        "arxiv_id": parsed.arxiv_id,
        "venue": parsed.venue,
        "links": parsed.links,
        "summary": parsed.summary,
    }


def _prepare(entry: Entry) -> None:
    """What Entry.save() computes before writing; bulk writes bypass save()."""
    entry.url_normalized = normalize_url(entry.url)
    entry.summary_html = render_markdown(entry.summary)


#: What an editor added to an entry beside the archive's text: kept on re-import unless the
#: entry's link changed (see _write).
ENGLISH_FIELDS = ["title_en", "summary_en", "summary_en_html", "abstract"]


def _clear_english(entry: Entry) -> bool:
    """Empty ``entry``'s English edition and abstract; whether there was any."""
    had = any(getattr(entry, name) for name in ENGLISH_FIELDS)
    for name in ENGLISH_FIELDS:
        setattr(entry, name, "")
    return had


def _check_lengths(parsed: ParsedIssue) -> None:
    """Refuse values the database would reject, naming the line, before anything is written."""
    # The limits are the models' own, so a change there needs nothing here.
    limits = [(name, Entry._meta.get_field(name).max_length) for name in ("title", "url", "arxiv_id", "venue")]
    publisher_limit = Source._meta.get_field("name").max_length
    for entry in parsed.entries:
        for name, limit in limits:
            value = getattr(entry, name)
            if len(value) > limit:
                raise ParseError(parsed.path, entry.line, f"the entry's {name} is {len(value)} characters long; at most {limit} fit")
        if len(entry.publisher) > publisher_limit:
            raise ParseError(parsed.path, entry.line, f"the publisher's name is longer than {publisher_limit} characters")
    for name in ("headline", "title"):
        limit = Issue._meta.get_field(name).max_length
        if len(getattr(parsed, name)) > limit:
            raise ParseError(parsed.path, parsed.heading_line, f"the {name} is longer than {limit} characters")


def import_parsed(
    parsed: ParsedIssue,
    *,
    publish: bool = True,
    dry_run: bool = False,
    strict: bool = False,
    user=None,
) -> FileResult:
    """Write one parsed issue to the database, atomically; ImportFailed leaves nothing behind."""
    result = FileResult(path=parsed.path, date=parsed.date, warnings=parsed.formatted_warnings())
    if strict and parsed.warnings:
        raise ImportFailed(
            parsed.path,
            f"{parsed.path}: {len(parsed.warnings)} warning(s) and --strict:\n  " + "\n  ".join(result.warnings),
            parsed.warnings[0].line,
        )
    try:
        _check_lengths(parsed)
    except ParseError as exc:
        raise ImportFailed(exc.path, str(exc), exc.line)

    try:
        return _write(parsed, result, publish=publish, dry_run=dry_run, user=user)
    except DatabaseError as exc:
        # Another import of the same date at the same time, or a value the database refuses.
        raise ImportFailed(parsed.path, f"{parsed.path}: the database refused the issue, nothing was written ({exc})")


def _write(parsed: ParsedIssue, result: FileResult, *, publish: bool, dry_run: bool, user) -> FileResult:
    with transaction.atomic():
        issue = Issue.objects.select_for_update().filter(date=parsed.date).first()
        result.issue_created = issue is None
        if issue is None:
            issue = Issue(date=parsed.date, created_by=user)
        fields = {"title": parsed.title or issue.default_title(), "headline": parsed.headline, "lead": parsed.lead}
        changed = [name for name, value in fields.items() if getattr(issue, name) != value]
        for name in changed:
            setattr(issue, name, fields[name])
        if result.issue_created:
            issue.save()
            result.changes.append("new issue")
        elif changed:
            issue.save(update_fields=changed + ["updated_at"])
            result.issue_changed = True
            result.changes.append("issue " + ", ".join(changed) + " changed")

        sources = _resolve_sources(parsed, result)
        existing = {} if result.issue_created else {
            (e.section, e.position): e for e in issue.entries.order_by("section", "position", "pk")
        }
        now = timezone.now()
        to_create, to_update = [], []
        for parsed_entry in parsed.entries:
            values = _values(parsed_entry, sources)
            entry = existing.pop((parsed_entry.section, parsed_entry.position), None)
            if entry is None:
                entry = Entry(issue=issue, section=parsed_entry.section, position=parsed_entry.position, **values)
                _prepare(entry)
                to_create.append(entry)
                continue
            differs = [name for name, value in values.items() if getattr(entry, name) != value]
            if differs:
                for name in differs:
                    setattr(entry, name, values[name])
                if "url" in differs and _clear_english(entry):
                    # Another link in this slot is another item: its English text and abstract
                    # belonged to the one that was here, and must not be shown as this one's.
                    differs.append("English edition cleared")
                entry.updated_at = now
                _prepare(entry)
                to_update.append(entry)
                result.changes.append(
                    f"entry {entry.get_section_display()} #{entry.position} “{entry.title[:40]}”: " + ", ".join(
                        name.removesuffix("_id") for name in differs
                    )
                )
        to_delete = [entry.pk for entry in existing.values()]
        for entry in existing.values():
            result.changes.append(f"entry {entry.get_section_display()} #{entry.position} “{entry.title[:40]}” removed")

        Entry.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
        if to_update:
            Entry.objects.bulk_update(
                to_update,
                ENTRY_FIELDS + ["url_normalized", "summary_html", "updated_at", *ENGLISH_FIELDS],
                batch_size=BATCH_SIZE,
            )
        if to_delete:
            Entry.objects.filter(pk__in=to_delete).delete()
        # Bulk writes skip Entry.save(), which writes the search text: from the entries as written, with their tags.
        Entry.objects.filter(issue=issue).store_search_text()
        result.entries_created = len(to_create)
        result.entries_updated = len(to_update)
        result.entries_deleted = len(to_delete)
        result.entries_total = len(parsed.entries)
        if result.entries_created and not result.issue_created:
            result.changes.append(f"{result.entries_created} new entries")
        if result.sources_created:
            result.changes.append("new sources: " + ", ".join(result.sources_created))

        if publish:
            target_status, target_time = workflow.publication(publish_time(parsed.date), timezone.now())
        else:
            target_status, target_time = Issue.Status.DRAFT, None
        if result.changed or issue.status != target_status or issue.publish_at != target_time:
            if issue.status != target_status or issue.publish_at != target_time:
                result.changes.append(f"status {issue.status} → {target_status}")
                result.issue_changed = result.issue_changed or not result.issue_created
            workflow.record_import(
                issue, user, publish=publish, publish_at=target_time,
                comment=f"Imported from {Path(parsed.path).name}.",
            )
        result.status = issue.status
        if result.changed:
            # Bulk writes skip Entry.save(), which tells the issue its content changed.
            Issue.objects.filter(pk=issue.pk).content_changed()
        if dry_run:
            transaction.set_rollback(True)
    return result


def import_file(path: str | Path, **options) -> FileResult:
    """Parse and import one file; ImportFailed (with file and line) if it cannot be imported."""
    try:
        parsed = parse_file(path)
    except ParseError as exc:
        raise ImportFailed(exc.path, str(exc), exc.line)
    return import_parsed(parsed, **options)


def collect_paths(paths: list[str | Path]) -> list[Path]:
    """The files named, and the Markdown files inside the folders named, in a stable order.

    A folder's README.md is documentation, not an issue, and is skipped.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(
                p for p in sorted(path.rglob("*.md"))
                if p.is_file() and p.name.lower() != "readme.md"
            )
        else:
            found.append(path)
    return found

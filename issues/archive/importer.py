"""Write parsed briefing files to the database: one transaction per file, batched queries.

Each entry is stored exactly as saving it in the admin would store it: the
importer sets the fields it read and calls ``Entry.render_fields()`` (link
recognition, the normalized link, rendered Markdown), the same code
``Entry.save()`` runs, so importing and then saving changes nothing.

Importing over an existing issue is refused unless asked for (``replace``):
entries are then matched by section and position, so their pages and tags
survive, only what differs is written, and a revision of the issue as it was
is recorded first. The status of an issue is set only when the issue is the
import's own (every step in its log is an import). A file that fails leaves
nothing behind.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from briefing.limits import MARKDOWN_MAX_LENGTH, MAX_LINKS
from entries.links import analyze_link, host_kind, validate_http_url
from entries.models import Entry, Source, SourceAlias, unicode_slug
from issues import workflow
from issues.models import Issue

from .parser import PROJECTS, ParsedEntry, ParsedIssue, ParseError, ParseWarning, parse_file

#: The fields an import writes (beside what ``render_fields()`` computes from them).
ENTRY_FIELDS = ["title", "url", "source_id", "arxiv_id", "venue", "links", "summary", "needs_attention", "attention_note"]
RENDERED_FIELDS = ["url_normalized", "title_html", "title_en_html", "summary_html", "summary_en_html"]
ISSUE_FIELDS = ["title", "headline", "lead", "tagline", "warmup_intro", "notes"]
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
    needing_attention: int = 0
    sources_created: list[str] = field(default_factory=list)
    status: str = ""
    warnings: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
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
    """The Source of every publisher in ``parsed``, by name or alias, creating the missing ones."""
    first_url: dict[str, str] = {}
    for entry in parsed.entries:
        if entry.publisher:
            first_url.setdefault(entry.publisher, entry.url)
        elif entry.url or entry.section == PROJECTS:
            # The source link recognition will give (GitHub, arXiv…), found here with the others in one query.
            name = analyze_link(entry.url, entry.title, open_source_section=entry.section == PROJECTS).source_name
            if name:
                first_url.setdefault(name, entry.url)
    if not first_url:
        return {}
    sources = {s.name: s for s in Source.objects.filter(name__in=list(first_url))}
    for alias in SourceAlias.objects.filter(name__in=[n for n in first_url if n not in sources]).select_related("source"):
        sources[alias.name] = alias.source
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


#: What an editor added to an entry beside the archive's text: kept on re-import unless the
#: entry's link changed (see _write).
ENGLISH_FIELDS = ["title_en", "summary_en", "abstract"]
#: Every entry field an import compares and writes.
WRITTEN_FIELDS = ENTRY_FIELDS + RENDERED_FIELDS + ENGLISH_FIELDS


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
        if len(entry.summary) > MARKDOWN_MAX_LENGTH:
            raise ParseError(parsed.path, entry.line, f"the entry's summary is {len(entry.summary):,} characters long; at most {MARKDOWN_MAX_LENGTH:,} are kept")
        if len(entry.links) > MAX_LINKS:
            raise ParseError(parsed.path, entry.line, f"the entry has {len(entry.links)} extra links; at most {MAX_LINKS}")
    if len(parsed.lead) > MARKDOWN_MAX_LENGTH:
        raise ParseError(parsed.path, parsed.heading_line, f"the lead is longer than {MARKDOWN_MAX_LENGTH:,} characters")
    for name in ("headline", "title", "tagline", "warmup_intro"):
        limit = Issue._meta.get_field(name).max_length
        if len(getattr(parsed, name)) > limit:
            raise ParseError(parsed.path, parsed.heading_line, f"the {name} is longer than {limit} characters")


def _check_urls(parsed: ParsedIssue) -> None:
    """Only http(s) addresses are stored: any other link is left out with a warning, and its entry flagged."""
    for entry in parsed.entries:
        for url in [entry.url, *[link["url"] for link in entry.links]]:
            try:
                validate_http_url(url) if url else None
            except ValidationError:
                message = f"“{url[:80]}” is not a web address (only http:// and https:// links are kept); left out"
                parsed.warnings.append(ParseWarning(entry.line, message, strict=True))
                entry.attention = entry.attention or "a link that is not a web address was left out"
                if url == entry.url:
                    entry.url = ""
                entry.links = [link for link in entry.links if link["url"] != url]
    parsed.warnings.sort(key=lambda w: w.line)


def import_parsed(
    parsed: ParsedIssue,
    *,
    publish: bool = True,
    dry_run: bool = False,
    strict: bool = False,
    replace: bool = False,
    user=None,
) -> FileResult:
    """Write one parsed issue to the database, atomically; ImportFailed leaves nothing behind.

    ``replace`` allows changing an issue that already exists; without it such
    an import fails (an unchanged file is fine: it changes nothing).
    """
    _check_urls(parsed)
    result = FileResult(
        path=parsed.path, date=parsed.date, warnings=parsed.formatted_warnings(),
        skipped=[s.format() for s in parsed.skipped],
    )
    lost = parsed.strict_warnings()
    if strict and lost:
        raise ImportFailed(
            parsed.path,
            f"{parsed.path}: {len(lost)} warning(s) about reader content lost or not understood, and --strict:\n  "
            + "\n  ".join(w.format(parsed.path) for w in lost),
            lost[0].line,
        )
    try:
        _check_lengths(parsed)
    except ParseError as exc:
        raise ImportFailed(exc.path, str(exc), exc.line)

    try:
        return _write(parsed, result, publish=publish, dry_run=dry_run, replace=replace, user=user)
    except DatabaseError as exc:
        # Another import of the same date at the same time, or a value the database refuses.
        raise ImportFailed(parsed.path, f"{parsed.path}: the database refused the issue, nothing was written ({exc})")


def _is_imports_own(issue: Issue) -> bool:
    """Whether only imports ever set this issue's status: its log holds import steps and nothing else."""
    actions = set(issue.transitions.values_list("action", flat=True))
    return actions == {"import"}


def _notes(parsed: ParsedIssue) -> list[dict]:
    return [{"section": n["section"], "before": n["before"], "text": n["text"]} for n in parsed.notes]


def _stored_notes(issue: Issue) -> list[dict]:
    return [{"section": n.get("section"), "before": n.get("before"), "text": n.get("text", "")} for n in issue.notes or []]


def _write(parsed: ParsedIssue, result: FileResult, *, publish: bool, dry_run: bool, replace: bool, user) -> FileResult:
    from issues.history import save_revision

    with transaction.atomic():
        issue = Issue.objects.select_for_update().filter(date=parsed.date).first()
        result.issue_created = issue is None
        if issue is None:
            issue = Issue(date=parsed.date, created_by=user)
        fields = {
            "title": parsed.title or issue.default_title(), "headline": parsed.headline, "lead": parsed.lead,
            "tagline": parsed.tagline, "warmup_intro": parsed.warmup_intro,
        }
        changed = [name for name, value in fields.items() if getattr(issue, name) != value]
        if result.issue_created or _stored_notes(issue) != _notes(parsed):
            changed.append("notes")
        own = result.issue_created or _is_imports_own(issue)

        sources = _resolve_sources(parsed, result)
        existing = {} if result.issue_created else {
            (e.section, e.position): e for e in issue.entries.select_related("source").order_by("section", "position", "pk")
        }
        if result.issue_created:
            for name in changed:
                setattr(issue, name, fields.get(name))
            issue.notes = _notes(parsed)
            issue.save()
            result.changes.append("new issue")
        now = timezone.now()
        to_create, to_update = [], []
        for parsed_entry in parsed.entries:
            entry = existing.pop((parsed_entry.section, parsed_entry.position), None)
            if entry is None:
                entry = Entry(issue=issue, section=parsed_entry.section, position=parsed_entry.position)
            old_url = entry.url
            _apply(entry, parsed_entry, sources)
            if entry.pk is None:
                to_create.append(entry)
                continue
            differs = sorted(entry.changed_fields() & set(WRITTEN_FIELDS))
            if differs:
                if entry.url != old_url and _clear_english(entry):
                    # Another link in this slot is another item: its English text and abstract
                    # belonged to the one that was here, and must not be shown as this one's.
                    entry.render_fields()
                    differs.append("English edition cleared")
                entry.updated_at = now
                to_update.append(entry)
                shown = [name.removesuffix("_id") for name in differs if name not in RENDERED_FIELDS]
                result.changes.append(
                    f"entry {entry.get_section_display()} #{entry.position} “{entry.title[:40]}”: " + ", ".join(shown or differs)
                )
        to_delete = [entry.pk for entry in existing.values()]
        for entry in existing.values():
            result.changes.append(f"entry {entry.get_section_display()} #{entry.position} “{entry.title[:40]}” removed")
        result.entries_created = len(to_create)
        result.entries_updated = len(to_update)
        result.entries_deleted = len(to_delete)
        result.entries_total = len(parsed.entries)
        result.needing_attention = sum(1 for e in parsed.entries if e.attention)

        if not result.issue_created and (changed or to_create or to_update or to_delete or result.sources_created):
            if not replace:
                raise ImportFailed(
                    parsed.path, f"{parsed.path}:{parsed.heading_line}: an issue dated {parsed.date.isoformat()} already exists "
                    f"({issue.get_status_display()}) and this file would change it; nothing was written. "
                    f"Use --replace to replace it (a revision of it is kept first)."
                )
            # Whatever the issue holds now (nothing is written to it above) can be restored from its history.
            save_revision(issue, user, f"Before importing {Path(parsed.path).name} over it.")
            for name in changed:
                setattr(issue, name, fields.get(name))
            if "notes" in changed:
                issue.notes = _notes(parsed)
            if changed:
                issue.save(update_fields=changed + ["updated_at"])
                result.issue_changed = True
                result.changes.append("issue " + ", ".join(changed) + " changed")

        Entry.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
        if to_update:
            Entry.objects.bulk_update(to_update, [*WRITTEN_FIELDS, "updated_at"], batch_size=BATCH_SIZE)
        if to_delete:
            Entry.objects.filter(pk__in=to_delete).delete()
        if result.changed:
            # Bulk writes skip Entry.save(), which writes the search text: from the entries as written, with their tags.
            Entry.objects.filter(issue=issue).store_search_text()
        if result.entries_created and not result.issue_created:
            result.changes.append(f"{result.entries_created} new entries")
        if result.sources_created:
            result.changes.append("new sources: " + ", ".join(result.sources_created))

        _set_status(issue, parsed, result, publish=publish, own=own, user=user)
        result.status = issue.status
        if result.changed:
            # Bulk writes skip Entry.save(), which tells the issue its content changed.
            Issue.objects.filter(pk=issue.pk).content_changed()
        if dry_run:
            transaction.set_rollback(True)
    return result


def _apply(entry: Entry, parsed: ParsedEntry, sources: dict[str, Source]) -> None:
    """Set what the file says on ``entry``, then what a save would compute from it."""
    entry.title = parsed.title
    entry.url = parsed.url
    source = sources.get(parsed.publisher) if parsed.publisher else None
    entry.source = source
    entry.arxiv_id = parsed.arxiv_id
    entry.venue = parsed.venue
    entry.links = [dict(link) for link in parsed.links]
    entry.summary = parsed.summary
    # An entry still needing attention keeps the reason first recorded (a re-export writes its link differently).
    if not (entry.needs_attention and parsed.attention and entry.attention_note):
        entry.attention_note = parsed.attention[:300]
    entry.needs_attention = bool(parsed.attention)
    entry.render_fields(sources=sources)


def _set_status(issue: Issue, parsed: ParsedIssue, result: FileResult, *, publish: bool, own: bool, user) -> None:
    """Publish the issue at its date (or make it a draft), if it is the import's own to set."""
    if not own:
        if result.changed:
            result.changes.append(f"status kept: {issue.get_status_display()} (set by an editor, not an import)")
        return
    if publish and result.needing_attention:
        # An issue with an entry needing attention cannot be published (issues/workflow.py).
        publish = False
        lines = ", ".join(str(e.line) for e in parsed.entries if e.attention)
        result.warnings.append(
            f"{parsed.path}:{parsed.heading_line}: imported as a draft: the entries on line(s) {lines} need "
            "attention; publish the issue once an editor has checked them"
        )
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


def import_file(path: str | Path, **options) -> FileResult:
    """Parse and import one file; ImportFailed (with file and line) if it cannot be imported."""
    try:
        parsed = parse_file(path)
    except ParseError as exc:
        raise ImportFailed(exc.path, str(exc), exc.line)
    except RecursionError:
        # The parser does not recurse; this is the last guard, so the next file is still imported.
        raise ImportFailed(str(path), f"{path}:1: the file is nested too deeply to be read")
    try:
        return import_parsed(parsed, **options)
    except RecursionError:
        raise ImportFailed(str(path), f"{path}:1: the file is nested too deeply to be imported")


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

"""Issue bodies: an issue's sections of entry cards, joined once when they change.

Entry cards (entries/cards.py) made an issue page a matter of joining stored
strings, but still one row per entry: the page read 15 to 40 cards, the feed
500, and assembled sections from them on every request. The body is that
assembly done once: the table of contents and the sections with their cards,
for the page and for the feed, in the original and in English, stored in the
issue's ``IssueBody``. The page and the feed read one row per issue.

The page's header (title, date, headline, lead, in each edition) is stored
with the body too, joined again when an issue is saved with other values of
those fields. It carries a fingerprint of the values it was made from
(``Issue.header_fingerprint()``), checked on every request: a header that
does not match the issue row (changed by an ``update()``, which sends no
signal) is never shown, the page renders its header itself.

A body is made of the issue's entries, in reading order, and their cards, so
it is made again whenever either changes: whenever cards are stored
(``entries.cards.cards_stored``, sent by ``store_cards``: an entry saved, tags
changed, a source or tag renamed, a bulk import), when an entry moves to
another issue (the issue it left, sent by ``Entry.save``) and when an entry is
deleted (``post_delete``). A body carries the fingerprint of the cards and of
the template it was made with; one that is missing or was made by other code
is never shown: the sections are assembled from the cards for that request,
as before bodies existed, until ``manage.py render_cards`` stores it.

Saving many entries at once (the issue form with its inline of entries) is
done inside :func:`stored_once`, so that the body is joined once at the end
rather than after every entry.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import functools
import hashlib
from typing import Iterable, Iterator

from django.db import DatabaseError, models, transaction
from django.db.models import Max
from django.db.models.signals import post_delete, post_save, pre_save
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from briefing.feedxml import XMLText, xml_text
from briefing.translation import ENGLISH, ORIGINAL_LANGUAGE, reading_english
from entries.cards import (
    FEED_TEMPLATE, PAGE_TEMPLATE, Sections, cards_key, cards_stored, issue_cards, issue_cards_of_kinds,
)

from .models import Issue, IssueBody

#: The page's sections: table of contents, then each section's heading and cards.
SECTIONS_TEMPLATE = "issues/includes/sections.html"
#: The page's header: title, date, headline and lead.
HEADER_TEMPLATE = "issues/includes/issue_header.html"
#: The kinds of entry card a body joins: (template, language).
BODY_CARDS = [
    (template, language) for template in (PAGE_TEMPLATE, FEED_TEMPLATE) for language in (ORIGINAL_LANGUAGE, ENGLISH)
]
#: Bump when the code below changes what a body holds (the feed's sections are built here).
#: 2: the feed's sections are stored escaped for XML.
BODY_FORMAT = 2

@functools.cache
def bodies_key() -> str:
    """The fingerprint of what bodies are made from: the cards' fingerprint, the template, the format."""
    digest = hashlib.sha256(f"{BODY_FORMAT}|{cards_key()}".encode())
    for name in (SECTIONS_TEMPLATE, HEADER_TEMPLATE):
        digest.update(get_template(name).template.source.encode())
    return digest.hexdigest()[:16]


def render_sections(sections: Sections, feed: bool) -> str:
    """Sections of cards as the page shows them (with a table of contents) or as a feed item carries them.

    A feed's sections come escaped for XML (``briefing.feedxml``): the feed
    writes them as they are.
    """
    if feed:
        return xml_text("".join(format_html("<h2>{}</h2>\n{}", label, cards) for label, _value, cards in sections))
    return get_template(SECTIONS_TEMPLATE).render({"sections": sections}).strip()


def render_header(issue: Issue) -> str:
    """The issue page's header (title, date, headline, lead) in the language being served."""
    return get_template(HEADER_TEMPLATE).render({"issue": issue})


def store_bodies(issue_ids: Iterable[int]) -> int:
    """Make and store the bodies of these issues, from their entries' cards as stored now; how many were written.

    The issues' rows are locked first (in one order, so two writers never
    wait for each other crosswise): two editors saving entries of one issue
    at once would otherwise each join the other's card as it was before, and
    the later upsert would drop the earlier edit from the page.

    A body whose content comes out the same is left as it is (its key brought
    up to date), so that its ``updated_at`` says when readers last saw a change.
    """
    from entries.models import Entry

    with transaction.atomic():
        # Locked with what their headers show, as read under the lock.
        issues = {issue.pk: issue for issue in Issue.objects.filter(pk__in=set(issue_ids)).locked(*Issue.HEADER_SOURCE_FIELDS)}
        ids = list(issues)
        if not ids:
            return 0
        html: dict[int, dict[str, str]] = {pk: {} for pk in ids}
        # Every kind of card of every issue in one query.
        for (template, language), by_issue in issue_cards_of_kinds(ids, BODY_CARDS).items():
            feed = template == FEED_TEMPLATE
            field = IssueBody.field_for(feed, english=language == ENGLISH)
            # The section labels and the page's landmarks are translated.
            with translation.override(language):
                for pk, sections in by_issue.items():
                    html[pk][field] = render_sections(sections, feed)
        sources = {}
        for issue in issues.values():
            sources[issue.pk] = issue.header_fingerprint()
            for language in (ORIGINAL_LANGUAGE, ENGLISH):
                with translation.override(language):
                    html[issue.pk][IssueBody.header_field_for(language == ENGLISH)] = render_header(issue)
        stored = {
            pk: (digest, key, updated_at, source) for pk, digest, key, updated_at, source in
            IssueBody.objects.filter(issue_id__in=ids).values_list("issue_id", "digest", "key", "updated_at", "header_source")
        }
        key, now = bodies_key(), timezone.now()
        first = [pk for pk in ids if pk not in stored]
        last_edits = dict(
            Entry.objects.filter(issue_id__in=first).values("issue_id").annotate(last=Max("updated_at"))
            .values_list("issue_id", "last")
        ) if first else {}
        changed, same = [], []
        for pk, fields in html.items():
            digest = hashlib.sha256(
                "\x00".join(fields[name] for name in (*IssueBody.HTML_FIELDS, *IssueBody.HEADER_FIELDS)).encode()
            ).hexdigest()[:16]
            old = stored.get(pk)
            if old is not None and old[0] == digest:
                same.append(pk)
                if old[3] != sources[pk]:
                    # Other values that show the same (a headline of blanks): the header is up to date.
                    IssueBody.objects.filter(issue_id=pk).update(header_source=sources[pk])
                continue
            if old is None:
                # Made for the first time: it dates from its entries' last edit, so
                # the first render_cards after a deployment dates no issue "now".
                updated_at = last_edits.get(pk) or now
            elif old[1] == key:
                updated_at = now  # an edit, joined by the same code: news to readers
            else:
                updated_at = old[2]  # joined again by other code (a deployment): not news
            changed.append(IssueBody(
                issue_id=pk, key=key, digest=digest, updated_at=updated_at, header_source=sources[pk], **fields
            ))
        # One upsert and no signals: a body is derived data, like the cards it joins.
        IssueBody.objects.bulk_create(
            changed, update_conflicts=True, unique_fields=["issue"],
            update_fields=[*IssueBody.HTML_FIELDS, *IssueBody.HEADER_FIELDS, "header_source", "key", "digest", "updated_at"],
        )
        rekeyed = IssueBody.objects.filter(issue_id__in=same).exclude(key=key).update(key=key) if same else 0
    return len(changed) + rekeyed


def content_updated_at(issue: Issue) -> datetime.datetime:
    """When readers last saw the issue change: its own fields, its publication, or its entries (its body)."""
    moments = [issue.updated_at, issue.publish_at]
    try:
        moments.append(issue.body.updated_at)
    except IssueBody.DoesNotExist:
        pass
    return max(moment for moment in moments if moment is not None)


def _sections(issue: Issue, feed: bool) -> str:
    """The issue's stored sections in the reader's language, or assembled now if they are out of date."""
    try:
        body = issue.body
    except IssueBody.DoesNotExist:
        body = None
    if body is not None and body.key == bodies_key():
        return getattr(body, IssueBody.field_for(feed, english=reading_english()))
    return render_sections(issue_cards([issue.pk], feed=feed)[issue.pk], feed)


def issue_body(issue: Issue) -> SafeString:
    """The issue page's sections in the reader's language: its stored body, or assembled now if that is out of date.

    Read the issue with ``Issue.objects.with_body()`` to have the body in the same query.
    """
    return mark_safe(_sections(issue, feed=False))


def issue_feed_body(issue: Issue) -> XMLText:
    """The issue's sections as a feed item carries them, escaped for XML; stored, or assembled now if out of date.

    Read the issue with ``Issue.objects.with_body(feed=True)`` to have the body in the same query.
    """
    return XMLText(_sections(issue, feed=True))


def issue_header(issue: Issue) -> SafeString | None:
    """The issue page's header in the reader's language as stored with the body, or None where it is out of date.

    Out of date: made by other templates or translations (the body's key), or
    from other values of the issue's fields than it holds now (an
    ``update()`` that bypassed ``save()``); the page then renders it itself.
    Read the issue with ``Issue.objects.with_body()`` to have it in the same query.
    """
    try:
        body = issue.body
    except IssueBody.DoesNotExist:
        return None
    if body is None or body.key != bodies_key() or body.header_source != issue.header_fingerprint():
        return None
    return mark_safe(getattr(body, IssueBody.header_field_for(reading_english())))


def stale_issue_ids() -> list[int]:
    """Issues whose body is missing or was made by other templates, translations or settings."""
    fresh = IssueBody.objects.filter(key=bodies_key()).values("issue_id")
    return list(Issue.objects.exclude(pk__in=fresh).order_by("pk").values_list("pk", flat=True))


#: The issues whose bodies wait for the end of the current ``stored_once()`` block, outside one None.
_waiting: contextvars.ContextVar[set[int] | None] = contextvars.ContextVar("issue_bodies_waiting", default=None)


@contextlib.contextmanager
def stored_once() -> Iterator[None]:
    """Join the bodies of the issues whose entries change in this block once, when it ends.

    Each entry saved stores its cards, and its issue's body would be joined
    again after every one: saving the issue form with 25 entries changed
    joined the body 25 times (0.2 s of the 1 s save). Use it inside the
    transaction that saves the entries, so that the bodies are stored with
    them: outside one, each entry would be committed on its own with the
    body left behind. A nested block leaves the storing to the outermost.
    """
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError(
            "stored_once() must run inside transaction.atomic(), or entries would be committed before their issue's body."
        )
    if _waiting.get() is not None:
        yield
        return
    waiting: set[int] = set()
    token = _waiting.set(waiting)
    try:
        yield
    except BaseException:
        # Whatever was written before the error may yet be committed (a caller
        # that handles the error): store its bodies too, unless the transaction
        # can only be rolled back, where nothing of this is kept anyway.
        _waiting.reset(token)
        if waiting and not transaction.get_rollback():
            with contextlib.suppress(DatabaseError):
                store_bodies(waiting)
        raise
    _waiting.reset(token)
    # A block that ends by rolling back (an import's dry run) keeps nothing to join a body of.
    if waiting and not transaction.get_rollback():
        store_bodies(waiting)


def _store_or_wait(issue_ids: Iterable[int]) -> None:
    waiting = _waiting.get()
    if waiting is None:
        store_bodies(issue_ids)
    else:
        waiting.update(issue_ids)


def _cards_stored(sender, issue_ids: Iterable[int], **kwargs) -> None:
    _store_or_wait(issue_ids)


def _entry_deleted(sender, instance: models.Model, origin=None, **kwargs) -> None:
    # When the issue itself is being deleted (an IssueForReview too), its body goes with it.
    if isinstance(origin, Issue) or (isinstance(origin, models.QuerySet) and issubclass(origin.model, Issue)):
        return
    _store_or_wait([instance.issue_id])


#: Fields a save may be asked to write that change the header. Not the title,
#: which Issue.save() always writes: a new title or date renders the entries'
#: cards again (entries/signals.py), and so the body and its header.
_HEADER_WRITES = {"date", "title_en", "headline", "headline_en", "lead", "lead_en"}


def _remember_header(sender, instance: Issue, raw: bool = False, update_fields=None, **kwargs) -> None:
    # Before the save (its HTML fields rendered already): whether what the
    # header shows may change. A workflow step changes none of it and costs no query.
    loaded = getattr(instance, "_loaded_values", None)
    if loaded is not None:  # read from the database (Issue.from_db): compare with the row as read
        instance._header_changed = any(
            name not in loaded or loaded[name] != getattr(instance, name) for name in Issue.HEADER_SOURCE_FIELDS
        )
    else:  # a new issue, or one saved field by field
        instance._header_changed = update_fields is None or bool(set(update_fields) & _HEADER_WRITES)


def _issue_saved(sender, instance: Issue, created: bool, raw: bool = False, **kwargs) -> None:
    if raw or not getattr(instance, "_header_changed", True):
        return
    if hasattr(instance, "_loaded_values"):
        instance._loaded_values.update((name, getattr(instance, name)) for name in Issue.HEADER_SOURCE_FIELDS)
    # Inside stored_once() it waits for the end of the block, with its entries;
    # outside, a body whose header holds these values already is left alone.
    if _waiting.get() is None:
        stored = IssueBody.objects.filter(issue_id=instance.pk).values_list("header_source", flat=True).first()
        if stored == instance.header_fingerprint():
            return
    _store_or_wait([instance.pk])


def connect_signals() -> None:
    """Keep bodies in step with their entries and issues (from ``IssuesConfig.ready()``)."""
    from entries.models import Entry

    cards_stored.connect(_cards_stored, dispatch_uid="issues.bodies.cards_stored")
    post_delete.connect(_entry_deleted, sender=Entry, dispatch_uid="issues.bodies.entry_deleted")
    pre_save.connect(_remember_header, sender=Issue, dispatch_uid="issues.bodies.issue_header")
    post_save.connect(_issue_saved, sender=Issue, dispatch_uid="issues.bodies.issue_saved")

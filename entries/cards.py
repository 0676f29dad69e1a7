"""Entry cards: an entry as the issue page and the feed show it, rendered once when it changes.

An issue page is 15 to 40 entries, each with its source, extra links, summary
and tags, in two editions; the RSS feed is twenty such issues. Rendering every
entry through the template language on each request made an issue page cost
some 35 ms, for text that changes only when an editor saves. So, as the
summary's Markdown is rendered once on save, each entry's whole *card* is
rendered once, in both languages, for the page (``entries/includes/entry.html``),
for the feed (``entries/includes/feed_entry.html``) and for lists of entries
from many issues, the tag, source and search pages
(``entries/includes/list_entry.html``: the page card with the issue it
appeared in), and stored in the entry's ``EntryCard``. Pages and feeds then
join stored strings. Cards live in a table of their own so that the entries
table stays narrow.

A card shows the entry, its source and its tags, and a list card the
issue's title and link, so a card is rendered again whenever any of them
changes: by ``Entry.save()``, by the receivers of entries/signals.py (an
entry's tags changed, a source or tag renamed, a tag deleted, an issue's
title or date changed), and by the code that writes entries in bulk (the
archive importer), which calls ``entries.models.refresh_derived`` itself.

Search marks the terms it found in result titles. A list card carries its
title between two markers (:data:`TITLE_START`, :data:`TITLE_END`), which
:func:`list_cards` replaces with the title highlighted, or drops.

A card also depends on the templates, the translations and ``SITE_URL``. Each
stored card carries the fingerprint (:func:`cards_key`) of what it was made
from; a card whose fingerprint is not the running code's, or a missing one, is never shown but
rendered afresh for that request (slower, never wrong) until
``manage.py render_cards`` stores new ones, which a deployment runs after
``migrate``.
"""

from __future__ import annotations

import functools
import hashlib
import html
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from django.conf import settings
from django.db.models import QuerySet
from django.dispatch import Signal
from django.template.loader import get_template
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from briefing.translation import ENGLISH, ORIGINAL_LANGUAGE, reading_english

if TYPE_CHECKING:
    from .models import Entry, EntryCard

logger = logging.getLogger(__name__)

#: The card templates: the reading card of issue pages, the feed's, and the card of lists.
PAGE_TEMPLATE = "entries/includes/entry.html"
FEED_TEMPLATE = "entries/includes/feed_entry.html"
LIST_TEMPLATE = "entries/includes/list_entry.html"
#: Bump when code the templates call (template tags, ``Entry.text``) changes what a card shows.
CARD_FORMAT = 2
#: Sent with ``issue_ids`` when the cards, or the entries, of those issues
#: changed: issues/bodies.py joins each issue's cards once more.
cards_stored = Signal()

#: Field of ``EntryCard`` per (template, language).
CARD_FIELDS = {
    (PAGE_TEMPLATE, ORIGINAL_LANGUAGE): "page_html",
    (PAGE_TEMPLATE, ENGLISH): "page_en_html",
    (FEED_TEMPLATE, ORIGINAL_LANGUAGE): "feed_html",
    (FEED_TEMPLATE, ENGLISH): "feed_en_html",
    (LIST_TEMPLATE, ORIGINAL_LANGUAGE): "list_html",
    (LIST_TEMPLATE, ENGLISH): "list_en_html",
}
#: Around the (escaped) title of a list card. Escaped text holds no ``<``, so
#: the first ``TITLE_END`` after ``TITLE_START`` closes it; a summary comes
#: after the title and is sanitized without comments anyway.
TITLE_START = "<!--title-->"
TITLE_END = "<!--/title-->"


@functools.cache
def cards_key() -> str:
    """The fingerprint of what cards are made from: templates, translations, ``SITE_URL``, format."""
    digest = hashlib.sha256(f"{CARD_FORMAT}|{settings.SITE_URL}".encode())
    for name in (PAGE_TEMPLATE, FEED_TEMPLATE, LIST_TEMPLATE):
        digest.update(get_template(name).template.source.encode())
    for path in sorted(Path(p) for p in settings.LOCALE_PATHS):
        for catalog in sorted(path.glob("*/LC_MESSAGES/django.mo")):
            digest.update(catalog.read_bytes())
    return digest.hexdigest()[:16]


def render_card(entry: "Entry", template: str, language: str) -> str:
    """One card of ``entry`` (with its issue, source and tags loaded) in ``language``."""
    with translation.override(language):
        return get_template(template).render({"entry": entry}).strip()


def make_card(entry: "Entry") -> "EntryCard":
    """Every card of ``entry`` (with its issue, source and tags loaded), not yet saved."""
    from .models import EntryCard

    html = {field: render_card(entry, template, language) for (template, language), field in CARD_FIELDS.items()}
    return EntryCard(entry_id=entry.pk, key=cards_key(), **html)


def store_cards(entries: "list[Entry]") -> int:
    """Render and store the cards of ``entries``, loaded with their issue, source and tags; how many."""
    from .models import EntryCard

    cards = [make_card(entry) for entry in entries]
    # One upsert, and no signals: a card is derived data, and whoever
    # changed what it shows has already told the page cache.
    EntryCard.objects.bulk_create(
        cards, update_conflicts=True, unique_fields=["entry"], update_fields=[*CARD_FIELDS.values(), "key"],
    )
    cards_stored.send(sender=EntryCard, issue_ids={entry.issue_id for entry in entries})
    return len(cards)


def _card_kind(feed: bool) -> tuple[str, str]:
    """The card template and the language a request shows."""
    return (FEED_TEMPLATE if feed else PAGE_TEMPLATE), reader_language()


def entry_cards(entries: "list[Entry]", feed: bool = False) -> dict[int, str]:
    """The card of each of ``entries`` (loaded with source and tags) in the reader's language, by pk.

    One query for the stored cards; one that is missing or out of date is
    rendered from the entry in hand.
    """
    from .models import EntryCard

    template, language = _card_kind(feed)
    key = cards_key()
    stored = {
        pk: html for pk, card_key, html in
        EntryCard.objects.filter(entry__in=entries).values_list("entry_id", "key", CARD_FIELDS[(template, language)])
        if card_key == key
    }
    return {
        entry.pk: stored[entry.pk] if entry.pk in stored else render_card(entry, template, language)
        for entry in entries
    }


class Cards(list):
    """A section's cards: a list (its length is the number of entries) that shows as their HTML.

    A template writes ``{{ cards }}`` once instead of looping over forty
    stored strings; the feed, twenty issues long, would otherwise loop 800 times.
    """

    def __html__(self) -> SafeString:
        return mark_safe("".join(self))

    # The template engine turns what it shows into a string before escaping it.
    __str__ = __html__


Sections = list[tuple[str, int, Cards]]


def issue_cards(issue_ids: list[int], feed: bool = False) -> dict[int, Sections]:
    """Per issue, its entries' cards in the reader's language: (section label, value, cards) per section.

    One query for any number of issues, reading only the cards needed. A card
    that is missing, or was made by other templates, translations or
    ``SITE_URL`` than the running code's (just after a deployment), is
    rendered afresh for this request, never shown stale, until
    ``render_cards`` stores it.
    """
    kind = _card_kind(feed)
    return issue_cards_of_kinds(issue_ids, [kind])[kind]


def issue_cards_of_kinds(
    issue_ids: list[int], kinds: "list[tuple[str, str]]",
) -> dict[tuple[str, str], dict[int, Sections]]:
    """Like :func:`issue_cards` for several (template, language) kinds of card at once, in one query.

    Section labels stay lazy: they are translated when shown, in the language active then.
    """
    global _warned_stale
    from .models import Entry

    # From the entries, so that an entry whose card is missing is shown all the same.
    rows = list(
        Entry.objects.filter(issue_id__in=issue_ids)
        .order_by("issue_id", "section", "position", "pk")
        .values_list("issue_id", "section", "pk", "card__key", *(f"card__{CARD_FIELDS[kind]}" for kind in kinds))
    )
    key = cards_key()
    stale = [row[2] for row in rows if row[3] != key]
    fresh: dict[int, list[str]] = {}
    if stale:
        if not _warned_stale:
            logger.warning("Entry cards were made by other templates or settings; run `manage.py render_cards`.")
            _warned_stale = True
        fresh = {
            entry.pk: [render_card(entry, template, language) for template, language in kinds]
            for batch in Entry.objects.for_derived_data(stale) for entry in batch
        }
    result: dict[tuple[str, str], dict[int, Sections]] = {}
    for i, kind in enumerate(kinds):
        by_issue: dict[int, Sections] = {issue_id: [] for issue_id in issue_ids}
        for row in rows:
            issue_id, section, pk = row[0], row[1], row[2]
            sections = by_issue[issue_id]
            if not sections or sections[-1][1] != section:
                sections.append((Entry.Section(section).label, section, Cards()))
            sections[-1][2].append(fresh[pk][i] if pk in fresh else row[4 + i])
        result[kind] = by_issue
    return result


_warned_stale = False


def highlight(text: str, terms: Sequence[str]) -> SafeString:
    """``text`` escaped, with each of ``terms`` in it wrapped in ``<mark>``, ignoring case.

    The terms are found in the text itself, before escaping, so a term such
    as ``<`` or ``&`` is marked where the reader sees it, and a term such as
    ``amp`` or ``lt`` never matches inside an entity.
    """
    terms = sorted({term for term in terms if term}, key=len, reverse=True)
    if not terms:
        return escape(text)
    pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
    parts, last = [], 0
    for match in pattern.finditer(text):
        parts += [escape(text[last:match.start()]), "<mark>", escape(match.group(0)), "</mark>"]
        last = match.end()
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))


def show_title(card: str, terms: Sequence[str] = ()) -> str:
    """A stored list card as a page shows it: its title markers dropped, ``terms`` highlighted in the title."""
    start = card.find(TITLE_START)
    end = card.find(TITLE_END, start)
    if start < 0 or end < 0:
        return card
    title = card[start + len(TITLE_START):end]
    if terms:
        # The card holds the title as Django escaped it: unescaping gives back the very text.
        title = highlight(html.unescape(title), terms)
    return card[:start] + title + card[end + len(TITLE_END):]


def list_cards(entries: "list[Entry]", terms: Sequence[str] = ()) -> Cards:
    """The list cards of ``entries`` in the reader's language, in their order, ``terms`` highlighted in titles.

    ``entries`` come from a queryset passed through :func:`with_list_card`,
    so their stored card is at hand. A card that is missing or was made by
    other templates or settings is rendered for this request (read as
    ``EntryQuerySet.for_derived_data`` reads entries for their cards).
    """
    from .models import Entry

    field = CARD_FIELDS[(LIST_TEMPLATE, reader_language())]
    key = cards_key()
    stored: dict[int, str] = {}
    for entry in entries:
        card = getattr(entry, "card", None)  # None when the entry has no card yet
        if card is not None and card.key == key:
            stored[entry.pk] = getattr(card, field)
    stale = [entry.pk for entry in entries if entry.pk not in stored]
    for batch in Entry.objects.for_derived_data(stale):
        for entry in batch:
            stored[entry.pk] = render_card(entry, LIST_TEMPLATE, reader_language())
    return Cards(show_title(stored[entry.pk], terms) for entry in entries)


def with_list_card(entries: "QuerySet[Entry]", language: str | None = None) -> "QuerySet[Entry]":
    """``entries`` read with what :func:`list_cards` needs: titles, and the stored list card in the reader's language
    (or in ``language``)."""
    field = CARD_FIELDS[(LIST_TEMPLATE, language or reader_language())]
    return entries.select_related("card").only("pk", "title", "title_en", "card__key", f"card__{field}")


def reader_language() -> str:
    """The edition being served: English on the English site, the original elsewhere."""
    return ENGLISH if reading_english() else ORIGINAL_LANGUAGE

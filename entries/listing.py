"""Entries as lists of many issues show them (tag, source and search pages, entry feeds), each card cached."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from briefing.fragments import cached_fragments, changed_stamp, fragment_key

from .models import Entry, tag_links

LIST_TEMPLATE = "entries/includes/list_entry.html"
FEED_TEMPLATE = "entries/includes/feed_entry.html"


def _cards(entries: Sequence[Entry], kind: str, template: str, terms: Sequence[str] = ()) -> list[SafeString]:
    """The card of each of ``entries`` (read with their issue's ``content_changed_at``), in order: cached, or rendered now.

    Keyed by the entry and its issue's ``content_changed_at``, which any
    change to the entry, its tags, its source or the issue moves.
    """
    marked = hashlib.blake2b("\n".join(sorted({t.lower() for t in terms})).encode(), digest_size=8).hexdigest() if terms else ""
    keys = {
        entry.pk: fragment_key(kind, entry.pk, changed_stamp(entry.issue.content_changed_at), marked)
        for entry in entries
    }

    by_pk = {entry.pk: entry for entry in entries}

    def render(missing: list[int]) -> dict[int, str]:
        batch = {pk: by_pk[pk] for pk in missing}
        if any(entry.get_deferred_fields() for entry in batch.values()):
            # Read with only what keys their cards (``for_card_keys()``): read whole now.
            batch = Entry.objects.for_cards().select_related("issue").in_bulk(missing)
        else:
            prefetch_related_objects(list(batch.values()), tag_links())
        return {pk: render_to_string(template, {"entry": entry, "terms": terms}) for pk, entry in batch.items()}

    cards = cached_fragments(keys, render)
    return [cards[entry.pk] for entry in entries if entry.pk in cards]


def list_cards(entries: Sequence[Entry], terms: Sequence[str] = ()) -> list[SafeString]:
    """The list cards (with the issue each appeared in) of ``entries``, ``terms`` marked in their titles."""
    return _cards(entries, "entry-list", LIST_TEMPLATE, terms)


def feed_cards(entries: Sequence[Entry]) -> list[SafeString]:
    """The cards an entry feed carries for ``entries``."""
    return _cards(entries, "entry-feed", FEED_TEMPLATE)

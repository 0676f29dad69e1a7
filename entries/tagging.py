"""Proposing tags for untagged entries from the tags already in use and their aliases.

A tag's words are its name and aliases. A word written in Latin letters
(NPU, RISC-V, quantization) matches as a whole word, ignoring case; a
Chinese word (量化, 剪枝) matches wherever it stands. An entry gets a
suggestion for a tag when one of its words is in the entry's title, or at
least twice in its summary: a word mentioned once in passing in a long
summary is seldom what the entry is about.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count

from briefing.markdown import plain_text
from issues.models import Issue

from .models import Entry, Tag, TaggedEntry, TagSuggestion

_LATIN = re.compile(r"[A-Za-z0-9]")


@dataclass(frozen=True)
class Match:
    entry_id: int
    tag_id: int
    term: str


def term_pattern(term: str) -> re.Pattern:
    """How a tag's word is looked for: whole word for Latin letters, anywhere for Chinese, case ignored."""
    escaped = re.escape(term.strip())
    if _LATIN.search(term):
        escaped = rf"(?<![A-Za-z0-9]){escaped}(?![A-Za-z0-9])"
    return re.compile(escaped, re.IGNORECASE)


def tags_in_use() -> list[Tag]:
    """The tags at least one entry has, which are what suggestions may propose."""
    return list(Tag.objects.annotate(uses=Count("tagged_entries")).filter(uses__gt=0).order_by("name"))


@dataclass(frozen=True)
class TagWords:
    """How one tag is looked for: its words, and the words it excludes (None if none)."""

    tag: Tag
    terms: list[tuple[str, re.Pattern]]
    excluded: re.Pattern | None

    @classmethod
    def of(cls, tag: Tag) -> "TagWords":
        excluded = tag.exclusions()
        return cls(
            tag, [(term, term_pattern(term)) for term in tag.terms()],
            re.compile("|".join(re.escape(word) for word in excluded), re.IGNORECASE) if excluded else None,
        )


def match_entry(title: str, summary: str, tags: list[TagWords]) -> list[tuple[Tag, str]]:
    """The tags whose words are in ``title``, or at least twice in ``summary``, with the word that matched."""
    found = []
    for words in tags:
        text_title, text_summary = title, summary
        if words.excluded:
            # "轻量化" is not about 量化: the words a tag excludes are taken out before looking.
            text_title, text_summary = words.excluded.sub(" ", title), words.excluded.sub(" ", summary)
        for term, pattern in words.terms:
            if pattern.search(text_title) or len(pattern.findall(text_summary)) >= 2:
                found.append((words.tag, term))
                break
    return found


def suggest(entries: Iterable[Entry], tags: list[Tag]) -> list[Match]:
    """What to propose for ``entries`` (read with title_html and summary_html) given ``tags``."""
    words = [TagWords.of(tag) for tag in tags]
    matches = []
    for entry in entries:
        title = plain_text(entry.title_html)
        summary = plain_text(entry.summary_html)
        for tag, term in match_entry(title, summary, words):
            matches.append(Match(entry.pk, tag.pk, term))
    return matches


def record(matches: list[Match]) -> int:
    """Store ``matches`` as open suggestions, leaving alone any already made (accepted or rejected); how many are new."""
    before = TagSuggestion.objects.count()
    TagSuggestion.objects.bulk_create(
        [TagSuggestion(entry_id=m.entry_id, tag_id=m.tag_id, term=m.term[:100]) for m in matches],
        ignore_conflicts=True, batch_size=500,
    )
    return TagSuggestion.objects.count() - before


def apply_open(suggestions=None) -> int:
    """Accept every open suggestion (or those given): the entries get the tags; how many.

    One bulk write for the tags, then what a bulk write owes the site: the
    entries' search text and their issues' ``content_changed_at``.
    """
    suggestions = (suggestions if suggestions is not None else TagSuggestion.objects).filter(status=TagSuggestion.Status.OPEN)
    with transaction.atomic():
        pairs = list(suggestions.values_list("pk", "entry_id", "tag_id"))
        if not pairs:
            return 0
        TaggedEntry.objects.bulk_create(
            [TaggedEntry(content_object_id=entry_id, tag_id=tag_id) for _, entry_id, tag_id in pairs],
            ignore_conflicts=True, batch_size=500,
        )
        TagSuggestion.objects.filter(pk__in=[pk for pk, _, _ in pairs]).update(status=TagSuggestion.Status.ACCEPTED)
        entry_ids = {entry_id for _, entry_id, _ in pairs}
        Entry.objects.filter(pk__in=entry_ids).store_search_text()
        Issue.objects.filter(entries__in=entry_ids).content_changed()
    return len(pairs)

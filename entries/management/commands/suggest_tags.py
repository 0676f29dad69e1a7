"""Propose tags for untagged entries: ``manage.py suggest_tags [--apply]``."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand
from tqdm import tqdm

from entries import tagging
from entries.models import Entry, TagSuggestion


class Command(BaseCommand):
    help = (
        "Propose tags for entries that have none, from the tags in use and their aliases, matched in "
        "titles and summaries (Latin words whole, ignoring case). The proposals wait in the admin "
        "(Tag suggestions) to be accepted or rejected; --apply accepts every open one."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--apply", action="store_true", help="Give the entries every open suggested tag now.")
        parser.add_argument("--no-progress", action="store_true", help="Do not show the progress bar.")

    def handle(self, *args, **options) -> None:
        tags = tagging.tags_in_use()
        untagged = Entry.objects.filter(tags=None).only("pk", "title_html", "summary_html").order_by("pk")
        total = untagged.count()
        with tqdm(
            untagged.iterator(chunk_size=500), total=total, desc="Reading entries", unit="entry",
            disable=options["no_progress"] or options["verbosity"] == 0 or None, file=options.get("stderr") or sys.stderr,
        ) as rows:
            matches = tagging.suggest(rows, tags)
        new = tagging.record(matches)
        entries = len({m.entry_id for m in matches})
        applied = tagging.apply_open() if options["apply"] else 0
        still_open = TagSuggestion.objects.filter(status=TagSuggestion.Status.OPEN).count()
        self.stdout.write(self.style.SUCCESS(
            f"{total} untagged entries read against {len(tags)} tags in use: {entries} entries matched, "
            f"{new} new suggestions, {applied} applied, {still_open} open."
        ))

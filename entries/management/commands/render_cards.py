"""python manage.py render_cards [--all]"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from tqdm import tqdm

from briefing.cache import bump_content_version
from entries.cards import cards_key, store_cards
from entries.models import Entry, EntryCard


class Command(BaseCommand):
    help = (
        "Render and store the entry cards that issue pages and feeds show (entries/cards.py). "
        "Cards follow every edit by themselves; run this after a deployment that changed the "
        "card templates, the translations or SITE_URL (until then such cards are rendered on "
        "each request, which is correct but slow). Without --all only out-of-date cards are rendered."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--all", action="store_true", help="Render every entry's cards, even those up to date.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (for scripts).")

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        entries = Entry.objects.order_by("pk")
        if not options["all"]:
            entries = entries.exclude(pk__in=EntryCard.objects.filter(key=cards_key()).values("entry_id"))
        ids = list(entries.values_list("pk", flat=True))
        done = 0
        with tqdm(
            total=len(ids), unit="entry", desc="Rendering cards", disable=options["no_progress"] or not ids,
            file=self.stderr._out,
        ) as bar:
            for batch in Entry.objects.for_derived_data(ids):
                done += store_cards(batch)
                bar.update(len(batch))
        if done:
            bump_content_version()
        total = Entry.objects.count()
        self.stdout.write(
            f"Rendered the cards of {done} entr{'y' if done == 1 else 'ies'} in {time.monotonic() - started:.1f}s; "
            f"{total - done} of {total} were already up to date."
        )

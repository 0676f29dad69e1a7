"""python manage.py render_cards [--all]"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from tqdm import tqdm

from briefing.cache import bump_content_version
from entries.cards import cards_key, store_cards
from entries.models import Entry, EntryCard
from issues.bodies import stale_issue_ids, store_bodies


#: Issues whose bodies are joined per query.
BODY_BATCH = 50


class Command(BaseCommand):
    help = (
        "Render and store the entry cards that issue pages and feeds show (entries/cards.py), "
        "then the issue bodies that join them (issues/bodies.py). Both follow every edit by "
        "themselves; run this after a deployment that changed their templates, the translations "
        "or SITE_URL (until then they are rendered on each request, which is correct but slow). "
        "Without --all only out-of-date cards and bodies are rendered."
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
        # Storing cards stored their issues' bodies too; what remains are
        # bodies out of date on their own (their template changed).
        issues = stale_issue_ids()
        bodies = 0
        with tqdm(
            total=len(issues), unit="issue", desc="Joining issue bodies",
            disable=options["no_progress"] or not issues, file=self.stderr._out,
        ) as bar:
            for start in range(0, len(issues), BODY_BATCH):
                batch = issues[start:start + BODY_BATCH]
                bodies += store_bodies(batch)
                bar.update(len(batch))
        if done or bodies:
            bump_content_version()
        total = Entry.objects.count()
        self.stdout.write(
            f"Rendered the cards of {done} entr{'y' if done == 1 else 'ies'} (and their issues' bodies) and "
            f"the bodies of {bodies} more issue{'' if bodies == 1 else 's'} in {time.monotonic() - started:.1f}s; "
            f"{total - done} of {total} entries were already up to date."
        )

"""python manage.py check_links [--issue DATE ...] [--all]"""

from __future__ import annotations

import datetime
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from entries.checker import check_urls, issue_urls, record
from issues.models import Issue


class Command(BaseCommand):
    help = (
        "Check every link (main and extra links) of issues: fetch each URL with bounded "
        "concurrency and a timeout, retry timeouts, and record status, final URL after "
        "redirects and time. Without options it checks the issues not yet public; the "
        "broken links then show on the issue's admin page and the editors' dashboard."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--issue", action="append", dest="dates", metavar="DATE", default=[],
            help="Check the issue of this date (YYYY-MM-DD); may be given more than once.",
        )
        parser.add_argument("--all", action="store_true", help="Check every issue, published or not.")
        parser.add_argument("--workers", type=int, default=8, help="Links fetched at once (default 8).")
        parser.add_argument("--timeout", type=float, default=10.0, help="Seconds to wait for each answer (default 10).")
        parser.add_argument("--retries", type=int, default=2, help="Extra tries after a timeout (default 2).")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (for cron).")

    def handle(self, *args, **options) -> None:
        if options["dates"] and options["all"]:
            raise CommandError("Give either --issue DATE or --all, not both.")
        if options["workers"] < 1 or options["timeout"] <= 0 or options["retries"] < 0:
            raise CommandError("--workers must be at least 1, --timeout positive and --retries not negative.")
        issues = self.select_issues(options["dates"], options["all"])
        urls = issue_urls(issues)
        started = time.monotonic()
        with tqdm(
            total=len(urls), unit="link", desc="Checking links", disable=options["no_progress"] or not urls,
            file=options.get("stderr") or sys.stderr,
        ) as bar:
            results = check_urls(
                urls, workers=options["workers"], timeout=options["timeout"], retries=options["retries"],
                on_result=lambda result: bar.update(1),
            )
        record(results)
        broken = sorted((r for r in results if not r.ok), key=lambda r: r.url)
        for result in broken:
            where = "; ".join(f"{e.issue.date} “{e.title}”" for e in urls[result.url])
            self.stdout.write(f"{result.status_code or result.error:>10}  {result.url}  ({where})")
        timed_out = sum(1 for r in broken if r.timed_out)
        redirected = sum(1 for r in results if r.ok and r.final_url and r.final_url != r.url)
        summary = (
            f"Checked {len(results)} link(s) in {issues.count()} issue(s) in {time.monotonic() - started:.1f}s: "
            f"{len(results) - len(broken)} ok ({redirected} redirected), {len(broken)} broken ({timed_out} timed out)."
        )
        self.stdout.write(self.style.WARNING(summary) if broken else self.style.SUCCESS(summary))

    def select_issues(self, dates: list[str], every: bool):
        if every:
            return Issue.objects.all()
        if dates:
            days = []
            for value in dates:
                try:
                    days.append(datetime.date.fromisoformat(value))
                except ValueError:
                    raise CommandError(f"--issue {value!r}: not a date; write it as YYYY-MM-DD.")
            issues = Issue.objects.filter(date__in=days)
            missing = set(days) - set(issues.values_list("date", flat=True))
            if missing:
                raise CommandError("No issue dated " + ", ".join(sorted(d.isoformat() for d in missing)) + ".")
            return issues
        # By default: what editors are about to publish.
        return Issue.objects.exclude(pk__in=Issue.objects.published().values("pk"))

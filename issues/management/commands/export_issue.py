"""Export one issue: ``manage.py export_issue DATE --format markdown|wechat --language zh-hans|en [-o FILE]``."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from issues.archive.exporter import FORMATS, LANGUAGES, export_issue
from issues.models import Issue


class Command(BaseCommand):
    help = (
        "Export the issue of DATE (YYYY-MM-DD) as the briefing's own Markdown (for GitHub) or as "
        "WeChat article HTML (one fragment with inline styles, to paste into the WeChat editor). "
        "Writes to standard output, or to FILE with -o. With --language en, the English edition: "
        "English text where an editor wrote it, the Chinese original elsewhere."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("date", metavar="DATE", help="The issue's date, YYYY-MM-DD.")
        parser.add_argument(
            "--format", "-f", choices=sorted(FORMATS), default="markdown",
            help="markdown (the briefing's own format, default) or wechat (WeChat article HTML).",
        )
        parser.add_argument(
            "--language", "-l", type=str.lower, choices=LANGUAGES, default=LANGUAGES[0],
            help="zh-hans (the Chinese original, default) or en (the English edition, falling back to the original).",
        )
        parser.add_argument("-o", "--output", metavar="FILE", help="Write to FILE instead of standard output.")

    def handle(self, *args, **options) -> None:
        try:
            date = datetime.date.fromisoformat(options["date"])
        except ValueError:
            raise CommandError(f"“{options['date']}” is not a date: use YYYY-MM-DD, e.g. 2020-07-02.")
        issue = Issue.objects.filter(date=date).first()
        if issue is None:
            raise CommandError(f"There is no issue dated {date.isoformat()}.")
        text = export_issue(issue, options["format"], options["language"])
        if options["output"]:
            path = Path(options["output"])
            try:
                path.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"Cannot write {path}: {exc.strerror or exc}")
            entries = issue.entries.count()
            self.stderr.write(f"Exported {issue} ({entries} entries) as {options['format']} ({options['language']}) to {path}.")
        else:
            self.stdout.write(text, ending="")

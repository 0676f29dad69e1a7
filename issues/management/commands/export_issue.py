"""Export one issue: ``manage.py export_issue DATE --format markdown|wechat --language zh-hans|en [-o FILE]``."""

from __future__ import annotations

import datetime
import os
import tempfile
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
        parser.add_argument(
            "-o", "--output", metavar="FILE",
            help="Write to FILE instead of standard output. An existing FILE is refused unless --force.",
        )
        parser.add_argument(
            "--force", action="store_true",
            help="Replace FILE if it exists (a symbolic link there is replaced, never written through).",
        )

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
            write_file(path, text, force=options["force"])
            entries = issue.entries.count()
            self.stderr.write(f"Exported {issue} ({entries} entries) as {options['format']} ({options['language']}) to {path}.")
        else:
            self.stdout.write(text, ending="")


def write_file(path: Path, text: str, *, force: bool = False) -> None:
    """Write ``text`` to ``path`` whole or not at all: a temporary file in the same folder, then renamed over it.

    An existing file (or symbolic link) is refused unless ``force``; a link is
    replaced, so nothing is ever written to the file it points at. A failed
    write leaves whatever was at ``path`` untouched.
    """
    if os.path.lexists(path) and not force:
        what = "a symbolic link" if path.is_symlink() else "a file"
        raise CommandError(f"{path} exists ({what}): nothing was written. Use --force to replace it.")
    if path.is_dir():
        raise CommandError(f"{path} is a folder: give a file name.")
    folder = path.parent
    try:
        handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, prefix=f".{path.name}.", delete=False)
    except OSError as exc:
        raise CommandError(f"Cannot write in {folder}: {exc.strerror or exc}")
    try:
        with handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(handle.name, 0o666 & ~umask)
        os.replace(handle.name, path)
    except OSError as exc:
        Path(handle.name).unlink(missing_ok=True)
        raise CommandError(f"Cannot write {path}: {exc.strerror or exc}; nothing was changed there.")

"""Import the briefing's Markdown archive: ``manage.py import_briefings PATH [PATH ...]``."""

from __future__ import annotations

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from issues.archive.importer import ImportFailed, collect_paths, import_parsed
from issues.archive.parser import ParseError, parse_file


class Command(BaseCommand):
    help = (
        "Import briefing issues from Jekyll Markdown files (files or folders of *.md). "
        "Each file becomes one issue, published at its date (or a draft with --as-draft); "
        "importing over an existing issue is refused unless --replace is given. Each file is "
        "imported atomically: a file that fails is reported with its file and line and leaves "
        "nothing behind, the others go on, and the command exits non-zero."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", help="Markdown files or folders holding them.")
        parser.add_argument(
            "--as-draft", action="store_true",
            help="Import the issues as drafts instead of publishing them at their dates.",
        )
        parser.add_argument(
            "--dry-run", action="store_true",
            help="Print what would change, and write nothing.",
        )
        parser.add_argument(
            "--strict", action="store_true",
            help="Fail a file that loses reader content or has a line the parser does not understand "
                 "(normalisations, such as a link written twice, do not count).",
        )
        parser.add_argument(
            "--replace", action="store_true",
            help="Replace issues that already exist with what the files say (a revision of each is kept first). "
                 "Without it, a file that would change an existing issue fails.",
        )
        parser.add_argument(
            "--user", metavar="USERNAME",
            help="Record the import in the issues' logs under this user.",
        )
        parser.add_argument(
            "--no-progress", action="store_true",
            help="Do not show the progress bar (it is hidden anyway when the output is not a terminal).",
        )

    def handle(self, *args, **options) -> None:
        user = None
        if options["user"]:
            try:
                user = get_user_model().objects.get(username=options["user"])
            except get_user_model().DoesNotExist:
                raise CommandError(f"There is no user “{options['user']}”.")
        paths = collect_paths(options["paths"])
        if not paths:
            raise CommandError("No Markdown files found in " + ", ".join(options["paths"]) + ".")
        dry_run = options["dry_run"]
        verbosity = options["verbosity"]
        totals = dict(files=0, created=0, updated=0, unchanged=0, entries=0, sources=0, warnings=0, skipped=0, attention=0)
        failures: list[str] = []
        dates: dict = {}  # date → the file of this run that has it
        err = options.get("stderr") or sys.stderr
        out = options.get("stdout") or sys.stdout

        bar = tqdm(
            paths, desc="Importing" if not dry_run else "Checking", unit="file",
            disable=options["no_progress"] or verbosity == 0 or None, file=err,
        )
        for path in bar:
            bar.set_postfix_str(path.name)
            totals["files"] += 1
            try:
                parsed = parse_file(path)
                if parsed.date in dates:
                    raise ImportFailed(
                        str(path),
                        f"{path}:{parsed.heading_line}: the same date ({parsed.date.isoformat()}) as {dates[parsed.date]} "
                        "in this run; one file per issue, so this one is not imported",
                        parsed.heading_line,
                    )
                dates[parsed.date] = path
                result = import_parsed(
                    parsed, publish=not options["as_draft"], dry_run=dry_run, strict=options["strict"],
                    replace=options["replace"], user=user,
                )
            except ParseError as exc:
                failures.append(str(exc))
                tqdm.write(self.style.ERROR(f"FAILED {exc}"), file=err)
                continue
            except ImportFailed as exc:
                failures.append(str(exc))
                tqdm.write(self.style.ERROR(f"FAILED {exc}"), file=err)
                continue
            except RecursionError:
                # The parser does not recurse; this is the last guard, so the next file is still imported.
                failures.append(f"{path}:1: the file is nested too deeply to be read")
                tqdm.write(self.style.ERROR(f"FAILED {failures[-1]}"), file=err)
                continue
            totals["warnings"] += len(result.warnings)
            totals["skipped"] += len(result.skipped)
            totals["attention"] += result.needing_attention
            if verbosity >= 1:
                for warning in result.warnings:
                    tqdm.write(self.style.WARNING(f"warning: {warning}"), file=err)
                if result.skipped:
                    tqdm.write(f"{path}: skipped boilerplate: " + ", ".join(result.skipped), file=err)
            totals["entries"] += result.entries_total
            totals["sources"] += len(result.sources_created)
            if result.issue_created:
                totals["created"] += 1
            elif result.changed:
                totals["updated"] += 1
            else:
                totals["unchanged"] += 1
            if dry_run or verbosity >= 2:
                what = "would " if dry_run else ""
                if result.issue_created:
                    line = f"{path}: {what}create issue {result.date} with {result.entries_total} entries"
                    if result.sources_created:
                        line += f" and {len(result.sources_created)} new sources"
                elif result.changed:
                    line = f"{path}: {what}update issue {result.date}: " + "; ".join(result.changes)
                else:
                    line = f"{path}: issue {result.date} unchanged"
                tqdm.write(line, file=out)
        bar.close()

        summary = (
            f"{'Dry run, nothing written: ' if dry_run else ''}"
            f"{totals['files']} files, {totals['created']} issues created, {totals['updated']} updated, "
            f"{totals['unchanged']} unchanged, {totals['entries']} entries ({totals['attention']} needing attention), "
            f"{totals['sources']} new sources, {totals['warnings']} warnings, "
            f"{totals['skipped']} blocks of boilerplate skipped, {len(failures)} failed."
        )
        self.stdout.write(self.style.ERROR(summary) if failures else self.style.SUCCESS(summary))
        if failures:
            raise CommandError(f"{len(failures)} of {totals['files']} files could not be imported:\n" + "\n".join(failures))

"""Importing over existing issues (issue 21, finding 9): refused unless --replace, status kept, revision first."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from reversion.models import Version

from entries.models import Entry
from issues import workflow
from issues.history import revisions_for
from issues.models import Issue, IssueTransition
from tests.factories import EntryFactory, IssueFactory, editor

pytestmark = pytest.mark.django_db

FILE = "# 嵌入式AI简报 (2024-05-01)\n\n## 论文\n\n- [来自文件的条目 | 示例媒体](https://example.org/from-file)\n"


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_briefings", *args, "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_two_files_with_one_date_in_a_run_import_the_first_only(tmp_path):
    write(tmp_path, "a.md", FILE)
    write(tmp_path, "b.md", FILE.replace("来自文件的条目", "另一个文件"))
    with pytest.raises(CommandError, match=r"b\.md:1: the same date \(2024-05-01\) as .*a\.md"):
        run(str(tmp_path))
    assert list(Entry.objects.values_list("title", flat=True)) == ["来自文件的条目"]


def test_importing_over_an_editors_issue_is_refused_without_replace(tmp_path):
    issue = IssueFactory(date=datetime.date(2024, 5, 1))
    EntryFactory(issue=issue, title="编辑写的条目", url="https://example.org/editor")
    with pytest.raises(CommandError, match=r"a\.md:1: an issue dated 2024-05-01 already exists .*--replace"):
        run(str(write(tmp_path, "a.md", FILE)))
    assert list(issue.entries.values_list("title", flat=True)) == ["编辑写的条目"]


def test_replacing_an_issue_in_review_keeps_its_status_and_a_revision_of_it(tmp_path):
    issue = IssueFactory(date=datetime.date(2024, 5, 1))
    for position in range(1, 4):
        EntryFactory(issue=issue, position=position, title=f"编辑写的条目{position}", url=f"https://example.org/e{position}")
    workflow.submit_for_review(issue, editor())
    steps = IssueTransition.objects.count()

    run(str(write(tmp_path, "a.md", FILE)), "--replace")

    issue.refresh_from_db()
    assert issue.status == Issue.Status.REVIEW
    assert IssueTransition.objects.count() == steps  # no import step on an issue the import does not own
    assert list(issue.entries.values_list("title", flat=True)) == ["来自文件的条目"]
    revision = revisions_for(issue).first()
    assert revision is not None and "Before importing a.md" in revision.get_comment()
    kept = {v.field_dict["title"] for v in Version.objects.filter(revision=revision) if "title" in v.field_dict and "url" in v.field_dict}
    assert kept == {"编辑写的条目1", "编辑写的条目2", "编辑写的条目3"}


def test_reimporting_an_imported_issue_with_replace_updates_it(tmp_path):
    path = write(tmp_path, "a.md", FILE)
    run(str(path))
    write(tmp_path, "a.md", FILE.replace("来自文件的条目", "改过的条目"))
    with pytest.raises(CommandError, match="--replace"):
        run(str(path))
    out, _ = run(str(path), "--replace")
    assert "1 updated" in out
    assert Issue.objects.get().status == Issue.Status.PUBLISHED
    assert Entry.objects.get().title == "改过的条目"


def test_an_unchanged_file_needs_no_replace(tmp_path):
    path = write(tmp_path, "a.md", FILE)
    run(str(path))
    out, _ = run(str(path))
    assert "1 unchanged" in out


def test_the_revision_kept_before_replacing_brings_the_issue_back(tmp_path):
    from issues import history

    path = write(tmp_path, "a.md", FILE.replace("## 论文", "**旧标语**\n\n## 论文"))
    run(str(path))
    issue = Issue.objects.get()
    write(tmp_path, "a.md", FILE.replace("来自文件的条目", "替换后的条目"))
    run(str(path), "--replace")
    assert issue.entries.get().title == "替换后的条目"
    revision = history.revisions_for(issue).first()
    history.restore(issue, revision, editor())
    issue.refresh_from_db()
    assert issue.entries.get().title == "来自文件的条目"
    assert issue.tagline == "旧标语"

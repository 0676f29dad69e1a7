"""Bringing the Markdown archive in: ``import_briefings`` on the real corpus and on broken files.

Expectations on the corpus are computed from the files themselves, by simple
independent reading (regular expressions over lines), never copied from them.
"""

from __future__ import annotations

import collections
import io
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command, load_command_class

from entries.models import Entry, Source
from issues.archive.importer import import_file, import_parsed, publish_time
from issues.models import Issue, IssueTransition
from tests.corpus import corpus_dir, corpus_file, corpus_files, requires_corpus
from tests.factories import superuser

pytestmark = pytest.mark.django_db

SECTIONS = {
    "业界新闻": Entry.Section.INDUSTRY,
    "应用": Entry.Section.APPLICATIONS,
    "论文": Entry.Section.PAPERS,
    "开源项目": Entry.Section.PROJECTS,
    "博文": Entry.Section.BLOGS,
}
ENTRY_LINE = re.compile(r"^\s*[-–]\s+(?:\[[^\]]*\]\s*)*?\[(?P<title>[^\[\]]+?)\s*\|\s*(?P<publisher>[^|\]]+?)\s*\]\((?P<url>[^)\s]+)\)")


def run(*args, **kwargs) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_briefings", *args, stdout=out, stderr=err, **kwargs)
    return out.getvalue(), err.getvalue()


def independent_counts(path: Path) -> dict[int, int]:
    """List items per section, counted the plain way: lines starting with "- " or "– "."""
    counts: dict[int, int] = collections.Counter()
    section = None
    warmup = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            name = line[3:].strip()
            section = SECTIONS.get(name)
            warmup = False
            if "往期回顾" in name:
                break
            continue
        if line.startswith("----"):
            break
        if section is None and ("热身" in line or "开胃" in line):
            warmup = True
        if re.match(r"^[-–] ", line):
            if section is not None:
                counts[section] += 1
            elif warmup:
                counts[Entry.Section.WARMUP] += 1
    return dict(counts)


def section_lines(path: Path, name: str) -> list[str]:
    """The list-item lines of one section of a file."""
    lines, inside = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            inside = line[3:].strip() == name
            continue
        if inside and re.match(r"^[-–] ", line):
            lines.append(line)
    return lines


@pytest.fixture
def corpus_imported(db):
    if not corpus_files():
        pytest.skip(f"the briefing corpus is not at {corpus_dir()}: set BRIEFING_CORPUS=/work/shared/corpus")
    out, err = run(str(corpus_dir()), "--no-progress")
    return out, err


# ---------------------------------------------------------------------------- the whole corpus


@requires_corpus
def test_whole_corpus_imports_with_every_list_item_as_an_entry(corpus_imported):
    out, _ = corpus_imported
    files = corpus_files()
    assert Issue.objects.count() == len(files)
    assert f"{len(files)} files, {len(files)} issues created" in out
    for path in files:
        issue = Issue.objects.get(date=path.stem)
        actual = collections.Counter(issue.entries.values_list("section", flat=True))
        assert dict(actual) == independent_counts(path), path.name


@requires_corpus
@pytest.mark.parametrize("date", ["2019-03-31", "2019-11-18", "2020-07-02", "2021-07-01"])
def test_spot_check_titles_urls_sources_and_arxiv_ids(corpus_imported, date):
    path = corpus_file(date)
    issue = Issue.objects.get(date=date)
    for name, section in SECTIONS.items():
        lines = section_lines(path, name)
        entries = list(issue.entries.filter(section=section).select_related("source").order_by("position"))
        assert len(entries) == len(lines)
        for line, entry in zip(lines, entries):
            match = ENTRY_LINE.match(line)
            arxiv_url = re.search(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})", match["url"]) if match else None
            if match:
                assert entry.title == match["title"].strip()
                assert entry.source.name == match["publisher"].strip()
                # arXiv links are stored as the paper's abs page, as link recognition writes them.
                assert entry.url == (f"https://arxiv.org/abs/{arxiv_url.group(1)}" if arxiv_url else match["url"])
            arxiv = re.match(r"^[-–]\s+(?:\[[^\]]*\]\s*)*?\[(\d{4}\.\d{4,5}(?:v\d+)?)\]", line)
            if arxiv:
                assert entry.arxiv_id == arxiv.group(1)
            elif entry.arxiv_id:
                # No id prefix: the id comes from one of the entry's arXiv links, as saving it would.
                assert any(re.search(rf"arxiv\.org/(?:abs|pdf)/{re.escape(entry.arxiv_id)}", url) for url in entry.link_urls())


@requires_corpus
def test_papers_carry_arxiv_ids_from_their_prefixes(corpus_imported):
    expected = sum(
        1 for path in corpus_files() for line in path.read_text(encoding="utf-8").splitlines()
        if re.match(r"^[-–]\s+(?:\[[^\]]*\]\s*)*\[\d{4}\.\d{4,5}(?:v\d+)?\]\s*\[", line)
    )
    assert expected > 0
    # Entries without the prefix get the id from an arXiv link, as saving them would.
    assert Entry.objects.exclude(arxiv_id="").count() >= expected
    assert all(re.fullmatch(r"\d{4}\.\d{4,5}(v\d+)?", a) for a in Entry.objects.exclude(arxiv_id="").values_list("arxiv_id", flat=True))


@requires_corpus
def test_a_publisher_of_many_files_is_one_source(corpus_imported):
    occurrences: collections.Counter = collections.Counter()
    files_of: dict[str, set] = collections.defaultdict(set)
    for path in corpus_files():
        for line in path.read_text(encoding="utf-8").splitlines():
            match = ENTRY_LINE.match(line)
            if match:
                occurrences[match["publisher"].strip()] += 1
                files_of[match["publisher"].strip()].add(path.name)
    name, count = occurrences.most_common(1)[0]
    assert len(files_of[name]) > 10
    source = Source.objects.get(name=name)
    assert source.entries.count() == count
    assert Source.objects.count() == Source.objects.values("name").distinct().count()


@requires_corpus
def test_extra_link_lines_become_links(corpus_imported):
    path = corpus_file("2020-07-02")
    code_urls = re.findall(r"^代码：(https?://\S+)\s*$", path.read_text(encoding="utf-8"), re.M)
    assert code_urls
    links = [link for links in Issue.objects.get(date="2020-07-02").entries.values_list("links", flat=True) for link in links]
    for url in code_urls:
        assert {"label": "代码", "url": url} in links


@requires_corpus
def test_summaries_keep_bold_and_nested_lists(corpus_imported):
    issue = Issue.objects.get(date="2021-07-01")
    text = corpus_file("2021-07-01").read_text(encoding="utf-8")
    assert re.search(r"^\s{4}\d+\. ", text, re.M)
    html = "".join(issue.entries.values_list("summary_html", flat=True))
    assert "<ol>" in html and "<li>" in html
    bold_file = corpus_file("2020-07-02").read_text(encoding="utf-8")
    assert "**" in bold_file
    assert "<strong>" in "".join(Issue.objects.get(date="2020-07-02").entries.values_list("summary_html", flat=True))


@requires_corpus
@pytest.mark.parametrize("date", ["2019-11-18", "2020-03-02", "2020-04-26", "2021-07-01"])
def test_the_same_link_twice_in_an_issue_imports_both_with_a_warning(corpus_imported, date):
    out, err = corpus_imported
    issue = Issue.objects.get(date=date)
    urls = [u for u in issue.entries.values_list("url", flat=True) if u]
    assert len(urls) > len(set(urls))
    assert re.search(rf"{date}\.md:\d+: the same link as the entry on line \d+", err)


@requires_corpus
def test_imported_issues_are_published_at_their_date_with_an_import_step(corpus_imported):
    issue = Issue.objects.get(date="2020-07-02")
    assert issue.status == Issue.Status.PUBLISHED
    assert issue.publish_at == publish_time(issue.date)
    # Issues holding an entry that needs attention (a malformed link) are drafts until an editor checks them.
    flagged = set(Entry.objects.filter(needs_attention=True).values_list("issue__date", flat=True))
    assert flagged
    assert set(Issue.objects.filter(status=Issue.Status.DRAFT).values_list("date", flat=True)) == flagged
    assert Issue.objects.published().count() == len(corpus_files()) - len(flagged)
    step = issue.transitions.get()
    assert (step.action, step.from_status, step.to_status) == ("import", "draft", "published")


@requires_corpus
def test_importing_again_changes_nothing_and_keeps_entry_ids(corpus_imported):
    ids = sorted(Entry.objects.values_list("pk", flat=True))
    sources = Source.objects.count()
    out, _ = run(str(corpus_dir()), "--no-progress")
    n = len(corpus_files())
    assert f"0 issues created, 0 updated, {n} unchanged" in out
    assert sorted(Entry.objects.values_list("pk", flat=True)) == ids
    assert Source.objects.count() == sources
    assert IssueTransition.objects.count() == n


@requires_corpus
def test_import_of_one_file_needs_a_bounded_number_of_queries(django_assert_max_num_queries):
    path = corpus_file("2020-11-30")
    # 14 for the issue, its entries and the import step; 4 to write their search text
    # (entries read with sources and tags, one bulk update) and to mark the issue changed;
    # 1 to mark changed the published issues next to it.
    with django_assert_max_num_queries(21):
        result = import_file(path)
    assert result.entries_created > 20


@requires_corpus
def test_reimport_with_every_entry_changed_needs_a_bounded_number_of_queries(django_assert_max_num_queries):
    from issues.archive.parser import parse_text

    path = corpus_file("2020-11-30")
    import_file(path)
    changed = path.read_text(encoding="utf-8").replace("摘要：", "摘要：（修订）")
    # As for a first import, less the first-time body's dating; and the revision kept before
    # replacing, which django-reversion builds reading each entry's tags (one query per entry).
    entries = Issue.objects.get(date="2020-11-30").entries.count()
    with django_assert_max_num_queries(28 + entries):
        result = import_parsed(parse_text(changed, path.name), replace=True)
    assert result.entries_updated > 20
    assert result.entries_created == 0 and result.entries_deleted == 0


@requires_corpus
def test_corpus_with_as_draft_makes_drafts(db):
    run(str(corpus_file("2019-03-31")), "--as-draft", "--no-progress")
    issue = Issue.objects.get(date="2019-03-31")
    assert issue.status == Issue.Status.DRAFT
    assert issue.publish_at is None
    assert not Issue.objects.published().exists()


# ---------------------------------------------------------------------------- the project's own files

GOOD = """\
# 嵌入式AI简报 (2024-05-01)：示例

## 论文

- [2101.00001] [A Tiny Model | 示例媒体](https://arxiv.org/abs/2101.00001)
摘要：一个示例。
- [Another | 示例媒体](https://example.org/another)
"""


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_reimport_updates_the_issue_in_place(tmp_path):
    path = write(tmp_path, "a.md", GOOD)
    run(str(path), "--no-progress")
    entry = Entry.objects.get(title="A Tiny Model")
    entry.tags.add("量化")
    write(tmp_path, "a.md", GOOD.replace("A Tiny Model", "A Tinier Model").replace("摘要：一个示例。", "摘要：改过的示例。"))
    out, _ = run(str(path), "--no-progress", "--replace")
    assert "0 issues created, 1 updated" in out
    assert Issue.objects.count() == 1
    entry.refresh_from_db()
    assert entry.title == "A Tinier Model"
    assert "改过的示例" in entry.summary_html
    assert list(entry.tags.names()) == ["量化"]


def test_reimport_removes_entries_gone_from_the_file(tmp_path):
    path = write(tmp_path, "a.md", GOOD)
    run(str(path), "--no-progress")
    write(tmp_path, "a.md", GOOD.split("- [Another")[0])
    run(str(path), "--no-progress", "--replace")
    assert list(Entry.objects.values_list("title", flat=True)) == ["A Tiny Model"]


def test_dry_run_reports_changes_and_writes_nothing(tmp_path):
    path = write(tmp_path, "a.md", GOOD)
    out, _ = run(str(path), "--dry-run", "--no-progress")
    assert "would create issue 2024-05-01 with 2 entries and 1 new sources" in out
    assert "Dry run, nothing written" in out
    assert not Issue.objects.exists() and not Source.objects.exists() and not Entry.objects.exists()
    run(str(path), "--no-progress")
    write(tmp_path, "a.md", GOOD.replace("A Tiny Model", "Changed"))
    out, _ = run(str(path), "--dry-run", "--replace", "--no-progress")
    assert "would update issue 2024-05-01" in out and "title" in out
    assert Entry.objects.filter(title="A Tiny Model").exists()


@pytest.mark.parametrize(
    "name, content, where",
    [
        ("nodate.md", "# 简报\n\n## 论文\n- [A](https://example.org/a)\n", "nodate.md:1:"),
        ("empty.md", "", "empty.md:1:"),
        ("binary.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary.md:3:"),
        ("latin.md", "# 简报 (2024-06-01)\n".encode() + "caf\xe9\n".encode("latin-1"), "latin.md:2:"),
    ],
)
def test_a_broken_file_fails_alone_and_writes_nothing(tmp_path, name, content, where):
    write(tmp_path, "good.md", GOOD)
    write(tmp_path, name, content)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import_briefings", str(tmp_path), "--no-progress", stdout=out, stderr=err)
    assert where in str(exc.value)
    assert where in err.getvalue()
    assert "1 failed" in out.getvalue()
    assert list(Issue.objects.values_list("date", flat=True).order_by("date")) == [Issue.objects.get().date]
    assert Issue.objects.get().entries.count() == 2


def test_a_file_failing_midway_leaves_nothing_behind(tmp_path):
    too_long = GOOD + f"- [{'长' * 600}](https://example.org/long)\n"
    path = write(tmp_path, "long.md", too_long)
    with pytest.raises(CommandError, match=r"long\.md:8: the entry's title is 600 characters long"):
        run(str(path), "--no-progress")
    assert not Issue.objects.exists() and not Source.objects.exists()


def test_strict_turns_warnings_into_a_failure(tmp_path):
    path = write(tmp_path, "w.md", GOOD + "\n## 博文\n\n- [[B](https://example.org/b)\n")
    out, err = run(str(path), "--no-progress")
    assert "w.md:11: the link's bracket is never closed" in err
    assert "2 warnings" in out
    Issue.objects.all().delete()
    with pytest.raises(CommandError, match=r"w\.md:11"):
        run(str(path), "--strict", "--no-progress")
    assert not Issue.objects.exists()


def test_import_records_the_user_and_publish_time(tmp_path):
    admin = superuser(username="archivist")
    run(str(write(tmp_path, "a.md", GOOD)), "--user", "archivist", "--no-progress")
    issue = Issue.objects.get()
    assert issue.published_by == admin
    assert issue.is_public
    assert issue.transitions.get().by == admin


def test_unknown_user_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no user “nobody”"):
        run(str(write(tmp_path, "a.md", GOOD)), "--user", "nobody")


def test_sources_are_matched_by_name_across_files(tmp_path):
    write(tmp_path, "a.md", GOOD)
    write(tmp_path, "b.md", GOOD.replace("2024-05-01", "2024-05-15"))
    Source.objects.create(name="示例媒体", kind=Source.Kind.WEBSITE)
    run(str(tmp_path), "--no-progress")
    assert Source.objects.count() == 1
    assert Source.objects.get().entries.count() == 4


def test_command_has_help():
    command = load_command_class("issues", "import_briefings")
    text = command.create_parser("manage.py", "import_briefings").format_help()
    for option in ("--dry-run", "--strict", "--as-draft", "PATH"):
        assert option in text


def test_no_markdown_files_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="No Markdown files"):
        run(str(tmp_path))


def test_an_issue_dated_in_the_future_is_scheduled_not_public(tmp_path):
    run(str(write(tmp_path, "a.md", GOOD.replace("2024-05-01", "2999-01-01"))), "--no-progress")
    issue = Issue.objects.get()
    assert issue.status == Issue.Status.SCHEDULED
    assert not Issue.objects.published().exists()
    out, _ = run(str(tmp_path / "a.md"), "--no-progress")
    assert "1 unchanged" in out


@pytest.mark.django_db
def test_reimported_changes_show_on_the_cached_public_page_at_once(tmp_path, client):
    from django.core.management import call_command

    source = tmp_path / "2020-01-06.md"
    source.write_text("# 嵌入式AI简报 (2020-01-06)\n\n## 论文\n\n- [旧标题 | 来源](https://example.com/a)\n摘要：一句话。\n", encoding="utf-8")
    call_command("import_briefings", str(source), "--no-progress")
    assert "旧标题" in client.get("/issues/2020-01-06/").content.decode()
    source.write_text(source.read_text(encoding="utf-8").replace("旧标题", "新标题"), encoding="utf-8")
    call_command("import_briefings", str(source), "--no-progress", "--replace")
    page = client.get("/issues/2020-01-06/").content.decode()
    assert "新标题" in page and "旧标题" not in page

"""The issue editor (the desk) through the test client: what it costs, what a failed save says, previews, helpers."""

import datetime
import re

import pytest
from django.utils import timezone

from entries.models import Entry, Source
from issues import workflow
from issues.models import Issue
from tests.factories import EntryFactory, IssueFactory, SourceFactory, contributor, editor, issue_with_entries
from tests.issues.conftest import form_data, login

pytestmark = pytest.mark.django_db


def change_url(issue):
    return f"/admin/issues/issue/{issue.pk}/change/"


def test_a_forty_entry_issue_opens_in_at_most_30_queries_and_saves_in_at_most_80(django_assert_max_num_queries):
    issue = issue_with_entries(40)
    client = login(editor())
    client.get(change_url(issue))  # the session and permissions are warm, as for an editor at work
    with django_assert_max_num_queries(30):
        response = client.get(change_url(issue))
    assert len(re.findall(r'<li class="desk-row[^>]*data-prefix="entries-\d+"', response.content.decode())) == 40
    data = form_data(response)
    data["entries-7-summary"] = "要点：\n- 新的一行"
    data["entries-9-tags"] = "量化，推理框架、端侧大模型"
    with django_assert_max_num_queries(80):
        assert client.post(change_url(issue), data).status_code == 302
    # Dragging one entry to the top of its section renumbers its section.
    data = form_data(client.get(change_url(issue)))
    section = [n for n in range(40) if data[f"entries-{n}-section"] == data["entries-39-section"]]
    for rank, n in enumerate([section[-1], *section[:-1]]):
        data[f"entries-{n}-position"] = str(rank)
    with django_assert_max_num_queries(80):
        assert client.post(change_url(issue), data).status_code == 302
    # Every entry moved at once costs two writes each, and no more.
    data = form_data(client.get(change_url(issue)))
    for n in range(40):
        data[f"entries-{n}-position"] = str(40 - n)
    with django_assert_max_num_queries(30 + 2 * 40):
        assert client.post(change_url(issue), data).status_code == 302


def test_the_open_issue_costs_the_same_for_10_and_40_entries(django_assert_num_queries):
    counts = []
    for size in (10, 40):
        issue = issue_with_entries(size)
        client = login(editor())
        client.get(change_url(issue))
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            client.get(change_url(issue))
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_failed_save_lists_every_problem_with_section_entry_and_field(db):
    issue = IssueFactory()
    EntryFactory(issue=issue, section=Entry.Section.PAPERS, title="A good paper")
    client = login(editor(), language="en")
    data = form_data(client.get(change_url(issue)))
    data.update({
        "entries-0-url": "ftp://example.com/paper",
        "entries-TOTAL_FORMS": "2",
        "entries-1-section": str(Entry.Section.PROJECTS), "entries-1-position": "0",
        "entries-1-title": "", "entries-1-url": "https://github.com/a/b",
        "date": "not a date",
    })
    response = client.post(change_url(issue), data)
    assert response.status_code == 200
    problems = response.context["problems"]
    described = [(p.where, p.field, p.anchor) for p in problems]
    assert described == [
        ("Issue", "Date", "id_date"),
        ("Papers · “A good paper”", "URL", "id_entries-0-url"),
        ("Open-source projects · “new entry 2”", "Title", "id_entries-1-title"),
    ]
    page = response.content.decode()
    assert page.index('id="save-problems"') < page.index('id="issue_form"') + 2000  # at the top of the form
    assert 'href="#id_entries-0-url"' in page
    # Rows with errors are open; the rest stay folded.
    assert 'id="entries-1-body" hidden' not in page and 'id="entries-0-body" hidden' not in page


def test_unsaved_entries_show_no_current_value_widgets(db):
    issue = IssueFactory()
    client = login(editor(), language="en")
    data = form_data(client.get(change_url(issue)))
    data.update({
        "entries-TOTAL_FORMS": "1", "entries-0-section": "20", "entries-0-position": "0",
        "entries-0-title": "", "entries-0-url": "https://example.com/new",
    })
    page = client.post(change_url(issue), data).content.decode()
    assert "Currently:" not in page and "Change:" not in page
    assert 'value="https://example.com/new"' in page


def test_entries_are_grouped_by_section_in_reading_order_with_warning_marks(db):
    issue = IssueFactory()
    EntryFactory(issue=issue, section=Entry.Section.PAPERS, position=1, title="Second paper")
    EntryFactory(issue=issue, section=Entry.Section.PAPERS, position=0, title="First paper")
    EntryFactory(issue=issue, section=Entry.Section.INDUSTRY, title="News without a link", url="")
    old = IssueFactory(date=datetime.date(2020, 1, 1))
    EntryFactory(issue=old, url="https://example.com/again")
    EntryFactory(issue=issue, section=Entry.Section.BLOGS, title="Seen before", url="https://example.com/again")
    page = login(editor(), language="en").get(change_url(issue)).content.decode()
    desk = page[page.index('class="inline-group entries-desk"'):]
    assert desk.index("News without a link") < desk.index("First paper") < desk.index("Second paper") < desk.index("Seen before")
    assert page.count('class="desk-section"') == len(Entry.Section.choices)
    assert "desk-mark-nolink" in page and "desk-mark-duplicate" in page
    # The full sentence is said once, at the top; the row carries a sign.
    assert page.count("already appeared in") == 1


def test_tags_typed_with_chinese_separators_are_separate_tags(db):
    issue = IssueFactory()
    EntryFactory(issue=issue)
    client = login(editor())
    data = form_data(client.get(change_url(issue)))
    data["entries-0-tags"] = "MNN，推理框架、端侧大模型; Edge AI；量化\nmnn"
    assert client.post(change_url(issue), data).status_code == 302
    assert sorted(issue.entries.get().tags.names()) == sorted(["MNN", "推理框架", "端侧大模型", "Edge AI", "量化"])
    # Shown back as one list, and saving it unchanged changes nothing.
    data = form_data(client.get(change_url(issue)))
    assert data["entries-0-tags"] == "Edge AI, MNN, 推理框架, 端侧大模型, 量化"
    before = Issue.objects.get(pk=issue.pk).content_changed_at
    assert client.post(change_url(issue), data).status_code == 302
    assert Issue.objects.get(pk=issue.pk).content_changed_at == before


def test_a_source_is_named_and_found_or_made_by_its_name(db):
    issue = IssueFactory()
    EntryFactory(issue=issue, source=SourceFactory(name="机器之心"))
    client = login(editor())
    data = form_data(client.get(change_url(issue)))
    assert data["entries-0-source"] == "机器之心"
    data["entries-0-source"] = "量子位"
    assert client.post(change_url(issue), data).status_code == 302
    assert issue.entries.get().source.name == "量子位"
    data = form_data(client.get(change_url(issue)))
    data["entries-0-source"] = "机器之心"
    client.post(change_url(issue), data)
    assert Source.objects.filter(name="机器之心").count() == 1 and issue.entries.get().source.name == "机器之心"


def test_an_entry_without_a_link_is_saved_in_any_section_and_owner_repo_fills_the_link(db):
    issue = IssueFactory()
    client = login(editor())
    data = form_data(client.get(change_url(issue)))
    data.update({
        "entries-TOTAL_FORMS": "2",
        "entries-0-section": str(Entry.Section.INDUSTRY), "entries-0-position": "0", "entries-0-title": "某公司融资",
        "entries-1-section": str(Entry.Section.PROJECTS), "entries-1-position": "0",
        "entries-1-title": "Tencent/ncnn: 手机端推理框架",
    })
    assert client.post(change_url(issue), data).status_code == 302
    assert issue.entries.get(section=Entry.Section.INDUSTRY).url == ""
    assert issue.entries.get(section=Entry.Section.PROJECTS).url == "https://github.com/Tencent/ncnn"


def test_the_link_intelligence_answers_the_desk(db):
    client = login(contributor())
    answer = client.get("/admin/issues/issue/analyze-link/", {"url": "http://arxiv.org/pdf/1909.12605v1.pdf", "section": "40"}).json()
    assert answer["url"] == "https://arxiv.org/abs/1909.12605" and answer["source"] == "arXiv"
    assert answer["arxiv_id"] == "1909.12605"
    bad = client.get("/admin/issues/issue/analyze-link/", {"url": "javascript:alert(1)"})
    assert bad.status_code == 400 and "http" in bad.json()["error"]
    SourceFactory(name="机器之心")
    assert client.get("/admin/issues/issue/source-names/", {"q": "机器"}).json() == {"sources": ["机器之心"]}
    assert client.get("/admin/issues/issue/analyze-link/", {"url": "https://example.com"}, follow=False).status_code == 200
    anonymous = login.__globals__["Client"]().get("/admin/issues/issue/analyze-link/", {"url": "https://example.com"})
    assert anonymous.status_code == 302


def test_the_preview_button_shows_the_issue_as_readers_will_to_staff_only(db):
    issue = IssueFactory(headline="草稿要点")
    EntryFactory(issue=issue, title="A draft entry")
    page = login(editor()).get(change_url(issue)).content.decode()
    preview_url = f"/admin/issues/issue/{issue.pk}/preview/"
    assert f'href="{preview_url}" class="button preview-button" target="_blank"' in page
    shown = login(contributor()).get(preview_url)
    assert shown.status_code == 200 and "A draft entry" in shown.content.decode()
    assert shown["X-Robots-Tag"] == "noindex, nofollow"
    assert login.__globals__["Client"]().get(preview_url).status_code == 302  # to the login page


def test_the_change_request_is_a_banner_until_the_issue_is_submitted_again(db):
    author, boss = contributor(), editor(username="wang")
    issue = IssueFactory(created_by=author)
    EntryFactory(issue=issue)
    workflow.submit_for_review(issue, author)
    workflow.request_changes(issue, boss, "请补上导读。")
    page = login(author).get(change_url(issue)).content.decode()
    assert 'class="change-request"' in page and "请补上导读。" in page
    assert page.index('class="change-request"') < page.index('id="issue_form"')
    dashboard = login(author).get("/admin/").content.decode()
    assert 'id="dashboard-changes"' in dashboard and "请补上导读。" in dashboard
    workflow.submit_for_review(issue, author)
    assert 'class="change-request"' not in login(boss).get(change_url(issue)).content.decode()
    assert 'id="dashboard-changes"' not in login(author).get("/admin/").content.decode()


def test_times_are_in_the_sites_time_zone_and_named(db):
    issue = IssueFactory()
    EntryFactory(issue=issue)
    workflow.submit_for_review(issue, contributor())
    when = datetime.datetime(2031, 6, 1, 0, 0, tzinfo=datetime.timezone.utc)  # 08:00 in Shanghai
    workflow.publish(issue, editor(), publish_at=when)
    listing = login(editor(), language="en").get("/admin/issues/issue/").content.decode()
    assert "Scheduled · 2031-06-01 08:00" in listing and "00:00" not in listing
    assert "publish time (asia/shanghai)" in listing.lower()
    page = login(editor(), language="en").get(change_url(issue)).content.decode()
    assert "2031-06-01 08:00 (Asia/Shanghai)" in page
    assert 'publish time (Asia/Shanghai)</label>' in page


def test_the_action_bar_holds_save_preview_and_the_workflow_steps_this_user_may_take(db):
    issue = IssueFactory()
    EntryFactory(issue=issue)
    page = login(contributor()).get(change_url(issue)).content.decode()
    bar = page[page.index('<div class="submit-row">'):]
    bar = bar[:bar.index("</div>")]
    assert 'name="_continue"' in bar and "preview-button" in bar
    assert 'form="transition-submit_for_review"' in bar and "transition-publish" not in bar
    assert "_addanother" not in bar


def test_saving_what_a_browser_sends_back_unchanged_changes_nothing(db):
    """Browsers send a textarea's line breaks as CRLF; the stored text has LF."""
    issue = IssueFactory(lead="导读：\n- 一\n- 二")
    EntryFactory(issue=issue, summary="要点：\n- 第一点\n- 第二点", links=[{"label": "代码", "url": "https://github.com/a/b"}])
    client = login(editor())
    data = form_data(client.get(change_url(issue)))
    crlf = {name: value.replace("\n", "\r\n") if isinstance(value, str) else value for name, value in data.items()}
    before = Issue.objects.get(pk=issue.pk).content_changed_at
    response = client.post(change_url(issue), crlf)
    assert response.status_code == 302, response.context["errors"]
    issue.refresh_from_db()
    assert issue.content_changed_at == before
    assert issue.entries.get().summary == "要点：\n- 第一点\n- 第二点"


def test_an_eighty_entry_issue_can_be_saved(db):
    issue = issue_with_entries(80)
    client = login(editor())
    data = form_data(client.get(change_url(issue)))
    data["entries-79-title"] = "The last entry, renamed"
    assert client.post(change_url(issue), data).status_code == 302
    assert issue.entries.filter(title="The last entry, renamed").exists()


def test_a_contributor_reads_an_issue_in_review_with_every_entry_shown(django_assert_max_num_queries):
    author = contributor()
    issue = IssueFactory(created_by=author)
    EntryFactory(issue=issue, title="A paper under review", summary="要点", tags=["量化"])
    workflow.submit_for_review(issue, author)
    page = login(author, language="en").get(change_url(issue)).content.decode()
    assert "A paper under review" in page and "量化" in page
    assert 'data-folded' not in page and 'name="_save"' not in page

"""The issue admin for contributors and editors: pages, permissions, validation messages."""

import datetime

import pytest

from entries.models import Entry
from issues import workflow
from issues.archive.exporter import export_markdown
from issues.desk import local_time
from issues.models import Issue
from tests.factories import EntryFactory, IssueFactory, contributor, editor
from tests.issues.conftest import form_data, login

pytestmark = pytest.mark.django_db


def change_url(issue):
    return f"/admin/issues/issue/{issue.pk}/change/"


@pytest.fixture
def issue():
    issue = IssueFactory(date=datetime.date(2024, 6, 1))
    EntryFactory(issue=issue, title="Quantization paper", url="https://example.com/q")
    return issue


@pytest.mark.parametrize("role", [contributor, editor])
@pytest.mark.parametrize("page", ["/admin/issues/issue/", "/admin/issues/issue/add/", "change", "/admin/entries/entry/", "/admin/"])
def test_admin_pages_render_for_contributors_and_editors(issue, role, page):
    url = change_url(issue) if page == "change" else page
    response = login(role()).get(url)
    assert response.status_code == 200
    if page == "change":
        assert "Quantization paper" in response.content.decode()


def test_contributor_adds_an_issue_with_entries(db):
    client = login(contributor(username="li"))
    data = form_data(client.get("/admin/issues/issue/add/"))
    data.update({
        "date": "2024-07-01", "headline": "Bolt",
        "entries-TOTAL_FORMS": "1",
        "entries-0-section": str(Entry.Section.PAPERS), "entries-0-position": "0",
        "entries-0-title": "A paper", "entries-0-url": "https://arxiv.org/pdf/2001.00001v1.pdf",
    })
    response = client.post("/admin/issues/issue/add/", data)
    assert response.status_code == 302, response.context["errors"]
    issue = Issue.objects.get(date="2024-07-01")
    assert issue.created_by.username == "li" and issue.status == Issue.Status.DRAFT
    entry = issue.entries.get()
    assert entry.arxiv_id == "2001.00001" and entry.url == "https://arxiv.org/abs/2001.00001"


def test_contributors_forged_transition_post_cannot_publish(issue):
    workflow.submit_for_review(issue, contributor())
    client = login(contributor())
    response = client.post(f"/admin/issues/issue/{issue.pk}/transition/publish/", {"comment": "sneaky"}, follow=True)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.REVIEW
    assert response.status_code in (403, 200)
    assert not issue.transitions.filter(action="publish").exists()


def test_transition_url_refuses_get(issue):
    assert login(editor()).get(f"/admin/issues/issue/{issue.pk}/transition/submit_for_review/").status_code == 405


def test_forged_status_field_in_the_change_form_is_ignored(issue):
    client = login(contributor())
    data = form_data(client.get(change_url(issue)))
    data.update({"status": "published", "publish_at": "2024-01-01 00:00", "headline": "edited"})
    assert client.post(change_url(issue), data).status_code == 302
    issue.refresh_from_db()
    assert issue.headline == "edited"
    assert issue.status == Issue.Status.DRAFT and issue.publish_at is None
    assert not Issue.objects.published().exists()


def test_contributor_cannot_change_an_issue_in_review(issue):
    workflow.submit_for_review(issue, contributor())
    client = login(contributor())
    page = client.get(change_url(issue))
    assert page.status_code == 200  # viewable, read-only
    data = {"date": "2024-06-01", "headline": "changed"}
    assert client.post(change_url(issue), data).status_code == 403
    issue.refresh_from_db()
    assert issue.headline == ""


def test_editor_sees_workflow_buttons_outside_the_change_form(issue):
    workflow.submit_for_review(issue, contributor())
    page = login(editor()).get(change_url(issue)).content.decode()
    form_start = page.index('id="issue_form"')
    assert page.index("/transition/publish/") < form_start, "transition forms must not nest in the change form"


class TestValidationMessages:
    def post(self, client, issue, **changes):
        data = form_data(client.get(change_url(issue)))
        data.update(changes)
        return client.post(change_url(issue), data)

    def test_non_http_url_is_refused_on_its_field(self, issue):
        response = self.post(login(editor(), language="en"), issue, **{"entries-0-url": "ftp://example.com/file"})
        assert response.status_code == 200
        errors = response.context["inline_admin_formsets"][0].formset.forms[0].errors
        assert "links must start with http:// or https://" in errors["url"][0]
        assert "ftp://example.com/file" in errors["url"][0]

    def test_javascript_in_extra_links_is_refused_with_the_line(self, issue):
        response = self.post(login(editor(), language="en"), issue, **{"entries-0-links": "代码: https://github.com/a/b\nbad: javascript:alert(1)"})
        assert response.status_code == 200
        errors = response.context["inline_admin_formsets"][0].formset.forms[0].errors
        assert "Line 2" in " ".join(errors["links"])

    def test_same_link_twice_in_one_issue_is_an_error_on_the_field(self, issue):
        client = login(editor(), language="en")
        data = form_data(client.get(change_url(issue)))
        data.update({
            "entries-TOTAL_FORMS": "2",
            "entries-1-section": str(Entry.Section.PAPERS), "entries-1-position": "1",
            "entries-1-title": "Same again", "entries-1-url": "http://www.example.com/q/?utm_source=wechat",
        })
        response = client.post(change_url(issue), data)
        assert response.status_code == 200
        errors = response.context["inline_admin_formsets"][0].formset.forms[1].errors
        assert "already in this issue" in errors["url"][0] and "Quantization paper" in errors["url"][0]
        assert issue.entries.count() == 1

    def test_two_entries_may_swap_their_links_in_one_save(self, issue):
        EntryFactory(issue=issue, title="Second paper", url="https://example.com/second", position=5)
        client = login(editor(), language="en")
        data = form_data(client.get(change_url(issue)))
        first, second = data["entries-0-url"], data["entries-1-url"]
        data.update({"entries-0-url": second, "entries-1-url": first})
        response = client.post(change_url(issue), data)
        assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
        assert {e.title: e.url for e in issue.entries.all()}[data["entries-1-title"]] == first

    def test_a_link_may_move_to_another_entry_when_its_entry_is_deleted(self, issue):
        EntryFactory(issue=issue, title="Second paper", url="https://example.com/second", position=5)
        client = login(editor(), language="en")
        data = form_data(client.get(change_url(issue)))
        kept, deleted = (0, 1) if data["entries-1-title"] == "Second paper" else (1, 0)
        data.update({f"entries-{kept}-url": data[f"entries-{deleted}-url"], f"entries-{deleted}-DELETE": "on"})
        response = client.post(change_url(issue), data)
        assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
        assert list(issue.entries.values_list("url", flat=True)) == ["https://example.com/second"]

    def test_link_from_an_earlier_issue_is_a_warning_with_a_link_not_an_error(self, issue):
        later = IssueFactory(date=datetime.date(2024, 6, 15))
        EntryFactory(issue=later, title="Placeholder", url="https://example.com/other")
        client = login(editor(), language="en")
        response = self.post(client, later, **{"entries-0-url": "https://example.com/q"})
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
        assert "already appeared in" in page
        # The default title holds the date: it is not repeated after it.
        assert f'<a href="/admin/issues/issue/{issue.pk}/change/">{issue.title}</a>, as' in page
        assert later.entries.get().url == "https://example.com/q"

    def test_each_warning_is_shown_once(self, issue):
        later = IssueFactory(date=datetime.date(2024, 6, 15), title="Mid-June")
        EntryFactory(issue=later, title="Placeholder", url="https://example.com/q")
        client = login(editor(), language="en")
        # Saved and back on the issue page: the page lists the warning, no message repeats it.
        data = form_data(client.get(change_url(later)))
        page = client.post(change_url(later), {**data, "_continue": "1"}, follow=True).content.decode()
        assert page.count("already appeared in") == 1
        # Saved and off to the list: the message is the only place it is said.
        data = form_data(client.get(change_url(later)))
        page = client.post(change_url(later), data, follow=True).content.decode()
        assert page.count("already appeared in") == 1
        # An issue with its own title gets its date once.
        assert "Mid-June</a> (2024-06-15)" in login(editor(), language="en").get(change_url(issue)).content.decode()

    def test_entry_page_refuses_a_non_http_url(self, issue):
        client = login(editor(), language="en")
        entry = issue.entries.get()
        url = f"/admin/entries/entry/{entry.pk}/change/"
        from tests.issues.conftest import _form_values

        data = _form_values(client.get(url).context["adminform"].form)
        data["url"] = "mailto:someone@example.com"
        response = client.post(url, data)
        assert response.status_code == 200
        assert "links must start with http:// or https://" in response.context["adminform"].form.errors["url"][0]


class TestReviewQueue:
    def test_awaiting_review_list_is_for_editors_only(self, issue):
        workflow.submit_for_review(issue, contributor())
        IssueFactory(title="Still a draft")
        assert login(contributor()).get("/admin/issues/issueforreview/").status_code == 403
        page = login(editor()).get("/admin/issues/issueforreview/").content.decode()
        assert issue.title in page and "Still a draft" not in page

    def test_contributors_do_not_see_the_queue_in_the_menu(self, issue):
        page = login(contributor()).get("/admin/").content.decode()
        assert "/admin/issues/issueforreview/" not in page
        assert "/admin/issues/issueforreview/" in login(editor()).get("/admin/").content.decode()


def test_staff_can_read_link_check_results_but_not_change_them(db):
    from django.utils import timezone

    from entries.models import LinkCheck

    LinkCheck.objects.create(url="https://example.com/gone", ok=False, status_code=404, checked_at=timezone.now())
    for role in (contributor, editor):
        client = login(role())
        page = client.get("/admin/entries/linkcheck/?ok__exact=0")
        assert page.status_code == 200 and "https://example.com/gone" in page.content.decode()
        assert client.get("/admin/entries/linkcheck/add/").status_code == 403


@pytest.mark.parametrize("action", ["publish", "delete_selected", "submit_selected_for_review"])
def test_contributor_cannot_publish_through_a_list_action(issue, action):
    workflow.submit_for_review(issue, contributor())
    client = login(contributor())
    response = client.post("/admin/issues/issue/", {"action": action, "_selected_action": [issue.pk], "post": "yes"})
    assert response.status_code in (200, 302, 403)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.REVIEW
    assert Issue.objects.filter(pk=issue.pk).exists()
    assert not Issue.objects.published().exists()


def test_editor_submits_drafts_from_the_list(issue):
    client = login(editor(), language="en")
    response = client.post("/admin/issues/issue/", {"action": "submit_selected_for_review", "_selected_action": [issue.pk]}, follow=True)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.REVIEW
    assert "1 issue(s) submitted for review" in response.content.decode()


def test_editor_fixes_an_archived_issues_tagline_and_warm_up_intro_and_the_export_carries_them(issue):
    client = login(editor())
    data = form_data(client.get(change_url(issue)))
    data.update({"tagline": "每两周一期的端侧AI", "warmup_intro": "先看几条热身新闻："})
    assert client.post(change_url(issue), data).status_code == 302
    issue.refresh_from_db()
    assert (issue.tagline, issue.warmup_intro) == ("每两周一期的端侧AI", "先看几条热身新闻：")
    markdown = export_markdown(issue)
    assert "每两周一期的端侧AI" in markdown and "先看几条热身新闻：" in markdown


def test_a_scheduled_issue_names_who_scheduled_it_not_who_published_it(issue):
    from django.utils import timezone

    chief = editor(username="chief")
    workflow.submit_for_review(issue, contributor())
    workflow.publish(issue, chief, publish_at=timezone.now() + datetime.timedelta(days=2))
    page = login(chief, language="en").get(change_url(issue)).content.decode()
    assert "scheduled by chief" in page and "published by" not in page


def test_the_issue_list_writes_dates_and_times_as_the_rest_of_the_admin_does(issue):
    page = login(editor(), language="en").get("/admin/issues/issue/").content.decode()
    assert ">2024-06-01</a>" in page
    assert "Updated (Asia/Shanghai)" in page
    assert local_time(Issue.objects.get(pk=issue.pk).updated_at) in page

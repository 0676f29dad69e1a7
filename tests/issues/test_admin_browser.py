"""The issue page in headless Chromium: workflow buttons work, two editors do not overwrite each other."""

import pytest
from django.test import Client

from issues.models import Issue
from tests.browser_support import needs_chromium, watch_for_problems
from tests.factories import EntryFactory, IssueFactory, editor

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    needs_chromium,
]


def signed_in_page(browser, live_server, user, locale: str = "zh-CN"):
    """A page signed in as ``user``, in a browser whose language is ``locale`` (the admin follows it)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale=locale)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context.new_page()


@pytest.mark.parametrize("locale, button", [("zh-CN", "提交审阅"), ("en-US", "Submit for review")])
def test_workflow_button_on_the_issue_page_submits_for_review(browser, live_server, locale, button):
    issue = IssueFactory()
    EntryFactory(issue=issue)
    page = signed_in_page(browser, live_server, editor(), locale=locale)
    page.goto(f"{live_server.url}/admin/issues/issue/{issue.pk}/change/")
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()
    issue.refresh_from_db()
    assert issue.status == Issue.Status.REVIEW


def test_second_editor_in_a_browser_keeps_their_text_and_sees_the_other_change(browser, live_server):
    issue = IssueFactory(headline="NanoDet")
    EntryFactory(issue=issue)
    url = f"{live_server.url}/admin/issues/issue/{issue.pk}/change/"
    alice = signed_in_page(browser, live_server, editor(username="alice"))
    bob = signed_in_page(browser, live_server, editor(username="bob"), locale="en-US")
    alice.goto(url)
    bob.goto(url)
    alice.fill("input[name=headline]", "NanoDet/Bolt")
    alice.locator("input[name=_continue]").click()
    alice.wait_for_load_state()
    bob.fill("textarea[name=lead]", "Bob's lead, typed with care")
    bob.locator("input[name=_continue]").click()
    bob.wait_for_load_state()
    assert "alice saved this while you were editing it" in bob.content()
    assert bob.input_value("textarea[name=lead]") == "Bob's lead, typed with care"
    assert "Bolt" in bob.locator(".edit-conflict").inner_text()
    issue.refresh_from_db()
    assert issue.headline == "NanoDet/Bolt" and issue.lead == ""


def test_entries_are_grouped_under_section_headings_and_tags_are_suggested(browser, live_server):
    from entries.models import Entry

    issue = IssueFactory()
    EntryFactory(issue=issue, section=Entry.Section.PAPERS, tags=["模型压缩", "量化"], title="Paper one")
    EntryFactory(issue=issue, section=Entry.Section.INDUSTRY, title="News one")
    EntryFactory(issue=issue, section=Entry.Section.PAPERS, title="Paper two")
    page = signed_in_page(browser, live_server, editor())
    errors = watch_for_problems(page)
    page.goto(f"{live_server.url}/admin/issues/issue/{issue.pk}/change/")
    headings = page.locator(".entries-desk .section-heading").all_inner_texts()
    assert len(headings) == len(Entry.Section.choices)  # every section, to add to
    assert page.locator(f".desk-rows[data-section='{Entry.Section.INDUSTRY}'] .desk-title").all_inner_texts() == ["News one"]
    assert page.locator(f".desk-rows[data-section='{Entry.Section.PAPERS}'] .desk-title").all_inner_texts() == [
        "Paper one", "Paper two",
    ]
    row = page.locator(".desk-row", has_text="Paper one")
    row.locator(".desk-toggle").click()
    tags = row.locator("input[name$='-tags']")
    name = tags.get_attribute("name")
    tags.fill("")
    tags.press_sequentially("新标签，模型")
    page.wait_for_function(
        f"document.querySelectorAll('#' + CSS.escape('id_{name}-suggestions') + ' option').length > 0"
    )
    options = page.locator(f"#id_{name}-suggestions option").evaluate_all("els => els.map(e => e.value)")
    assert options == ["新标签, 模型压缩"]
    assert errors == []


def test_the_line_one_editor_saved_survives_the_other_editors_save_after_the_conflict(browser, live_server):
    """The issue's scenario in two browsers: A adds a line to one entry; B, who opened the page
    before, edits the headline and another entry, gets the conflict panel, saves again."""
    from entries.models import Entry

    issue = IssueFactory(headline="NanoDet")
    EntryFactory(issue=issue, section=Entry.Section.PAPERS, position=0, title="A's entry", summary="第一行")
    EntryFactory(issue=issue, section=Entry.Section.PAPERS, position=1, title="B's entry", summary="不变")
    url = f"{live_server.url}/admin/issues/issue/{issue.pk}/change/"
    alice = signed_in_page(browser, live_server, editor(username="alice"))
    bob = signed_in_page(browser, live_server, editor(username="bob"), locale="en-US")
    problems = watch_for_problems(alice) + watch_for_problems(bob)
    alice.goto(url)
    bob.goto(url)

    row = alice.locator(".desk-row", has_text="A's entry")
    row.locator(".desk-toggle").click()
    row.locator("textarea[name$='-summary']").fill("第一行\n第二行：Alice 加的")
    with alice.expect_navigation():
        alice.locator("input[name=_continue]").click()

    bob.fill("input[name=headline]", "NanoDet/Bolt 1.0")
    row = bob.locator(".desk-row", has_text="B's entry")
    row.locator(".desk-toggle").click()
    row.locator("input[name$='-title']").fill("B's entry, better title")
    with bob.expect_navigation():
        bob.locator("input[name=_continue]").click()
    panel = bob.locator(".edit-conflict")
    assert panel.is_visible() and "alice saved this while you were editing it" in bob.content()
    assert "第二行" in panel.inner_text()  # what alice changed
    # Alice's line is on bob's form now, and bob's edits are still there.
    a_row = bob.locator(".desk-row", has_text="A's entry")
    a_row.locator(".desk-toggle").click()
    assert a_row.locator("textarea[name$='-summary']").input_value() == "第一行\n第二行：Alice 加的"
    assert bob.input_value("input[name=headline]") == "NanoDet/Bolt 1.0"
    with bob.expect_navigation():
        bob.locator("input[name=_continue]").click()  # saves again, as invited
    assert bob.locator(".edit-conflict").count() == 0

    issue.refresh_from_db()
    entries = {e.title: e.summary.replace("\r\n", "\n") for e in issue.entries.all()}  # browsers send CRLF
    assert entries == {"A's entry": "第一行\n第二行：Alice 加的", "B's entry, better title": "不变"}
    assert issue.headline == "NanoDet/Bolt 1.0"
    assert problems == []


def test_both_changed_one_summary_and_the_editor_chooses_in_the_browser(browser, live_server):
    from entries.models import Entry

    issue = IssueFactory()
    EntryFactory(issue=issue, section=Entry.Section.PAPERS, title="Shared entry", summary="原文")
    url = f"{live_server.url}/admin/issues/issue/{issue.pk}/change/"
    alice = signed_in_page(browser, live_server, editor(username="alice"))
    bob = signed_in_page(browser, live_server, editor(username="bob"))
    alice.goto(url)
    bob.goto(url)
    for page, text in ((alice, "Alice 的版本"), (bob, "Bob 的版本")):
        page.locator(".desk-toggle").click()
        page.locator("textarea[name$='-summary']").fill(text)
        with page.expect_navigation():
            page.locator("input[name=_continue]").click()
    clash = bob.locator(".clash")
    assert "Alice 的版本" in clash.locator(".clash-theirs").inner_text()
    assert "Bob 的版本" in clash.locator(".clash-mine").inner_text()
    clash.locator("input[value=theirs]").check()
    with bob.expect_navigation():
        bob.locator("input[name=_continue]").click()
    assert issue.entries.get().summary == "Alice 的版本"

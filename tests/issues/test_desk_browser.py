"""The issue editor (the desk) in headless Chromium: compact rows, reordering, adding by link, previews."""

from __future__ import annotations

import pytest
from django.test import Client

from entries.models import Entry
from tests.browser_support import ARTIFACTS, VIEWPORTS, needs_chromium, no_sideways_scroll, watch_for_problems
from tests.factories import editor, issue_with_entries

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    needs_chromium,
]


def signed_in_page(browser, live_server, user, viewport="desktop", locale="zh-CN"):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale=locale)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context.new_page()


def page_height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_forty_entry_issue_opens_as_compact_rows(browser, live_server, viewport):
    issue = issue_with_entries(40)
    page = signed_in_page(browser, live_server, editor(), viewport)
    problems = watch_for_problems(page)
    page.goto(f"{live_server.url}/admin/issues/issue/{issue.pk}/change/")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"desk-40-{viewport}.png"), full_page=True)
    height = page_height(page)
    print("HEIGHT", viewport, height)
    assert page.locator(".desk-row").count() == 40
    if viewport == "desktop":
        assert height <= 4000
    no_sideways_scroll(page)
    assert problems == []


def row_titles(page, section: int) -> list[str]:
    return page.locator(f".desk-rows[data-section='{section}'] .desk-title").all_inner_texts()


def test_rows_open_in_place_and_reorder_by_keyboard_and_by_drag(browser, live_server):
    issue = issue_with_entries(12)
    page = signed_in_page(browser, live_server, editor())
    problems = watch_for_problems(page)
    page.goto(f"{live_server.url}/admin/issues/issue/{issue.pk}/change/")
    papers, projects = Entry.Section.PAPERS, Entry.Section.PROJECTS
    first, second = row_titles(page, papers)

    # A title opens its form in place, with a live preview of the summary that shows list bullets.
    row = page.locator(".desk-row", has_text=first)
    row.locator(".desk-toggle").click()
    assert row.locator(".desk-row-body").is_visible()
    preview_item = row.locator(".markdownx-preview li").first
    preview_item.wait_for()
    assert preview_item.evaluate("li => getComputedStyle(li).listStyleType") == "disc"

    # Keyboard: the handle moves the row down within its section, then into the next one.
    handle = row.locator(".desk-handle")
    handle.focus()
    page.keyboard.press("ArrowDown")
    assert row_titles(page, papers) == [second, first]
    page.keyboard.press("ArrowDown")
    assert row_titles(page, papers) == [second]
    assert row_titles(page, projects)[0] == first
    assert row.locator("select[name$='-section']").input_value() == str(projects)

    # Drag and drop: the first open-source project goes back to the end of the papers.
    source_handle = page.locator(f".desk-rows[data-section='{projects}'] .desk-row").first.locator(".desk-handle")
    target = page.locator(f".desk-rows[data-section='{papers}'] .desk-row").last
    source_handle.drag_to(target, target_position={"x": 200, "y": 28})
    assert row_titles(page, papers) == [second, first]

    page.locator("input[name=_continue]").click()
    page.wait_for_load_state()
    assert [e.title for e in issue.entries.filter(section=papers).order_by("position")] == [second, first]
    assert problems == []


def test_a_pasted_link_adds_an_entry_with_what_the_link_says(browser, live_server):
    issue = issue_with_entries(2)
    page = signed_in_page(browser, live_server, editor())
    problems = watch_for_problems(page)
    page.goto(f"{live_server.url}/admin/issues/issue/{issue.pk}/change/")
    papers = Entry.Section.PAPERS
    page.fill(f"#desk-add-{papers}", "http://arxiv.org/pdf/2101.01234v2.pdf")
    page.click(f".desk-add-button[data-section='{papers}']")
    new_row = page.locator(f".desk-rows[data-section='{papers}'] .desk-row.is-new")
    new_row.locator("input[name$='-title']").wait_for()
    assert new_row.locator("input[name$='-url']").input_value() == "https://arxiv.org/abs/2101.01234"
    assert new_row.locator("input[name$='-source']").input_value() == "arXiv"
    assert new_row.locator("input[name$='-arxiv_id']").input_value() == "2101.01234"
    new_row.locator("input[name$='-title']").fill("A new paper on INT4")
    new_row.locator("input[name$='-tags']").fill("量化，INT4、端侧")
    assert new_row.locator(".desk-title").inner_text() == "A new paper on INT4"
    page.locator("input[name=_continue]").click()
    page.wait_for_load_state()
    entry = issue.entries.get(title="A new paper on INT4")
    assert (entry.section, entry.url, entry.source.name) == (papers, "https://arxiv.org/abs/2101.01234", "arXiv")
    assert sorted(entry.tags.names()) == sorted(["量化", "INT4", "端侧"])
    assert problems == []


def test_the_leads_live_preview_shows_a_list_under_a_line_of_text_with_bullets_and_numbers(browser, live_server):
    from tests.factories import IssueFactory

    issue = IssueFactory(lead="要点：\n- 端侧推理\n- 低比特量化\n\n步骤：\n1. 导出\n2. 量化")
    page = signed_in_page(browser, live_server, editor())
    problems = watch_for_problems(page)
    page.goto(f"{live_server.url}/admin/issues/issue/{issue.pk}/change/")
    preview = page.locator(".field-lead .markdownx-preview").first
    preview.locator("ul li").first.wait_for()
    assert preview.locator("ul li").evaluate_all("els => els.map(e => getComputedStyle(e).listStyleType)") == ["disc", "disc"]
    assert preview.locator("ol li").evaluate_all("els => els.map(e => getComputedStyle(e).listStyleType)") == ["decimal", "decimal"]
    assert problems == []


def test_unpublishing_asks_first_and_a_no_leaves_the_issue_public(browser, live_server):
    from issues.models import Issue
    from tests.factories import published_issue

    issue = published_issue()
    page = signed_in_page(browser, live_server, editor(), locale="en-US")
    problems = watch_for_problems(page)
    page.goto(f"{live_server.url}/admin/issues/issue/{issue.pk}/change/")
    asked = []

    def answer(dialog, accept):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    page.locator("button.transition-button[value='unpublish']").click()
    page.wait_for_timeout(300)
    assert asked and "off the public site" in asked[0]
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.PUBLISHED

    page.once("dialog", lambda dialog: answer(dialog, True))
    with page.expect_navigation():
        page.locator("button.transition-button[value='unpublish']").click()
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.DRAFT
    assert problems == []

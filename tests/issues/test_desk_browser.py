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

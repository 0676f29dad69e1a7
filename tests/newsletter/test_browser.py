"""In headless Chromium: a reader subscribes from a page's footer, confirms with the button, and unsubscribes."""

from __future__ import annotations

import pytest

from newsletter.models import Subscriber
from tests.browser_support import ARTIFACTS, needs_chromium, no_sideways_scroll, watch_for_problems
from tests.public_content import published

from .helpers import link_in, path_of

pytestmark = [pytest.mark.browser, needs_chromium]


def test_a_reader_subscribes_from_the_footer_confirms_and_unsubscribes(transactional_db, live_server, browser, smtp):
    published()
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    problems = watch_for_problems(page)

    page.goto(f"{live_server.url}/")
    footer = page.locator("footer .subscribe-form")
    assert footer.get_by_label("邮箱地址").is_visible()
    assert not page.locator("#footer-subscribe-website").is_visible(), "the honeypot is hidden"
    footer.get_by_label("邮箱地址").fill("reader@example.com")
    footer.get_by_label("版本").select_option("en")
    no_sideways_scroll(page)
    page.screenshot(path=str(ARTIFACTS / "subscribe-footer-phone.png"), full_page=True)
    footer.get_by_role("button", name="订阅").click()
    page.wait_for_url("**/subscribe/sent/")
    assert page.locator("h1").inner_text() == "请查收邮件"

    # The emailed link opens a page with a button; opening it confirms nothing.
    confirm_url = link_in(smtp.to("reader@example.com")[0].part("plain"), "/subscribe/confirm/")
    page.goto(live_server.url + path_of(confirm_url))
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING
    page.get_by_role("button", name="Confirm my subscription").click()
    page.wait_for_selector("text=You are subscribed")
    subscriber = Subscriber.objects.get()
    assert (subscriber.status, subscriber.edition) == (Subscriber.Status.ACTIVE, "en")

    page.goto(live_server.url + path_of(subscriber.unsubscribe_url()))
    page.get_by_role("button", name="Unsubscribe").click()
    page.wait_for_selector("text=No further issue will be emailed to this address.")
    assert Subscriber.objects.get().status == Subscriber.Status.UNSUBSCRIBED
    assert problems == []
    context.close()

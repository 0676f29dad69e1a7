"""The reader's archive in headless Chromium: archive, issue and entry pages at phone and desktop widths
(screenshots in test-artifacts/), and an axe-core audit of the public pages."""

from __future__ import annotations

import datetime

import pytest

from entries.models import Entry
from tests.browser_support import ARTIFACTS, VIEWPORTS, needs_chromium, no_sideways_scroll, watch_for_problems
from tests.factories import EntryFactory, SourceFactory
from tests.public_content import issue_in, published

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture
def archive_content(transactional_db):
    for n, day in enumerate([datetime.date(2020, 11, 30), datetime.date(2021, 1, 19)], start=1):
        issue = published(date=day, entries=0, headline="" if n == 1 else "轻量检测/新芯片/编译器")
        for position in range(1, 4):
            EntryFactory(issue=issue, section=Entry.Section.PAPERS, position=position,
                         title=f"第 {n} 期的第 {position} 篇论文", tags=["量化"])
    latest = issue_in("published", entries=0, date=datetime.date(2021, 8, 1), lead="本期12条。【新闻】某厂发布了**新的 NPU**，性能翻倍。",
                      notes=[{"section": 10, "before": 0, "text": "> 注：个别链接打不开，请点击文末阅读原文"}])
    source = SourceFactory(name="示例媒体")
    for position, title in enumerate(["某厂：发布 4 TOPS 开发板；", "另一家：开源了一个工具。"], start=1):
        EntryFactory(issue=latest, section=Entry.Section.WARMUP, position=position, title=title, url="", source=None)
    entry = EntryFactory(issue=latest, section=Entry.Section.INDUSTRY, title="成立子公司**某芯片**有限公司", source=source,
                         links=[{"label": "代码", "url": "https://github.com/example/x"}], tags=["NPU"],
                         summary="一段摘要，**加粗**。\n\n- 要点一\n- 要点二")
    EntryFactory(issue=latest, section=Entry.Section.BLOGS, title="没有来源的博文", source=None, summary="正文。")
    return entry


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_archive_issue_and_entry_pages_read_well(device, archive_content, live_server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport=VIEWPORTS[device], locale="zh-CN")
    page = context.new_page()
    problems = watch_for_problems(page)

    page.goto(f"{live_server.url}/issues/")
    # Each issue with its number and what it is about; a year index on top.
    assert page.locator(".issue-number").all_inner_texts() == ["第 3 期", "第 2 期", "第 1 期"]
    digests = page.locator(".digest").all_inner_texts()
    assert digests == ["某厂发布了新的 NPU，性能翻倍", "轻量检测/新芯片/编译器", "第 1 期的第 1 篇论文 / 第 1 期的第 2 篇论文 / 第 1 期的第 3 篇论文"]
    assert page.locator(".year-index a").all_inner_texts() == ["2021", "2020"]
    assert page.get_by_role("navigation", name="网站").get_by_role("link", name="来源").is_visible()
    no_sideways_scroll(page)
    page.screenshot(path=str(ARTIFACTS / f"archive-{device}.png"), full_page=True)

    page.locator(".archive-list a", has_text="2021-08-01").click()
    page.wait_for_url("**/issues/2021-08-01/")
    # Warm-up news as a compact list; a note kept; the entry title a visible link with its bold rendered.
    assert page.locator("ul.warmup li").count() == 2
    assert page.locator(".note").first.inner_text().startswith("注：")
    title_link = page.locator("#entry-%d .entry-title a" % archive_content.pk).last
    assert title_link.inner_text() == "成立子公司某芯片有限公司"
    assert title_link.locator("strong").inner_text() == "某芯片"
    assert title_link.evaluate("a => getComputedStyle(a).textDecorationLine") == "underline"
    # The permalink sits on a line with other things, never alone.
    for permalink in page.locator(".permalink").all():
        assert permalink.evaluate("a => a.parentElement.innerText.trim() !== a.innerText.trim()")
    no_sideways_scroll(page)
    page.screenshot(path=str(ARTIFACTS / f"archive-issue-{device}.png"), full_page=True)

    page.goto(f"{live_server.url}{archive_content.get_absolute_url()}")
    body = page.locator("main").inner_text()
    assert body.count("2021-08-01") == 2  # the breadcrumb and "收录于", each once: no date repeated beside them
    assert "\n\n\n" not in body
    assert page.locator(".entry-meta:empty").count() == 0
    no_sideways_scroll(page)
    page.screenshot(path=str(ARTIFACTS / f"entry-{device}.png"), full_page=True)

    context.close()
    assert problems == []


PAGES = ["/", "/issues/", "/issues/2021-08-01/", "ENTRY", "/tags/量化/", "/search/?q=芯片", "/en/", "/en/issues/2021-08-01/"]


def test_public_pages_have_no_serious_accessibility_violation(archive_content, live_server, browser):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="zh-CN")
    page = context.new_page()
    found = {}
    for path in PAGES:
        path = archive_content.get_absolute_url() if path == "ENTRY" else path
        page.goto(f"{live_server.url}{path}")
        results = axe.run(page)
        assert results.response["testEngine"]["name"] == "axe-core" and results.response["passes"] is not None
        serious = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")
        ]
        if serious:
            found[path] = serious
    context.close()
    assert found == {}

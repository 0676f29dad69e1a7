"""End to end in headless Chromium: a reader opens the home page, follows an issue, a tag
and a search, on a phone and on a desktop. Screenshots go to test-artifacts/."""

from __future__ import annotations

import datetime

import pytest

from entries.models import Entry
from tests.browser_support import ARTIFACTS, VIEWPORTS, needs_chromium, no_sideways_scroll, watch_for_problems
from tests.factories import EntryFactory, SourceFactory
from tests.public_content import issue_in, published

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture
def site_content(transactional_db):
    earlier = published(date=datetime.date(2021, 7, 22), entries=0, headline="上一期要点")
    EntryFactory(issue=earlier, title="上一期的条目", tags=["剪枝"])
    latest = issue_in("published", entries=0, date=datetime.date(2021, 8, 5),
                      headline="NanoDet/Bolt 1.0/量化", lead="本期导读：**低比特量化**与端侧部署。")
    arxiv = SourceFactory(name="arXiv", kind="arxiv")
    EntryFactory(issue=latest, section=Entry.Section.WARMUP, title="某厂发布 4 TOPS NPU 开发板", url="")
    EntryFactory(issue=latest, section=Entry.Section.PAPERS, title="INT4 Weight-Only Quantization for Speech",
                 source=arxiv, arxiv_id="2108.01234", tags=["量化", "语音"],
                 links=[{"label": "代码", "url": "https://github.com/example/int4"}],
                 summary="只量化权重，保留激活为 FP16。\n\n- 体积降到四分之一\n- 词错率上升不到 0.3")
    EntryFactory(issue=latest, section=Entry.Section.PROJECTS, title="tiny-runtime：3000 行 C 代码的推理运行时",
                 tags=["推理框架"], summary="无动态内存分配，适合 MCU。")
    for n in range(6):
        EntryFactory(issue=latest, section=Entry.Section.BLOGS, title=f"一篇很长的博文标题，讲芯片上的部署经验 {n}",
                     tags=["部署"], summary="芯片" * 40)
    return latest


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_reader_follows_an_issue_a_tag_and_a_search(device, site_content, live_server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport=VIEWPORTS[device], locale="zh-CN")
    page = context.new_page()
    problems = watch_for_problems(page)

    # Home: the latest issue in full.
    page.goto(f"{live_server.url}/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("h1").inner_text() == "嵌入式AI简报 (2021-08-05)"
    assert page.get_by_role("heading", name="论文").is_visible()
    assert page.locator('link[rel="alternate"][type="application/rss+xml"]').count() == 1
    no_sideways_scroll(page)
    page.screenshot(path=str(ARTIFACTS / f"home-{device}.png"), full_page=True)

    # The keyboard's first stop is the skip link.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"

    # Follow the issue.
    page.locator("h1 a").click()
    page.wait_for_url("**/issues/2021-08-05/")
    assert page.get_by_role("link", name="INT4 Weight-Only Quantization for Speech", exact=True).is_visible()
    assert page.locator('a[rel="prev"]').inner_text().endswith("嵌入式AI简报 (2021-07-22)")
    no_sideways_scroll(page)
    page.screenshot(path=str(ARTIFACTS / f"issue-{device}.png"), full_page=True)

    # Follow a tag.
    page.locator(".tags a", has_text="量化").first.click()
    page.wait_for_url("**/tags/**")
    assert page.locator("h1").inner_text() == "标签：量化"
    assert page.get_by_text("INT4 Weight-Only Quantization for Speech").is_visible()
    page.screenshot(path=str(ARTIFACTS / f"tag-{device}.png"), full_page=True)

    # Search from the box every page carries, for a two-character Chinese term.
    page.get_by_role("searchbox", name="搜索条目").fill("芯片")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_url("**/search/?q=*")
    assert page.locator(".entry").count() == 6
    assert "找到 6 条" in page.locator("[role=status]").inner_text()
    no_sideways_scroll(page)
    page.screenshot(path=str(ARTIFACTS / f"search-{device}.png"), full_page=True)

    # The English interface is one click away.
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**/en/search/?q=*")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Search"

    context.close()
    assert problems == []

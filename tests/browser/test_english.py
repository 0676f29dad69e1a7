"""End to end in headless Chromium: a reader of the English edition switches language on an
issue, stays on it, and unfolds a paper's original abstract. Screenshots go to test-artifacts/."""

from __future__ import annotations

import datetime

import pytest

from entries.models import Entry
from tests.browser_support import ARTIFACTS, VIEWPORTS, needs_chromium, no_sideways_scroll, watch_for_problems
from tests.factories import EntryFactory
from tests.public_content import issue_in

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture
def english_issue(transactional_db):
    issue = issue_in("published", entries=0, date=datetime.date(2021, 8, 5), headline="模型压缩/芯片",
                     title_en="Embedded AI Briefing (2021-08-05)", lead_en="This issue: **low-bit** inference.")
    EntryFactory(issue=issue, section=Entry.Section.PAPERS, title="只量化权重的语音模型",
                 title_en="Weight-only quantization for speech", summary="只量化权重。",
                 summary_en="Only the weights are quantized.", arxiv_id="2108.01234",
                 abstract="We quantize only the weights of speech models.\n\nWord error rate rises by under 0.3.")
    EntryFactory(issue=issue, section=Entry.Section.BLOGS, title="芯片上的部署经验", summary="芯片" * 30)
    return issue


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_english_reader_switches_language_on_an_issue_and_unfolds_an_abstract(
    device, english_issue, live_server, browser,
):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport=VIEWPORTS[device], locale="en-US")
    page = context.new_page()
    problems = watch_for_problems(page)

    page.goto(f"{live_server.url}/en/issues/2021-08-05/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Embedded AI Briefing (2021-08-05)"
    assert page.locator(".headline").get_attribute("lang") == "zh-Hans"
    assert page.locator("h3", has_text="芯片上的部署经验").get_attribute("lang") == "zh-Hans"
    no_sideways_scroll(page)
    page.screenshot(path=str(ARTIFACTS / f"english-issue-{device}.png"), full_page=True)

    # The switcher keeps the reader on the same issue, in both directions.
    page.locator(".language-switch").get_by_role("link", name="简体中文").click()
    page.wait_for_url("**/issues/2021-08-05/")
    assert "/en/" not in page.url
    assert page.locator("h1").inner_text() == "嵌入式AI简报 (2021-08-05)"
    page.locator(".language-switch").get_by_role("link", name="English").click()
    page.wait_for_url("**/en/issues/2021-08-05/")

    # The entry page: the abstract is folded until the reader opens it.
    page.get_by_role("link", name="Permalink to Weight-only quantization for speech").click()
    page.wait_for_url("**/en/entries/*/")
    abstract = page.locator(".abstract-text")
    assert not abstract.is_visible()
    page.get_by_text("Original abstract").click()
    assert abstract.is_visible()
    assert abstract.get_attribute("lang") == "en"
    assert "Word error rate" in abstract.inner_text()
    no_sideways_scroll(page)
    page.screenshot(path=str(ARTIFACTS / f"english-entry-{device}.png"), full_page=True)

    context.close()
    assert problems == []

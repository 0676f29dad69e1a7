"""An issue from first draft to schedule, in headless Chromium, as a contributor and an editor do it.

The contributor drafts eight entries in three sections on the desk, hits an
error, fixes it from the list at the top, previews, and submits; the editor
requests changes; the contributor sees the banner and resubmits; the editor
schedules. Screenshots of each step go to test-artifacts/ at both sizes.
"""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from entries.models import Entry
from issues.models import Issue
from tests.browser_support import ARTIFACTS, VIEWPORTS, needs_chromium, no_sideways_scroll, watch_for_problems
from tests.factories import contributor, editor

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    needs_chromium,
]

INDUSTRY, PAPERS, PROJECTS = Entry.Section.INDUSTRY, Entry.Section.PAPERS, Entry.Section.PROJECTS
# (section, pasted link, title typed afterwards or None to keep what the link gave, tags)
ENTRIES = [
    (INDUSTRY, "https://mp.weixin.qq.com/s/AbCdEf123", "某厂发布 4 TOPS NPU 开发板 | 芯东西", "NPU，开发板"),
    (INDUSTRY, "https://www.example.com/news/edge-ai?utm_source=wechat", "端侧大模型推理框架发布 1.0", "推理框架"),
    (INDUSTRY, "", "某公司完成新一轮融资（无链接的新闻）", ""),
    (PAPERS, "http://arxiv.org/pdf/2101.01234v2.pdf", "INT4 Weight-Only Quantization", "量化、INT4"),
    (PAPERS, "https://arxiv.org/abs/2102.04321", "Pruning at Initialization Revisited", "剪枝"),
    (PAPERS, "https://openreview.net/forum?id=xyz", "A Survey of On-Device Learning", "综述；端侧训练"),
    (PROJECTS, "https://github.com/alibaba/MNN", "alibaba/MNN：轻量级推理引擎", "推理框架"),
    (PROJECTS, "", "Tencent/ncnn：手机端高性能神经网络前向计算框架", "推理框架, 移动端"),
]


def new_page(browser, live_server, user, viewport):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="zh-CN")
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context.new_page()


def shot(page, viewport: str, step: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"journey-{step}-{viewport}.png"), full_page=True)


def save_and_stay(page) -> None:
    with page.expect_navigation():
        page.locator("input[name=_continue]").click()


def take_step(page, name: str) -> None:
    with page.expect_navigation():
        page.locator(f".submit-row .transition-button[value={name}]").click()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_an_issue_from_draft_to_schedule(browser, live_server, viewport, django_assert_max_num_queries):
    author = contributor(username="li", email="li@example.org")
    boss = editor(username="wang", email="wang@example.org")
    page = new_page(browser, live_server, author, viewport)
    problems = watch_for_problems(page)

    # The contributor drafts an issue: eight entries in three sections, most from a pasted link.
    page.goto(f"{live_server.url}/admin/issues/issue/add/")
    page.fill("input[name=date]", "2031-07-01")
    page.fill("input[name=headline]", "MNN/ncnn/INT4")
    page.fill("textarea[name=lead]", "本期要点：\n- 端侧推理框架\n- 低比特量化")
    for section, link, title, tags in ENTRIES:
        page.fill(f"#desk-add-{section}", link)
        page.click(f".desk-add-button[data-section='{section}']")
        row = page.locator(f".desk-rows[data-section='{section}'] .desk-row").last
        row.locator("input[name$='-title']").wait_for()
        if link:
            page.wait_for_function(
                "row => row.querySelector(\"input[name$='-url']\").value !== ''", arg=row.element_handle(),
            )
        row.locator("input[name$='-title']").fill(title)
        row.locator("input[name$='-tags']").fill(tags)
        row.locator(".desk-toggle").click()  # fold it again
    # One mistake: a link that is not a web address.
    broken = page.locator(f".desk-rows[data-section='{PAPERS}'] .desk-row").nth(2)
    broken.locator(".desk-toggle").click()
    broken.locator("input[name$='-url']").fill("ftp://openreview.net/forum?id=xyz")
    save_and_stay(page)

    # Not saved: the problem is listed at the top, naming section, entry and field.
    assert Issue.objects.filter(date="2031-07-01").count() == 0
    summary = page.locator("#save-problems")
    assert summary.is_visible()
    item = summary.locator("li")
    assert item.count() == 1
    assert "论文" in item.inner_text() and "A Survey of On-Device Learning" in item.inner_text()
    # Unsaved entries show their fields, with no "currently" link as if they were saved.
    assert page.locator(".desk-row .url a").count() == 0 and "当前" not in page.locator(".entries-desk").inner_text()
    shot(page, viewport, "1-problem")
    # The link opens the entry and puts the cursor in the field.
    item.locator("a").click()
    url_field = page.locator(f".desk-rows[data-section='{PAPERS}'] input[name$='-url']").nth(2)
    assert url_field.is_visible()
    assert page.evaluate("document.activeElement.name") == url_field.get_attribute("name")
    url_field.fill("https://openreview.net/forum?id=xyz")
    save_and_stay(page)

    issue = Issue.objects.get(date="2031-07-01")
    entries = list(issue.entries.in_reading_order())
    assert [e.section for e in entries] == [INDUSTRY] * 3 + [PAPERS] * 3 + [PROJECTS] * 2
    by_title = {e.title: e for e in entries}
    assert by_title["某厂发布 4 TOPS NPU 开发板"].source.name == "芯东西"
    assert by_title["某公司完成新一轮融资（无链接的新闻）"].url == ""
    assert by_title["Tencent/ncnn：手机端高性能神经网络前向计算框架"].url == "https://github.com/Tencent/ncnn"
    assert sorted(by_title["A Survey of On-Device Learning"].tags.names()) == ["端侧训练", "综述"]
    assert sorted(by_title["INT4 Weight-Only Quantization"].tags.names()) == ["INT4", "量化"]
    assert "<ul>" in issue.lead_html
    if viewport == "desktop":
        assert page.evaluate("document.documentElement.scrollHeight") <= 4000
    no_sideways_scroll(page)
    shot(page, viewport, "2-saved")

    # Preview: beside Save, in a new tab, the issue as readers will see it.
    with page.context.expect_page() as opened:
        page.locator(".submit-row .preview-button").click()
    preview = opened.value
    preview.wait_for_load_state()
    assert preview.locator("h1").inner_text() == "嵌入式AI简报 (2031-07-01)"
    assert preview.get_by_text("INT4 Weight-Only Quantization").is_visible()
    shot(preview, viewport, "3-preview")
    preview.close()

    # Submit for review, from the action bar that stays in view.
    bar = page.locator(".submit-row")
    assert bar.evaluate("el => getComputedStyle(el).position") == "sticky"
    take_step(page, "submit_for_review")
    issue.refresh_from_db()
    assert issue.status == Issue.Status.REVIEW
    assert [m.to for m in mail.outbox] == [["wang@example.org"]]
    assert f"/admin/issues/issue/{issue.pk}/change/" in mail.outbox[0].body

    # The editor asks for changes, with a comment.
    desk = new_page(browser, live_server, boss, viewport)
    editor_problems = watch_for_problems(desk)
    desk.goto(f"{live_server.url}/admin/issues/issue/{issue.pk}/change/")
    desk.fill("#comment-request_changes", "请给论文补上一句话摘要。")
    take_step(desk, "request_changes")
    issue.refresh_from_db()
    assert issue.status == Issue.Status.DRAFT
    assert mail.outbox[-1].to == ["li@example.org"] and "请给论文补上一句话摘要。" in mail.outbox[-1].body

    # The contributor sees it on the dashboard and as a banner on the issue.
    page.goto(f"{live_server.url}/admin/")
    assert "请给论文补上一句话摘要。" in page.locator("#dashboard-changes").inner_text()
    shot(page, viewport, "4-dashboard")
    page.goto(f"{live_server.url}/admin/issues/issue/{issue.pk}/change/")
    banner = page.locator(".change-request")
    assert "请给论文补上一句话摘要。" in banner.inner_text() and banner.bounding_box()["y"] < 600
    shot(page, viewport, "5-banner")
    row = page.locator(".desk-row", has_text="INT4 Weight-Only Quantization")
    row.locator(".desk-toggle").click()
    row.locator("textarea[name$='-summary']").fill("只量化权重。\n要点：\n- 体积降到四分之一\n- 精度几乎不变")
    save_and_stay(page)
    take_step(page, "submit_for_review")
    assert page.locator(".change-request").count() == 0

    # The editor schedules it.
    desk.goto(f"{live_server.url}/admin/issues/issue/{issue.pk}/change/")
    when = timezone.localtime() + datetime.timedelta(days=3)
    desk.fill("#publish-at", when.strftime("%Y-%m-%dT%H:%M"))
    assert "Asia/Shanghai" in desk.locator("label[for=publish-at]").inner_text()
    take_step(desk, "publish")
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SCHEDULED
    assert timezone.localtime(issue.publish_at).strftime("%Y-%m-%d %H:%M") == when.strftime("%Y-%m-%d %H:%M")
    assert "<li>体积降到四分之一</li>" in issue.entries.get(title="INT4 Weight-Only Quantization").summary_html
    assert [m.to for m in mail.outbox][-1] == ["li@example.org"] and "Asia/Shanghai" in mail.outbox[-1].subject
    shot(desk, viewport, "6-scheduled")
    assert problems == [] and editor_problems == []

    # What the issue page costs, counted on the same issue.
    client = Client()
    client.force_login(boss)
    url = f"/admin/issues/issue/{issue.pk}/change/"
    with django_assert_max_num_queries(30):
        assert client.get(url).status_code == 200

"""The editors' desk speaks Chinese by default, and English to an editor whose browser asks for it."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone, translation

from issues import workflow
from issues.models import Issue
from tests.factories import EntryFactory, IssueFactory, contributor, editor
from tests.issues.conftest import login

pytestmark = pytest.mark.django_db

PO_FILE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def change_url(issue: Issue) -> str:
    return f"/admin/issues/issue/{issue.pk}/change/"


@pytest.fixture
def draft():
    issue = IssueFactory()
    EntryFactory(issue=issue)
    return issue


def test_issue_page_is_chinese_by_default_with_chinese_workflow_buttons(draft):
    page = login(editor()).get(change_url(draft)).content.decode()
    assert '<html lang="zh-hans"' in page
    assert ">提交审阅</button>" in page and "Submit for review" not in page
    assert "草稿" in page and "状态变更记录" in page and "下载 Markdown" in page


def test_editor_whose_browser_asks_for_english_gets_the_english_admin(draft):
    page = login(editor(), language="en").get(change_url(draft)).content.decode()
    assert '<html lang="en"' in page
    assert ">Submit for review</button>" in page and "提交审阅" not in page
    assert "Transition log" in page and "Download Markdown" in page


def test_reviewer_sees_chinese_buttons_for_an_issue_in_review(draft):
    workflow.submit_for_review(draft, contributor())
    page = login(editor()).get(change_url(draft)).content.decode()
    assert ">退回修改</button>" in page and ">批准并发布</button>" in page
    assert "审阅中" in page


def test_workflow_messages_follow_the_editors_language():
    empty = IssueFactory()
    url = f"/admin/issues/issue/{empty.pk}/transition/submit_for_review/"
    chinese = login(editor()).post(url, {"comment": ""}, follow=True).content.decode()
    assert "这期还不能提交审阅。" in chinese and "这期至少需要一个条目。" in chinese
    english = login(editor(), language="en").post(url, {"comment": ""}, follow=True).content.decode()
    assert "This issue cannot be submitted for review yet." in english
    assert "The issue needs at least one entry." in english
    empty.refresh_from_db()
    assert empty.status == Issue.Status.DRAFT


def test_transition_errors_are_in_the_active_language(draft):
    with pytest.raises(workflow.TransitionError, match="请说明需要修改什么"):
        workflow.request_changes(workflow.submit_for_review(draft, contributor()), editor(), "")
    with translation.override("en"), pytest.raises(workflow.TransitionError, match="a comment is required"):
        workflow.request_changes(draft, editor(), "")


def test_scheduler_reports_in_chinese_by_default(draft, capsys):
    workflow.submit_for_review(draft, contributor())
    workflow.publish(draft, editor(), publish_at=timezone.now() + datetime.timedelta(hours=1))
    Issue.objects.filter(pk=draft.pk).update(publish_at=timezone.now() - datetime.timedelta(minutes=1))
    call_command("publish_scheduled")
    assert "已发布 1 期定时期刊。" in capsys.readouterr().out
    assert draft.transitions.get(action="publish_scheduled").comment == "已按定时发布。"


def _catalog() -> list[tuple[str, str, list[str]]]:
    """(msgid, msgstr, flags) of every entry in the Chinese catalog."""
    entries = []
    text = PO_FILE.read_text(encoding="utf-8")
    for block in text.split("\n\n")[1:]:
        flags = [f.strip() for line in block.splitlines() if line.startswith("#,") for f in line[2:].split(",")]
        parts: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[0\])?) "(.*)"$', line)
            if match:
                key = match.group(1)
                parts[key] = match.group(2)
            elif line.startswith('"') and key:
                parts[key] += line[1:-1]
        if "msgid" in parts and not block.lstrip().startswith("#~"):
            entries.append((parts["msgid"], parts.get("msgstr", parts.get("msgstr[0]", "")), flags))
    return entries


def test_every_interface_string_has_a_chinese_translation_with_the_same_placeholders():
    entries = _catalog()
    assert len(entries) > 250
    placeholders = re.compile(r"%\(\w+\)[sd]|\{\}")
    for msgid, msgstr, flags in entries:
        assert "fuzzy" not in flags, msgid
        assert msgstr, f"untranslated: {msgid}"
        assert sorted(placeholders.findall(msgid)) == sorted(placeholders.findall(msgstr)), msgid


def test_compiled_catalog_is_up_to_date():
    # The .mo is committed: a msgid changed without `make messages` would show in English.
    with translation.override("zh-hans"):
        for msgid, msgstr, flags in _catalog():
            if "%(" not in msgid and "\\" not in msgid:
                assert translation.gettext(msgid) == msgstr.replace('\\"', '"'), msgid

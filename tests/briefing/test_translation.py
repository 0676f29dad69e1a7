"""The English edition picks English text where it exists, the original elsewhere."""

import pytest
from django.utils import translation

from tests.factories import EntryFactory, IssueFactory

pytestmark = pytest.mark.django_db


def test_english_reader_gets_english_where_written_and_the_original_elsewhere():
    entry = EntryFactory(title="原文标题", title_en="English title", summary="中文摘要", summary_en="")
    with translation.override("en"):
        assert entry.text.title == "English title" and entry.text.title.lang == "en"
        assert "中文摘要" in entry.text.summary_html and entry.text.summary_html.lang == "zh-Hans"


def test_chinese_reader_always_gets_the_original():
    issue = IssueFactory(title="简报", title_en="Briefing", lead="导读", lead_en="Lead")
    with translation.override("zh-hans"):
        assert issue.text.title == "简报" and issue.text.title.is_original
        assert issue.text.lead_html.lang == "zh-Hans"


def test_english_markdown_is_rendered_and_sanitized_on_save():
    entry = EntryFactory(summary_en="**bold** <img src=x onerror=alert(1)>")
    assert "<strong>bold</strong>" in entry.summary_en_html
    assert "onerror" not in entry.summary_en_html

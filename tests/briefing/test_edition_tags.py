"""The template filters that mark text whose language is not the page's."""

from django.utils import translation

from briefing.templatetags.edition import lang_attr, language_of
from briefing.translation import LocalizedHTML, LocalizedText


def test_fallback_chinese_is_marked_on_the_english_site_only():
    title = LocalizedText("量化综述", "zh-Hans")
    with translation.override("en"):
        assert lang_attr(title) == ' lang="zh-Hans"'
    with translation.override("zh-hans"):
        assert lang_attr(title) == ""


def test_english_edition_text_is_marked_on_the_chinese_site_only():
    summary = LocalizedHTML("<p>Runs on a <em>phone</em>.</p>", "en")
    with translation.override("en"):
        assert lang_attr(summary) == ""
    with translation.override("zh-hans"):
        assert lang_attr(summary) == ' lang="en"'


def test_an_original_without_cjk_counts_as_english():
    with translation.override("en"):
        assert lang_attr(LocalizedText("YOLOX: Exceeding YOLO Series", "zh-Hans")) == ""
        assert lang_attr(LocalizedHTML("<p>INT8 <strong>量化</strong></p>", "zh-Hans")) == ' lang="zh-Hans"'
        # Numbers and punctuation alone say nothing: the original's language stands.
        assert lang_attr(LocalizedText("2021-08-05", "zh-Hans")) == ' lang="zh-Hans"'


def test_plain_values_get_no_mark():
    with translation.override("en"):
        assert lang_attr("anything") == ""
        assert lang_attr(None) == ""


def test_abstract_language_is_english_unless_it_holds_cjk():
    assert language_of("We present YOLOX, an anchor-free detector.") == "en"
    assert language_of("本文综述了低比特量化。") == "zh-Hans"
    assert language_of("") == "en"

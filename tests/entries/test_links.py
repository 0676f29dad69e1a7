"""Link intelligence: what Briefing recognises in a link, on every entry save."""

import pytest

from entries.links import (
    analyze_link, clean_wechat_url, github_title_prefix, normalize_url, parse_arxiv, parse_github,
    split_publisher,
)
from entries.models import Entry, Source
from tests.factories import EntryFactory, IssueFactory, SourceFactory


@pytest.mark.parametrize("url", [
    "https://arxiv.org/abs/1812.00332",
    "http://arxiv.org/abs/1812.00332v2",
    "https://arxiv.org/pdf/1812.00332.pdf",
    "https://arxiv.org/pdf/1812.00332v1",
    "https://arxiv.org/pdf/1812.00332v3.pdf",
    "https://www.arxiv.org/abs/1812.00332/",
    "https://export.arxiv.org/abs/1812.00332",
])
def test_arxiv_links_give_the_id_and_canonical_abs_url(url):
    paper = parse_arxiv(url)
    assert paper.id == "1812.00332"
    assert paper.abs_url == "https://arxiv.org/abs/1812.00332"
    assert normalize_url(url) == "https://arxiv.org/abs/1812.00332"


def test_old_style_arxiv_ids_and_non_papers():
    assert parse_arxiv("https://arxiv.org/abs/cs/0112017v1").id == "cs/0112017"
    assert parse_arxiv("https://arxiv.org/list/cs.LG/recent") is None
    assert parse_arxiv("https://example.com/abs/1812.00332") is None


@pytest.mark.parametrize("url, expected", [
    ("https://github.com/Tencent/ncnn", ("Tencent", "ncnn")),
    ("http://github.com/ray-project/ray/", ("ray-project", "ray")),
    ("https://github.com/Jittor/jittor/blob/master/notebook/meta_op.src.md", ("Jittor", "jittor")),
    ("https://github.com/NVIDIA-AI-IOT/torch2trt.git", ("NVIDIA-AI-IOT", "torch2trt")),
    ("https://github.com/topics/quantization", None),
    ("https://github.com/Tencent", None),
    ("https://gitlab.com/a/b", None),
])
def test_github_links_give_owner_and_repo(url, expected):
    assert parse_github(url) == expected


def test_github_normalized_form_ignores_case_and_git_suffix():
    assert normalize_url("https://github.com/Tencent/NCNN.git") == normalize_url("http://www.github.com/tencent/ncnn/")


def test_open_source_title_prefix_is_recognised():
    assert github_title_prefix("JDAI-CV/dabnn: accelerated binary networks") == ("JDAI-CV", "dabnn", "accelerated binary networks")
    assert github_title_prefix("taichi-dev/quantaichi：99行代码实现冰雪奇缘特效") == ("taichi-dev", "quantaichi", "99行代码实现冰雪奇缘特效")
    assert github_title_prefix("INT8/FP16: a comparison of formats") == ("INT8", "FP16", "a comparison of formats")
    assert github_title_prefix("Mobile inference in 2021") is None


@pytest.mark.parametrize("url, clean", [
    ("https://mp.weixin.qq.com/s/EXuFXbPBIbzTyi0fUjvvPw?scene=25#wechat_redirect",
     "https://mp.weixin.qq.com/s/EXuFXbPBIbzTyi0fUjvvPw"),
    ("http://mp.weixin.qq.com/s/KlPwyE32oZLkRvePwhF4xQ",
     "https://mp.weixin.qq.com/s/KlPwyE32oZLkRvePwhF4xQ"),
    ("https://mp.weixin.qq.com/s?__biz=MzA5NDI1MjA0Ng==&mid=2652087781&idx=2&sn=f4b17ee056b8f91c&chksm=8bb0a1&scene=21&key=abc#wechat_redirect",
     "https://mp.weixin.qq.com/s?__biz=MzA5NDI1MjA0Ng==&mid=2652087781&idx=2&sn=f4b17ee056b8f91c"),
])
def test_wechat_tracking_parameters_are_stripped(url, clean):
    assert clean_wechat_url(url) == clean


def test_temporary_wechat_links_are_left_alone_because_stripping_breaks_them():
    url = "https://mp.weixin.qq.com/s?timestamp=1554017543&src=3&ver=1&signature=Bq*KtH=="
    assert clean_wechat_url(url) == url


def test_publisher_comes_from_the_title_suffix():
    assert split_publisher("双核+GPU加持，华米科技黄山2S来了 | 机器之心") == ("双核+GPU加持，华米科技黄山2S来了", "机器之心")
    assert split_publisher("A title｜量子位") == ("A title", "量子位")
    assert split_publisher("No publisher here") == ("No publisher here", "")


def test_normalized_urls_ignore_scheme_host_case_slash_and_tracking():
    a = normalize_url("HTTP://WWW.Example.com/post/?utm_source=x&b=2&a=1#top")
    assert a == normalize_url("https://example.com/post?a=1&b=2")
    assert a != normalize_url("https://example.com/post?a=1&b=3")
    assert normalize_url("https://mp.weixin.qq.com/s/abc?scene=25") == normalize_url("https://mp.weixin.qq.com/s/abc")


def test_analyze_link_without_touching_the_database():
    info = analyze_link("https://mp.weixin.qq.com/s/abc?scene=1", "Bolt 1.0 发布 | 华为")
    assert (info.url, info.title, info.publisher, info.source_kind) == ("https://mp.weixin.qq.com/s/abc", "Bolt 1.0 发布", "华为", "wechat")


@pytest.mark.django_db
class TestOnSave:
    def test_arxiv_entry_gets_id_abs_url_and_source(self):
        entry = EntryFactory(url="https://arxiv.org/pdf/1909.12605v1.pdf", source=None, arxiv_id="")
        entry.refresh_from_db()
        assert entry.arxiv_id == "1909.12605"
        assert entry.url == "https://arxiv.org/abs/1909.12605"
        assert entry.source.name == "arXiv" and entry.source.kind == Source.Kind.ARXIV

    def test_an_editors_own_source_and_arxiv_id_are_kept(self):
        mine = SourceFactory(name="CVPR")
        entry = EntryFactory(url="https://arxiv.org/abs/1909.12605", source=mine, arxiv_id="1909.12605v2")
        entry.refresh_from_db()
        assert entry.source == mine and entry.arxiv_id == "1909.12605v2"

    def test_github_entry_gets_source_github(self):
        entry = EntryFactory(url="https://github.com/Tencent/ncnn", source=None, section=Entry.Section.PROJECTS,
                             title="Tencent/ncnn: a high-performance inference framework")
        entry.refresh_from_db()
        assert entry.source.kind == Source.Kind.GITHUB
        assert entry.github_repo == "Tencent/ncnn"
        assert entry.links == []

    def test_open_source_prefix_on_an_article_is_recognised(self):
        entry = EntryFactory(
            url="https://mp.weixin.qq.com/s/9N_Ib8ZbgbVVEn?from=timeline", source=None, section=Entry.Section.PROJECTS,
            title="mindspore-ai/mindspore: 发布1.3版本 | MindSpore",
        )
        entry.refresh_from_db()
        assert entry.url == "https://mp.weixin.qq.com/s/9N_Ib8ZbgbVVEn"
        assert entry.title == "mindspore-ai/mindspore: 发布1.3版本"
        assert entry.source.name == "MindSpore" and entry.source.kind == Source.Kind.WECHAT
        assert entry.github_repo == "mindspore-ai/mindspore"
        assert entry.links == [], "links are the editor's: suggested, never added behind their back"
        info = analyze_link(entry.url, entry.title, open_source_section=True)
        assert info.extra_links == [{"label": "GitHub", "url": "https://github.com/mindspore-ai/mindspore"}]

    def test_open_source_prefix_without_a_link_gives_the_repository_as_the_link(self):
        entry = EntryFactory(url="", source=None, section=Entry.Section.PROJECTS, title="Tencent/TNN: 移动端推理框架")
        entry.refresh_from_db()
        assert entry.url == "https://github.com/Tencent/TNN" and entry.source.kind == Source.Kind.GITHUB

    def test_the_prefix_means_nothing_outside_the_open_source_section(self):
        entry = EntryFactory(url="", source=None, section=Entry.Section.WARMUP, title="INT8/FP16: 哪个更快")
        entry.refresh_from_db()
        assert entry.url == "" and entry.source is None and entry.github_repo == ""

    def test_wechat_entry_gets_clean_url_and_publisher(self):
        entry = EntryFactory(
            url="https://mp.weixin.qq.com/s?__biz=MzA5NDI1MjA0Ng==&mid=26520&idx=2&sn=f4b1&chksm=8b&scene=21#wechat_redirect",
            title="解密谷歌自研手机芯片 | 芯东西", source=None, section=Entry.Section.INDUSTRY,
        )
        entry.refresh_from_db()
        assert entry.url == "https://mp.weixin.qq.com/s?__biz=MzA5NDI1MjA0Ng==&mid=26520&idx=2&sn=f4b1"
        assert entry.title == "解密谷歌自研手机芯片"
        assert entry.source.name == "芯东西"

    def test_duplicate_warning_names_the_other_issue_with_its_date_and_a_link(self):
        import datetime

        old = IssueFactory(date=datetime.date(2020, 5, 1))
        EntryFactory(issue=old, url="https://arxiv.org/abs/2001.00001", title="Old one")
        new = IssueFactory(date=datetime.date(2020, 6, 1))
        entry = EntryFactory(issue=new, url="https://arxiv.org/pdf/2001.00001v2.pdf", title="New one")
        [warning] = entry.duplicate_warnings()
        assert old.title in warning and "2020-05-01" in warning
        assert f'href="/admin/issues/issue/{old.pk}/change/"' in warning
        [back] = Entry.objects.get(issue=old).duplicate_warnings()
        assert "also in" in back or "也" in back


def corpus_dir():
    import os
    from pathlib import Path

    from django.conf import settings

    for candidate in (os.environ.get("BRIEFING_CORPUS"), Path(settings.BASE_DIR).parent / "shared" / "corpus", "/work/shared/corpus"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    pytest.skip("the corpus is not here: set BRIEFING_CORPUS to the folder of the archived issues")


def test_every_link_of_the_archive_is_understood():
    import re

    links = []
    for path in sorted(corpus_dir().glob("*.md")):
        links += re.findall(r"\]\((https?://[^)\s]+)\)", path.read_text(encoding="utf-8"))
    assert len(links) > 500
    arxiv = [u for u in links if re.search(r"arxiv\.org/(abs|pdf)/\d{4}\.\d{4,5}", u)]
    wechat_short = [u for u in links if re.match(r"https?://mp\.weixin\.qq\.com/s/[\w-]+", u)]
    wechat_old = [u for u in links if "mp.weixin.qq.com/s?__biz=" in u]
    github = [u for u in links if re.match(r"https?://(www\.)?github\.com/[\w.-]+/[\w.-]+", u)]
    assert arxiv and wechat_short and wechat_old and github
    assert all(parse_arxiv(u) for u in arxiv)
    assert all("?" not in clean_wechat_url(u) and "#" not in clean_wechat_url(u) for u in wechat_short)
    for url in wechat_old:
        cleaned = clean_wechat_url(url)
        assert [p.split("=")[0] for p in cleaned.split("?", 1)[1].split("&")] == ["__biz", "mid", "idx", "sn"]
    assert all(parse_github(u) for u in github if u.split("/")[3].lower() not in {"topics", "orgs"})
    for url in links:  # never crashes, always idempotent
        assert normalize_url(normalize_url(url)) == normalize_url(url)

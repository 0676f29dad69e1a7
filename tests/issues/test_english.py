"""The English edition on the public site: /en/ shows English where written, the original elsewhere."""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import feedparser
import pytest

from django.utils import translation

from issues.models import Issue
from tests.factories import EntryFactory, SourceFactory
from tests.public_content import settle_page_cache, full_issue, issue_in, published, unpublished_issues

pytestmark = pytest.mark.django_db

SITE = "https://briefing.example.org"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


class Elements(HTMLParser):
    """Every element of a page with its attributes and the text inside it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[dict] = []
        self.open: list[dict] = []

    def handle_starttag(self, tag, attrs) -> None:
        element = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.found.append(element)
        if tag not in {"br", "img", "meta", "link", "input", "hr"}:
            self.open.append(element)

    def handle_endtag(self, tag) -> None:
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index]["tag"] == tag:
                del self.open[index:]
                break

    def handle_data(self, data) -> None:
        for element in self.open:
            element["text"] += data


def elements(response, tag: str, css_class: str | None = None, **attrs) -> list[dict]:
    parser = Elements()
    parser.feed(response.content.decode())
    return [
        e for e in parser.found
        if e["tag"] == tag
        and (css_class is None or css_class in (e["attrs"].get("class") or "").split())
        and all(e["attrs"].get(k) == v for k, v in attrs.items())
    ]


def one(response, tag: str, css_class: str | None = None, containing: str = "", **attrs) -> dict:
    found = [e for e in elements(response, tag, css_class, **attrs) if containing in e["text"]]
    assert len(found) == 1, (tag, css_class, containing, [e["text"][:60] for e in found])
    return found[0]


def path(obj) -> str:
    """``obj``'s address on the Chinese site, whatever language the last request left active."""
    with translation.override("zh-hans"):
        return obj.get_absolute_url()


def partial_issue() -> Issue:
    """A published issue whose English edition is half done: English title and lead, Chinese headline;
    one entry fully in English, one with an English title only, one untranslated."""
    issue = issue_in(
        Issue.Status.PUBLISHED, entries=0, date=datetime.date(2021, 8, 5),
        headline="模型压缩/芯片", lead="本期导读：**量化**", title_en="Embedded AI Briefing (2021-08-05)",
        lead_en="This issue: **quantization** on phones.",
    )
    EntryFactory(issue=issue, position=1, title="手机上的 YOLOX", title_en="YOLOX on phones",
                 summary="摘要：在手机上运行", summary_en="Runs on a *phone*.", tags=["量化"],
                 abstract="We present YOLOX, an anchor-free detector.\n\nIt runs at 30 FPS.")
    EntryFactory(issue=issue, position=2, title="低比特量化综述", title_en="A survey of low-bit quantization",
                 summary="摘要：只有中文的摘要", abstract="本文综述了低比特量化。")
    EntryFactory(issue=issue, position=3, title="芯片新闻", summary="摘要：芯片")
    return issue


# Pages


def test_english_issue_page_shows_english_where_written_and_the_marked_original_elsewhere(client):
    issue = partial_issue()
    response = client.get(f"/en{path(issue)}")
    assert response.status_code == 200
    assert one(response, "html")["attrs"]["lang"] == "en"
    title = one(response, "h1", containing="Embedded AI Briefing")
    assert "lang" not in title["attrs"]
    headline = one(response, "p", "headline")
    assert headline["text"] == "模型压缩/芯片" and headline["attrs"]["lang"] == "zh-Hans"
    lead = one(response, "section", "lead")
    assert "quantization" in lead["text"] and "lang" not in lead["attrs"]
    english = one(response, "h3", "entry-title", containing="YOLOX on phones")
    assert "lang" not in english["attrs"]
    assert "手机上的 YOLOX" not in response.content.decode()
    survey = one(response, "h3", "entry-title", containing="A survey of low-bit quantization")
    assert "lang" not in survey["attrs"]
    fallback = one(response, "h3", "entry-title", containing="芯片新闻")
    assert fallback["attrs"]["lang"] == "zh-Hans"
    summaries = {e["text"].strip(): e["attrs"].get("lang") for e in elements(response, "div", "summary")}
    assert summaries["Runs on a phone."] is None
    assert summaries["摘要：只有中文的摘要"] == "zh-Hans"
    assert summaries["摘要：芯片"] == "zh-Hans"
    # Interface strings are English on /en/.
    assert "Issue date:" in response.content.decode()


def test_chinese_issue_page_is_unchanged_by_an_english_edition(client):
    issue = partial_issue()
    response = client.get(path(issue))
    assert one(response, "html")["attrs"]["lang"] == "zh-hans"
    assert one(response, "h1", containing="嵌入式AI简报")["attrs"].get("lang") is None
    assert one(response, "h3", "entry-title", containing="手机上的 YOLOX")["attrs"].get("lang") is None
    body = response.content.decode()
    assert "YOLOX on phones" not in body and "quantization" not in body
    assert not elements(response, "h3", lang="zh-Hans") and not elements(response, "div", lang="zh-Hans")


def test_english_home_archive_tag_source_and_entry_pages_use_the_english_edition(client):
    issue = partial_issue()
    older = published(date=datetime.date(2021, 7, 22), headline="旧一期")
    entry = issue.entries.get(title_en="YOLOX on phones")
    home = client.get("/en/")
    assert one(home, "h1", containing="Embedded AI Briefing (2021-08-05)")
    earlier = one(home, "a", containing=older.title, href=f"/en{path(older)}", lang="zh-Hans")
    assert earlier["text"] == older.title
    archive = client.get("/en/issues/")
    assert one(archive, "a", containing="Embedded AI Briefing (2021-08-05)")["attrs"].get("lang") is None
    assert one(archive, "p", "digest", containing="模型压缩")["attrs"]["lang"] == "zh-Hans"
    tag = client.get(f"/en{path(entry.tags.first())}")
    assert one(tag, "h2", "entry-title", containing="YOLOX on phones")
    source = client.get(f"/en{path(entry.source)}")
    assert one(source, "a", "issue-link", containing="Embedded AI Briefing")
    page = client.get(f"/en{path(entry)}")
    assert one(page, "h1", "entry-title", containing="YOLOX on phones")
    assert "<title>YOLOX on phones · " in page.content.decode()


def test_entry_page_shows_the_original_abstract_folded_with_its_language(client):
    issue = partial_issue()
    english = issue.entries.get(title_en="YOLOX on phones")
    chinese = issue.entries.get(title_en="A survey of low-bit quantization")
    untouched = issue.entries.get(title="芯片新闻")
    for prefix in ("", "/en"):
        response = client.get(f"{prefix}{path(english)}")
        details = one(response, "details", "abstract")
        assert "open" not in details["attrs"]
        assert "anchor-free detector" in details["text"] and "30 FPS" in details["text"]
        assert one(response, "div", "abstract-text")["attrs"]["lang"] == "en"
        body = response.content.decode()
        # Under the summary.
        assert body.index('class="summary"') < body.index('class="abstract"')
    assert one(client.get(path(chinese)), "div", "abstract-text")["attrs"]["lang"] == "zh-Hans"
    assert not elements(client.get(path(untouched)), "details")
    # Issue pages list entries without their abstracts.
    assert "anchor-free" not in client.get(path(issue)).content.decode()


def test_abstract_is_escaped(client):
    issue = published(entries=0)
    entry = EntryFactory(issue=issue, abstract='<script>alert("x")</script> & more')
    body = client.get(path(entry)).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;" in body


# Language switcher and hreflang


def switcher_links(response) -> dict[str, str]:
    """The language switcher's links: the page's only <a hreflang> elements, inside nav.language-switch."""
    [nav] = elements(response, "nav", "language-switch")
    links = {e["attrs"]["hreflang"]: e["attrs"]["href"] for e in elements(response, "a") if "hreflang" in e["attrs"]}
    assert all(name in nav["text"] for name in ("English", "简体中文"))
    return links


def test_language_switcher_keeps_the_reader_on_the_same_page(client):
    issue = partial_issue()
    entry = issue.entries.first()
    tag = entry.tags.first()
    pages = [
        path(issue), path(entry), path(tag),
        path(entry.source), "/issues/", "/",
    ]
    for page in pages:
        assert switcher_links(client.get(page)) == {"en": f"/en{page}"}, page
        english = client.get(f"/en{page}")
        assert english.status_code == 200, page
        assert switcher_links(english) == {"zh-hans": page}, page
    # A search stays the same search; the links are plain GET links that work without a form.
    search = client.get("/en/search/", {"q": "YOLOX phones"})
    assert switcher_links(search) == {"zh-hans": "/search/?q=YOLOX+phones"}
    assert client.get("/search/?q=YOLOX+phones").status_code == 200


def test_head_has_hreflang_alternates_for_both_languages(client):
    issue = partial_issue()
    response = client.get(f"/en{path(issue)}")
    alternates = {e["attrs"]["hreflang"]: e["attrs"]["href"] for e in elements(response, "link", rel="alternate")
                  if "hreflang" in e["attrs"]}
    assert alternates == {
        "zh-hans": f"{SITE}/issues/2021-08-05/",
        "en": f"{SITE}/en/issues/2021-08-05/",
        "x-default": f"{SITE}/issues/2021-08-05/",
    }
    assert one(response, "meta", property="og:locale")["attrs"]["content"] == "en_US"
    assert one(response, "meta", property="og:locale:alternate")["attrs"]["content"] == "zh_CN"
    feeds = {e["attrs"]["type"]: e["attrs"]["href"] for e in elements(response, "link", rel="alternate")
             if "type" in e["attrs"]}
    assert feeds == {"application/rss+xml": "/en/feed/", "application/atom+xml": "/en/feed/atom/"}


def test_sitemap_lists_each_page_in_both_languages_with_hreflang_alternates(client):
    issue = partial_issue()
    entry = issue.entries.first()
    hidden = unpublished_issues()
    response = client.get("/sitemap.xml")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    urls = {
        url.find("s:loc", ns).text: {
            link.get("hreflang"): link.get("href") for link in url.findall("x:link", ns)
        }
        for url in ET.fromstring(response.content).findall("s:url", ns)
    }
    for page in (path(issue), path(entry), path(entry.source), "/tags/%E9%87%8F%E5%8C%96/"):
        expected = {"zh-hans": f"{SITE}{page}", "en": f"{SITE}/en{page}", "x-default": f"{SITE}{page}"}
        assert urls[f"{SITE}{page}"] == expected, page
        assert urls[f"{SITE}/en{page}"] == expected, page
    for other in hidden:
        for page in (path(other), path(other.entries.first())):
            assert f"{SITE}{page}" not in urls and f"{SITE}/en{page}" not in urls
    assert "SECRET" not in response.content.decode().upper()


# Feeds


def read(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    return feed


@pytest.mark.parametrize("url,version", [("/en/feed/", "rss20"), ("/en/feed/atom/", "atom10")])
def test_english_issue_feeds_parse_and_carry_english_where_written(client, url, version):
    partial_issue()
    feed = read(client, url)
    assert feed.version == version
    assert feed.feed.link == f"{SITE}/en/"
    assert feed.feed.language == "en"
    assert feed.feed.title == "Embedded AI Briefing"
    [item] = feed.entries
    # The date and the headline (untranslated here, so the original's).
    assert item.title == "2021-08-05 · 模型压缩/芯片"
    assert item.link == f"{SITE}/en/issues/2021-08-05/"
    content = item.content[0].value
    assert "YOLOX on phones" in content and "<em>phone</em>" in content
    assert "手机上的 YOLOX" not in content
    assert '<h3 lang="zh-Hans">' in content and "芯片新闻" in content
    assert '<p lang="zh-Hans"><strong>模型压缩/芯片</strong></p>' in content
    assert "Read this issue on the web" in content
    assert "quantization" in item.summary
    assert 'href="/' not in content


@pytest.mark.parametrize("path", ["/feed/", "/feed/atom/"])
def test_english_feed_guids_differ_from_the_chinese_ones_and_survive_edits(client, path):
    issue = partial_issue()
    chinese = read(client, path).entries[0].id
    english = read(client, f"/en{path}").entries[0].id
    assert english != chinese
    assert english == f"{chinese}/en"
    issue.title_en = "Retitled in English"
    issue.headline_en = "Compression/chips"
    issue.lead_en = "Rewritten."
    issue.title = "改了标题"
    issue.save()
    again = read(client, f"/en{path}").entries[0]
    assert again.title == "2021-08-05 · Compression/chips"
    assert again.id == english
    assert read(client, path).entries[0].id == chinese


def test_english_entry_feeds_parse_with_their_own_guids(client):
    issue = partial_issue()
    entry = issue.entries.get(title_en="YOLOX on phones")
    tag_path = path(entry.tags.first()) + "feed/"
    chinese = read(client, tag_path).entries[0]
    english = read(client, f"/en{tag_path}").entries[0]
    assert english.title == "YOLOX on phones" and chinese.title == "手机上的 YOLOX"
    assert english.id == f"{chinese.id}/en"
    assert english.link == f"{SITE}/en{path(entry)}"
    source = read(client, f"/en{path(entry.source)}feed/")
    assert source.entries[0].title == "YOLOX on phones"


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_drafts_stay_private_in_both_languages(client, prefix):
    issue = published()
    for hidden in unpublished_issues():
        hidden.title_en = f"SECRET English title {hidden.status}"
        hidden.lead_en = "SECRET English lead"
        hidden.save()
        hidden.entries.update(title_en="SECRET English entry", summary_en="SECRET English summary")
        hidden_entry = hidden.entries.first()
        tag, source = hidden_entry.tags.first(), hidden_entry.source
        for page in (path(hidden), path(hidden_entry), path(tag), f"{path(tag)}feed/", path(source),
                     f"{path(source)}feed/"):
            assert client.get(f"{prefix}{page}").status_code == 404, page
    entry = issue.entries.first()
    urls = ["/", "/issues/", path(issue), path(entry), "/tags/", "/sources/",
            "/feed/", "/feed/atom/", "/search/?q=English+entry", "/search/?q=English+summary", "/search/?q=entry"]
    for url in urls:
        response = client.get(f"{prefix}{url}")
        assert response.status_code == 200, url
        assert "SECRET" not in response.content.decode(), url
    assert b"SECRET" not in client.get("/sitemap.xml").content


# Query counts: the issue-4 pins hold on /en/


def test_english_issue_page_needs_few_queries_however_many_entries(client, django_assert_max_num_queries):
    small = full_issue(entries=5)
    big = full_issue(entries=40)
    big.entries.update(title_en="An English title", summary_en="An English summary")
    for issue in (small, big):
        issue.title_en = "English issue"
        issue.save()
    settle_page_cache(client)
    with django_assert_max_num_queries(8) as few:
        assert client.get(f"/en{path(small)}").status_code == 200
    with django_assert_max_num_queries(8) as many:
        assert client.get(f"/en{path(big)}").status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_english_home_archive_tag_and_feeds_need_few_queries(client, django_assert_max_num_queries):
    for n in range(6):
        full_issue(entries=3 + n)
    big = full_issue(entries=40)
    big.entries.update(title_en="An English title", summary_en="An English summary")
    for url in ("/en/", "/en/issues/", "/en/tags/%E9%87%8F%E5%8C%96/", "/en/feed/", "/en/feed/atom/",
                "/en/tags/%E9%87%8F%E5%8C%96/feed/", f"/en{path(big.entries.first())}",
                "/en/search/?q=English"):
        with django_assert_max_num_queries(8):
            assert client.get(url).status_code == 200, url


def test_an_original_written_in_english_is_marked_as_english_not_chinese(client):
    issue = published(entries=0)
    EntryFactory(issue=issue, title="YOLOX: Exceeding YOLO Series in 2021", summary="An anchor-free **detector**.")
    english = client.get(f"/en{path(issue)}")
    title = one(english, "h3", "entry-title", containing="YOLOX")
    assert "lang" not in title["attrs"]
    assert "lang" not in one(english, "div", "summary")["attrs"]
    chinese = client.get(path(issue))
    assert one(chinese, "h3", "entry-title", containing="YOLOX")["attrs"]["lang"] == "en"
    assert one(chinese, "div", "summary")["attrs"]["lang"] == "en"


def test_language_switcher_on_a_missing_page_points_at_the_same_address_in_the_other_language(client):
    english = client.get("/en/no-such-page/")
    assert english.status_code == 404
    assert switcher_links(english) == {"zh-hans": "/no-such-page/"}
    chinese = client.get("/no-such-page/")
    assert chinese.status_code == 404
    assert switcher_links(chinese) == {"en": "/en/no-such-page/"}

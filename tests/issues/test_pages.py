"""The public pages of issues: home, archive, issue page, robots.txt, sitemap, errors."""

import datetime
import re
import time
import xml.etree.ElementTree as ET

import pytest
from django.test import RequestFactory
from django.utils import timezone
from django.views.defaults import server_error

from entries.models import Entry
from issues import workflow
from issues.models import Issue
from tests.factories import EntryFactory, SourceFactory, editor
from tests.public_content import (
    HOUR, full_issue, issue_in, issue_page, let_publish_time_pass, published, settle_page_cache, unpublished_issues,
)

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


# Home and archive


def test_home_shows_the_latest_published_issue_in_full_and_links_to_earlier_ones(client):
    older = published(date=datetime.date(2021, 7, 22), headline="旧的一期")
    latest = published(date=datetime.date(2021, 8, 5), entries=0, headline="NanoDet/Bolt 1.0")
    EntryFactory(issue=latest, title="YOLOX 在手机上跑到 30 FPS", summary="**实测**结果")
    page = text(client.get("/"))
    assert "嵌入式AI简报 (2021-08-05)" in page
    assert "YOLOX 在手机上跑到 30 FPS" in page
    assert "<strong>实测</strong>" in page
    assert f'href="{older.get_absolute_url()}"' in page
    assert 'href="/feed/"' in page and 'href="/feed/atom/"' in page


def test_home_without_any_published_issue_says_so(client):
    unpublished_issues()
    page = text(client.get("/"))
    assert "还没有发布任何一期" in page
    assert "SECRET" not in page


def test_archive_groups_published_issues_by_year_newest_first_with_counts_and_headlines(client):
    published(date=datetime.date(2020, 12, 30), entries=2, headline="二〇二〇年末")
    published(date=datetime.date(2021, 1, 14), entries=3, headline="新年第一期")
    page = text(client.get("/issues/"))
    assert page.index('id="year-2021"') < page.index('id="year-2020"')
    assert "3 条" in page and "2 条" in page
    assert "新年第一期" in page and "二〇二〇年末" in page


# The issue page


def test_issue_page_has_sections_in_their_fixed_order_and_every_part_of_an_entry(client):
    issue = issue_in(Issue.Status.PUBLISHED, entries=0, date=datetime.date(2021, 8, 5), lead="导读 *正文*")
    EntryFactory(issue=issue, section=Entry.Section.BLOGS, title="博文条目")
    EntryFactory(
        issue=issue, section=Entry.Section.PAPERS, title="YOLOX: Exceeding YOLO Series",
        url="https://arxiv.org/abs/2107.08430", arxiv_id="2107.08430", venue="CVPR 2021",
        source=SourceFactory(name="arXiv"), links=[{"label": "代码", "url": "https://github.com/Megvii/YOLOX"}],
        summary="把 **anchor-free** 带回 YOLO。", tags=["目标检测", "YOLOX"],
    )
    EntryFactory(issue=issue, section=Entry.Section.WARMUP, title="开篇新闻", url="")
    response = client.get("/issues/2021-08-05/")
    assert response.status_code == 200
    page = text(response)
    assert page.index("开篇新闻") < page.index("YOLOX: Exceeding") < page.index("博文条目")
    assert page.index(">热身小新闻<") < page.index(">论文<") < page.index(">博文<")
    assert '<a href="https://arxiv.org/abs/2107.08430" rel="noopener">YOLOX: Exceeding YOLO Series</a>' in page
    assert "[2107.08430]" in page and "[CVPR 2021]" in page
    assert 'href="https://github.com/Megvii/YOLOX" rel="noopener">[代码]</a>' in page
    assert ">arXiv</a>" in page
    assert "<strong>anchor-free</strong>" in page
    assert 'href="/tags/%E7%9B%AE%E6%A0%87%E6%A3%80%E6%B5%8B/"' in page
    assert "<em>正文</em>" in page


def test_issue_page_links_the_previous_and_next_published_issues_only(client):
    before = published(date=datetime.date(2021, 7, 1))
    issue_in(Issue.Status.DRAFT, date=datetime.date(2021, 7, 10))
    current = published(date=datetime.date(2021, 7, 15))
    issue_in(Issue.Status.SCHEDULED, date=datetime.date(2021, 7, 20))
    after = published(date=datetime.date(2021, 7, 29))
    page = text(client.get(current.get_absolute_url()))
    assert f'rel="prev" href="{before.get_absolute_url()}"' in page
    assert f'rel="next" href="{after.get_absolute_url()}"' in page
    assert "2021-07-10" not in page and "2021-07-20" not in page


def test_first_and_latest_issues_link_only_the_way_there_is_to_go(client):
    first = published(date=datetime.date(2021, 7, 1))
    latest = published(date=datetime.date(2021, 7, 15))
    first_page, latest_page = text(client.get(first.get_absolute_url())), text(client.get(latest.get_absolute_url()))
    assert 'rel="prev"' not in first_page and f'rel="next" href="{latest.get_absolute_url()}"' in first_page
    assert 'rel="next"' not in latest_page and f'rel="prev" href="{first.get_absolute_url()}"' in latest_page


# The links to the issues before and after are cached with the page's sections; they
# follow every change of the issues they link to, with the page cache on.


def pager(client, issue: Issue, prefix: str = "") -> str:
    page = issue_page(client, issue, prefix)
    return page[page.index('<nav class="pager"'):]


def test_publishing_an_issue_links_it_from_the_issues_before_and_after_it(client):
    before, after = published(date=datetime.date(2021, 7, 1)), published(date=datetime.date(2021, 7, 29))
    middle = issue_in(Issue.Status.REVIEW, date=datetime.date(2021, 7, 15), title="新的一期")
    assert after.get_absolute_url() in pager(client, before) and before.get_absolute_url() in pager(client, after)
    workflow.publish(middle, editor())
    assert f'rel="next" href="{middle.get_absolute_url()}"' in pager(client, before)
    assert f'rel="prev" href="{middle.get_absolute_url()}"' in pager(client, after)
    assert "新的一期" in pager(client, after)


def test_unpublishing_an_issue_takes_it_out_of_its_neighbours_links(client):
    before, middle, after = (published(date=datetime.date(2021, 7, day)) for day in (1, 15, 29))
    assert middle.get_absolute_url() in pager(client, before) and middle.get_absolute_url() in pager(client, after)
    workflow.unpublish(middle, editor())
    assert f'rel="next" href="{after.get_absolute_url()}"' in pager(client, before)
    assert f'rel="prev" href="{before.get_absolute_url()}"' in pager(client, after)


def test_retitling_an_issue_shows_in_the_links_of_the_issues_next_to_it(client):
    before, middle = published(date=datetime.date(2021, 7, 1)), published(date=datetime.date(2021, 7, 15))
    pager(client, before), pager(client, before, "/en")
    middle.title, middle.title_en = "改过的标题", "A new title"
    middle.save()
    assert "改过的标题" in pager(client, before)
    assert "A new title" in pager(client, before, "/en")


def test_moving_an_issue_to_another_day_relinks_its_old_and_new_neighbours(client):
    first, moved, third, fourth = (published(date=datetime.date(2021, 7, day)) for day in (1, 10, 20, 30))
    for issue in (first, third, fourth):
        pager(client, issue)
    moved.date = datetime.date(2021, 8, 5)
    moved.save()
    assert f'rel="next" href="{third.get_absolute_url()}"' in pager(client, first)
    assert f'rel="prev" href="{first.get_absolute_url()}"' in pager(client, third)
    assert f'rel="next" href="/issues/2021-08-05/"' in pager(client, fourth)


def test_recording_a_scheduled_issue_as_published_leaves_its_neighbours_dates_alone(client):
    before = published(date=datetime.date(2021, 7, 1))
    due = issue_in(Issue.Status.SCHEDULED, date=datetime.date(2021, 7, 15))
    let_publish_time_pass(due)
    changed_at = Issue.objects.get(pk=before.pk).content_changed_at
    # Readers saw it from its time on; recording it changes nothing the issue before it shows.
    assert workflow.publish_due() == [due]
    assert Issue.objects.get(pk=before.pk).content_changed_at == changed_at
    assert f'rel="next" href="{due.get_absolute_url()}"' in pager(client, before)


def test_a_scheduled_issue_joins_its_neighbours_links_when_its_time_comes(client):
    before, after = published(date=datetime.date(2021, 7, 1)), published(date=datetime.date(2021, 7, 29))
    soon = issue_in(Issue.Status.SCHEDULED, date=datetime.date(2021, 7, 15), publish_at=timezone.now() + datetime.timedelta(seconds=3))
    # Before its time, the links skip it, and are cached; then the clock runs on, with no save.
    assert soon.get_absolute_url() not in pager(client, before)
    assert timezone.now() < soon.publish_at, "the machine is too slow for this test's three seconds"
    time.sleep((soon.publish_at - timezone.now()).total_seconds() + 0.2)
    assert f'rel="next" href="{soon.get_absolute_url()}"' in pager(client, before)
    assert f'rel="prev" href="{soon.get_absolute_url()}"' in pager(client, after)


def test_issue_url_is_its_date():
    issue = published(date=datetime.date(2021, 8, 5))
    assert issue.get_absolute_url() == "/issues/2021-08-05/"


@pytest.mark.parametrize("status", [Issue.Status.DRAFT, Issue.Status.REVIEW, Issue.Status.SCHEDULED])
def test_unpublished_issue_page_is_not_found(client, status):
    issue = issue_in(status)
    assert client.get(issue.get_absolute_url()).status_code == 404


def test_scheduled_issue_appears_once_its_time_comes(client):
    issue = issue_in(Issue.Status.SCHEDULED, headline="定时发布")
    assert client.get(issue.get_absolute_url()).status_code == 404
    assert "定时发布" not in text(client.get("/"))
    let_publish_time_pass(issue)
    assert client.get(issue.get_absolute_url()).status_code == 200
    assert "定时发布" in text(client.get("/"))


def test_malformed_issue_dates_are_not_found(client):
    assert client.get("/issues/2021-13-45/").status_code == 404
    assert client.get("/issues/20210805/").status_code == 404


def test_no_page_shows_unpublished_content_to_anonymous_readers(client):
    issue = published()
    unpublished_issues()
    entry = issue.entries.first()
    for url in ["/", "/issues/", issue.get_absolute_url(), entry.get_absolute_url(), "/tags/", "/sources/",
                "/sitemap.xml", "/en/", "/en/issues/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "SECRET" not in text(response), url


# Every page: language, canonical URL, social cards, feed discovery


def test_pages_carry_language_canonical_social_and_feed_meta(client, settings):
    settings.SITE_URL = "https://briefing.example.org"
    issue = published(date=datetime.date(2021, 8, 5), headline="NanoDet/Bolt 1.0")
    page = text(client.get(issue.get_absolute_url()))
    assert '<html lang="zh-hans">' in page
    assert '<link rel="canonical" href="https://briefing.example.org/issues/2021-08-05/">' in page
    assert '<meta property="og:title" content="嵌入式AI简报 (2021-08-05)">' in page
    assert '<meta property="og:url" content="https://briefing.example.org/issues/2021-08-05/">' in page
    assert '<meta property="og:type" content="article">' in page
    assert '<meta property="og:description" content="NanoDet/Bolt 1.0">' in page
    assert '<meta name="twitter:card" content="summary">' in page
    assert '<link rel="alternate" type="application/rss+xml"' in page
    assert '<link rel="alternate" type="application/atom+xml"' in page
    assert 'hreflang="en" href="https://briefing.example.org/en/issues/2021-08-05/"' in page



def test_issue_and_entry_pages_give_their_publication_time_and_a_description_cut_to_a_search_result(client):
    issue = published(date=datetime.date(2021, 8, 5), entries=0, headline="NanoDet/Bolt 1.0")
    Issue.objects.filter(pk=issue.pk).update(publish_at=datetime.datetime(2021, 8, 5, 1, 30, tzinfo=datetime.timezone.utc))
    entry = EntryFactory(issue=issue, title="长摘要", summary="量化" * 150)
    # In the site's time zone (Asia/Shanghai), as ISO 8601.
    stamp = '<meta property="article:published_time" content="2021-08-05T09:30:00+08:00">'
    assert stamp in text(client.get(issue.get_absolute_url()))
    page = text(client.get(entry.get_absolute_url()))
    assert stamp in page
    description = re.search(r'<meta name="description" content="([^"]*)">', page).group(1)
    assert len(description) <= 200 and description.startswith("量化" * 98)
    assert description.endswith(("…", "...")), description  # the Chinese interface's ellipsis is "..."


def test_a_long_description_with_markup_characters_is_escaped_once(client):
    source = SourceFactory(name="A & B " + "x" * 190)
    EntryFactory(issue=published(date=datetime.date(2021, 8, 5), entries=0), source=source)
    page = text(client.get(source.get_absolute_url()))
    description = re.search(r'<meta name="description" content="([^"]*)">', page).group(1)
    assert "A &amp; B" in description and "&amp;amp;" not in description

def test_interface_is_chinese_by_default_and_english_under_en(client):
    published(date=datetime.date(2021, 8, 5))
    chinese = text(client.get("/issues/2021-08-05/"))
    english = text(client.get("/en/issues/2021-08-05/"))
    assert '<html lang="zh-hans">' in chinese and ">往期<" in chinese and ">搜索<" in chinese
    assert '<html lang="en">' in english and ">Archive<" in english and ">Search<" in english
    assert 'href="/en/issues/"' in english
    # The browser's language does not move a reader off the Chinese default.
    assert ">往期<" in text(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))


def test_menu_marks_the_page_being_read_whichever_page_was_read_before(client, settings):
    # The menu is rendered once per language and page (templates/base.html): each page still marks its own.
    settings.PUBLIC_CACHE_SECONDS = 0
    published(date=datetime.date(2021, 8, 5))
    for path, current in [("/", "/"), ("/issues/", "/issues/"), ("/", "/"), ("/en/issues/", "/en/issues/"),
                          ("/issues/2021-08-05/", None), ("/en/", "/en/")]:
        page = text(client.get(path))
        marked = re.findall(r'<a href="([^"]+)" aria-current="page">', page)
        assert marked == ([current] if current else []), (path, marked)
        assert (">Archive<" in page) == path.startswith("/en/"), path


def test_pages_have_landmarks_and_one_h1(client):
    issue = full_issue(entries=6)
    page = text(client.get(issue.get_absolute_url()))
    for landmark in ("<header", "<nav", "<main", "<footer", 'role="search"'):
        assert landmark in page
    assert len(re.findall(r"<h1\b", page)) == 1
    assert '<label class="visually-hidden" for="site-search">' in page


def test_paginated_canonical_keeps_the_page_number(client, settings):
    settings.SITE_URL = "https://briefing.example.org"
    issue = published(entries=0)
    for _ in range(25):
        EntryFactory(issue=issue, tags=["量化"])
    page = text(client.get("/tags/%E9%87%8F%E5%8C%96/?page=2&utm_source=x"))
    assert '<link rel="canonical" href="https://briefing.example.org/tags/%E9%87%8F%E5%8C%96/?page=2">' in page


# Errors, robots.txt and the sitemap


def test_not_found_page_is_in_the_sites_look(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = text(response)
    assert "页面不存在" in page and 'class="site-header"' in page and 'role="search"' in page


def test_server_error_page_is_in_the_sites_look_and_needs_no_database(django_assert_num_queries):
    request = RequestFactory().get("/")
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    page = response.content.decode()
    assert "出错了" in page and "site.css" in page and 'class="site-header"' in page


def test_robots_txt_points_at_the_sitemap_and_keeps_crawlers_out_of_the_admin(client, settings):
    settings.SITE_URL = "https://briefing.example.org"
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    body = text(response)
    assert "Disallow: /admin/" in body
    assert "Sitemap: https://briefing.example.org/sitemap.xml" in body


def test_sitemap_lists_published_issues_entries_tags_and_sources_with_lastmod(client, settings):
    settings.SITE_URL = "https://briefing.example.org"
    issue = published(date=datetime.date(2021, 8, 5), entries=0)
    entry = EntryFactory(issue=issue, tags=["量化"], source=SourceFactory(name="机器之心"))
    hidden = unpublished_issues()
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = {
        url.find("s:loc", ns).text: url.find("s:lastmod", ns).text
        for url in ET.fromstring(response.content).findall("s:url", ns)
    }
    base = "https://briefing.example.org"
    assert f"{base}/issues/2021-08-05/" in urls
    assert f"{base}{entry.get_absolute_url()}" in urls
    assert f"{base}/tags/%E9%87%8F%E5%8C%96/" in urls
    assert f"{base}{entry.source.get_absolute_url()}" in urls
    assert all(lastmod for lastmod in urls.values())
    for other in hidden:
        assert f"{base}{other.get_absolute_url()}" not in urls
        assert f"{base}{other.entries.first().get_absolute_url()}" not in urls
    assert "SECRET" not in text(response).upper()


# Markdown safety


XSS = (
    'Hello <script>alert("x")</script> <img src="x" onerror="alert(1)"> '
    '[click](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=) '
    '<iframe src="https://evil.example"></iframe> <a href="https://example.org" onclick="alert(1)">ok</a>'
)


def test_xss_payload_in_a_summary_lead_and_headline_is_inert_on_the_page(client):
    issue = issue_in(Issue.Status.PUBLISHED, entries=0, lead=XSS, headline='<b onmouseover="alert(1)">x</b>')
    entry = EntryFactory(issue=issue, summary=XSS)
    # Saving refuses such a link; a row written before that rule may still hold one.
    type(entry).objects.filter(pk=entry.pk).update(links=[{"label": "bad", "url": "javascript:alert(1)"}])
    page = text(client.get(issue.get_absolute_url()))
    body = page[page.index("<main"):]
    assert "<script" not in body
    assert "<iframe" not in body
    assert "javascript:" not in body
    assert "data:text/html" not in body
    assert not re.search(r"\son\w+=", body)
    assert 'rel="noopener noreferrer"' in body


# Query counts


def test_issue_page_needs_few_queries_however_many_entries(client, django_assert_max_num_queries):
    small = full_issue(entries=5)
    big = full_issue(entries=40)
    for cached in (True, False):  # the issues' sections read from the cache, then rendered after an edit
        if cached:
            for issue in (small, big):
                client.get(issue.get_absolute_url())
        else:
            Issue.objects.filter(pk__in=[small.pk, big.pk]).content_changed()
        settle_page_cache(client)
        with django_assert_max_num_queries(8) as few:
            assert client.get(small.get_absolute_url(), {"n": cached}).status_code == 200
        with django_assert_max_num_queries(8) as many:
            assert client.get(big.get_absolute_url(), {"n": cached}).status_code == 200
        assert len(many.captured_queries) == len(few.captured_queries)


def test_home_and_archive_need_few_queries_however_many_entries(client, django_assert_max_num_queries):
    for n in range(12):
        full_issue(entries=3 + n)
    full_issue(entries=40)
    with django_assert_max_num_queries(8):
        assert client.get("/").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/issues/").status_code == 200


def test_pages_answer_head_requests_and_refuse_posts(client):
    issue = published()
    assert client.head(issue.get_absolute_url()).status_code == 200
    assert client.head("/").status_code == 200
    assert client.post("/").status_code == 405


def test_english_not_found_page_is_in_english(client):
    response = client.get("/en/no-such-page/")
    assert response.status_code == 404
    page = text(response)
    assert '<html lang="en">' in page and "Page not found" in page

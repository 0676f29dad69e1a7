"""The public page cache: readers get stored pages, and every change shows at once."""

from __future__ import annotations

import datetime
import time

import pytest
from django.urls import Resolver404, resolve
from django.utils import timezone

from entries.models import Entry
from issues import workflow
from issues.models import Issue
from tests.factories import EntryFactory, IssueFactory, SourceFactory, editor, published_issue

pytestmark = pytest.mark.django_db

FEEDS = ["/feed/", "/feed/atom/"]


def existing(paths: list[str]) -> list[str]:
    """The paths this build of the site has (feeds arrive with the public-site work)."""
    found = []
    for path in paths:
        try:
            resolve(path)
        except Resolver404:
            continue
        found.append(path)
    return found


def text(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def test_second_anonymous_visit_is_served_from_the_cache_with_one_query(client, django_assert_num_queries):
    issue = published_issue(entries=3)
    for path in ["/", "/issues/", issue.get_absolute_url()]:
        first = client.get(path)
        assert first["X-Cache"] == "miss"
        # The content version, read where changes are committed.
        with django_assert_num_queries(1):
            second = client.get(path)
        assert second["X-Cache"] == "hit"
        assert second.content == first.content
        assert second["X-Frame-Options"] == "DENY"


def test_signed_in_staff_never_get_or_fill_the_cache(client):
    issue = published_issue()
    client.force_login(editor())
    response = client.get(issue.get_absolute_url())
    assert response.status_code == 200
    assert "X-Cache" not in response
    client.logout()
    assert client.get(issue.get_absolute_url())["X-Cache"] == "miss"


def test_publishing_shows_at_once_on_home_archive_and_feeds(client):
    published_issue(title="Old issue")
    issue = IssueFactory(title="Fresh INT4 issue")
    EntryFactory(issue=issue, title="Fresh entry about NPUs")
    paths = ["/", "/issues/"] + existing(FEEDS)
    for path in paths:
        assert "Fresh INT4 issue" not in text(client, path)
        assert client.get(path)["X-Cache"] == "hit"
    user = editor()
    workflow.submit_for_review(issue, user)
    workflow.publish(issue, user)
    for path in paths:
        assert "Fresh INT4 issue" in text(client, path), path
    assert "Fresh entry about NPUs" in text(client, "/")


def test_unpublishing_hides_at_once(client):
    issue = published_issue(title="Withdrawn issue")
    entry = issue.entries.get()
    paths = ["/", "/issues/", issue.get_absolute_url(), entry.get_absolute_url()] + existing(FEEDS)
    for path in paths:
        client.get(path)
    workflow.unpublish(issue, editor())
    for path in paths:
        response = client.get(path)
        assert response.status_code in (200, 404)
        assert "Withdrawn issue" not in response.content.decode(), path


def test_editing_a_published_entry_source_and_tag_shows_at_once(client):
    source = SourceFactory(name="Old source name")
    issue = published_issue(entries=0, title="Issue with tagged entry")
    entry = EntryFactory(issue=issue, title="Old entry title", source=source, tags=["oldtag"])
    tag = entry.tags.get()
    pages = [issue.get_absolute_url(), entry.get_absolute_url(), tag.get_absolute_url(), source.get_absolute_url()]
    for path in pages:
        assert "Old entry title" in text(client, path)

    entry.title = "New entry title"
    entry.save()
    for path in pages:
        assert "New entry title" in text(client, path), path

    source.name = "New source name"
    source.save()
    for path in [issue.get_absolute_url(), source.get_absolute_url()]:
        assert "New source name" in text(client, path), path

    tag.name = "renamedtag"
    tag.save()
    assert "renamedtag" in text(client, tag.get_absolute_url())


def test_tagging_an_entry_shows_on_the_tag_page_at_once(client):
    issue = published_issue(entries=0)
    first = EntryFactory(issue=issue, title="Already tagged", tags=["剪枝"])
    second = EntryFactory(issue=issue, title="Tagged later")
    tag_page = first.tags.get().get_absolute_url()
    assert "Tagged later" not in text(client, tag_page)
    second.tags.add("剪枝")
    assert "Tagged later" in text(client, tag_page)
    second.tags.clear()
    assert "Tagged later" not in text(client, tag_page)


def test_deleting_an_entry_shows_at_once(client):
    issue = published_issue(entries=0)
    EntryFactory(issue=issue, title="Keeps its place")
    doomed = EntryFactory(issue=issue, title="Deleted entry")
    assert "Deleted entry" in text(client, issue.get_absolute_url())
    Entry.objects.filter(pk=doomed.pk).delete()
    assert "Deleted entry" not in text(client, issue.get_absolute_url())


def test_scheduled_issue_appears_when_its_time_comes_without_any_save(client):
    published_issue(title="Already out")
    issue = IssueFactory(title="Scheduled soon")
    EntryFactory(issue=issue)
    user = editor()
    workflow.submit_for_review(issue, user)
    # Far enough ahead for the two requests below to come first on a busy machine.
    publish_at = timezone.now() + datetime.timedelta(seconds=5)
    workflow.publish(issue, user, publish_at=publish_at)
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SCHEDULED
    assert "Scheduled soon" not in text(client, "/issues/")
    assert client.get("/issues/")["X-Cache"] == "hit"
    time.sleep(max(0.0, (publish_at - timezone.now()).total_seconds()) + 0.5)
    assert "Scheduled soon" in text(client, "/issues/")


def test_admin_and_error_pages_are_not_stored(client):
    assert client.get("/issues/1999-01-01/").status_code == 404
    assert "X-Cache" not in client.get("/issues/1999-01-01/")
    assert "X-Cache" not in client.get("/admin/login/")


UNREACHABLE_CACHE = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}


def test_site_keeps_working_when_the_cache_server_is_down_and_says_so_once(client, settings, caplog):
    issue = published_issue(title="Still readable")
    # Nothing listens on port 1: every call to the cache fails at once.
    settings.CACHES = {**settings.CACHES, "default": UNREACHABLE_CACHE}
    for _ in range(3):
        for path in ["/", issue.get_absolute_url(), "/feed/"]:
            response = client.get(path)
            assert response.status_code == 200 and "Still readable" in response.content.decode()
    assert caplog.text.count("The cache is unavailable") == 1
    assert "Traceback" not in caplog.text
    client.force_login(editor())
    entry = issue.entries.get()
    response = client.post(f"/admin/entries/source/{entry.source.pk}/change/", {
        "name": "Renamed while Redis was down", "slug": entry.source.slug, "kind": "website", "homepage": "",
    })
    assert response.status_code == 302
    entry.source.refresh_from_db()
    assert entry.source.name == "Renamed while Redis was down"


def test_a_page_withdrawn_while_the_cache_was_down_is_not_served_when_it_comes_back(client, settings):
    issue = published_issue(title="Withdrawn during an outage")
    paths = ["/", "/issues/", issue.get_absolute_url(), "/feed/"]
    for path in paths:
        client.get(path)
        assert client.get(path)["X-Cache"] == "hit"
    working = settings.CACHES
    settings.CACHES = {**working, "default": UNREACHABLE_CACHE}
    workflow.unpublish(issue, editor())
    settings.CACHES = working  # back, with the pages stored before the unpublish
    for path in paths:
        response = client.get(path)
        assert "Withdrawn during an outage" not in response.content.decode(), path


# --- A hit is served before most of the middleware stack ------------------------------------------

class CountingMiddleware:
    """Listed last in a test's MIDDLEWARE: counts the requests that got past the page cache."""

    calls = 0

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        CountingMiddleware.calls += 1
        return self.get_response(request)


GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


def test_a_hit_skips_the_rest_of_the_stack_yet_carries_the_security_headers(client, settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.briefing.test_cache.CountingMiddleware"]
    settings.SECURE_HSTS_SECONDS = 3600
    issue = published_issue(title="Framed nowhere")
    CountingMiddleware.calls = 0
    miss = client.get(issue.get_absolute_url(), secure=True)
    assert miss["X-Cache"] == "miss" and CountingMiddleware.calls == 1
    hit = client.get(issue.get_absolute_url(), secure=True)
    assert hit["X-Cache"] == "hit" and CountingMiddleware.calls == 1  # nothing below the cache ran
    assert "Framed nowhere" in hit.content.decode()
    for header in ("X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy",
                   "Strict-Transport-Security", "Content-Language", "Content-Type"):
        assert hit[header] == miss[header], header
    assert hit["X-Frame-Options"] == "DENY"
    assert hit["X-Content-Type-Options"] == "nosniff"
    assert "max-age=3600" in hit["Strict-Transport-Security"]
    assert not hit.cookies


def test_a_reader_with_a_session_cookie_never_gets_a_stored_page(client, django_assert_max_num_queries):
    from django.test import Client

    issue = published_issue(title="Read by everyone")
    for _ in range(2):
        client.get(issue.get_absolute_url())
    assert client.get(issue.get_absolute_url())["X-Cache"] == "hit"
    reader = Client()
    reader.cookies["sessionid"] = "not-a-session-this-server-knows"
    response = reader.get(issue.get_absolute_url())
    assert response.status_code == 200 and "Read by everyone" in response.content.decode()
    assert "X-Cache" not in response  # rendered for them, not taken from the cache


@pytest.mark.parametrize("path", ["/csrf-form/", "/reads-session/", "/sets-cookie/"])
def test_pages_that_use_the_csrf_token_the_session_or_a_cookie_are_never_stored(client, settings, path):
    settings.ROOT_URLCONF = "tests.briefing.cache_urls"
    first = client.get(path, **GZIP)
    assert first.status_code == 200
    client.cookies.clear()  # a second reader, who has none of the first one's cookies
    second = client.get(path, **GZIP)
    assert "X-Cache" not in first and "X-Cache" not in second
    if path == "/csrf-form/":
        assert first.cookies["csrftoken"].value != second.cookies["csrftoken"].value


# --- Conditional requests and languages --------------------------------------------------------

def test_if_none_match_on_a_hit_gives_not_modified_until_the_content_changes(client, django_assert_num_queries):
    issue = published_issue(title="Polled often")
    for path in ["/", issue.get_absolute_url()] + existing(FEEDS):
        first = client.get(path, **GZIP)
        etag = first["ETag"]
        with django_assert_num_queries(1):  # the stored page, and the version it was stored at
            again = client.get(path, HTTP_IF_NONE_MATCH=etag, **GZIP)
        assert again.status_code == 304 and again.content == b"", path
        assert client.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304, path  # a plain client too
    issue.title = "Polled and changed"
    issue.save()
    changed = client.get(issue.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and "Polled and changed" in changed.content.decode()


def test_english_and_chinese_pages_are_stored_apart(client):
    issue = published_issue(title="Bilingual issue")
    chinese = issue.get_absolute_url()
    english = "/en" + chinese
    assert client.get(chinese)["X-Cache"] == "miss"
    assert client.get(english)["X-Cache"] == "miss"
    zh, en = client.get(chinese), client.get(english)
    assert zh["X-Cache"] == en["X-Cache"] == "hit"
    assert zh["Content-Language"] == "zh-hans" and '<html lang="zh-hans">' in zh.content.decode()
    assert en["Content-Language"] == "en" and '<html lang="en">' in en.content.decode()
    # A Chinese reader's browser language does not change the Chinese pages, nor the cache.
    assert client.get(chinese, HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "zh-hans"
    assert client.get("/en/", HTTP_ACCEPT_LANGUAGE="zh-hans")["Content-Language"] == "en"


def test_a_deploy_never_serves_pages_rendered_by_the_old_code(client, settings):
    from briefing.version import code_version

    issue = published_issue(title="Before the deploy")
    client.get(issue.get_absolute_url())
    assert client.get(issue.get_absolute_url())["X-Cache"] == "hit"
    settings.CODE_VERSION = "next-release"
    code_version.cache_clear()
    try:
        assert client.get(issue.get_absolute_url())["X-Cache"] == "miss"
    finally:
        code_version.cache_clear()


# --- Compression --------------------------------------------------------------------------------

def test_gzip_clients_get_a_compressed_copy_of_the_same_page_and_others_get_it_plain(client):
    import gzip

    issue = published_issue(entries=5, title="Compressed once")
    for path in ["/", issue.get_absolute_url(), "/feed/"]:
        zipped_miss = client.get(path, **GZIP)
        zipped_hit = client.get(path, **GZIP)
        plain_hit = client.get(path)
        assert (zipped_miss["X-Cache"], zipped_hit["X-Cache"], plain_hit["X-Cache"]) == ("miss", "hit", "hit"), path
        for zipped in (zipped_miss, zipped_hit):
            assert zipped["Content-Encoding"] == "gzip", path
            assert gzip.decompress(zipped.content) == plain_hit.content, path
            assert int(zipped["Content-Length"]) == len(zipped.content) < len(plain_hit.content)
        assert "Content-Encoding" not in plain_hit
        assert "Compressed once" in plain_hit.content.decode()
        assert "accept-encoding" in plain_hit["Vary"].lower(), path
        assert plain_hit["ETag"] == zipped_hit["ETag"] == zipped_miss["ETag"], path


def test_pages_for_one_visitor_and_staff_pages_are_never_compressed(client, settings):
    settings.ROOT_URLCONF = "tests.briefing.cache_urls"
    assert "Content-Encoding" not in client.get("/csrf-form/", **GZIP)  # its token must not meet BREACH
    client.force_login(editor())
    for path in ["/admin/", "/"]:
        response = client.get(path, **GZIP)
        assert response.status_code == 200 and "Content-Encoding" not in response, path


# Only the parameters a page reads are part of its key (the hostile-input probe, finding 14) --

def test_tracking_parameters_share_one_stored_page(client, rf):
    from django.core.cache import cache

    from briefing.cache import page_key

    issue = published_issue(title="Shared widely")
    path = issue.get_absolute_url()
    assert client.get(path, {"utm_x": "0"})["X-Cache"] == "miss"
    keys = set()
    for n in range(1, 300):
        response = client.get(path, {"utm_x": str(n), "fbclid": f"x{n}"})
        assert response["X-Cache"] == "hit", n
        keys.add(page_key(rf.get(path, {"utm_x": str(n)})))
    assert keys == {page_key(rf.get(path))}
    assert cache.get(page_key(rf.get(path))) is not None
    # The page stored is the one a plain visit gets, with no reader's parameters in it.
    assert "utm_x" not in client.get(path).content.decode()


def test_the_parameters_a_page_reads_still_give_pages_of_their_own(client):
    issue = published_issue(entries=0)
    for n in range(25):
        EntryFactory(issue=issue, title=f"Quantization note {n}", tags=["量化"])
    tag = "/tags/%E9%87%8F%E5%8C%96/"
    first, second = client.get(tag), client.get(tag, {"page": "2"})
    assert first["X-Cache"] == second["X-Cache"] == "miss"
    assert first.content != second.content
    assert client.get(tag, {"page": "2", "utm_source": "x"})["X-Cache"] == "hit"
    found = client.get("/search/", {"q": "Quantization note 7"})
    assert found["X-Cache"] == "miss" and "Quantization note 7" in found.content.decode()
    assert client.get("/search/", {"q": "Quantization note 1"})["X-Cache"] == "miss"


def test_the_language_switch_keeps_a_search_but_no_other_parameter(client):
    published_issue(title="Any issue")
    page = client.get("/search/", {"q": "量化", "utm_campaign": "spring<sale>"}).content.decode()
    assert "/en/search/?q=%E9%87%8F%E5%8C%96" in page
    assert "utm_campaign" not in page and "spring" not in page


def test_while_the_cache_server_is_down_each_process_keeps_pages_in_its_own_memory(client, settings, django_assert_num_queries):
    issue = published_issue(entries=3, title="Kept close at hand")
    settings.CACHES = {**settings.CACHES, "default": UNREACHABLE_CACHE}
    for path in ["/", issue.get_absolute_url()]:
        assert client.get(path)["X-Cache"] == "miss"
        # Not rendered again on every request while the outage lasts: one query, the content version.
        with django_assert_num_queries(1):
            assert client.get(path)["X-Cache"] == "hit"
    # And still never stale: an edit shows at once.
    issue.title = "Edited during the outage"
    issue.save()
    assert "Edited during the outage" in client.get(issue.get_absolute_url()).content.decode()


def test_a_worker_reads_the_content_version_at_most_once_per_interval(client, settings, django_assert_num_queries):
    settings.PAGE_VERSION_SECONDS = 60
    issue = published_issue(title="Read often")
    client.get(issue.get_absolute_url())
    with django_assert_num_queries(0):  # the version as read a moment ago, the page from memory
        assert client.get(issue.get_absolute_url())["X-Cache"] == "hit"
    issue.title = "Changed since"
    issue.save()
    # Within the interval this worker may still serve what it stored...
    assert "Read often" in client.get(issue.get_absolute_url()).content.decode()
    # ...and once it reads the version again (PAGE_VERSION_SECONDS later), never again.
    settings.PAGE_VERSION_SECONDS = 0
    assert "Changed since" in client.get(issue.get_absolute_url()).content.decode()


def test_a_page_one_worker_rendered_is_served_to_the_others_from_the_shared_cache(client):
    from django.conf import settings
    from django.core.cache import caches

    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        pytest.skip("needs a shared cache: run with REDIS_URL=redis://127.0.0.1:6379/<n>")
    issue = published_issue(title="Rendered once")
    assert client.get(issue.get_absolute_url())["X-Cache"] == "miss"
    caches["pages"].clear()  # another worker: its own memory is empty
    response = client.get(issue.get_absolute_url())
    assert response["X-Cache"] == "hit" and "Rendered once" in response.content.decode()
    issue.title = "Renamed"
    issue.save()
    caches["pages"].clear()
    response = client.get(issue.get_absolute_url())
    assert response["X-Cache"] == "miss" and "Renamed" in response.content.decode()

"""check_links against a real HTTP server on 127.0.0.1 that the test starts; nothing else is reached."""

import datetime
import io
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import CommandError, call_command

from entries.checker import check_url, check_urls
from entries.models import Entry, LinkCheck
from tests.factories import EntryFactory, IssueFactory, editor, published_issue
from tests.issues.conftest import login

TIMEOUT = 0.5


class Handler(BaseHTTPRequestHandler):
    hits: dict[str, int] = {}

    def log_message(self, *args):  # keep the test output clean
        pass

    def do_GET(self):
        Handler.hits[self.path] = Handler.hits.get(self.path, 0) + 1
        if self.path == "/ok":
            self.reply(200)
        elif self.path == "/old":
            self.redirect("/older")
        elif self.path == "/older":
            self.redirect("/ok")
        elif self.path == "/missing":
            self.reply(404)
        elif self.path == "/broken":
            self.reply(500)
        elif self.path == "/slow":
            time.sleep(TIMEOUT * 3)
            self.reply(200)
        elif self.path == "/slow-once":
            if Handler.hits[self.path] == 1:
                time.sleep(TIMEOUT * 3)
            self.reply(200)
        else:
            self.reply(404)

    def redirect(self, to):
        self.send_response(301)
        self.send_header("Location", to)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def reply(self, status):
        body = b"hello"
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the checker gave up waiting, as it should


@pytest.fixture
def server():
    Handler.hits = {}
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_ok_redirect_chain_404_500_and_timeout(server):
    results = {r.url.rsplit("/", 1)[1]: r for r in check_urls(
        [f"{server}/ok", f"{server}/old", f"{server}/missing", f"{server}/broken", f"{server}/slow"],
        timeout=TIMEOUT, retries=1, backoff=0.01, workers=5,
    )}
    assert (results["ok"].ok, results["ok"].status_code) == (True, 200)
    assert results["old"].ok and results["old"].status_code == 200
    assert results["old"].final_url == f"{server}/ok"
    assert (results["missing"].ok, results["missing"].status_code) == (False, 404)
    assert (results["broken"].ok, results["broken"].status_code) == (False, 500)
    slow = results["slow"]
    assert not slow.ok and slow.timed_out and slow.status_code is None
    assert slow.attempts == 2, "a timeout is retried"
    assert Handler.hits["/missing"] == 1, "a 404 is not retried"


def test_a_timeout_that_goes_away_on_retry_is_ok(server):
    result = check_url(f"{server}/slow-once", timeout=TIMEOUT, retries=2, backoff=0.01)
    assert result.ok and result.attempts == 2


def test_refused_connection_is_broken_not_a_crash():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = check_url(f"http://127.0.0.1:{port}/", timeout=TIMEOUT, retries=0)
    assert not result.ok and result.error


def test_concurrency_is_bounded(server):
    started = time.monotonic()
    check_urls([f"{server}/slow?{i}" for i in range(4)], timeout=TIMEOUT, retries=0, workers=4)
    parallel = time.monotonic() - started
    assert parallel < TIMEOUT * 4, "four slow links with four workers take about one timeout, not four"


@pytest.mark.django_db
class TestCommand:
    def make_issue(self, server, **kwargs):
        issue = IssueFactory(**kwargs)
        EntryFactory(issue=issue, url=f"{server}/ok", title="Fine")
        EntryFactory(issue=issue, url=f"{server}/old", title="Moved", links=[{"label": "代码", "url": f"{server}/missing"}])
        EntryFactory(issue=issue, url=f"{server}/broken", title="Server error")
        EntryFactory(issue=issue, url=f"{server}/slow", title="Too slow")
        return issue

    def run(self, *args):
        out, err = io.StringIO(), io.StringIO()
        call_command("check_links", *args, "--timeout", str(TIMEOUT), "--retries", "1", stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    def test_records_status_final_url_and_time_with_progress_and_summary(self, server):
        self.make_issue(server, date=datetime.date(2024, 5, 1))
        out, err = self.run("--issue", "2024-05-01")
        assert "Checked 5 link(s) in 1 issue(s)" in out
        assert "2 ok (1 redirected), 3 broken (1 timed out)" in out
        assert "404" in out and f"{server}/missing" in out and "2024-05-01 “Moved”" in out
        assert "5/5" in err  # the progress bar
        moved = LinkCheck.objects.get(url=f"{server}/old")
        assert moved.ok and moved.final_url == f"{server}/ok" and moved.checked_at and moved.elapsed_ms is not None
        assert LinkCheck.objects.get(url=f"{server}/missing").status_code == 404
        assert LinkCheck.objects.get(url=f"{server}/slow").error == "timed out"
        assert LinkCheck.objects.count() == 5
        # Checking again replaces each link's last result.
        self.run("--issue", "2024-05-01")
        assert LinkCheck.objects.count() == 5

    def test_default_is_the_issues_not_yet_public(self, server):
        self.make_issue(server)
        public = published_issue()
        Entry.objects.filter(issue=public).update(url=f"{server}/missing?published")
        out, _ = self.run("--no-progress")
        assert "in 1 issue(s)" in out
        assert not LinkCheck.objects.filter(url__contains="published").exists()
        out, _ = self.run("--all", "--no-progress")
        assert "in 2 issue(s)" in out

    def test_bad_arguments_say_what_is_wrong(self):
        with pytest.raises(CommandError, match="YYYY-MM-DD"):
            call_command("check_links", "--issue", "May 1st")
        with pytest.raises(CommandError, match="No issue dated 1999-01-01"):
            call_command("check_links", "--issue", "1999-01-01")
        with pytest.raises(CommandError, match="not both"):
            call_command("check_links", "--issue", "2024-01-01", "--all")

    def test_broken_links_show_on_the_issue_admin_page(self, server):
        issue = self.make_issue(server)
        self.run("--no-progress")
        page = login(editor(), language="en").get(f"/admin/issues/issue/{issue.pk}/change/").content.decode()
        assert page.count('class="broken-link"') == 3
        assert "3 broken links: check them before publishing." in page
        assert f"{server}/missing" in page and "timed out" in page and "500" in page

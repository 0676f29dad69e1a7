import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Hashing passwords the production way only slows the suite down.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _static_files(settings):
    # Tests do not run collectstatic, so the hashed-name manifest does not exist.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    # Background work (the newsletter's sending) runs in the test's process, as
    # with `make run`; the worker tests start real `db_worker` processes instead.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # One sender, in the test's thread (and so in its transaction).
    settings.NEWSLETTER_SENDING_THREADS = 1


@pytest.fixture(autouse=True)
def _default_language():
    # A request under /en/ leaves English active in the test's thread, which
    # would make the next test's reverse() and get_absolute_url() return /en/ URLs.
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _keep_migration_data(django_db_serialized_rollback):
    # Transactional tests (live server, real concurrency) empty the database
    # when they end; serialized rollback puts back what migrations created,
    # the Contributor and Editor groups among it, for the tests after them.
    pass


@pytest.fixture(autouse=True)
def _unbounded_connection():
    # The statement timeout an anonymous request set is rolled back with the
    # test's transaction: the next test starts with the session's default.
    from django.db import connection

    connection.statement_timeout_ms = 0


@pytest.fixture(autouse=True)
def _content_version_read_every_request(settings):
    # A test's own changes must show on its next request; in production a
    # worker may use the version it read for PAGE_VERSION_SECONDS.
    settings.PAGE_VERSION_SECONDS = 0


@pytest.fixture(autouse=True)
def _fresh_caches():
    # The database is rolled back after each test, the cache is not: start
    # each test with no stored pages or fragments. (CI gives the Redis run a
    # database of its own.)
    from django.core.cache import caches

    from briefing.cache import outage

    outage.retry_at, outage.logged_at = 0.0, -1e9  # a test that took the cache down is over
    caches["default"].clear()
    caches["pages"].clear()
    caches["outage"].clear()
    # The site's chrome, rendered once per process: a test may change what it shows (settings).
    caches["chrome"].clear()


@pytest.fixture
def browser(monkeypatch):
    """Debian's Chromium, headless, driven by Playwright; closed after the test."""
    from tests.browser_support import CHROMIUM, CHROMIUM_ARGS

    # Playwright's sync API runs an event loop in this thread; the live server
    # does the database work in its own thread.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright: make install")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            # Inside sync_playwright() the test body runs in a copy of the
            # context, so its ORM calls opened a connection of their own that
            # Django's teardown never sees; left open, it keeps PostgreSQL from
            # dropping the test database at the end of the run.
            from django.db import connections

            connections.close_all()
            chromium.close()

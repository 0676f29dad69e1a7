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
def _fresh_page_cache():
    # The database is rolled back after each test, the cache is not: start
    # each test with no stored public pages. Bumping the content version does
    # that without flushing a Redis database other test runs may share.
    from briefing.cache import bump_content_version

    bump_content_version()

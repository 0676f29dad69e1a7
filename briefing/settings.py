"""Django settings for Briefing.

Everything that differs between a laptop, CI and production comes from the
environment; the defaults give a working local site with nothing installed.
"""

from pathlib import Path
import os

import dj_database_url
import dj_email_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no environment variable ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# A fixed key is only acceptable for local development; production sets SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me-in-production-0123456789")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "taggit",
    "reversion",
    "markdownx",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "briefing",
    "issues",
    "entries",
    "newsletter",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A NUL byte in the address or the query string is a 400 (PostgreSQL refuses it).
    "briefing.middleware.RejectNulBytesMiddleware",
    # ETag and Last-Modified answers: feed readers polling /feed/ get 304 Not Modified.
    "django.middleware.http.ConditionalGetMiddleware",
    # Serves anonymous readers' public pages from the cache (briefing/cache.py).
    # Here, so that a hit skips everything below; the middlewares above still
    # run on every hit (security headers, 304 answers).
    "briefing.cache.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # The admin follows the editor's browser language (Chinese by default).
    "briefing.middleware.AdminLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Anonymous requests get a bounded database time (PostgreSQL's statement_timeout).
    "briefing.middleware.PublicStatementTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "briefing.middleware.DropMessagesOnServerErrorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "briefing.urls"
WSGI_APPLICATION = "briefing.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "briefing.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        # A connection PostgreSQL dropped is replaced on the next request
        # instead of failing it.
        conn_health_checks=True,
    )
}
if os.environ.get("TEST_DATABASE_NAME"):
    # Lets several test runs share one PostgreSQL server without colliding.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A page's queries take milliseconds: starting parallel workers for them
    # costs more than it saves (a search of 量化 ran 2.5 times slower), and
    # on a busy site they take the CPUs other requests are waiting for.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c max_parallel_workers_per_gather=0"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several requests and a scheduled publish may write at once; wait for the lock.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

# The longest any one query of an anonymous request may run on PostgreSQL, in
# milliseconds (0: unbounded); past it the reader gets a 503, and the worker is free.
PUBLIC_STATEMENT_TIMEOUT_MS = int(os.environ.get("PUBLIC_STATEMENT_TIMEOUT_MS", "3000"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# An issue page posts about sixteen fields per entry: room for 200 entries.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 4000

# The reading-order index INCLUDEs the entry id for PostgreSQL's index-only
# counts (entries/0011); SQLite builds it without, which is all W040 says.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [
    ("zh-hans", _("Simplified Chinese")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The site's name in each language: the header, page titles, feeds. The brand stays Chinese
# unless SITE_NAME_EN names the English edition.
SITE_NAMES = {
    "zh-hans": os.environ.get("SITE_NAME", "嵌入式AI简报"),
    "en": os.environ.get("SITE_NAME_EN", "Embedded AI Briefing"),
}
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and env_bool("STATIC_MANIFEST", True)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = BASE_DIR / "media"

LOGIN_URL = "admin:login"

# Failed logins are counted per user name and address by django-axes; past the
# limit that pair is locked out for AXES_COOLOFF_TIME hours.
AUTHENTICATION_BACKENDS = [
    "briefing.auth.LoginAttemptsBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_TIME", "1"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A lockout lasts AXES_COOLOFF_TIME from when it began: more failures during it
# (anyone's, with that name from that address) do not make it longer.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLED = env_bool("AXES_ENABLED", True)


def client_address_settings(proxies: int) -> dict:
    """Where django-axes (through django-ipware) reads a client's address, behind ``proxies`` proxies.

    Each proxy appends the address it was reached from to X-Forwarded-For
    (nginx: ``$proxy_add_x_forwarded_for``), so the client's address is the
    ``proxies``-th from the end; whatever the client wrote into the header
    itself comes before it and is never read. With no proxy the header is
    the client's own word and is ignored: the address is the connection's.
    """
    if proxies <= 0:
        return {"AXES_IPWARE_META_PRECEDENCE_ORDER": ("REMOTE_ADDR",), "AXES_IPWARE_PROXY_COUNT": None}
    return {
        "AXES_IPWARE_META_PRECEDENCE_ORDER": ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"),
        # django-ipware counts the proxies named in the header: all but the one gunicorn sees.
        "AXES_IPWARE_PROXY_COUNT": proxies - 1,
        "AXES_IPWARE_PROXY_ORDER": "left-most",
        # A header longer than the proxies make (the client wrote one too) is still read from the end.
        "IPWARE_STRICT": False,
    }


# How many proxies in front of gunicorn append to X-Forwarded-For: 1 behind the
# documented nginx or Caddy. Only set it when gunicorn listens on 127.0.0.1 (or
# is otherwise reachable through the proxy alone).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
globals().update(client_address_settings(TRUSTED_PROXY_COUNT))

TAGGIT_CASE_INSENSITIVE = True
# Tags typed as "MNN，推理框架、端侧大模型" are three tags (entries/tags.py).
TAGGIT_TAGS_FROM_STRING = "entries.tags.parse_tags"
TAGGIT_STRING_FROM_TAGS = "entries.tags.edit_string_for_tags"

MARKDOWNX_MARKDOWNIFY_FUNCTION = "briefing.markdown.render_markdown"
MARKDOWNX_EDITOR_RESIZABLE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# --- Production -------------------------------------------------------------
# HTTPS=1 says the site is served over TLS (by a proxy in front of gunicorn):
# redirect plain HTTP, send HSTS, and keep the session and CSRF cookies off
# plain connections. `python manage.py check --deploy` passes with it set.
HTTPS = env_bool("HTTPS", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", HTTPS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", HTTPS)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
if HTTPS and env_bool("TRUST_X_FORWARDED_PROTO", True):
    # gunicorn listens on 127.0.0.1 only, so the header can only come from the
    # TLS proxy in front of it; without this every request looks like HTTP and
    # SECURE_SSL_REDIRECT would loop.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# --- Cache --------------------------------------------------------------------
# Redis when REDIS_URL is set (shared by every gunicorn worker); this process's
# memory otherwise. It holds the public pages (briefing/cache.py) and the
# rendered fragments they are made of (briefing/fragments.py).
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "briefing")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "TIMEOUT": 3600,
            # An unreachable Redis must cost a request milliseconds, not seconds.
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": CACHE_KEY_PREFIX,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }
# Each process's own copies of the pages it served from Redis: a hit then
# costs no round trip. Without Redis, the default cache is this process's
# memory already, and a second copy would only double it.
CACHES["pages"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache" if REDIS_URL else "django.core.cache.backends.dummy.DummyCache",
    "LOCATION": f"{CACHE_KEY_PREFIX}-pages",
    "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("PAGE_CACHE_ENTRIES", "1000"))},
}
# How long each process may go on using the content version it last read
# (briefing/cache.py): a change shows to anonymous readers within this many
# seconds in every worker. 0 reads it on every request.
PAGE_VERSION_SECONDS = float(os.environ.get("PAGE_VERSION_SECONDS", "1"))
# Where pages and fragments go while Redis is down: this process's memory
# (briefing/cache.py cache_call).
CACHES["outage"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": f"{CACHE_KEY_PREFIX}-outage",
    "OPTIONS": {"MAX_ENTRIES": 5000},
}
# The site's chrome (menu, footer, feed links), which varies with the language
# only, never with content: rendered once per process (templates/base.html).
# With DEBUG, templates are reloaded when edited, and the chrome with them.
CACHES["chrome"] = {
    "BACKEND": "django.core.cache.backends.dummy.DummyCache" if DEBUG else "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": f"{CACHE_KEY_PREFIX}-chrome",
}
# How long an anonymous reader's public page is kept; 0 turns the page cache
# off. Any change to published content shows at once regardless (see
# briefing/cache.py), so this only bounds memory use.
PUBLIC_CACHE_SECONDS = int(os.environ.get("PUBLIC_CACHE_SECONDS", "0" if DEBUG else "600"))
# Paths never cached: staff pages and anything that is not a public page.
PUBLIC_CACHE_EXCLUDE = ["/admin/", "/markdownx/", "/preview/", "/bench/", "/static/", "/media/", "/i18n/"]
# How long a rendered issue section or entry card is kept. Its key changes
# with every edit and deploy, so this only bounds memory use.
FRAGMENT_CACHE_SECONDS = int(os.environ.get("FRAGMENT_CACHE_SECONDS", str(7 * 24 * 3600)))
# After the cache server fails, leave it alone this long; log the outage at most this often.
CACHE_RETRY_SECONDS = float(os.environ.get("CACHE_RETRY_SECONDS", "5"))
CACHE_OUTAGE_LOG_SECONDS = float(os.environ.get("CACHE_OUTAGE_LOG_SECONDS", "60"))
# The deployed code's version, which cached fragments are keyed by. Left
# empty, a digest of the code, templates and translations (briefing/version.py).
CODE_VERSION = os.environ.get("CODE_VERSION", "")

# --- Email and background work ------------------------------------------------
# EMAIL_URL says where mail goes: smtp://user:password@host:25, submission://…
# (STARTTLS on 587), smtp://host:465?ssl=1; by default console:// prints every
# message (`make run`), so nothing leaves a development machine.
_email = dj_email_url.parse(os.environ.get("EMAIL_URL", "console://"))
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"] or "localhost"
EMAIL_PORT = _email["EMAIL_PORT"] or 25
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
EMAIL_USE_TLS, EMAIL_USE_SSL = _email["EMAIL_USE_TLS"], _email["EMAIL_USE_SSL"]
EMAIL_TIMEOUT = _email["EMAIL_TIMEOUT"] or 30
# file:///var/mail writes each message to var/mail/ in the checkout (git-ignored).
EMAIL_FILE_PATH = BASE_DIR / (_email["EMAIL_FILE_PATH"] or "var/mail")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Briefing <briefing@localhost>")

# Background work (sending the newsletter) goes through django-tasks. With
# DEBUG, tasks run at once in the process that queues them; in production they
# are rows in the database that `manage.py db_worker` processes run
# (docs/deployment.md), or jobs on Redis with TASKS_BACKEND=rq (django-tasks-rq).
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "immediate" if DEBUG else "database")
TASKS = {
    "default": {
        "BACKEND": {
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
            "database": "django_tasks_db.DatabaseBackend",
            "rq": "django_tasks_rq.RQBackend",
        }[TASKS_BACKEND],
    }
}
# How many tasks share the sending of one issue: as many workers as that can send at once.
NEWSLETTER_SENDING_TASKS = int(os.environ.get("NEWSLETTER_SENDING_TASKS", "4"))
# Senders per task, each with its own SMTP session: sending is mostly waiting for the server.
NEWSLETTER_SENDING_THREADS = int(os.environ.get("NEWSLETTER_SENDING_THREADS", "4"))
# Seconds after which a sending worker that stopped renewing its claims is taken for dead.
NEWSLETTER_SENDING_LEASE = int(os.environ.get("NEWSLETTER_SENDING_LEASE", "120"))

# BENCH=1 adds /bench/ping/, the constant view the benchmark compares against.
BENCH = env_bool("BENCH", False)

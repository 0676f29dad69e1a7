"""Production settings: `check --deploy` is clean with the documented environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k3v!p9-Production-Secret-Made-Of-Many-Distinct-Characters-0x7f3a",
    "ALLOWED_HOSTS": "briefing.example.org",
    "SITE_URL": "https://briefing.example.org",
    "HTTPS": "1",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "TRUSTED_PROXY_COUNT": "1",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "HTTPS", "SECRET_KEY", "REDIS_URL", "TRUSTED_PROXY_COUNT"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env={**base, **env},
        capture_output=True, text=True, timeout=300,
    )


def test_check_deploy_has_no_warnings_with_the_documented_environment():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_about_the_development_secret_key_and_plain_http():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k not in {"SECRET_KEY", "HTTPS"}}
    result = manage("check", "--deploy", env=env)
    output = result.stdout + result.stderr
    assert "briefing.W001" in output
    assert "security.W004" in output  # no HSTS
    assert "security.W008" in output  # no HTTPS redirect


def test_check_deploy_warns_when_pages_are_cached_per_process():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "REDIS_URL"}
    result = manage("check", "--deploy", env=env)
    assert "briefing.W002" in result.stdout + result.stderr


def test_check_deploy_warns_when_behind_a_proxy_the_client_addresses_are_unknown():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "TRUSTED_PROXY_COUNT"}
    result = manage("check", "--deploy", env=env)
    assert "briefing.W003" in result.stdout + result.stderr


def test_https_switch_turns_on_redirect_hsts_and_secure_cookies():
    script = (
        "from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_PROXY_SSL_HEADER, s.CACHES['default']['BACKEND'])"
    )
    result = manage("shell", "--no-imports", "-c", script, env=PRODUCTION_ENV)
    assert result.stdout.split() == [
        "True", "31536000", "True", "True", "('HTTP_X_FORWARDED_PROTO',", "'https')",
        "django.core.cache.backends.redis.RedisCache",
    ], result.stderr


def test_collectstatic_writes_compressed_files_with_hashed_names(tmp_path):
    env = {**PRODUCTION_ENV, "STATIC_ROOT": str(tmp_path)}
    result = manage("collectstatic", "--noinput", env=env)
    assert result.returncode == 0, result.stderr
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "css/site.css" in manifest
    hashed = [p for p in (tmp_path / "css").iterdir() if p.name.startswith("site.") and p.suffix == ".css"]
    assert any(len(p.name.split(".")) == 3 for p in hashed), hashed
    assert any(p.name.endswith(".css.gz") for p in (tmp_path / "css").iterdir())


def test_benchmark_ping_view_exists_only_when_benchmarking(client, db):
    assert client.get("/bench/ping/").status_code == 404
    result = manage("shell", "--no-imports", "-c",
                    "from django.test import Client; r = Client().get('/bench/ping/'); print(r.status_code, r.content)",
                    env={"BENCH": "1", "STATIC_MANIFEST": "0"})
    assert result.stdout.strip() == "200 b'pong'", result.stderr

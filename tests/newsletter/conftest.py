import pytest

from .smtp import SMTPServer


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1 that every email of the test goes to; its ``sink`` holds what arrived."""
    with SMTPServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 10
        settings.SITE_URL = "https://briefing.example.org"
        settings.DEFAULT_FROM_EMAIL = "Briefing <briefing@example.org>"
        yield server.sink

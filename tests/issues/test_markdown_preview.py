"""The admin's live Markdown preview: sanitized, and for staff only."""

import pytest

from tests.factories import contributor

pytestmark = pytest.mark.django_db


def test_staff_get_a_sanitized_live_preview(client):
    client.force_login(contributor())
    response = client.post("/markdownx/markdownify/", {"content": "**量化** <script>alert(1)</script>"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>量化</strong>" in html and "<script" not in html


def test_anonymous_visitors_cannot_use_the_preview_or_upload(client):
    assert client.post("/markdownx/markdownify/", {"content": "x"}).status_code == 302
    assert client.post("/markdownx/upload/", {}).status_code == 404  # uploads are off for everyone

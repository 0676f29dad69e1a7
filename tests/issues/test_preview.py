"""Secret preview links: signed, expiring, revocable, noindex, and revealing nothing else."""

import datetime
import time

import pytest
from django.core import signing
from django.template.loader import render_to_string
from django.utils import timezone

from issues.sections import sections_html
from issues.models import PreviewLink
from tests.factories import EntryFactory, IssueFactory, contributor, editor, published_issue
from tests.issues.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft():
    issue = IssueFactory(headline="NanoDet/Bolt 1.0", lead="这期**导读**。")
    EntryFactory(issue=issue, title="Secret paper on INT4", summary="摘要：*4-bit* 推理。")
    return issue


def test_preview_shows_the_unpublished_issue_marked_as_preview_and_noindex(client, draft):
    link = PreviewLink.objects.create(issue=draft)
    response = client.get(link.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "Secret paper on INT4" in page and "<em>4-bit</em>" in page and "<strong>导读</strong>" in page
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert 'class="preview-banner"' in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "no-referrer"
    # The public page of the same issue does not exist yet.
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_preview_renders_the_issue_exactly_as_the_public_page_does(client, draft):
    link = PreviewLink.objects.create(issue=draft)
    preview = client.get(link.get_absolute_url()).content.decode()
    draft.status, draft.publish_at = "published", timezone.now() - datetime.timedelta(minutes=1)
    draft.save()
    public = client.get(draft.get_absolute_url()).content.decode()
    body = render_to_string("issues/includes/issue_body.html", {
        "issue": draft, "sections": sections_html([draft])[draft.pk],
    })
    assert body.strip() and body in preview and body in public


def test_preview_reveals_nothing_else(client, draft):
    other_draft = IssueFactory(title="Another unpublished issue")
    EntryFactory(issue=other_draft, title="Another secret entry")
    older = published_issue(date=draft.date - datetime.timedelta(days=14))
    link = PreviewLink.objects.create(issue=draft)
    page = client.get(link.get_absolute_url()).content.decode()
    assert "Another unpublished issue" not in page and "Another secret entry" not in page
    assert older.title not in page  # no pager to neighbours
    assert "/admin/" not in page


@pytest.mark.parametrize("spoil", ["expired", "revoked", "tampered", "deleted"])
def test_a_bad_link_is_a_plain_404(client, draft, spoil):
    link = PreviewLink.objects.create(issue=draft)
    url = link.get_absolute_url()
    if spoil == "expired":
        link.expires_at = timezone.now() - datetime.timedelta(seconds=1)
        link.save()
    elif spoil == "revoked":
        link.revoke(editor())
    elif spoil == "tampered":
        url = url.replace(link.token, link.token[:-2] + ("AA" if not link.token.endswith("AA") else "BB"))
    elif spoil == "deleted":
        link.delete()
    response = client.get(url)
    assert response.status_code == 404
    assert "Secret paper" not in response.content.decode()


def test_token_cannot_be_made_from_a_guessed_id(client, draft):
    link = PreviewLink.objects.create(issue=draft)
    assert client.get(f"/preview/{link.pk}/").status_code == 404
    assert str(link.pk) != link.token


def test_a_links_address_is_the_same_every_time_it_is_shown(draft):
    link = PreviewLink.objects.create(issue=draft)
    first = link.get_absolute_url()
    time.sleep(1.1)  # a timestamped token would have changed by now
    assert PreviewLink.objects.get(pk=link.pk).get_absolute_url() == first


def test_a_link_sent_with_a_timestamped_token_still_opens(client, draft):
    link = PreviewLink.objects.create(issue=draft)
    sent_before = signing.dumps({"p": link.pk}, salt=PreviewLink.SALT)
    assert client.get(f"/preview/{sent_before}/").status_code == 200
    link.revoke(editor())
    assert client.get(f"/preview/{sent_before}/").status_code == 404


def test_links_expire_after_seven_days_by_default(draft):
    link = PreviewLink.objects.create(issue=draft)
    assert datetime.timedelta(days=6, hours=23) < link.expires_at - timezone.now() <= datetime.timedelta(days=7)


def test_admin_creates_lists_and_revokes_preview_links(client, draft):
    staff = login(contributor())
    response = staff.post(f"/admin/issues/issue/{draft.pk}/preview-links/new/", follow=True)
    link = PreviewLink.objects.get(issue=draft)
    page = response.content.decode()
    assert link.get_absolute_url() in page
    assert client.get(link.get_absolute_url()).status_code == 200

    staff.post(f"/admin/issues/issue/{draft.pk}/preview-links/{link.pk}/revoke/")
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert client.get(link.get_absolute_url()).status_code == 404
    # The admin is in Chinese unless the editor's browser asks for English.
    assert "已撤销" in staff.get(f"/admin/issues/issue/{draft.pk}/change/").content.decode()


def test_preview_links_need_a_staff_login_to_create(client, draft):
    response = client.post(f"/admin/issues/issue/{draft.pk}/preview-links/new/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not PreviewLink.objects.exists()
    assert login(editor()).get(f"/admin/issues/issue/{draft.pk}/preview-links/new/").status_code == 405


def test_preview_queries_do_not_grow_with_entries(client, draft, django_assert_max_num_queries):
    EntryFactory.create_batch(25, issue=draft, tags=["量化", "NPU"])
    link = PreviewLink.objects.create(issue=draft)
    with django_assert_max_num_queries(8):
        assert client.get(link.get_absolute_url()).status_code == 200


def test_admin_may_choose_how_long_a_link_lasts(draft):
    staff = login(editor(), language="en")
    staff.post(f"/admin/issues/issue/{draft.pk}/preview-links/new/", {"days": "2"})
    link = PreviewLink.objects.get()
    assert datetime.timedelta(days=1, hours=23) < link.expires_at - timezone.now() <= datetime.timedelta(days=2)
    response = staff.post(f"/admin/issues/issue/{draft.pk}/preview-links/new/", {"days": "365"}, follow=True)
    assert "from 1 to 90" in response.content.decode()
    assert PreviewLink.objects.count() == 1

"""Secret preview links: signed, expiring, revocable, noindex, and revealing nothing else."""

import datetime
import re
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
    assert body.strip() and body in public
    # The same, but for the links to entry pages, which do not exist before the issue is public.
    assert 'class="permalink"' in body and 'class="permalink"' not in preview
    assert re.sub(r'<a class="permalink"[^>]*>[^<]*</a>', "", body) in preview


def test_the_staff_preview_shows_the_issue_in_the_readers_language_whatever_the_admins(client, draft):
    client.force_login(editor())
    page = client.get(f"/admin/issues/issue/{draft.pk}/preview/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="zh-hans">' in page
    assert ">最新一期<" in page  # the Chinese site's menu
    assert ">Latest<" not in page


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
    writer = contributor()
    draft.created_by = writer
    draft.save()
    staff = login(writer)
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


# Who may share an issue, and for how long (the hostile-input probe, finding 4) --------

def _create(user, issue, days: int = 7):
    return login(user, language="en").post(f"/admin/issues/issue/{issue.pk}/preview-links/new/", {"days": str(days)})


def test_a_link_ends_when_its_issue_is_published_and_stays_ended_after_unpublishing(client, draft):
    from issues import workflow

    boss = editor()
    link = PreviewLink.objects.create(issue=draft, created_by=boss)
    workflow.submit_for_review(draft, boss)
    assert client.get(link.get_absolute_url()).status_code == 200  # still unpublished: in review
    workflow.publish(draft, boss)
    assert client.get(link.get_absolute_url()).status_code == 404
    workflow.unpublish(draft, boss)
    assert client.get(link.get_absolute_url()).status_code == 404
    assert "Secret paper" not in client.get(link.get_absolute_url()).content.decode()


def test_a_link_made_on_a_published_issue_does_not_show_it_once_unpublished(client):
    from issues import workflow

    issue = published_issue(title="Withdrawn for a mistake")
    # A 90-day link such as the admin let anyone make on a published issue before.
    link = PreviewLink.objects.create(issue=issue, expires_at=timezone.now() + datetime.timedelta(days=90))
    workflow.unpublish(issue, editor())
    response = client.get(link.get_absolute_url())
    assert response.status_code == 404
    assert "Withdrawn for a mistake" not in response.content.decode()


def test_a_link_to_a_scheduled_issue_works_until_the_issue_goes_public(client, draft):
    from issues import workflow

    boss = editor()
    workflow.submit_for_review(draft, boss)
    workflow.publish(draft, boss, publish_at=timezone.now() + datetime.timedelta(hours=2))
    link = PreviewLink.objects.create(issue=draft, created_by=boss)
    assert client.get(link.get_absolute_url()).status_code == 200
    draft.publish_at = timezone.now() - datetime.timedelta(seconds=1)  # its time came
    draft.save()
    assert client.get(link.get_absolute_url()).status_code == 404


def test_no_link_is_made_for_a_public_issue(client):
    issue = published_issue()
    response = _create(editor(), issue)
    assert not PreviewLink.objects.exists()
    assert response.status_code in (302, 403)
    page = login(editor(), language="en").get(f"/admin/issues/issue/{issue.pk}/change/").content.decode()
    assert "Create a preview link" not in page


def test_a_contributor_shares_only_their_own_drafts():
    writer = contributor(username="writer")
    own = IssueFactory(created_by=writer)
    others = IssueFactory(created_by=contributor(username="someone-else"))
    assert _create(writer, own).status_code == 302
    assert PreviewLink.objects.filter(issue=own, created_by=writer).count() == 1
    assert _create(writer, others).status_code == 403
    assert not PreviewLink.objects.filter(issue=others).exists()
    page = login(writer, language="en").get(f"/admin/issues/issue/{others.pk}/change/").content.decode()
    assert "Create a preview link" not in page

    from issues import workflow

    EntryFactory(issue=own)
    workflow.submit_for_review(own, writer)
    # In review, the issue is the editors' to share.
    assert _create(writer, own).status_code == 403
    assert PreviewLink.objects.filter(issue=own).count() == 1
    assert _create(editor(), own).status_code == 302
    assert PreviewLink.objects.filter(issue=own).count() == 2


def test_a_contributor_cannot_revoke_an_editors_link():
    writer = contributor(username="writer")
    issue = IssueFactory(created_by=writer)
    theirs = PreviewLink.objects.create(issue=issue, created_by=editor(username="chief"))
    mine = PreviewLink.objects.create(issue=issue, created_by=writer)
    staff = login(writer, language="en")
    page = staff.get(f"/admin/issues/issue/{issue.pk}/change/").content.decode()
    assert page.count(">Revoke</button>") == 1
    assert staff.post(f"/admin/issues/issue/{issue.pk}/preview-links/{theirs.pk}/revoke/").status_code == 403
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert staff.post(f"/admin/issues/issue/{issue.pk}/preview-links/{mine.pk}/revoke/").status_code == 302
    mine.refresh_from_db()
    assert mine.revoked_at is not None and mine.revoked_by == writer
    # An editor may end any link.
    login(editor()).post(f"/admin/issues/issue/{issue.pk}/preview-links/{theirs.pk}/revoke/")
    theirs.refresh_from_db()
    assert theirs.revoked_at is not None

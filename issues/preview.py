"""Secret preview links: an unpublished issue, exactly as readers will see it, to whoever has the link.

The link carries a signed token (``PreviewLink.token``); the link's row says
until when it is valid and whether it was revoked. Anything wrong with it is
a plain 404, so a guessed, expired or revoked link tells nothing.

Who may share: editors, any issue that is not public; a contributor, the
drafts they started. A link ends when its issue goes public (the workflow
revokes it, so unpublishing never brings it back); editors may revoke any
link, others only those they made.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .models import Issue, PreviewLink
from .sections import render_sections


class PreviewLinkError(Exception):
    """A link cannot be made now: the issue is public, or the number of days is wrong."""


def is_editor(user) -> bool:
    return bool(user and user.is_active and (user.has_perm("issues.review_issue") or user.has_perm("issues.publish_issue")))


def may_share(issue: Issue, user) -> bool:
    """Whether ``user`` may make a preview link to ``issue`` now."""
    if issue.is_public or not (user and user.is_active):
        return False
    if is_editor(user):
        return True
    return issue.status == Issue.Status.DRAFT and issue.created_by_id is not None and issue.created_by_id == user.pk


def may_revoke(link: PreviewLink, user) -> bool:
    """Editors end any link; anyone else only the links they made."""
    return is_editor(user) or (link.created_by_id is not None and link.created_by_id == getattr(user, "pk", None))


def create_link(issue: Issue, user, days: int = PreviewLink.DEFAULT_DAYS) -> PreviewLink:
    """A new link to ``issue`` made by ``user``, valid ``days`` days.

    Raises PermissionDenied when ``user`` may not share the issue, and
    PreviewLinkError when the issue is public or ``days`` is out of range.
    """
    if not 1 <= days <= PreviewLink.MAX_DAYS:
        raise PreviewLinkError(
            _("Preview links: the number of days must be a whole number from 1 to %(max)d.") % {"max": PreviewLink.MAX_DAYS}
        )
    with transaction.atomic():
        # Read under the lock the workflow takes: a link is never made on an issue published meanwhile.
        locked = Issue.objects.select_for_update().get(pk=issue.pk)
        if locked.is_public:
            raise PreviewLinkError(_("This issue is public: readers can see it, so it needs no preview link."))
        if not may_share(locked, user):
            raise PermissionDenied(_("You may not share this issue."))
        return PreviewLink.objects.create(
            issue=locked, created_by=user, expires_at=timezone.now() + datetime.timedelta(days=days),
        )


def revoke_link(link: PreviewLink, user) -> None:
    """End ``link`` now; PermissionDenied unless ``user`` may."""
    if not may_revoke(link, user):
        raise PermissionDenied(_("Only editors and the link's maker may revoke it."))
    link.revoke(user)


def links_for(issue: Issue, user, limit: int = 20) -> list[PreviewLink]:
    """The issue's latest links, each with ``revocable``: whether ``user`` may end it."""
    links = list(issue.preview_links.select_related("created_by", "revoked_by")[:limit])
    for link in links:
        link.issue = issue
        link.revocable = link.is_active and may_revoke(link, user)
    return links


def issue_preview(request: HttpRequest, token: str) -> HttpResponse:
    """The public issue page for the issue a valid preview link points at, marked as a preview."""
    link = PreviewLink.from_token(token)
    if link is None or not link.is_active:
        raise Http404("No such preview.")
    return render_preview(request, link.issue, link)


def staff_preview(request: HttpRequest, issue: Issue) -> HttpResponse:
    """The issue as readers will see it, for signed-in staff (the admin checks who may see it)."""
    return render_preview(request, issue, None)


def render_preview(request: HttpRequest, issue: Issue, link: PreviewLink | None) -> HttpResponse:
    """The issue page as readers of the original edition get it, whatever language the admin speaks to the editor."""
    with translation.override(settings.LANGUAGE_CODE):
        response = render(request, "issues/preview.html", {
            "issue": issue,
            # Rendered afresh, never from the cache: a preview is seen rarely, and only now.
            "sections": mark_safe(render_sections([issue], preview=True)[issue.pk]),
            "preview_link": link,
            # The preview shows this issue only: no links on to other issues (no "pager").
            "is_preview": True,
        })
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    # Links out of the page must not hand the secret URL to other sites.
    response["Referrer-Policy"] = "no-referrer"
    return response

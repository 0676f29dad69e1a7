"""Secret preview links: an unpublished issue, exactly as readers will see it, to whoever has the link.

The link carries a signed token (``PreviewLink.token``); the link's row says
until when it is valid and whether it was revoked. Anything wrong with it is
a plain 404, so a guessed, expired or revoked link tells nothing.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from .models import Issue, PreviewLink
from .sections import render_sections


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
    response = render(request, "issues/preview.html", {
        "issue": issue,
        # Rendered afresh, never from the cache: a preview is seen rarely, and only now.
        "sections": mark_safe(render_sections([issue])[issue.pk]),
        "preview_link": link,
        # The preview shows this issue only: no way on to other issues.
        "previous_issue": None,
        "next_issue": None,
        "is_preview": True,
    })
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    # Links out of the page must not hand the secret URL to other sites.
    response["Referrer-Policy"] = "no-referrer"
    return response

"""The newsletter's messages: an issue in a subscriber's edition, and the confirmation of an address.

An issue's email is rendered once per edition and sending run: the sections
the site shows (issues/sections.py, in their feed form, whose links are
absolute), CSS inlined by css-inline, and a plain-text part. Only the
unsubscribe link differs between subscribers; it is put in last.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid
from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from issues.models import Issue
from issues.sections import sections_html

from .models import Subscriber

#: Stands for the subscriber's unsubscribe link in the rendered email until it is sent.
UNSUBSCRIBE_PLACEHOLDER = "briefing-unsubscribe-url-placeholder"
#: href="/…" and src="/…" (a site path, not //host): made absolute for mail readers.
SITE_PATH = re.compile(r'\b(href|src)="/(?!/)')
INLINER = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


def site_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def absolute_links(html: str) -> str:
    """``html`` with every link to a path of the site made an absolute URL on ``SITE_URL``."""
    return SITE_PATH.sub(lambda m: f'{m.group(1)}="{settings.SITE_URL}/', html)


@dataclass(frozen=True)
class IssueEmail:
    """An issue's email in one edition, ready to be addressed."""

    issue_id: int
    edition: str
    subject: str
    html: str
    text: str
    web_url: str

    def message(self, to: str, unsubscribe_url: str, connection=None) -> EmailMultiAlternatives:
        """The multipart message for ``to``, with its unsubscribe link and RFC 8058 one-click headers."""
        message = EmailMultiAlternatives(
            subject=self.subject,
            body=self.text.replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe_url),
            to=[to],
            connection=connection,
            headers={
                "List-Unsubscribe": f"<{unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "List-Id": f"<newsletter.{site_host()}>",
                "Message-ID": make_msgid(domain=site_host()),
                "Content-Language": self.edition,
            },
        )
        message.attach_alternative(self.html.replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe_url), "text/html")
        return message

    def message_for(self, subscriber: Subscriber, connection=None) -> EmailMultiAlternatives:
        return self.message(subscriber.email, subscriber.unsubscribe_url(self.edition), connection)


def render_issue_email(issue: Issue, edition: str) -> IssueEmail:
    """``issue`` as its email in ``edition`` (a language code), with the unsubscribe link left to fill in."""
    with translation.override(edition):
        prefetch_related_objects([issue], "entries__source", "entries__tags")
        context = {
            "issue": issue,
            "sections": sections_html([issue], feed=True)[issue.pk],
            "entry_sections": issue.sections(),
            "web_url": settings.SITE_URL + issue.get_absolute_url(),
            "home_url": settings.SITE_URL + reverse("issues:home"),
            "subscribe_url": settings.SITE_URL + reverse("newsletter:subscribe"),
            "unsubscribe_url": UNSUBSCRIBE_PLACEHOLDER,
            "edition": edition,
        }
        html = render_to_string("newsletter/email/issue.html", context)
        text = render_to_string("newsletter/email/issue.txt", context)
        subject = str(issue.text.title)
    return IssueEmail(
        issue_id=issue.pk, edition=edition, subject=subject,
        html=INLINER.inline(absolute_links(html)), text=text, web_url=context["web_url"],
    )


def confirmation_message(subscriber: Subscriber, edition: str) -> EmailMultiAlternatives:
    """The email that asks ``subscriber`` to confirm their address for ``edition``."""
    with translation.override(edition):
        context = {
            "confirm_url": subscriber.confirmation_url(edition),
            "home_url": settings.SITE_URL + reverse("issues:home"),
            "days": Subscriber.CONFIRMATION_DAYS,
            "edition": edition,
        }
        subject = render_to_string("newsletter/email/confirm_subject.txt", context).strip()
        text = render_to_string("newsletter/email/confirm.txt", context)
        html = INLINER.inline(render_to_string("newsletter/email/confirm.html", context))
    message = EmailMultiAlternatives(
        subject=subject, body=text, to=[subscriber.email],
        headers={"Message-ID": make_msgid(domain=site_host()), "Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    return message

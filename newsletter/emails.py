"""The newsletter's messages: an issue in a subscriber's edition, and the confirmation of an address.

An issue's email is rendered once per edition and sending run: the sections
the site shows (issues/sections.py, in their feed form, whose links are
absolute), CSS inlined by css-inline, and a plain-text part. Only the
unsubscribe link differs between subscribers; it is put in last.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid
from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import get_random_string

from briefing.context_processors import site
from issues.feeds import site_host
from issues.models import Issue
from issues.sections import sections_html

from .models import Subscriber

#: Stands for the subscriber's unsubscribe link in the rendered email until it is sent.
UNSUBSCRIBE_PLACEHOLDER = "briefing-unsubscribe-url-placeholder"
#: href="/…" and src="/…" (a site path, not //host): made absolute for mail readers.
SITE_PATH = re.compile(r'\b(href|src)="/(?!/)')
INLINER = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)
#: Where a line of HTML may be broken without changing what a reader sees: before a block.
BLOCK_START = re.compile(r"(?=<(?:p|div|h[1-6]|ul|ol|li|dl|dt|dd|table|thead|tbody|tfoot|tr|td|th|blockquote|hr|section|article|header|footer)\b)")
#: Lines stay under this many bytes where they can: RFC 5322 allows 998.
LINE_BYTES = 900


def short_lines(html: str) -> str:
    """``html`` with lines longer than LINE_BYTES broken before block elements, which readers cannot see.

    A message whose lines all fit goes out as 8-bit text rather than base64: a
    third smaller, and far quicker to build, which counts for 10,000 of them.
    A line with no such place (a long paragraph) is left as it is: that
    message is simply sent as base64.
    """
    lines = []
    for line in html.split("\n"):
        if len(line.encode()) <= LINE_BYTES:
            lines.append(line)
            continue
        current = ""
        for piece in BLOCK_START.split(line):
            if current and len((current + piece).encode()) > LINE_BYTES:
                lines.append(current)
                current = ""
            current += piece
        lines.append(current)
    return "\n".join(lines)


def absolute_links(html: str) -> str:
    """``html`` with every link to a path of the site made an absolute URL on ``SITE_URL``."""
    return SITE_PATH.sub(lambda m: f'{m.group(1)}="{settings.SITE_URL}/', html)


class PreparedMessage(EmailMultiAlternatives):
    """A message whose MIME boundary was chosen when its text was rendered.

    Python's email package otherwise makes a boundary, and compiles a regular
    expression to check it against the text, for every message.
    """

    boundary = ""

    def message(self):
        message = super().message()
        if self.boundary:
            message.set_boundary(self.boundary)
        return message


def boundary_for(*texts: str) -> str:
    """A MIME boundary that occurs in none of ``texts``."""
    while True:
        boundary = f"=_briefing_{get_random_string(24)}"
        if not any(boundary in text for text in texts):
            return boundary


@dataclass(frozen=True)
class IssueEmail:
    """An issue's email in one edition, ready to be addressed."""

    edition: str
    subject: str
    html: str
    text: str
    boundary: str = ""

    def message(self, to: str, unsubscribe_url: str, connection=None) -> EmailMultiAlternatives:
        """The multipart message for ``to``, with its unsubscribe link and RFC 8058 one-click headers."""
        message = PreparedMessage(
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
        # Neither the address nor the link can hold the boundary ("=_" is in neither).
        message.boundary = self.boundary
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
            **site(None),
        }
        html = render_to_string("newsletter/email/issue.html", context)
        text = render_to_string("newsletter/email/issue.txt", context)
        subject = str(issue.text.title)
    html = short_lines(INLINER.inline(absolute_links(html)))
    return IssueEmail(edition=edition, subject=subject, html=html, text=text, boundary=boundary_for(html, text))


def confirmation_message(subscriber: Subscriber, edition: str) -> EmailMultiAlternatives:
    """The email that asks ``subscriber`` to confirm their address for ``edition``."""
    with translation.override(edition):
        context = {
            "confirm_url": subscriber.confirmation_url(edition),
            "home_url": settings.SITE_URL + reverse("issues:home"),
            "days": Subscriber.CONFIRMATION_DAYS,
            "edition": edition,
            **site(None),
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

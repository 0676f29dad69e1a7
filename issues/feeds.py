"""RSS 2.0 and Atom feeds of the latest published issues.

Each item is the whole issue as HTML (``content:encoded`` in RSS, ``content``
in Atom), built from the same stored, sanitized HTML the pages show. Links are
absolute on ``SITE_URL``. The GUID is a tag: URI made of the site's host, the
issue's date and its primary key, so it never changes when the issue is
edited, retitled or republished.

The English feeds (/en/feed/, /en/feed/atom/ and the /en/ entry feeds) carry
the same items in English where an editor wrote it and in the Chinese original
elsewhere. Their GUIDs follow the same rule with ``/en`` appended: stable
across edits, and different from the Chinese item's, so a reader subscribed
to both feeds sees both editions of an issue.
"""

from __future__ import annotations

import datetime
import functools
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape, format_html
from django.utils.text import Truncator
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from briefing.context_processors import site_name
from briefing.feedxml import XMLSafeFeed
from briefing.markdown import plain_text
from briefing.templatetags.edition import lang_attr
from briefing.templatetags.seo import absolute
from briefing.translation import reading_english

from .models import Issue
from .sections import sections_html

#: How many issues the feeds carry.
FEED_LENGTH = 20
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"


def latest_issues() -> list[Issue]:
    """The feed's issues: the latest published ones, newest first, each with its sections (``feed_sections``)."""
    issues = list(Issue.objects.published().order_by("-date").defer("lead", "lead_en")[:FEED_LENGTH])
    digests = Issue.digests(issues, lead=False)
    for issue, sections in zip(issues, sections_html(issues, feed=True).values()):
        issue.feed_sections = sections
        issue.digest = digests.get(issue.pk, "")
    return issues


def site_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def tag_uri(date: datetime.date, specific: str) -> str:
    """A tag: URI (RFC 4151) on the site's host, stable for the life of the thing it names."""
    return f"tag:{site_host()},{date.isoformat()}:{specific}"


def edition_guid(date: datetime.date, specific: str) -> str:
    """An item's GUID in the edition being served: the Chinese one as it always was, ``…/en`` in English."""
    guid = tag_uri(date, specific)
    return f"{guid}/en" if reading_english() else guid


class RssWithContent(XMLSafeFeed, Rss201rev2Feed):
    """RSS 2.0 with the full HTML of each item in ``content:encoded``."""

    def rss_attributes(self) -> dict:
        return {**super().rss_attributes(), "xmlns:content": CONTENT_NS}

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content:encoded", item["content_html"])


class AtomWithContent(XMLSafeFeed, Atom1Feed):
    """Atom with the full HTML of each item in ``content``."""

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content", item["content_html"], {"type": "html"})


class SiteFeed(Feed):
    """Absolute links on ``SITE_URL`` whatever host the request came to.

    Subclasses return absolute ``link``, ``feed_url`` and ``item_link`` values
    (Django only adds the request's host to relative ones). One instance serves
    every request, so nothing request-specific is stored on it.
    """

    feed_type = RssWithContent

    def item_title(self, item) -> str:
        # Plain text: the XML writer escapes it once, and feed readers show it as written.
        text = getattr(item, "text", None)
        return str(text.title) if text is not None else str(item)

    def item_content_html(self, item) -> str:
        """The item's whole HTML; none by default."""
        return ""

    def item_extra_kwargs(self, item) -> dict:
        return {"content_html": self.item_content_html(item)}


class LatestIssuesFeed(SiteFeed):
    """The latest published issues, each in full."""

    def title(self) -> str:
        return edition_title(settings_site_name())

    def description(self) -> str:
        return _("Model compression, low-bit quantization, mobile inference and deployment: a curated briefing.")

    def link(self) -> str:
        return absolute(reverse("issues:home"))

    def feed_url(self) -> str:
        return absolute(reverse("issues:feed"))

    def feed_guid(self) -> str:
        guid = f"tag:{site_host()},2019:briefing"
        return f"{guid}/en" if reading_english() else guid

    def items(self) -> list[Issue]:
        return latest_issues()

    def item_title(self, item: Issue) -> str:
        """The date and what the issue is about (its headline, or its first entry titles): feed titles differ."""
        digest = getattr(item, "digest", "")
        return f"{item.date.isoformat()} · {digest}" if digest else str(item.text.title)

    def item_link(self, item: Issue) -> str:
        return absolute(item.get_absolute_url())

    def item_guid(self, item: Issue) -> str:
        return edition_guid(item.date, f"issue/{item.pk}")

    item_guid_is_permalink = False

    def item_pubdate(self, item: Issue) -> datetime.datetime:
        return item.publish_at

    def item_updateddate(self, item: Issue) -> datetime.datetime:
        # Moved by an edit of any of its entries too. To the second: feed
        # dates need no more, and a restored backup keeps no more.
        return item.content_changed_at.replace(microsecond=0)

    def item_description(self, item: Issue) -> str:
        """A short summary: the headline and the start of the lead."""
        parts = []
        headline, lead = item.text.headline_html, item.text.lead_html
        # Built from plain text and escaped here, so nothing in it is markup but our <p>.
        if headline:
            parts.append(format_html("<p{}>{}</p>", lang_attr(headline), plain_text(headline)))
        if lead:
            parts.append(format_html("<p{}>{}</p>", lang_attr(lead), excerpt(lead, get_language())))
        return "".join(parts) or escape(str(item.text.title))

    def item_content_html(self, item: Issue) -> str:
        """The whole issue: headline, lead, each section's entries, and a link to the issue on the web."""
        headline, lead = item.text.headline_html, item.text.lead_html
        parts = []
        if headline:
            parts.append(format_html("<p{}><strong>{}</strong></p>\n", lang_attr(headline), headline))
        if lead:
            parts.append(format_html("<div{}>{}</div>\n", lang_attr(lead), lead))
        parts.append(item.feed_sections)
        parts.append(format_html('\n<p><a href="{}">{}</a></p>', self.item_link(item), _("Read this issue on the web")))
        return "".join(parts)


class LatestIssuesAtomFeed(LatestIssuesFeed):
    feed_type = AtomWithContent

    def feed_url(self) -> str:
        return absolute(reverse("issues:atom"))

    def subtitle(self) -> str:
        return self.description()


@functools.lru_cache(maxsize=1024)
def excerpt(html: str, language: str) -> str:
    """The start of stored HTML's text, for a feed item's description.

    A pure function of the text and the language (the ellipsis is translated),
    so it is worked out once.
    """
    return Truncator(plain_text(html)).chars(300)


def settings_site_name() -> str:
    return site_name()


def edition_title(name: str) -> str:
    """A feed's title, saying so when it is the English edition and the name does not."""
    if reading_english() and name == site_name(settings.LANGUAGE_CODE):
        return f"{name} (English)"
    return name

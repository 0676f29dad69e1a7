"""sitemap.xml: published issues, entries, tags and sources, each with its lastmod.

Every page is listed once per language (Chinese at /, English under /en/),
each with ``xhtml:link`` hreflang alternates to the other and an x-default
pointing at the Chinese original.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max, QuerySet
from django.db.models.functions import Greatest

from entries.models import Entry, Source, Tag

from .models import Issue


class SiteSitemap(Sitemap):
    """URLs on ``SITE_URL``'s scheme and host, whatever host the request came to, in every language."""

    i18n = True
    alternates = True
    x_default = True

    def get_protocol(self, protocol: str | None = None) -> str:
        return urlsplit(settings.SITE_URL).scheme or "https"

    def get_domain(self, site=None) -> str:
        return urlsplit(settings.SITE_URL).netloc


class IssueSitemap(SiteSitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self) -> QuerySet[Issue]:
        return (
            Issue.objects.published().order_by("-date").only("date", "content_changed_at")
        )

    def lastmod(self, item: Issue) -> datetime.datetime:
        # Moved by an edit of one of its entries too.
        return item.content_changed_at


class _ModifiedLastmod:
    """Items carry their last-modified time as the ``modified`` annotation."""

    def lastmod(self, item) -> datetime.datetime:
        return item.modified


class EntrySitemap(_ModifiedLastmod, SiteSitemap):
    changefreq = "yearly"
    priority = 0.5

    def items(self) -> QuerySet[Entry]:
        return (
            Entry.objects.published()
            .annotate(modified=Greatest("updated_at", "issue__publish_at"))
            .order_by("-issue__date", "pk")
            .only("pk", "updated_at")
        )


def with_latest_publication(queryset: QuerySet, issue_prefix: str) -> QuerySet:
    """Tags or sources with published entries, each annotated ``modified``: their latest publish time."""
    published = Issue.objects.published_condition(issue_prefix)
    return (
        queryset.filter(published)
        .annotate(modified=Max(f"{issue_prefix}publish_at", filter=published))
        .order_by("name")
    )


class TagSitemap(_ModifiedLastmod, SiteSitemap):
    changefreq = "weekly"
    priority = 0.4

    def items(self) -> QuerySet[Tag]:
        return with_latest_publication(Tag.objects.all(), "tagged_entries__content_object__issue__")


class SourceSitemap(_ModifiedLastmod, SiteSitemap):
    changefreq = "weekly"
    priority = 0.4

    def items(self) -> QuerySet[Source]:
        return with_latest_publication(Source.objects.all(), "entries__issue__")


SITEMAPS = {
    "issues": IssueSitemap,
    "entries": EntrySitemap,
    "tags": TagSitemap,
    "sources": SourceSitemap,
}

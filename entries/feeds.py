"""Per-tag and per-source feeds of entries in published issues."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.html import escape
from django.urls import reverse
from django.utils.translation import gettext as _

from briefing.context_processors import site
from briefing.markdown import plain_text
from briefing.templatetags.seo import absolute
from issues.feeds import SiteFeed, edition_guid, edition_title

from .listing import feed_cards
from .models import Entry, Source, Tag

#: How many entries an entry feed carries.
FEED_LENGTH = 30


class EntryFeed(SiteFeed):
    """Entries of published issues, newest issue first, each with its summary as HTML."""

    def entries(self, obj) -> QuerySet[Entry]:
        raise NotImplementedError

    def items(self, obj) -> list[Entry]:
        items = list(
            self.entries(obj).newest_first().for_cards().select_related("issue")[:FEED_LENGTH]
        )
        for item, card in zip(items, feed_cards(items)):
            item.feed_card = card
        return items

    def item_title(self, item: Entry) -> str:
        # The title as text: "**bold**" in it is rendered on pages, and a feed title is plain.
        return plain_text(item.text.title_html)

    def item_link(self, item: Entry) -> str:
        return absolute(item.get_absolute_url())

    def item_guid(self, item: Entry) -> str:
        return edition_guid(item.issue.date, f"entry/{item.pk}")

    item_guid_is_permalink = False

    def item_pubdate(self, item: Entry) -> datetime.datetime:
        return item.issue.publish_at

    def item_updateddate(self, item: Entry) -> datetime.datetime:
        return max(item.updated_at, item.issue.publish_at).replace(microsecond=0)

    def item_description(self, item: Entry) -> str:
        return item.feed_card

    def item_categories(self, item: Entry) -> list[str]:
        return [tag.name for tag in item.shown_tags]


class TagFeed(EntryFeed):
    def get_object(self, request, slug: str) -> Tag:
        return get_object_or_404(Tag, slug=slug)

    def entries(self, obj: Tag) -> QuerySet[Entry]:
        return Entry.objects.published().filter(tags=obj)

    def items(self, obj: Tag) -> list[Entry]:
        items = super().items(obj)
        if not items:
            raise Http404("No published entries with this tag.")
        return items

    def title(self, obj: Tag) -> str:
        return _("%(site)s: tag %(tag)s") % {"site": edition_title(site(None)["SITE_NAME"]), "tag": obj.name}

    def description(self, obj: Tag) -> str:
        # Feed readers render a channel description as HTML: the name is text.
        return _("Entries tagged %(tag)s in published issues.") % {"tag": escape(obj.name)}

    def link(self, obj: Tag) -> str:
        return absolute(obj.get_absolute_url())

    def feed_url(self, obj: Tag) -> str:
        return absolute(reverse("entries:tag_feed", kwargs={"slug": obj.slug}))


class SourceFeed(EntryFeed):
    def get_object(self, request, slug: str) -> Source:
        return get_object_or_404(Source, slug=slug)

    def entries(self, obj: Source) -> QuerySet[Entry]:
        return Entry.objects.published().filter(source=obj)

    def items(self, obj: Source) -> list[Entry]:
        items = super().items(obj)
        if not items:
            raise Http404("No published entries from this source.")
        return items

    def title(self, obj: Source) -> str:
        return _("%(site)s: source %(source)s") % {"site": edition_title(site(None)["SITE_NAME"]), "source": obj.name}

    def description(self, obj: Source) -> str:
        return _("Entries from %(source)s in published issues.") % {"source": escape(obj.name)}

    def link(self, obj: Source) -> str:
        return absolute(obj.get_absolute_url())

    def feed_url(self, obj: Source) -> str:
        return absolute(reverse("entries:source_feed", kwargs={"slug": obj.slug}))

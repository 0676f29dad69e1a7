"""Entries: the hand-picked links of an issue, who published them, and their tags."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.validators import MaxLengthValidator
from django.db import models, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from markdownx.models import MarkdownxField
from taggit.managers import TaggableManager
from taggit.models import TagBase, TaggedItemBase

from briefing.changes import ChangeTrackingMixin
from briefing.limits import ABSTRACT_MAX_LENGTH, MARKDOWN_MAX_LENGTH, MAX_LINKS
from briefing.markdown import render_markdown, validate_markdown
from briefing.translation import EnglishEditionMixin
from issues.models import Issue, is_editor

from .links import LinkInfo, analyze_link, normalize_url, validate_http_url


def search_text_of(parts: Iterable[str | None]) -> str:
    """What search matches an entry against: ``parts`` lower-cased, one line each.

    The parts are an entry's titles and summaries (both editions), source name
    and tag names (see entries/search.py). Whitespace within a part becomes one
    space and parts are joined by newlines: a search term never holds
    whitespace, so it matches within one part, never across two.
    """
    return "\n".join(" ".join(part.lower().split()) for part in parts if part and not part.isspace())


def unicode_slug(value: str, fallback: str) -> str:
    """A readable slug that keeps Chinese characters (量化 → 量化, "RISC-V" → risc-v)."""
    return slugify(value, allow_unicode=True)[:90] or fallback


class SourceQuerySet(models.QuerySet):
    def with_published_entry_counts(self) -> "SourceQuerySet":
        """Annotate ``entry_count``: entries of this source in published issues."""
        return self.annotate(
            entry_count=Count("entries", filter=Issue.objects.published_condition("entries__issue__"))
        )


class Source(ChangeTrackingMixin, models.Model):
    """Who published a linked item: a WeChat account, a website, arXiv, GitHub…"""

    class Kind(models.TextChoices):
        WECHAT = "wechat", _("WeChat account")
        WEBSITE = "website", _("Website")
        ARXIV = "arxiv", _("arXiv")
        GITHUB = "github", _("GitHub")
        BLOG = "blog", _("Company or personal blog")
        CONFERENCE = "conference", _("Conference")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True, allow_unicode=True, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.WECHAT)
    homepage = models.URLField(_("homepage"), max_length=500, blank=True, validators=[validate_http_url])

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            base = unicode_slug(self.name, "source")
            slug, n = base, 1
            while Source.objects.filter(slug=slug).exclude(pk=self.pk).exists():
                n += 1
                slug = f"{base}-{n}"
            self.slug = slug
        super().save(*args, **kwargs)
        self.remember_saved_values()

    def get_absolute_url(self) -> str:
        return reverse("entries:source", kwargs={"slug": self.slug})

    def is_public(self) -> bool:
        """Whether readers see it: an entry of a public issue names it."""
        return self.pk is not None and Entry.objects.published().filter(source=self).exists()

    def can_be_edited_by(self, user) -> bool:
        """Renaming or editing a source readers see is an editor's right; one only drafts use, anyone's."""
        return is_editor(user) or not self.is_public()


class Tag(ChangeTrackingMixin, TagBase):
    """A topic such as 量化 or RISC-V; slugs keep Chinese characters readable."""

    slug = models.SlugField(_("slug"), max_length=100, unique=True, allow_unicode=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        self.remember_saved_values()

    def slugify(self, tag: str, i: int | None = None) -> str:
        slug = unicode_slug(tag, "tag")
        if i is not None:
            slug += f"-{i}"
        return slug

    def get_absolute_url(self) -> str:
        return reverse("entries:tag", kwargs={"slug": self.slug})

    def is_public(self) -> bool:
        """Whether readers see it: an entry of a public issue carries it."""
        return self.pk is not None and Entry.objects.published().filter(tags=self).exists()

    def can_be_edited_by(self, user) -> bool:
        """Renaming, merging or deleting a tag readers see is an editor's right; one only drafts use, anyone's."""
        return is_editor(user) or not self.is_public()


class TaggedEntry(TaggedItemBase):
    content_object = models.ForeignKey("Entry", on_delete=models.CASCADE)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="tagged_entries")

    class Meta:
        verbose_name = _("tagged entry")
        verbose_name_plural = _("tagged entries")
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="unique_tag_per_entry"),
        ]


def tag_links() -> models.Prefetch:
    """The tags of entries read through their links, tag with link, by name: for ``Entry.shown_tags``.

    Far cheaper than taggit's own prefetch of ``tags`` for the hundreds of
    entries of a feed.
    """
    return models.Prefetch(
        "taggedentry_set", queryset=TaggedEntry.objects.select_related("tag").order_by("tag__name"), to_attr="tag_links",
    )


class EntryQuerySet(models.QuerySet):
    def published(self, now: datetime.datetime | None = None) -> "EntryQuerySet":
        """Entries of issues readers may see: the one door for public code."""
        return self.filter(Issue.objects.published_condition("issue__", now=now))

    def in_reading_order(self) -> "EntryQuerySet":
        return self.order_by("section", "position", "pk")

    def for_cards(self) -> "EntryQuerySet":
        """With what an entry's card shows: its source, and its tags (``shown_tags``) read with their links in one query."""
        return self.select_related("source").prefetch_related(tag_links())

    def newest_first(self) -> "EntryQuerySet":
        """Newest issue first, then reading order: how lists of entries from many issues run."""
        return self.order_by("-issue__date", "section", "position", "pk")

    def store_search_text(self, batch_size: int = 500) -> int:
        """Write the ``search_text`` of these entries again, from their fields, source and tags as stored; how many.

        For what changes an entry's search text without saving it: its tags,
        or a rename of its source or of one of its tags. A few queries per batch.
        """
        ids = list(self.values_list("pk", flat=True))
        done = 0
        for start in range(0, len(ids), batch_size):
            batch = list(
                Entry.objects.filter(pk__in=ids[start:start + batch_size])
                .select_related("source").prefetch_related("tags")
            )
            changed = []
            for entry in batch:
                text = entry.build_search_text()
                if text != entry.search_text:
                    entry.search_text = text
                    changed.append(entry)
            Entry.objects.bulk_update(changed, ["search_text"])
            done += len(changed)
        return done


class Entry(ChangeTrackingMixin, EnglishEditionMixin, models.Model):
    """One hand-picked item of an issue, in a section, with its summary."""

    class Section(models.IntegerChoices):
        # The values fix the order sections appear in an issue.
        WARMUP = 10, _("Warm-up news")
        INDUSTRY = 20, _("Industry news")
        APPLICATIONS = 30, _("Applications")
        PAPERS = 40, _("Papers")
        PROJECTS = 50, _("Open-source projects")
        BLOGS = 60, _("Blog posts")

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="entries", verbose_name=_("issue"))
    section = models.PositiveSmallIntegerField(_("section"), choices=Section.choices, default=Section.INDUSTRY)
    position = models.PositiveIntegerField(_("position"), default=0, help_text=_("Order within the section."))
    title = models.CharField(_("title"), max_length=500)
    url = models.URLField(
        _("URL"), max_length=2000, blank=True, validators=[validate_http_url],
        help_text=_("The main link. Optional for warm-up news."),
    )
    url_normalized = models.CharField(max_length=2000, blank=True, editable=False, db_index=True)
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, null=True, blank=True, related_name="entries", verbose_name=_("source"),
    )
    links = models.JSONField(
        _("extra links"), default=list, blank=True,
        help_text=_("Further links such as the paper or the code, each with a label."),
    )
    arxiv_id = models.CharField(_("arXiv id"), max_length=32, blank=True)
    venue = models.CharField(_("venue"), max_length=100, blank=True, help_text=_("Such as CVPR 2020 or SysML 2019."))
    summary = MarkdownxField(
        _("summary"), blank=True, max_length=MARKDOWN_MAX_LENGTH,
        validators=[MaxLengthValidator(MARKDOWN_MAX_LENGTH), validate_markdown],
    )
    summary_html = models.TextField(editable=False, blank=True)
    # The English edition: optional, field by field; the Chinese above is the original.
    title_en = models.CharField(_("English title"), max_length=500, blank=True)
    summary_en = MarkdownxField(
        _("English summary"), blank=True, max_length=MARKDOWN_MAX_LENGTH,
        validators=[MaxLengthValidator(MARKDOWN_MAX_LENGTH), validate_markdown],
    )
    summary_en_html = models.TextField(editable=False, blank=True)
    abstract = models.TextField(
        _("original abstract"), blank=True, max_length=ABSTRACT_MAX_LENGTH,
        validators=[MaxLengthValidator(ABSTRACT_MAX_LENGTH)],
        help_text=_("A paper's own abstract, as published; shown folded under the summary."),
    )
    # Ordered, or pages list the same tags in whatever order the database returns them.
    tags = TaggableManager(through=TaggedEntry, blank=True, verbose_name=_("tags"), ordering=["name"])
    #: What search matches (entries/search.py): titles and summaries in both
    #: editions, source name and tag names, lower-cased, one a line.
    search_text = models.TextField(editable=False, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EntryQuerySet.as_manager()

    english_fields = {"title": "title_en", "summary": "summary_en", "summary_html": "summary_en_html"}

    class Meta:
        ordering = ["section", "position", "pk"]
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        indexes = [
            # With the id, on PostgreSQL (other databases leave INCLUDE out): tag and
            # source pages count and order a tag's thousands of entries from this
            # index alone, without reading the wide rows.
            models.Index(fields=["issue", "section", "position"], name="entry_reading_order", include=["id"]),
        ]
        # No database constraint on one link per issue: archived issues do carry
        # the same link twice, and must import without loss. Forms and the
        # publish check refuse it for new work (see clean()).

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("entries:detail", kwargs={"pk": self.pk})

    def save(self, *args, **kwargs) -> None:
        """Apply link recognition, render the summaries, write the search text; tell the issue what changed.

        The issue's ``content_changed_at`` moves in the same transaction, for
        the issue the entry is in and the one it left, unless nothing changed.
        """
        self.recognise_links()
        self.url_normalized = normalize_url(self.url)
        self.summary_html = render_markdown(self.summary)
        self.summary_en_html = render_markdown(self.summary_en)
        self.search_text = self.build_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = set(update_fields) | {
                "url", "title", "source", "arxiv_id", "links", "url_normalized", "summary_html", "summary_en_html",
                "search_text",
            }
        changed = self.changed_fields() - {"updated_at"}
        left = getattr(self, "saved_values", {}).get("issue_id")
        # Atomic, without a savepoint of its own: inside the admin's transaction
        # a save of forty reordered entries would cost eighty more queries.
        with transaction.atomic(savepoint=False):
            super().save(*args, **kwargs)
            if changed:
                Issue.objects.filter(pk__in={self.issue_id, left} - {None}).content_changed()
        self.remember_saved_values()

    @property
    def shown_tags(self) -> list[Tag]:
        """The entry's tags by name, as its card shows them: read with ``for_cards()`` or ``tag_links()``, or now."""
        links = getattr(self, "tag_links", None)
        if links is None:
            return list(self.tags.all())
        return [link.tag for link in links]

    def build_search_text(self) -> str:
        """This entry's ``search_text`` from its fields, its source and its tags as they are now.

        The tags come from ``prefetch_related("tags")`` where the entry was
        read with it; an entry not yet saved has none.
        """
        tag_names = [tag.name for tag in self.tags.all()] if self.pk is not None else []
        source_name = self.source.name if self.source_id is not None else ""
        # Sorted, so that the same tags always give the same text.
        return search_text_of([
            self.title, self.title_en, self.summary, self.summary_en, source_name, *sorted(tag_names),
        ])

    def recognise_links(self) -> LinkInfo:
        """Apply what the link says: arXiv id and abs URL, GitHub, WeChat publisher.

        Called on every save (and so by the importer too). It only fills in
        what is empty or cleans what is noise: an editor's own source and
        arXiv id are never overwritten, and extra links are left to the
        editor (``analyze_link(...).extra_links`` suggests some). Running it
        twice changes nothing more.
        """
        info = analyze_link(self.url, self.title, open_source_section=self.section == self.Section.PROJECTS)
        self.url = info.url
        self.title = info.title
        if info.arxiv and not self.arxiv_id:
            self.arxiv_id = info.arxiv.id
        if info.source_name and self.source_id is None:
            self.source = Source.objects.get_or_create(
                name=info.source_name, defaults={"kind": info.source_kind},
            )[0]
        return info

    @property
    def github_repo(self) -> str:
        """"owner/repo" when the entry is about a GitHub repository, else ""."""
        return analyze_link(self.url, self.title, open_source_section=self.section == self.Section.PROJECTS).github_repo

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        # An entry without a link is allowed in any section (the archive has
        # such news items); notes() warns about it instead.
        errors: dict[str, list] = {}
        if len(self.links or []) > MAX_LINKS:
            errors.setdefault("links", []).append(
                _("At most %(limit)d extra links; this entry has %(count)d.") % {"limit": MAX_LINKS, "count": len(self.links)}
            )
        for index, link in enumerate(self.links or [], start=1):
            try:
                validate_http_url(link.get("url", ""))
            except ValidationError as exc:
                errors.setdefault("links", []).append(
                    _("Extra link %(n)d: %(message)s") % {"n": index, "message": exc.messages[0]}
                )
        if self.url and self.issue_id and not getattr(self, "links_checked_with_siblings", False):
            normalized = normalize_url(self.url)
            twin = (
                Entry.objects.filter(issue_id=self.issue_id, url_normalized=normalized)
                .exclude(pk=self.pk)
                .first()
            )
            if twin is not None:
                errors.setdefault("url", []).append(
                    _("This link is already in this issue, as “%(title)s”.") % {"title": twin.title}
                )
        if errors:
            raise ValidationError(errors)

    def notes(self) -> list[str]:
        """What an editor should look at before publishing, though it is allowed: for now, a missing link."""
        if not self.url:
            return [str(_("No link: readers get the title and summary only."))]
        return []

    def link_urls(self) -> list[str]:
        """Every link of this entry, its own and its extra links, as the link checker sees them."""
        return [url.strip() for url in [self.url, *[link.get("url", "") for link in self.links or []]] if url and url.strip()]

    def other_uses(self) -> models.QuerySet["Entry"]:
        """Entries of other issues with the same (normalized) link, newest issue first."""
        if not self.url:
            return Entry.objects.none()
        return (
            Entry.objects.filter(url_normalized=normalize_url(self.url))
            .exclude(issue_id=self.issue_id)
            .select_related("issue")
            .order_by("-issue__date", "pk")
        )

    def duplicate_warnings(self) -> list[SafeString]:
        """Sentences naming, with a link, each other issue that already carries this link."""
        return duplicate_warnings([self])


def duplicate_warnings(entries) -> list[SafeString]:
    """Warnings for every link of ``entries`` that another issue also carries, in one query.

    Each names the other issue and its date and links to its admin page:
    worth a warning, not an error, since a link may well come back.
    """
    return [warning for warnings in duplicate_warnings_by_entry(entries).values() for warning in warnings]


def duplicate_warnings_by_entry(entries) -> dict[int, list[SafeString]]:
    """The warnings of ``duplicate_warnings()``, by entry id (entries without one left out)."""
    entries = [e for e in entries if e.url and e.issue_id]
    if not entries:
        return {}
    by_url: dict[str, list[Entry]] = {}
    for other in (
        Entry.objects.filter(url_normalized__in={normalize_url(e.url) for e in entries})
        .select_related("issue").order_by("-issue__date", "pk")
    ):
        by_url.setdefault(other.url_normalized, []).append(other)
    warnings: dict[int, list[SafeString]] = {}
    for entry in entries:
        for other in by_url.get(normalize_url(entry.url), []):
            if other.issue_id == entry.issue_id:
                continue
            # The default title already holds the date: name it once.
            date = other.issue.date.isoformat()
            link = format_html(
                '<a href="{}">{}</a>{}',
                reverse("admin:issues_issue_change", args=[other.issue_id]),
                other.issue.title, "" if date in other.issue.title else f" ({date})",
            )
            if other.issue.date < entry.issue.date:
                message = _("“%(title)s”: this link already appeared in %(issue)s, as “%(other)s”.")
            else:
                message = _("“%(title)s”: this link is also in %(issue)s, as “%(other)s”.")
            # The sentence is trusted (ours or a translation); only the titles are escaped.
            warnings.setdefault(entry.pk, []).append(mark_safe(str(message) % {
                "title": conditional_escape(entry.title), "issue": link, "other": conditional_escape(other.title),
            }))
    return warnings


class LinkCheckQuerySet(models.QuerySet):
    def broken(self) -> "LinkCheckQuerySet":
        return self.filter(ok=False)

    def for_urls(self, urls) -> "LinkCheckQuerySet":
        return self.filter(url_hash__in=[LinkCheck.hash_url(url) for url in urls if url])


class LinkCheck(models.Model):
    """The last time ``check_links`` fetched a URL: what came back, and from where."""

    url = models.CharField(_("URL"), max_length=2000)
    # URLs can be longer than an index entry allows; the hash is what is unique.
    url_hash = models.CharField(max_length=64, unique=True, editable=False)
    ok = models.BooleanField(_("ok"), default=False)
    status_code = models.PositiveSmallIntegerField(_("status"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    final_url = models.CharField(_("final URL"), max_length=2000, blank=True)
    checked_at = models.DateTimeField(_("checked"))
    elapsed_ms = models.PositiveIntegerField(_("time (ms)"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=1)

    objects = LinkCheckQuerySet.as_manager()

    class Meta:
        ordering = ["-checked_at"]
        verbose_name = _("link check")
        verbose_name_plural = _("link checks")
        indexes = [models.Index(fields=["ok", "checked_at"], name="linkcheck_ok")]

    def __str__(self) -> str:
        return f"{self.url} → {self.outcome}"

    @staticmethod
    def hash_url(url: str) -> str:
        import hashlib

        return hashlib.sha256(url.strip().encode("utf-8")).hexdigest()

    def save(self, *args, **kwargs) -> None:
        self.url_hash = self.hash_url(self.url)
        super().save(*args, **kwargs)

    @property
    def outcome(self) -> str:
        """What an editor reads: "200", "404", "timed out"…"""
        if self.status_code:
            return str(self.status_code)
        return self.error or str(_("no answer"))

    @property
    def redirected(self) -> bool:
        return bool(self.final_url) and self.final_url != self.url

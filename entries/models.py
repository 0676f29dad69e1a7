"""Entries: the hand-picked links of an issue, who published them, and their tags."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator

from django.db import connections, models, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from markdownx.models import MarkdownxField
from taggit.managers import TaggableManager
from taggit.models import TagBase, TaggedItemBase

from briefing.markdown import render_markdown
from briefing.translation import EnglishEditionMixin
from issues.models import Issue

from .cards import cards_stored, store_cards
from .links import LinkInfo, analyze_link, normalize_url, validate_http_url


def search_text_of(parts: Iterable[str | None]) -> str:
    """What search matches an entry against: ``parts`` lower-cased, one line each.

    The parts are an entry's titles and summaries (both editions), source name
    and tag names (see entries/search.py), or its titles alone. Whitespace within a part becomes one
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


class Source(models.Model):
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

    def get_absolute_url(self) -> str:
        return reverse("entries:source", kwargs={"slug": self.slug})


class Tag(TagBase):
    """A topic such as 量化 or RISC-V; slugs keep Chinese characters readable."""

    slug = models.SlugField(_("slug"), max_length=100, unique=True, allow_unicode=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def slugify(self, tag: str, i: int | None = None) -> str:
        slug = unicode_slug(tag, "tag")
        if i is not None:
            slug += f"-{i}"
        return slug

    def get_absolute_url(self) -> str:
        return reverse("entries:tag", kwargs={"slug": self.slug})


class TaggedEntry(TaggedItemBase):
    content_object = models.ForeignKey("Entry", on_delete=models.CASCADE)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="tagged_entries")

    class Meta:
        verbose_name = _("tagged entry")
        verbose_name_plural = _("tagged entries")
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="unique_tag_per_entry"),
        ]


class EntryQuerySet(models.QuerySet):
    def published(self, now: datetime.datetime | None = None) -> "EntryQuerySet":
        """Entries of issues readers may see: the one door for public code."""
        return self.filter(Issue.objects.published_condition("issue__", now=now))

    def in_reading_order(self) -> "EntryQuerySet":
        return self.order_by("section", "position", "pk")

    def for_derived_data(self, ids: list[int], batch_size: int = 200) -> Iterator[list["Entry"]]:
        """The entries ``ids``, in batches, with the issue, source and tags their search rows and cards are made of."""
        for start in range(0, len(ids), batch_size):
            batch = self.filter(pk__in=ids[start:start + batch_size])
            yield list(batch.select_related("issue", "source").prefetch_related("tags"))


class Entry(EnglishEditionMixin, models.Model):
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
    summary = MarkdownxField(_("summary"), blank=True)
    summary_html = models.TextField(editable=False, blank=True)
    # The English edition: optional, field by field; the Chinese above is the original.
    title_en = models.CharField(_("English title"), max_length=500, blank=True)
    summary_en = MarkdownxField(_("English summary"), blank=True)
    summary_en_html = models.TextField(editable=False, blank=True)
    abstract = models.TextField(
        _("original abstract"), blank=True,
        help_text=_("A paper's own abstract, as published; shown folded under the summary."),
    )
    # Ordered, or pages list the same tags in whatever order the database returns them.
    tags = TaggableManager(through=TaggedEntry, blank=True, verbose_name=_("tags"), ordering=["name"])
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
        self.recognise_links()
        self.url_normalized = normalize_url(self.url)
        self.summary_html = render_markdown(self.summary)
        self.summary_en_html = render_markdown(self.summary_en)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = set(update_fields) | {
                "url", "title", "source", "arxiv_id", "links", "url_normalized", "summary_html", "summary_en_html",
            }
        left = getattr(self, "_loaded_values", {}).get("issue_id")
        # One transaction: a row saved without its search row, cards and
        # issue body would be shown as it was, under a valid fingerprint.
        with transaction.atomic():
            lock_issues({self.issue_id, left})
            super().save(*args, **kwargs)
            # Once the row is written: the search row and the cards are made from
            # the entry as stored, with its source and tags.
            refresh_derived([self], issues_locked=True)
            # An entry moved to another issue leaves a gap in the one it was in.
            if left is not None and left != self.issue_id:
                cards_stored.send(sender=Entry, issue_ids={left})
        if hasattr(self, "_loaded_values"):
            self._loaded_values["issue_id"] = self.issue_id

    @classmethod
    def from_db(cls, db, field_names, values) -> "Entry":
        instance = super().from_db(db, field_names, values)
        # As read (the pattern Issue.from_db follows too): save() tells from it
        # when the entry left its issue (issues/bodies.py).
        instance._loaded_values = dict(zip(field_names, values))
        return instance

    def build_search_text(self, tag_names: Iterable[str] | None = None, source_name: str | None = None) -> str:
        """This entry's search text (``EntrySearch.text``) from its fields, source and tags, as they are now.

        ``tag_names`` and ``source_name`` save the queries for the tags and the
        source when the caller has them; otherwise they are read (the tags from
        the prefetch cache if there is one). An entry not yet saved has no tags.
        """
        if tag_names is None:
            if self.pk is None:
                tag_names = []
            elif "tags" in getattr(self, "_prefetched_objects_cache", {}):
                tag_names = [tag.name for tag in self.tags.all()]
            else:
                tag_names = TaggedEntry.objects.filter(content_object_id=self.pk).values_list("tag__name", flat=True)
        if source_name is None:
            source_name = self.source.name if self.source_id is not None else ""
        # Sorted, so that the same tags always give the same text.
        return search_text_of([
            self.title, self.title_en, self.summary, self.summary_en, source_name, *sorted(tag_names),
        ])

    def build_search_row(self, tag_names: Iterable[str] | None = None, source_name: str | None = None) -> "EntrySearch":
        """This entry's ``EntrySearch`` row (not saved), made as :meth:`build_search_text` says."""
        return EntrySearch(
            entry_id=self.pk, issue_id=self.issue_id, section=self.section, position=self.position,
            titles=search_text_of([self.title, self.title_en]),
            text=self.build_search_text(tag_names=tag_names, source_name=source_name),
        )

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

        errors: dict[str, list] = {}
        if not self.url and self.section != self.Section.WARMUP:
            errors.setdefault("url", []).append(_("Only warm-up news may go without a link."))
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
    entries = [e for e in entries if e.url and e.issue_id]
    if not entries:
        return []
    by_url: dict[str, list[Entry]] = {}
    for other in (
        Entry.objects.filter(url_normalized__in={normalize_url(e.url) for e in entries})
        .select_related("issue").order_by("-issue__date", "pk")
    ):
        by_url.setdefault(other.url_normalized, []).append(other)
    warnings = []
    for entry in entries:
        for other in by_url.get(normalize_url(entry.url), []):
            if other.issue_id == entry.issue_id:
                continue
            link = format_html(
                '<a href="{}">{}</a> ({})',
                reverse("admin:issues_issue_change", args=[other.issue_id]),
                other.issue.title, other.issue.date.isoformat(),
            )
            if other.issue.date < entry.issue.date:
                message = _("“%(title)s”: this link already appeared in %(issue)s, as “%(other)s”.")
            else:
                message = _("“%(title)s”: this link is also in %(issue)s, as “%(other)s”.")
            # The sentence is trusted (ours or a translation); only the titles are escaped.
            warnings.append(mark_safe(str(message) % {
                "title": conditional_escape(entry.title), "issue": link, "other": conditional_escape(other.title),
            }))
    return warnings


class EntrySearchQuerySet(models.QuerySet):
    def published(self, now: datetime.datetime | None = None) -> "EntrySearchQuerySet":
        """Rows of entries readers may see: ``Entry.objects.published()``'s rule, through the same issue relation."""
        return self.filter(Issue.objects.published_condition("issue__", now=now))


class EntrySearch(models.Model):
    """What search matches and orders an entry by, in a narrow table of its own.

    Derived data, one row per entry, never edited: ``Entry.save()`` writes it,
    entries/signals.py rewrites it when tags, a source or a tag change, and
    bulk writes call :func:`refresh_search_text`. Search reads every published
    row for a term too short for the trigram index (量化, 芯片), so the row
    holds only what the query needs, fixed-width ordering keys first: a scan
    of this table costs a third of one of ``entries_entry``, whose search
    column would sit behind a dozen wide columns that PostgreSQL steps over
    in every row.
    """

    entry = models.OneToOneField(Entry, on_delete=models.CASCADE, primary_key=True, related_name="search")
    # A copy of the entry's issue, section and position: results are ordered
    # by them, and published() filters through the issue, without reading entries_entry.
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="+")
    section = models.PositiveSmallIntegerField()
    position = models.PositiveIntegerField()
    #: The entry's titles (both editions), lower-cased, one a line: title matches rank first.
    titles = models.TextField()
    #: Titles, summaries (both editions), source name and tag names, lower-cased, one a line.
    text = models.TextField()

    objects = EntrySearchQuerySet.as_manager()

    #: The fields copied from the entry, compared to tell a row that changed.
    DERIVED_FIELDS = ("issue_id", "section", "position", "titles", "text")

    class Meta:
        verbose_name = _("entry search text")
        verbose_name_plural = _("entry search texts")

    def __str__(self) -> str:
        return f"search text of entry {self.entry_id}"


def store_search_text(entries: list[Entry]) -> int:
    """Rebuild the search rows of ``entries`` (loaded with source and tags) and store what changed; how many."""
    rows = [entry.build_search_row() for entry in entries]
    fields = EntrySearch.DERIVED_FIELDS
    stored = {
        pk: tuple(values) for pk, *values in
        EntrySearch.objects.filter(entry__in=[row.entry_id for row in rows]).values_list("entry_id", *fields)
    }
    changed = [row for row in rows if stored.get(row.entry_id) != tuple(getattr(row, name) for name in fields)]
    # An upsert, and no signals: a search row is derived data.
    EntrySearch.objects.bulk_create(
        changed, batch_size=500, update_conflicts=True, unique_fields=["entry"],
        update_fields=[name.removesuffix("_id") for name in fields],
    )
    return len(changed)


def _pks(entries: models.QuerySet[Entry] | Iterable[Entry]) -> list[int]:
    """The ids of ``entries``, a queryset (read without building entries) or entries in hand."""
    if isinstance(entries, models.QuerySet):
        return list(entries.values_list("pk", flat=True))
    return [entry.pk for entry in entries]


def refresh_search_text(entries: models.QuerySet[Entry] | Iterable[Entry]) -> int:
    """Rebuild and store the search rows of ``entries``; the number that changed.

    For writes that bypass ``Entry.save()`` and the signals of
    entries/signals.py: bulk_create, bulk_update, QuerySet.update(). A few
    queries per 200 entries.
    """
    return sum(store_search_text(batch) for batch in Entry.objects.for_derived_data(_pks(entries)))


def lock_issues(issue_ids: Iterable[int | None] | models.QuerySet) -> None:
    """Lock the rows of these issues, in id order, until the transaction ends.

    Whatever writes an entry's derived rows (search row, cards) and then its
    issue's body (issues/bodies.py, which locks the issue) takes the issue
    first, as the admin's issue and entry forms do: locks always taken in one
    order never deadlock. Renaming a tag used across a hundred issues while
    an editor saves one of them would otherwise hold a card the save needs
    while waiting for the issue the save holds.
    """
    # SQLite has no row locks: it lets one writer at a time in anyway.
    if not connections[Issue.objects.db].features.has_select_for_update:
        return
    if isinstance(issue_ids, models.QuerySet):
        wanted: models.QuerySet | list[int] = issue_ids  # a subquery: one query for all
    else:
        wanted = sorted({pk for pk in issue_ids if pk is not None})
        if not wanted:
            return
    Issue.objects.filter(pk__in=wanted).lock()


def refresh_derived(
    entries: models.QuerySet[Entry] | Iterable[Entry], search_text: bool = True, issues_locked: bool = False,
) -> int:
    """Rebuild the cards, and unless told not to the search rows, of ``entries``, each read once; how many.

    What ``Entry.save()`` does for one entry, for writes that bypass it (the
    archive importer, bench/synthetic.py) and for the receivers of
    entries/signals.py. The entries are read afresh with their source and
    tags, so what is stored is what the database holds. Their issues are
    locked first (:func:`lock_issues`) unless the caller holds them already.
    """
    if isinstance(entries, models.QuerySet):
        rows = list(entries.values_list("pk", "issue_id"))
    else:
        rows = [(entry.pk, entry.issue_id) for entry in entries]
    done = 0
    # No savepoint: nothing here is retried, only kept whole with the caller's work.
    with transaction.atomic(savepoint=False):
        if not issues_locked:
            lock_issues(issue_id for _, issue_id in rows)
        for batch in Entry.objects.for_derived_data([pk for pk, _ in rows]):
            if search_text:
                store_search_text(batch)
            done += store_cards(batch)
    return done


class EntryCard(models.Model):
    """An entry as issue pages, feeds and lists show it, in both languages, rendered when it changes.

    Derived data, kept by entries/cards.py: never edited, never versioned.
    """

    entry = models.OneToOneField(Entry, on_delete=models.CASCADE, primary_key=True, related_name="card")
    page_html = models.TextField()
    page_en_html = models.TextField()
    feed_html = models.TextField()
    feed_en_html = models.TextField()
    #: With the issue it appeared in, for the tag, source and search pages (title between markers).
    list_html = models.TextField()
    list_en_html = models.TextField()
    #: The fingerprint of the templates, translations and SITE_URL it was made with.
    key = models.CharField(max_length=16)

    class Meta:
        verbose_name = _("entry card")
        verbose_name_plural = _("entry cards")

    def __str__(self) -> str:
        return f"card of entry {self.entry_id}"


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

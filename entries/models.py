"""Entries: the hand-picked links of an issue, who published them, and their tags."""

from __future__ import annotations

import datetime
import re
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
from briefing.markdown import plain_text, render_markdown, render_title, validate_markdown
from briefing.translation import EnglishEditionMixin
from issues.models import Issue, is_editor

from .links import LinkInfo, analyze_link, normalize_url, parse_arxiv, validate_http_url


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


def name_key(name: str) -> str:
    """A source name as names are compared: case, spaces, punctuation and full-width forms aside.

    "黎明灰烬 博客" and "黎明灰烬博客", "OpenCV中文网" and "opencv 中文网" have one key.
    """
    import unicodedata

    text = unicodedata.normalize("NFKC", name or "").casefold()
    return "".join(char for char in text if char.isalnum())


class SourceQuerySet(models.QuerySet):
    def named(self, name: str) -> "Source | None":
        """The source called ``name``, by its name or one of its aliases (names merged into it), in any case; None if none."""
        name = " ".join((name or "").split())
        if not name:
            return None
        return (
            self.filter(name=name).first()
            or self.filter(name__iexact=name).order_by("pk").first()
            or self.filter(aliases__name__iexact=name).order_by("pk").first()
        )

    def for_name(self, name: str, kind: str = "") -> "Source":
        """The source called ``name`` (or having it as an alias), created with ``kind`` if there is none.

        The importer and link recognition both find sources this way, so a
        name an editor merged into another source keeps leading to it.
        """
        source = self.named(name)
        if source is None:
            source, _created = self.get_or_create(name=" ".join(name.split()), defaults={"kind": kind or Source.Kind.WEBSITE})
        return source

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

    def merge(self, others: Iterable["Source"]) -> int:
        """Move the entries of ``others`` to this source and delete them, keeping their names as aliases.

        One transaction: the entries' issues are marked changed and their
        search text written again (both are bulk writes). Returns how many
        entries moved.
        """
        others = [other for other in others if other.pk != self.pk]
        if not others:
            return 0
        with transaction.atomic():
            ids = [other.pk for other in others]
            names = [other.name for other in others] + list(
                SourceAlias.objects.filter(source_id__in=ids).values_list("name", flat=True)
            )
            entries = Entry.objects.filter(source_id__in=ids)
            entry_ids = list(entries.values_list("pk", flat=True))
            Issue.objects.filter(entries__in=entry_ids).content_changed()
            moved = Entry.objects.filter(pk__in=entry_ids).update(source=self)
            SourceAlias.objects.filter(source_id__in=ids).delete()
            Source.objects.filter(pk__in=ids).delete()
            SourceAlias.objects.bulk_create(
                [SourceAlias(source=self, name=name) for name in dict.fromkeys(names) if name != self.name],
                ignore_conflicts=True,
            )
            Entry.objects.filter(pk__in=entry_ids).store_search_text()
        return moved


_SENTENCE = re.compile(r"[，。！？；：:!?;]")
_CJK = re.compile(r"[\u3400-\u9fff]")


def suspicious_sources(sources: Iterable["Source"]) -> dict[int, list[str]]:
    """Why each of ``sources`` looks wrong as a source, by id (only those that do).

    A sentence rather than a name (long, or with sentence punctuation); a
    list of authors; a person's name before another source's name ("张三
    知乎"); a word repeated; a name equal to another's once case, spaces and
    punctuation are set aside (黎明灰烬 博客 / 黎明灰烬博客). Merging them in
    the admin keeps the odd names as aliases.
    """
    sources = list(sources)
    names = {source.name for source in sources}
    by_key: dict[str, list[Source]] = {}
    for source in sources:
        by_key.setdefault(name_key(source.name), []).append(source)
    found: dict[int, list[str]] = {}
    for source in sources:
        name, reasons = source.name, []
        words = name.split()
        if _SENTENCE.search(name) or len(_CJK.findall(name)) >= 14 or len(name) > 40:
            reasons.append(str(_("reads like a sentence")))
        if name.count("、") >= 1 or name.count(",") >= 2 or name.count("，") >= 1:
            reasons.append(str(_("a list of names")))
        if len(words) > 1 and words[-1] in names and words[-1] != name:
            reasons.append(str(_("a person's name before the source “%(name)s”")) % {"name": words[-1]})
        if len(words) > 1 and len(set(words)) < len(words):
            reasons.append(str(_("a word repeated")))
        twins = [other.name for other in by_key[name_key(name)] if other.pk != source.pk]
        if twins:
            reasons.append(str(_("the same name as %(names)s")) % {"names": "、".join(twins)})
        if reasons:
            found[source.pk] = reasons
    return found


class SourceAlias(models.Model):
    """Another name of a source: a name merged into it, which still finds it when an import or a link uses it."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("source"))
    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("source alias")
        verbose_name_plural = _("source aliases")

    def __str__(self) -> str:
        return self.name


class Tag(ChangeTrackingMixin, TagBase):
    """A topic such as 量化 or RISC-V; slugs keep Chinese characters readable."""

    slug = models.SlugField(_("slug"), max_length=100, unique=True, allow_unicode=True)
    aliases = models.CharField(
        _("aliases"), max_length=500, blank=True,
        help_text=_(
            "Other words for this tag, comma-separated (quantization, INT8, 低比特): suggest_tags looks for them "
            "too. A word after a minus is not a match even though it holds one (-轻量化 for 量化)."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        self.remember_saved_values()

    def _alias_list(self) -> list[str]:
        return [a.strip() for a in self.aliases.replace("，", ",").split(",") if a.strip()]

    def terms(self) -> list[str]:
        """The words that mean this tag: its name and its aliases."""
        return [self.name, *[a for a in self._alias_list() if not a.startswith("-")]]

    def exclusions(self) -> list[str]:
        """Words that hold one of the tag's words without meaning it (轻量化 holds 量化): written "-轻量化"."""
        return [a[1:].strip() for a in self._alias_list() if a.startswith("-") and a[1:].strip()]

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

    def for_card_keys(self) -> "EntryQuerySet":
        """Only what finds an entry's cached list card: its id and its issue's ``content_changed_at``.

        A list whose cards are cached needs no more, and the narrow rows keep
        counting and ordering thousands of them cheap; a card rendered afresh
        reads its entry whole (``entries.listing``).
        """
        return self.select_related("issue").only("issue", "issue__content_changed_at")

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
    title = models.CharField(_("title"), max_length=500, help_text=_("Inline Markdown (**bold**, `code`) is shown as such."))
    title_html = models.TextField(editable=False, blank=True)
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
    title_en_html = models.TextField(editable=False, blank=True)
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
    #: Set by the importer on an entry it could not read whole (a malformed link); an editor clears it.
    needs_attention = models.BooleanField(
        _("needs attention"), default=False, db_index=True,
        help_text=_("The issue cannot be published while an entry needs attention: check the entry, then clear this."),
    )
    attention_note = models.CharField(_("why it needs attention"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EntryQuerySet.as_manager()

    english_fields = {
        "title": "title_en", "title_html": "title_en_html", "summary": "summary_en", "summary_html": "summary_en_html",
    }

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

    def render_fields(self, sources: dict[str, "Source"] | None = None) -> None:
        """What a save computes from the edited fields: link recognition, the normalized link, rendered Markdown.

        ``save()`` calls it; so does the importer before its bulk writes, so an
        imported entry is stored exactly as saving it would store it.
        """
        self.recognise_links(sources)
        self.url_normalized = normalize_url(self.url)
        self.title_html = render_title(self.title)
        self.title_en_html = render_title(self.title_en)
        self.summary_html = render_markdown(self.summary)
        self.summary_en_html = render_markdown(self.summary_en)

    def validate_links(self) -> None:
        """Refuse any link that is not an absolute http(s) address, whatever path the entry came in by."""
        from django.core.exceptions import ValidationError

        for url in [self.url, *[link.get("url", "") for link in self.links or [] if isinstance(link, dict)]]:
            if url:
                validate_http_url(url)
        if not isinstance(self.links, list) or not all(isinstance(link, dict) for link in self.links):
            raise ValidationError(_("Extra links must be a list of {label, url}."))

    def save(self, *args, **kwargs) -> None:
        """Check the links, apply link recognition, render the Markdown, write the search text; tell the issue what changed.

        The issue's ``content_changed_at`` moves in the same transaction, for
        the issue the entry is in and the one it left, unless nothing changed.
        """
        self.validate_links()
        self.render_fields()
        self.search_text = self.build_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = set(update_fields) | {
                "url", "title", "source", "arxiv_id", "links", "url_normalized", "title_html", "title_en_html",
                "summary_html", "summary_en_html", "search_text",
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
        read with it; an entry not yet saved has none. The titles are read as
        rendered (``render_fields()`` runs first in ``save()``).
        """
        tag_names = [tag.name for tag in self.tags.all()] if self.pk is not None else []
        source_name = self.source.name if self.source_id is not None else ""
        # Sorted, so that the same tags always give the same text.
        # The titles as readers see them: "**芯昇科技**" is found by 芯昇科技有限公司.
        return search_text_of([
            plain_text(self.title_html), plain_text(self.title_en_html), self.summary,
            self.summary_en, source_name, *sorted(tag_names),
        ])

    @property
    def plain_title(self) -> str:
        """The title as text, without its Markdown: for feed titles, meta tags and labels."""
        return plain_text(self.title_html or render_title(self.title))

    def recognise_links(self, sources: dict[str, "Source"] | None = None) -> LinkInfo:
        """Apply what the link says: arXiv id and abs URL, GitHub, WeChat publisher.

        Called on every save (and by the importer before its bulk writes). It
        only fills in what is empty or cleans what is noise: an entry that has
        a source keeps its title whole (a second " | " in it is the title's
        own), an editor's arXiv id and source are never overwritten, and extra
        links are left to the editor (``analyze_link(...).extra_links``
        suggests some). Running it twice changes nothing more. ``sources``
        (name → Source) remembers the sources found, for an importer's many entries.
        """
        info = analyze_link(
            self.url, self.title, open_source_section=self.section == self.Section.PROJECTS,
            split_title=self.source_id is None,
        )
        self.url = info.url
        self.title = info.title
        if not self.arxiv_id:
            arxiv = info.arxiv or next(
                (found for link in self.links or [] if isinstance(link, dict) and (found := parse_arxiv(link.get("url", "")))),
                None,
            )
            if arxiv:
                self.arxiv_id = arxiv.id
        if info.source_name and self.source_id is None:
            if sources is None:
                self.source = Source.objects.for_name(info.source_name, info.source_kind)
            else:
                if info.source_name not in sources:
                    sources[info.source_name] = Source.objects.for_name(info.source_name, info.source_kind)
                self.source = sources[info.source_name]
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


class TagSuggestion(models.Model):
    """A tag ``suggest_tags`` proposes for an entry, because one of the tag's words is in its title or summary.

    An editor accepts it (the entry gets the tag) or rejects it (it is not
    proposed again); ``suggest_tags --apply`` accepts every open one.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="tag_suggestions", verbose_name=_("entry"))
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="suggestions", verbose_name=_("tag"))
    term = models.CharField(_("matched word"), max_length=100)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    created_at = models.DateTimeField(_("suggested"), auto_now_add=True)

    class Meta:
        ordering = ["entry", "tag__name"]
        verbose_name = _("tag suggestion")
        verbose_name_plural = _("tag suggestions")
        constraints = [models.UniqueConstraint(fields=["entry", "tag"], name="one_suggestion_per_entry_and_tag")]

    def __str__(self) -> str:
        return f"{self.entry} → {self.tag}"

    def accept(self) -> None:
        """Give the entry the tag (its issue and search text follow, through the tag signals)."""
        with transaction.atomic():
            self.entry.tags.add(self.tag)
            self.status = self.Status.ACCEPTED
            self.save(update_fields=["status"])

    def reject(self) -> None:
        self.status = self.Status.REJECTED
        self.save(update_fields=["status"])


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

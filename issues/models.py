"""Issues: the dated editions of the briefing and their editorial history."""

from __future__ import annotations

import datetime
import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, JSONObject
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from markdownx.models import MarkdownxField

from briefing.compiled import CompiledQuery, Slot
from briefing.markdown import render_inline, render_markdown
from briefing.translation import EnglishEditionMixin, reading_english

DEFAULT_TITLE = "嵌入式AI简报 ({date})"


class IssueQuerySet(models.QuerySet):
    @staticmethod
    def published_condition(prefix: str = "", now: datetime.datetime | None = None) -> Q:
        """The rule of what readers may see, as a Q object for this or a related model.

        An issue is public once it is published, or scheduled, and its publish
        time has come: a scheduled issue goes public on time even before
        ``publish_scheduled`` records it.
        """
        if now is None:  # not `now or …`: a compiled query passes an expression
            now = timezone.now()
        return Q(**{
            f"{prefix}status__in": [Issue.Status.PUBLISHED, Issue.Status.SCHEDULED],
            f"{prefix}publish_at__lte": now,
        })

    def published(self, now: datetime.datetime | None = None) -> "IssueQuerySet":
        """Issues readers may see: the one door for every public page, feed and sitemap."""
        return self.filter(self.published_condition(now=now))

    def lock(self) -> list[int]:
        """Lock these issues' rows until the transaction ends, always in id order; their ids.

        Every writer that locks more than one issue, or an issue and then what
        is derived from its entries, takes them through here: locks taken in
        one order never deadlock (entries.models.lock_issues, issues/bodies.py).
        """
        return list(self.select_for_update().order_by("pk").values_list("pk", flat=True))

    def locked(self, *fields: str) -> list["Issue"]:
        """As :meth:`lock`, the issues themselves, with only ``fields`` read (and their ids)."""
        return list(self.select_for_update().order_by("pk").only(*fields))

    def with_entry_counts(self) -> "IssueQuerySet":
        """Annotate ``entry_count``, counted for each issue returned rather than over all, then cut."""
        from entries.models import Entry  # entries depends on issues, not the other way round

        count = (
            Entry.objects.filter(issue=OuterRef("pk")).order_by().values("issue")
            .annotate(n=Count("pk")).values("n")
        )
        return self.annotate(entry_count=Coalesce(Subquery(count), 0))

    def with_body(self, feed: bool = False, english: bool | None = None) -> "IssueQuerySet":
        """Join each issue's stored body (issues/bodies.py), only the edition the reader is served.

        ``english`` chooses the edition; by default, the one of the language being served.
        """
        english = reading_english() if english is None else english
        # The page shows its stored header too; a feed item has its own title.
        wanted = {IssueBody.field_for(feed, english=english)} | (set() if feed else {IssueBody.header_field_for(english)})
        return self.select_related("body").defer(
            *(f"body__{field}" for field in (*IssueBody.HTML_FIELDS, *IssueBody.HEADER_FIELDS) if field not in wanted)
        )

    def awaiting_review(self) -> "IssueQuerySet":
        return self.filter(status=Issue.Status.REVIEW)

    def due(self, now: datetime.datetime | None = None) -> "IssueQuerySet":
        """Scheduled issues whose publish time has come."""
        return self.filter(status=Issue.Status.SCHEDULED, publish_at__lte=now or timezone.now())


class Issue(EnglishEditionMixin, models.Model):
    """One dated edition of the briefing."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEW = "review", _("In review")
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHED = "published", _("Published")

    date = models.DateField(_("date"), unique=True)
    title = models.CharField(
        _("title"), max_length=200, blank=True,
        help_text=_("Left empty, it becomes “嵌入式AI简报 (YYYY-MM-DD)”."),
    )
    headline = models.CharField(
        _("headline"), max_length=500, blank=True,
        help_text=_("The highlights, such as “NanoDet/Bolt 1.0/…”."),
    )
    headline_html = models.TextField(editable=False, blank=True)
    lead = MarkdownxField(_("lead"), blank=True, help_text=_("The 导读 in Markdown."))
    lead_html = models.TextField(editable=False, blank=True)
    # The English edition: optional, field by field; the Chinese above is the original.
    title_en = models.CharField(_("English title"), max_length=200, blank=True)
    headline_en = models.CharField(_("English headline"), max_length=500, blank=True)
    headline_en_html = models.TextField(editable=False, blank=True)
    lead_en = MarkdownxField(_("English lead"), blank=True)
    lead_en_html = models.TextField(editable=False, blank=True)
    # Only the workflow changes the status: it is never a form field.
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False, db_index=True,
    )
    publish_at = models.DateTimeField(_("publish time"), null=True, blank=True, editable=False, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False,
        related_name="+", verbose_name=_("created by"),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False,
        related_name="+", verbose_name=_("reviewed by"),
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False,
        related_name="+", verbose_name=_("published by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = IssueQuerySet.as_manager()

    english_fields = {
        "title": "title_en", "headline": "headline_en", "headline_html": "headline_en_html",
        "lead": "lead_en", "lead_html": "lead_en_html",
    }

    class Meta:
        ordering = ["-date"]
        verbose_name = _("issue")
        verbose_name_plural = _("issues")
        permissions = [
            ("review_issue", _("Can approve an issue or request changes")),
            ("publish_issue", _("Can publish, schedule and unpublish an issue")),
        ]
        indexes = [models.Index(fields=["status", "publish_at"], name="issue_public")]

    def __str__(self) -> str:
        return self.title or self.default_title()

    def default_title(self) -> str:
        return DEFAULT_TITLE.format(date=self.date.isoformat() if self.date else "")

    def save(self, *args, **kwargs) -> None:
        if not self.title and self.date:
            self.title = self.default_title()
        self.headline_html = render_inline(self.headline)
        self.lead_html = render_markdown(self.lead)
        self.headline_en_html = render_inline(self.headline_en)
        self.lead_en_html = render_markdown(self.lead_en)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = set(update_fields) | {
                "title", "headline_html", "lead_html", "headline_en_html", "lead_en_html",
            }
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("issues:detail", kwargs={"date": self.date.isoformat()})

    #: What the issue page's header (title, date, headline, lead) is made of, in both editions.
    HEADER_SOURCE_FIELDS = ("date", "title", "title_en", "headline_html", "headline_en_html", "lead_html", "lead_en_html")

    def header_fingerprint(self) -> str:
        """A digest of the fields the page's header shows: a header stored from other values is out of date."""
        text = "\x00".join(str(getattr(self, name)) for name in self.HEADER_SOURCE_FIELDS)
        return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()

    @classmethod
    def from_db(cls, db, field_names, values) -> "Issue":
        instance = super().from_db(db, field_names, values)
        # As read: lets a save tell what it changed without reading the row again (entries/signals.py).
        instance._loaded_values = dict(zip(field_names, values))
        return instance

    @property
    def is_public(self) -> bool:
        return (
            self.status in (self.Status.PUBLISHED, self.Status.SCHEDULED)
            and self.publish_at is not None
            and self.publish_at <= timezone.now()
        )

    def can_be_edited_by(self, user) -> bool:
        """Contributors edit drafts only; editors may also fix what is in review or public."""
        if self.status == self.Status.DRAFT:
            return True
        return user.has_perm("issues.review_issue") or user.has_perm("issues.publish_issue")

    def available_transitions(self, user) -> list:
        """The workflow actions ``user`` may take on this issue now."""
        from . import workflow

        return workflow.available_transitions(self, user)


class IssueTransition(models.Model):
    """One step of an issue's workflow: who moved it, when, from where to where, and why."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("issue"))
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(_("from"), max_length=20, choices=Issue.Status.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=Issue.Status.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")

    def __str__(self) -> str:
        return f"{self.issue}: {self.from_status} → {self.to_status}"


class IssueBody(models.Model):
    """An issue's sections of entry cards, joined and stored once when they change.

    Derived data, like the entry cards it is made of (entries/cards.py): the
    issue page and the feed read one row instead of every entry's card.
    issues/bodies.py writes it; ``key`` says what it was made from.
    """

    HTML_FIELDS = ("page_html", "page_en_html", "feed_html", "feed_en_html")
    HEADER_FIELDS = ("header_html", "header_en_html")

    issue = models.OneToOneField(Issue, on_delete=models.CASCADE, primary_key=True, related_name="body")
    key = models.CharField(max_length=16)
    #: Of the four HTML fields: a body joined again the same changes nothing, not even ``updated_at``.
    digest = models.CharField(max_length=16, blank=True)
    #: When what the body shows last changed: the feed's and the sitemap's dates of the issue.
    updated_at = models.DateTimeField(default=timezone.now)
    page_html = models.TextField(blank=True)
    page_en_html = models.TextField(blank=True)
    feed_html = models.TextField(blank=True)
    feed_en_html = models.TextField(blank=True)
    #: The page's header (title, date, headline, lead) in the original and in English.
    header_html = models.TextField(blank=True)
    header_en_html = models.TextField(blank=True)
    #: ``Issue.header_fingerprint()`` of the fields the headers were made from:
    #: a header made from other values (an ``update()``, a restore) is never shown.
    header_source = models.CharField(max_length=16, blank=True)

    class Meta:
        verbose_name = _("issue body")
        verbose_name_plural = _("issue bodies")

    def __str__(self) -> str:
        return str(self.issue_id)

    @staticmethod
    def field_for(feed: bool, english: bool) -> str:
        """The field holding the body for the page or the feed, in the original or in English."""
        return f"{'feed' if feed else 'page'}{'_en' if english else ''}_html"

    @staticmethod
    def header_field_for(english: bool) -> str:
        """The field holding the page's header, in the original or in English."""
        return "header_en_html" if english else "header_html"


class IssueForReview(Issue):
    """The issues awaiting an editor's review, as their own admin list."""

    class Meta:
        proxy = True
        verbose_name = _("issue awaiting review")
        verbose_name_plural = _("issues awaiting review")


def _preview_expiry() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=PreviewLink.DEFAULT_DAYS)


class PreviewLinkQuerySet(models.QuerySet):
    def active(self, now: datetime.datetime | None = None) -> "PreviewLinkQuerySet":
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class PreviewLink(models.Model):
    """A secret, signed, expiring link that shows an issue before it is public."""

    DEFAULT_DAYS = 7
    MAX_DAYS = 90
    SALT = "issues.preview"

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="preview_links", verbose_name=_("issue"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), default=_preview_expiry)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("revoked by"),
    )

    objects = PreviewLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("preview link")
        verbose_name_plural = _("preview links")

    def __str__(self) -> str:
        return f"{self.issue} ({self.expires_at:%Y-%m-%d %H:%M})"

    @property
    def token(self) -> str:
        """The link's signed id: the same every time it is shown (its expiry is kept in the row)."""
        from django.core import signing

        return signing.Signer(salt=self.SALT).sign_object({"p": self.pk})

    @classmethod
    def from_token(cls, token: str) -> "PreviewLink | None":
        """The link a token was signed for, if the signature holds; None otherwise."""
        from django.core import signing

        # Tokens were once timestamped (signing.dumps()), so a link's address
        # changed every second it was shown; those already sent keep working.
        for unsign in (signing.Signer(salt=cls.SALT).unsign_object, lambda t: signing.loads(t, salt=cls.SALT)):
            try:
                pk = unsign(token)["p"]
                break
            except (signing.BadSignature, ValueError, KeyError, TypeError):
                continue
        else:
            return None
        return cls.objects.select_related("issue").filter(pk=pk).first()

    def get_absolute_url(self) -> str:
        return reverse("issue_preview", kwargs={"token": self.token})

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    def revoke(self, user) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.revoked_by = user
            self.save(update_fields=["revoked_at", "revoked_by"])


# --- The issue page's query, compiled once (briefing/compiled.py) --------------------------------
# The page is the site's most read; building and compiling this queryset
# cost Django more than PostgreSQL takes to answer it.

_NOW = Slot("now", models.DateTimeField())
_DAY = Slot("day", models.DateField())
#: What a link to the issue before or after shows: its date (its address) and its titles.
_NEIGHBOUR_FIELDS = ("id", "date", "title", "title_en")


def _neighbour(before: bool) -> Subquery:
    # A LIMIT 1 walk of the date index, done once per query (it does not
    # depend on the row), with what the link shows as one JSON object.
    published = Issue.objects.published(now=_NOW)
    if before:
        nearest = published.filter(date__lt=_DAY).order_by("-date")
    else:
        nearest = published.filter(date__gt=_DAY).order_by("date")
    link = JSONObject(**{field: field for field in _NEIGHBOUR_FIELDS})
    return Subquery(nearest.values(link=link)[:1], output_field=models.JSONField())


def _published_issue(english: bool) -> CompiledQuery[Issue]:
    # The neighbours come in the issue's own row, so the page is one round
    # trip: a prepared statement's plan is made once per connection, so
    # the subqueries cost PostgreSQL no planning on each request.
    # Not the Markdown of the lead: the page shows its HTML.
    return CompiledQuery(Issue, lambda: (
        Issue.objects.published(now=_NOW).with_body(english=english).filter(date=_DAY)
        .defer("lead", "lead_en").order_by()
        .annotate(previous_link=_neighbour(True), next_link=_neighbour(False))
    ))


_PUBLISHED_ISSUE = {english: _published_issue(english) for english in (False, True)}


def _linked_issue(link: dict | None, db: str | None) -> Issue | None:
    if link is None:
        return None
    # As .only() would read it: the other fields are deferred, read if ever
    # asked for. from_db() takes the values in the model's field order.
    names = [field.attname for field in Issue._meta.concrete_fields if field.attname in link]
    values = [datetime.date.fromisoformat(link[name]) if name == "date" else link[name] for name in names]  # JSON has no dates
    return Issue.from_db(db, names, values)


def published_issue_page(day: datetime.date) -> tuple[Issue | None, Issue | None, Issue | None]:
    """What the public issue page shows: the published issue of ``day`` and the published ones just before and after.

    One query. The issue comes with its body in the reader's edition
    (``with_body()``), the neighbours with their ids, dates and titles only,
    what a link shows, as ``only()`` would read them; each is None where
    there is no such published issue.
    """
    found = _PUBLISHED_ISSUE[reading_english()].run(now=timezone.now(), day=day)
    if not found:
        return None, None, None
    issue = found[0]
    return issue, _linked_issue(issue.previous_link, issue._state.db), _linked_issue(issue.next_link, issue._state.db)

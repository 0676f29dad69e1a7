"""Issues: the dated editions of the briefing and their editorial history."""

from __future__ import annotations

import datetime
import re

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from markdownx.models import MarkdownxField

from briefing.changes import ChangeTrackingMixin
from briefing.limits import MARKDOWN_MAX_LENGTH
from briefing.markdown import plain_text, render_inline, render_markdown, sanitize_html, validate_markdown
from briefing.translation import EnglishEditionMixin, reading_english

DEFAULT_TITLE = "嵌入式AI简报 ({date})"
#: entries.Entry.Section.WARMUP: the short news above the sections (issues does not import entries).
WARMUP_SECTION = 10


#: What a lead opens with before it says anything: "本次内容20条，关于BERT有4条。", 【新闻】.
_LEAD_COUNT = re.compile(r"^\s*本(?:次|期)(?:内容)?\s*\d+\s*条[^。；;]*[。；;]?")
_LEAD_MARKERS = re.compile(r"^(?:\s*[「【\[][^」】\]]{1,8}[」】\]]\s*[：:]?)+")


def is_editor(user) -> bool:
    """An editor may review or publish; they alone change what readers already see."""
    return user.has_perm("issues.review_issue") or user.has_perm("issues.publish_issue")


class IssueQuerySet(models.QuerySet):
    @staticmethod
    def published_condition(prefix: str = "", now: datetime.datetime | None = None) -> Q:
        """The rule of what readers may see, as a Q object for this or a related model.

        An issue is public once it is published, or scheduled, and its publish
        time has come: a scheduled issue goes public on time even before
        ``publish_scheduled`` records it.
        """
        return Q(**{
            f"{prefix}status__in": [Issue.Status.PUBLISHED, Issue.Status.SCHEDULED],
            f"{prefix}publish_at__lte": now or timezone.now(),
        })

    def published(self, now: datetime.datetime | None = None) -> "IssueQuerySet":
        """Issues readers may see: the one door for every public page, feed and sitemap."""
        return self.filter(self.published_condition(now=now))

    def lock(self) -> list[int]:
        """Lock these issues' rows until the transaction ends, in id order; their ids."""
        return list(self.select_for_update().order_by("pk").values_list("pk", flat=True))

    def content_changed(self) -> int:
        """Record that what readers see of these issues changed now: one UPDATE, in the caller's transaction.

        It dates the feed's and the sitemap's "updated", keys the issues'
        cached sections, and moves the public page cache's version
        (briefing/cache.py). Whatever changes an issue, one of its entries,
        their tags, or a source or tag they use calls it.
        """
        return self.update(content_changed_at=timezone.now())

    def with_entry_counts(self) -> "IssueQuerySet":
        """Annotate ``entry_count``, counted for each issue returned (a subquery) rather than over all, then cut."""
        count = (
            Issue._meta.get_field("entries").related_model.objects.filter(issue=OuterRef("pk")).order_by().values("issue")
            .annotate(n=Count("pk")).values("n")
        )
        return self.annotate(entry_count=Coalesce(Subquery(count), 0))

    def awaiting_review(self) -> "IssueQuerySet":
        return self.filter(status=Issue.Status.REVIEW)

    def due(self, now: datetime.datetime | None = None) -> "IssueQuerySet":
        """Scheduled issues whose publish time has come."""
        return self.filter(status=Issue.Status.SCHEDULED, publish_at__lte=now or timezone.now())

    def next_publish_time(self) -> datetime.datetime | None:
        """When the next of these scheduled issues goes public (a change readers see without a save), or None."""
        return (
            self.filter(status=Issue.Status.SCHEDULED, publish_at__gt=timezone.now())
            .order_by("publish_at").values_list("publish_at", flat=True).first()
        )

    def next_to(self, day: datetime.date) -> "IssueQuerySet":
        """The issue just before ``day`` and the one just after it among these: at most two, in one query."""
        before = self.filter(date__lt=day).order_by("-date").values("pk")[:1]
        after = self.filter(date__gt=day).order_by("date").values("pk")[:1]
        return Issue.objects.filter(Q(pk__in=before) | Q(pk__in=after))


class Issue(ChangeTrackingMixin, EnglishEditionMixin, models.Model):
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
    lead = MarkdownxField(
        _("lead"), blank=True, help_text=_("The 导读 in Markdown."), max_length=MARKDOWN_MAX_LENGTH,
        validators=[MaxLengthValidator(MARKDOWN_MAX_LENGTH), validate_markdown],
    )
    lead_html = models.TextField(editable=False, blank=True)
    # The English edition: optional, field by field; the Chinese above is the original.
    title_en = models.CharField(_("English title"), max_length=200, blank=True)
    headline_en = models.CharField(_("English headline"), max_length=500, blank=True)
    headline_en_html = models.TextField(editable=False, blank=True)
    lead_en = MarkdownxField(
        _("English lead"), blank=True, max_length=MARKDOWN_MAX_LENGTH,
        validators=[MaxLengthValidator(MARKDOWN_MAX_LENGTH), validate_markdown],
    )
    lead_en_html = models.TextField(editable=False, blank=True)
    # What else readers saw in an archived issue, kept so that nothing is lost and exports give it back.
    tagline = models.CharField(_("tagline"), max_length=200, blank=True, help_text=_("The bold line under the title."))
    warmup_intro = models.CharField(
        _("warm-up intro"), max_length=200, blank=True, help_text=_("The line that opens the warm-up news."),
    )
    notes = models.JSONField(
        _("notes"), default=list, blank=True, editable=False,
        help_text=_("Notes to readers outside the entries: section, entries before it, Markdown text, rendered HTML."),
    )
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
    #: When what readers see of the issue last changed: its own fields, its
    #: status, its entries, their tags, or the names of their source and tags.
    content_changed_at = models.DateTimeField(_("content changed"), default=timezone.now, editable=False, db_index=True)

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
        """Render the Markdown fields; move ``content_changed_at`` when anything readers see changed."""
        if not self.title and self.date:
            self.title = self.default_title()
        self.headline_html = render_inline(self.headline)
        self.lead_html = render_markdown(self.lead)
        self.headline_en_html = render_inline(self.headline_en)
        self.lead_en_html = render_markdown(self.lead_en)
        self.notes = [{**note, "html": render_markdown(note.get("text", ""))} for note in self.notes or []]
        update_fields = kwargs.get("update_fields")
        changed = self.changed_fields()
        if changed - {"updated_at", "content_changed_at"} and (update_fields is None or set(update_fields) & changed):
            self.content_changed_at = timezone.now()
        if update_fields is not None:
            kwargs["update_fields"] = set(update_fields) | {
                "title", "headline_html", "lead_html", "headline_en_html", "lead_en_html", "notes", "content_changed_at",
            }
        super().save(*args, **kwargs)
        self.remember_saved_values()

    def get_absolute_url(self) -> str:
        return reverse("issues:detail", kwargs={"date": self.date.isoformat()})

    def notes_in(self, section: int) -> list[dict]:
        """The notes to readers placed in ``section`` (10, the warm-up news, for those above the sections)."""
        return [note for note in self.notes or [] if note.get("section") == section]

    @property
    def header_notes(self) -> list[SafeString]:
        """The HTML of the notes to readers above the sections, shown under the lead (sanitized again on the way out)."""
        return [mark_safe(sanitize_html(note.get("html", ""))) for note in self.notes_in(WARMUP_SECTION)]

    @property
    def is_translated(self) -> bool:
        """Whether an editor wrote any of the issue's own English (title, headline, lead)."""
        # The rendered lead: pages read issues with their Markdown deferred.
        return bool(self.title_en.strip() or self.headline_en.strip() or self.lead_en_html.strip())

    def lead_sentence(self) -> str:
        """The first sentence of the lead that says something, as text ("" if none).

        Leads open with a count ("本次21条。") and section markers (【新闻】):
        those are skipped, and the sentence is cut at its end or at 80 characters.
        """
        text = " ".join(plain_text(self.text.lead_html).split())
        text = _LEAD_COUNT.sub("", text)
        text = _LEAD_MARKERS.sub("", text).strip(" ：:；;，,。")
        sentence = re.split(r"[。；;！？!?]", text, maxsplit=1)[0].strip(" ，,")
        if len(re.sub(r"\W", "", sentence)) < 6:
            return ""
        return sentence if len(sentence) <= 80 else sentence[:79] + "…"

    @staticmethod
    def digests(issues: list["Issue"], *, lead: bool = True) -> dict[int, str]:
        """What each issue is about, as one line of text, by issue id.

        Its headline; else (with ``lead``) the first sentence of its lead; else
        its first three entry titles, read for those issues in one query.
        """
        found: dict[int, str] = {}
        missing = []
        for issue in issues:
            text = plain_text(issue.text.headline_html).strip() or (issue.lead_sentence() if lead else "")
            if text:
                found[issue.pk] = text
            else:
                missing.append(issue.pk)
        if missing:
            titles: dict[int, list[str]] = {}
            rows = (
                Issue._meta.get_field("entries").related_model.objects.filter(issue_id__in=missing, section__gt=WARMUP_SECTION)
                .order_by("issue_id", "section", "position", "pk").values_list("issue_id", "title_html", "title_en_html")
            )
            english = reading_english()
            for issue_id, title_html, title_en_html in rows:
                names = titles.setdefault(issue_id, [])
                if len(names) < 3:
                    names.append(plain_text(title_en_html if english and title_en_html else title_html))
            for pk in missing:
                found[pk] = " / ".join(titles.get(pk, []))
        return found

    def sections(self) -> list[tuple[str, int, list]]:
        """The issue's entries by section, in reading order: (label, value, entries) for each section.

        Reads ``self.entries.all()``: prefetch ``entries__source`` and
        ``entries__tags`` to read the entries of many issues at once.
        """
        sections: list[tuple[str, int, list]] = []
        for entry in self.entries.all():
            if not sections or sections[-1][1] != entry.section:
                sections.append((entry.get_section_display(), entry.section, []))
            sections[-1][2].append(entry)
        return sections

    def published_neighbours(self) -> tuple["Issue | None", "Issue | None"]:
        """The published issues just before and just after this one, with what a link to them shows."""
        published = Issue.objects.published().only("date", "title", "title_en")
        return (
            published.filter(date__lt=self.date).order_by("-date").first(),
            published.filter(date__gt=self.date).order_by("date").first(),
        )

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
        return is_editor(user)

    def latest_change_request(self) -> "IssueTransition | None":
        """The step that last sent this issue back with changes requested, while it waits to be submitted again."""
        if self.status != self.Status.DRAFT:
            return None
        last = self.transitions.select_related("by").first()
        return last if last is not None and last.action == "request_changes" else None

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
        """Links neither revoked nor expired (whose issue may still have gone public since)."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())

    def revoke(self, user, now: datetime.datetime | None = None) -> int:
        """End these links now, as ``user`` (None: the scheduler); how many were still open."""
        return self.filter(revoked_at__isnull=True).update(revoked_at=now or timezone.now(), revoked_by=user)


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
        """Neither revoked nor expired, and the issue not public: a preview is of what readers cannot see yet."""
        return self.revoked_at is None and self.expires_at > timezone.now() and not self.issue.is_public

    def revoke(self, user) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.revoked_by = user
            self.save(update_fields=["revoked_at", "revoked_by"])


class Profile(models.Model):
    """What a member of staff chose for themselves: whether the workflow emails them.

    Someone without a profile gets the emails; the row is made when they
    first change the setting.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="briefing_profile", verbose_name=_("user"),
    )
    email_notifications = models.BooleanField(
        _("email me about the workflow"), default=True,
        help_text=_("Issues submitted for review (editors); changes requested on, scheduled or published issues (authors)."),
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return str(self.user)

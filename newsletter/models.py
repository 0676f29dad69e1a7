"""The email edition: who subscribes, and what each of them was sent.

A subscriber's address is the only personal data Briefing holds. It appears
in the admin and in the messages sent to it, never on a public page, in a log,
a task's arguments or an error message kept in the database. Deleting a
subscriber erases the address; their deliveries stay, anonymous, so the
counts of what was sent stay true.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core import signing
from django.db import models, transaction
from django.db.models import Count, F
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _

from issues.models import Issue

EDITIONS = [(code, name) for code, name in settings.LANGUAGES]


class SubscriberQuerySet(models.QuerySet):
    def active(self) -> "SubscriberQuerySet":
        return self.filter(status=Subscriber.Status.ACTIVE)

    def with_address(self, email: str) -> "SubscriberQuerySet":
        """The subscriber of ``email``, whatever the case of its letters."""
        return self.filter(email__iexact=email.strip())

    def counts(self) -> dict:
        """Subscribers by edition and status: one row per edition, one column per status, with totals."""
        found = dict(
            ((edition, status), n)
            for edition, status, n in self.values_list("edition", "status").annotate(n=Count("pk")).values_list("edition", "status", "n").order_by()
        )
        statuses = Subscriber.Status.values
        rows = [(label, [found.get((code, status), 0) for status in statuses]) for code, label in EDITIONS]
        totals = [sum(row[1][i] for row in rows) for i in range(len(statuses))]
        return {
            "statuses": Subscriber.Status.choices, "rows": rows, "totals": totals,
            "by_status": dict(zip(statuses, totals)),
        }


class Subscriber(models.Model):
    """One email address and the edition it reads."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending confirmation")
        ACTIVE = "active", _("Active")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        BOUNCING = "bouncing", _("Bouncing")

    #: A confirmation link works this long.
    CONFIRMATION_DAYS = 7
    #: Permanent delivery failures after which an address is marked bouncing and skipped.
    BOUNCE_LIMIT = 3
    CONFIRM_SALT = "newsletter.confirm"
    UNSUBSCRIBE_SALT = "newsletter.unsubscribe"

    email = models.EmailField(_("email address"), max_length=254)
    edition = models.CharField(_("edition"), max_length=10, choices=EDITIONS, default=settings.LANGUAGE_CODE)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    # The secret in the confirmation links sent since the last confirmation;
    # emptied when one is used, so each link works once.
    confirmation_key = models.CharField(max_length=32, blank=True, editable=False)
    permanent_failures = models.PositiveSmallIntegerField(_("permanent failures"), default=0, editable=False)
    created_at = models.DateTimeField(_("subscribed"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True, editable=False)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True, editable=False)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")
        constraints = [models.UniqueConstraint(Lower("email"), name="subscriber_unique_address")]

    def __str__(self) -> str:
        # Never the address: this is what the admin's log and messages record.
        return str(_("Subscriber #%(id)s")) % {"id": self.pk}

    # Subscribing -------------------------------------------------------------

    @classmethod
    def request(cls, email: str, edition: str) -> "Subscriber":
        """Record a wish to subscribe ``email`` to ``edition``: a new address is pending until confirmed.

        Nothing else changes until the emailed link is used: an active
        subscriber stays active in their edition, an unsubscribed one stays
        unsubscribed. The caller sends the confirmation (``confirmation_token``).
        """
        email = email.strip()
        with transaction.atomic():
            subscriber, _created = cls.objects.get_or_create(
                email__iexact=email, defaults={"email": email, "edition": edition},
            )
            if not subscriber.confirmation_key:
                subscriber.confirmation_key = get_random_string(32)
                subscriber.save(update_fields=["confirmation_key"])
        return subscriber

    def confirmation_token(self, edition: str) -> str:
        """A signed, dated token that confirms this address for ``edition``, once, within seven days."""
        return signing.dumps({"s": self.pk, "k": self.confirmation_key, "e": edition}, salt=self.CONFIRM_SALT)

    @classmethod
    def check_confirmation(cls, token: str) -> tuple["Subscriber | None", str]:
        """The subscriber and edition a confirmation token is good for now; (None, "") if it is not."""
        try:
            data = signing.loads(token, salt=cls.CONFIRM_SALT, max_age=datetime.timedelta(days=cls.CONFIRMATION_DAYS))
            pk, key, edition = int(data["s"]), str(data["k"]), str(data["e"])
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            return None, ""
        subscriber = cls.objects.filter(pk=pk).first()
        if subscriber is None or not key or subscriber.confirmation_key != key or edition not in dict(EDITIONS):
            return None, ""
        return subscriber, edition

    @classmethod
    def confirm(cls, token: str) -> "Subscriber | None":
        """Use a confirmation token: the subscriber is active in the edition it names. None if the token is not good."""
        with transaction.atomic():
            subscriber, edition = cls.check_confirmation(token)
            if subscriber is None:
                return None
            # Whoever comes second finds the key gone: a link confirms once.
            used = cls.objects.filter(pk=subscriber.pk, confirmation_key=subscriber.confirmation_key).update(
                confirmation_key="", status=cls.Status.ACTIVE, edition=edition, permanent_failures=0,
                confirmed_at=timezone.now(), unsubscribed_at=None,
            )
        if not used:
            return None
        subscriber.refresh_from_db()
        return subscriber

    def confirmation_url(self, edition: str) -> str:
        """The absolute address of the page that confirms this subscription (a GET shows a button; it does not confirm)."""
        with translation.override(edition):
            path = reverse("newsletter:confirm", kwargs={"token": self.confirmation_token(edition)})
        return settings.SITE_URL + path

    # Unsubscribing -----------------------------------------------------------

    def unsubscribe_token(self) -> str:
        """A signed token that unsubscribes this address; it does not expire, as old emails keep their link."""
        return signing.Signer(salt=self.UNSUBSCRIBE_SALT).sign_object({"s": self.pk})

    @classmethod
    def from_unsubscribe_token(cls, token: str) -> "Subscriber | None":
        try:
            pk = int(signing.Signer(salt=cls.UNSUBSCRIBE_SALT).unsign_object(token)["s"])
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            return None
        return cls.objects.filter(pk=pk).first()

    def unsubscribe_url(self, edition: str | None = None) -> str:
        """The absolute address of the unsubscribe page, also the one-click target of List-Unsubscribe."""
        with translation.override(edition or self.edition):
            path = reverse("newsletter:unsubscribe", kwargs={"token": self.unsubscribe_token()})
        return settings.SITE_URL + path

    def unsubscribe(self) -> None:
        """Stop sending to this address (at once: its queued deliveries are skipped). Doing it twice changes nothing."""
        with transaction.atomic():
            Subscriber.objects.filter(pk=self.pk).exclude(status=self.Status.UNSUBSCRIBED).update(
                status=self.Status.UNSUBSCRIBED, unsubscribed_at=timezone.now(),
            )
            self.deliveries.filter(status=Delivery.Status.QUEUED).update(status=Delivery.Status.SKIPPED)
        self.refresh_from_db()

    def record_permanent_failure(self) -> None:
        """One more message this address refused for good; at BOUNCE_LIMIT it is marked bouncing."""
        Subscriber.objects.filter(pk=self.pk).update(permanent_failures=F("permanent_failures") + 1)
        Subscriber.objects.filter(
            pk=self.pk, status=self.Status.ACTIVE, permanent_failures__gte=self.BOUNCE_LIMIT,
        ).update(status=self.Status.BOUNCING)


class Mailing(models.Model):
    """The sending of one issue by email: made once, the first time the issue is published."""

    issue = models.OneToOneField(Issue, on_delete=models.CASCADE, related_name="mailing", verbose_name=_("issue"))
    queued_at = models.DateTimeField(_("queued"), default=timezone.now)
    # Set when its deliveries were recorded (one per active subscriber then).
    recipients_recorded_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("mailing")
        verbose_name_plural = _("mailings")

    def __str__(self) -> str:
        return str(self.issue)

    def progress(self) -> dict:
        """Its deliveries by status, and the share of them finished (sent, failed or skipped), in percent."""
        return Delivery.objects.filter(issue_id=self.issue_id).progress()


class DeliveryQuerySet(models.QuerySet):
    def due(self, now: datetime.datetime | None = None) -> "DeliveryQuerySet":
        """Queued deliveries whose (next) attempt is due."""
        return self.filter(status=Delivery.Status.QUEUED, next_attempt_at__lte=now or timezone.now())

    def progress(self) -> dict:
        counts = dict(self.values_list("status").annotate(n=Count("pk")).values_list("status", "n").order_by())
        by_status = {status: counts.get(status, 0) for status in Delivery.Status.values}
        total = sum(by_status.values())
        waiting = by_status[Delivery.Status.QUEUED] + by_status[Delivery.Status.SENDING]
        return {
            "by_status": by_status,
            "statuses": [(value, label, by_status[value]) for value, label in Delivery.Status.choices],
            "total": total,
            "done": total - waiting,
            "percent": round(100 * (total - waiting) / total) if total else 100,
            "finished": waiting == 0,
        }


class Delivery(models.Model):
    """One issue sent to one subscriber, at most once."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        # The worker stopped during the send: the message may have gone out, so it is not sent again.
        INTERRUPTED = "interrupted", _("Interrupted")
        SKIPPED = "skipped", _("Skipped")

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("issue"))
    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries",
        verbose_name=_("subscriber"),
    )
    edition = models.CharField(_("edition"), max_length=10, choices=EDITIONS)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    smtp_code = models.PositiveSmallIntegerField(_("SMTP code"), null=True, blank=True)
    # The server's answer, with the address taken out.
    error = models.CharField(_("error"), max_length=500, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [models.UniqueConstraint(fields=["issue", "subscriber"], name="delivery_once_per_subscriber")]
        indexes = [models.Index(fields=["issue", "status", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.issue} → #{self.subscriber_id or '—'} ({self.status})"


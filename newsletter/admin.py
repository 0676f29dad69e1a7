"""Admin for the email edition: subscribers (search, CSV export and import) and an issue's test send.

The admin configures lists and forms; subscribing goes through
``Subscriber.request`` and the confirmation email, never around them.
"""

from __future__ import annotations

import csv
import io
import smtplib

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from issues.models import Issue

from . import sending
from .forms import AddressField
from .models import EDITIONS, Delivery, Subscriber

#: The most rows one CSV import may hold.
IMPORT_LIMIT = 20000
CSV_COLUMNS = ["email", "edition", "status", "subscribed", "confirmed", "unsubscribed"]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("One address a line, with a header line: “email”, and optionally “edition” (zh-hans or en)."),
    )
    edition = forms.ChoiceField(label=_("Edition where the file names none"), choices=EDITIONS)


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "edition", "status", "created_at", "confirmed_at", "permanent_failures"]
    list_filter = ["status", "edition"]
    search_fields = ["email"]
    ordering = ["-created_at"]
    list_per_page = 100
    fields = ["email", "edition", "status", "permanent_failures", "created_at", "confirmed_at", "unsubscribed_at"]
    readonly_fields = ["email", "status", "permanent_failures", "created_at", "confirmed_at", "unsubscribed_at"]
    actions = ["export_csv"]
    change_list_template = "newsletter/admin/subscriber_change_list.html"

    # Nobody is subscribed by hand: addresses come in through the subscribe
    # form or the CSV import, and are active only once their owner confirms.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="newsletter_subscriber_import"),
            path("export/", self.admin_site.admin_view(self.export_all_view), name="newsletter_subscriber_export"),
            path("test/<int:issue_id>/", self.admin_site.admin_view(self.send_test_view), name="newsletter_send_test"),
        ] + super().get_urls()

    # Export ------------------------------------------------------------------

    @admin.action(description=_("Export selected subscribers as CSV"))
    def export_csv(self, request: HttpRequest, queryset) -> HttpResponse:
        return self.csv_response(queryset)

    def export_all_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return self.csv_response(self.get_queryset(request))

    @staticmethod
    def csv_response(queryset) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="subscribers-{timezone.localdate():%Y-%m-%d}.csv"'
        writer = csv.writer(response)
        writer.writerow(CSV_COLUMNS)
        for s in queryset.order_by("pk").iterator(chunk_size=2000):
            writer.writerow([
                s.email, s.edition, s.status, s.created_at.isoformat(),
                s.confirmed_at.isoformat() if s.confirmed_at else "",
                s.unsubscribed_at.isoformat() if s.unsubscribed_at else "",
            ])
        return response

    # Import ------------------------------------------------------------------

    def import_view(self, request: HttpRequest):
        """Upload a CSV: every new address is recorded pending and sent a confirmation. All or nothing."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        problems: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            rows, problems = read_import(upload, upload.name, form.cleaned_data["edition"])
            if not problems:
                counts = import_subscribers(rows)
                messages.success(request, gettext(
                    "%(pending)d address(es) recorded as pending, each sent a confirmation email; "
                    "%(active)d already subscribed; %(unsubscribed)d skipped because they unsubscribed."
                ) % counts)
                return HttpResponseRedirect(reverse("admin:newsletter_subscriber_changelist"))
        return TemplateResponse(request, "newsletter/admin/import.html", {
            **self.admin_site.each_context(request),
            "opts": self.opts, "title": _("Import subscribers"), "form": form, "problems": problems,
        })

    # An issue's test send ------------------------------------------------------

    def send_test_view(self, request: HttpRequest, issue_id: int):
        """Email the issue to the signed-in editor, exactly as subscribers will get it (POST only)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        issue = get_object_or_404(Issue, pk=issue_id)
        if not request.user.has_perm("issues.view_issue"):
            raise PermissionDenied
        back = reverse("admin:issues_issue_change", args=[issue.pk]) + "#newsletter"
        edition = request.POST.get("edition", "")
        if edition not in dict(EDITIONS):
            messages.error(request, gettext("Choose the edition to send: zh-hans or en."))
            return HttpResponseRedirect(back)
        if not request.user.email:
            messages.error(request, gettext("Your account has no email address: add one to your user first."))
            return HttpResponseRedirect(back)
        try:
            sending.send_test(issue, request.user.email, edition)
        except (smtplib.SMTPException, OSError) as exc:
            messages.error(request, gettext("The test email could not be sent: %(error)s") % {"error": sending.scrub(exc)})
        else:
            messages.success(request, gettext("A test of this issue (%(edition)s) is on its way to %(email)s.") % {
                "edition": dict(EDITIONS)[edition], "email": request.user.email,
            })
        return HttpResponseRedirect(back)


def read_import(upload, name: str, default_edition: str) -> tuple[list[tuple[int, str, str]], list[str]]:
    """(line, address, edition) for each row of an uploaded CSV, and what is wrong with it, by file and line."""
    problems: list[str] = []
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [gettext("%(file)s: the file is not UTF-8 text.") % {"file": name}]
    reader = csv.DictReader(io.StringIO(text))
    header = [column.strip().lower() for column in reader.fieldnames or []]
    if "email" not in header:
        return [], [gettext("%(file)s, line 1: there is no “email” column.") % {"file": name}]
    reader.fieldnames = header
    rows: list[tuple[int, str, str]] = []
    seen: set[str] = set()
    for record in reader:
        line = reader.line_num
        email = (record.get("email") or "").strip()
        edition = (record.get("edition") or "").strip().lower() or default_edition
        where = {"file": name, "line": line}
        try:
            # The subscribe form's own rules: one line, a valid address, at most 254 characters.
            email = AddressField(max_length=254).clean(email)
        except ValidationError:
            problems.append(gettext("%(file)s, line %(line)d: “%(value)s” is not an email address.") % {**where, "value": email[:80]})
            continue
        if edition not in dict(EDITIONS):
            problems.append(gettext("%(file)s, line %(line)d: the edition must be zh-hans or en, not “%(value)s”.") % {**where, "value": edition[:20]})
            continue
        if email.lower() in seen:
            continue
        seen.add(email.lower())
        rows.append((line, email, edition))
        if len(rows) > IMPORT_LIMIT:
            return [], [gettext("%(file)s: more than %(limit)d addresses; split the file.") % {"file": name, "limit": IMPORT_LIMIT}]
    return rows, problems


def import_subscribers(rows: list[tuple[int, str, str]]) -> dict[str, int]:
    """Record each address as pending and queue its confirmation; active and unsubscribed addresses are left alone."""
    from .tasks import send_confirmation

    counts = {"pending": 0, "active": 0, "unsubscribed": 0}
    settled = (Subscriber.Status.ACTIVE, Subscriber.Status.UNSUBSCRIBED)
    with transaction.atomic():
        # What is known of the addresses, read in batches rather than once per line.
        known: dict[str, str] = {}
        addresses = [email.lower() for _line, email, _edition in rows]
        for start in range(0, len(addresses), 500):
            known.update(
                Subscriber.objects.annotate(address=Lower("email"))
                .filter(address__in=addresses[start:start + 500]).values_list("address", "status")
            )
        for _line, email, edition in rows:
            status = known.get(email.lower())
            if status in settled:
                counts[status] += 1
                continue
            subscriber = Subscriber.request(email, edition)
            transaction.on_commit(lambda pk=subscriber.pk, edition=edition: send_confirmation.enqueue(pk, edition))
            counts["pending"] += 1
    return counts


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """What was sent: read only, by issue and status; an erased subscriber shows as "—"."""

    list_display = ["issue", "subscriber", "edition", "status", "attempts", "sent_at", "smtp_code", "error"]
    list_filter = ["status", "edition", "issue"]
    list_select_related = ["issue", "subscriber"]
    list_per_page = 100

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

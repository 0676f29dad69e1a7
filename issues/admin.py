"""Admin for issues: the editors' main workspace.

The admin only configures forms and lists; every status change goes through
``issues.workflow``, which checks permissions and locks the issue.
"""

from __future__ import annotations

import reversion
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import SimpleLazyObject
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from entries.forms import EntryForm, EntryInlineFormSet
from entries.models import Entry

from . import dashboard, history, preview, workflow
from .forms import IssueAdminForm, TransitionForm
from .models import Issue, IssueForReview, PreviewLink


class EntryInline(admin.StackedInline):
    model = Entry
    form = EntryForm
    formset = EntryInlineFormSet
    extra = 0
    autocomplete_fields = ["source"]
    ordering = ["section", "position", "pk"]
    classes = ["entries-inline"]
    fieldsets = [
        (None, {"fields": [
            ("section", "position"), ("title", "title_en"), "url", ("source", "arxiv_id", "venue"), "links",
            # Chinese original and English edition side by side.
            ("summary", "summary_en"), "abstract", "tags",
        ]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source").prefetch_related("tags")

    # The inline follows its issue: a contributor sees the entries of an issue
    # in review, but cannot change them.
    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) and (obj is None or obj.can_be_edited_by(request.user))

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and (obj is None or obj.can_be_edited_by(request.user))

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or obj.can_be_edited_by(request.user))


class YearListFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = model_admin.get_queryset(request).dates("date", "year", order="DESC")
        return [(str(d.year), str(d.year)) for d in years]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(date__year=self.value())
        return queryset


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    list_display = ["date", "title", "status_badge", "entry_count", "english_count", "publish_at", "updated_at"]
    list_display_links = ["date", "title"]
    list_filter = ["status", YearListFilter]
    search_fields = ["title", "headline", "lead"]
    date_hierarchy = "date"
    ordering = ["-date"]
    list_per_page = 50
    inlines = [EntryInline]
    readonly_fields = ["status", "publish_at", "created_by", "reviewed_by", "published_by"]
    fieldsets = [
        (None, {"fields": ["date", ("title", "title_en"), ("headline", "headline_en"), ("lead", "lead_en")]}),
        (_("Workflow"), {"fields": [("status", "publish_at"), ("created_by", "reviewed_by", "published_by")]}),
    ]
    actions = ["submit_selected_for_review"]
    change_form_template = "admin/issues/issue/change_form.html"
    form = IssueAdminForm

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            entries_total=Count("entries"),
            # An entry counts as translated with an English title, and an
            # English summary wherever the original has one.
            entries_english=Count("entries", filter=~Q(entries__title_en="") & (
                ~Q(entries__summary_en="") | Q(entries__summary="")
            )),
        )

    @admin.display(description=_("in English"), ordering="entries_english")
    def english_count(self, obj: Issue) -> str:
        return f"{obj.entries_english}/{obj.entries_total}"

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj: Issue) -> str:
        label = obj.get_status_display()
        if obj.status == Issue.Status.SCHEDULED and obj.publish_at:
            label = f"{label} · {obj.publish_at:%Y-%m-%d %H:%M}"
        return format_html('<span class="status status-{}">{}</span>', obj.status, label)

    @admin.display(description=_("entries"), ordering="entries_total")
    def entry_count(self, obj: Issue) -> int:
        return obj.entries_total

    # Contributors edit drafts only; what is in review or public belongs to the editors.
    def has_change_permission(self, request: HttpRequest, obj: Issue | None = None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or obj.can_be_edited_by(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Issue | None = None) -> bool:
        if obj is not None and obj.status != Issue.Status.DRAFT and not request.user.has_perm("issues.publish_issue"):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj: Issue, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if reversion.is_active():
            # Added last, so the revision holds the issue with its entries as saved.
            reversion.add_to_revision(form.instance)
        for warning in self.duplicate_warnings(form.instance):
            messages.warning(request, warning)

    # History: every save of the issue form is a revision of the issue with its entries.
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with reversion.create_revision(manage_manually=True):
            reversion.set_user(request.user)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        if reversion.is_active():
            reversion.set_comment(entry.get_change_message() or str(_("Created.")))
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        if reversion.is_active():
            reversion.set_comment(entry.get_change_message() or str(_("Saved without changes.")))
        return entry

    @staticmethod
    def duplicate_warnings(issue: Issue) -> list[str]:
        from entries.models import duplicate_warnings

        return duplicate_warnings(issue.entries.select_related("issue").exclude(url=""))

    def get_object(self, request, object_id, from_field=None):
        # change_view() needs the issue for its side panels and Django's
        # changeform_view() reads it again: one read per request.
        cached = getattr(request, "_briefing_issue", None)
        if cached is not None and from_field is None and str(cached.pk) == str(object_id):
            return cached
        issue = super().get_object(request, object_id, from_field)
        if from_field is None:
            request._briefing_issue = issue
        return issue

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        issue = self.get_object(request, object_id)
        if issue is not None:
            # Lazy: a save that succeeds redirects and shows none of them.
            extra_context.update(
                transitions=SimpleLazyObject(lambda: workflow.available_transitions(issue, request.user)),
                transition_form=TransitionForm(),
                transition_log=issue.transitions.select_related("by"),
                duplicate_warnings=SimpleLazyObject(lambda: self.duplicate_warnings(issue)),
                revisions=history.revisions_for(issue)[:10],
                preview_links=preview.links_for(issue, request.user),
                may_share_preview=preview.may_share(issue, request.user),
                link_report=SimpleLazyObject(lambda: dashboard.link_report(issue)),
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/transition/<str:name>/",
                self.admin_site.admin_view(self.transition_view),
                name="%s_%s_transition" % info,
            ),
            path(
                "<path:object_id>/export/<str:fmt>/",
                self.admin_site.admin_view(self.export_view),
                name="%s_%s_export" % info,
            ),
            path("<path:object_id>/revisions/", self.admin_site.admin_view(self.revisions_view), name="%s_%s_revisions" % info),
            path(
                "<path:object_id>/revisions/compare/",
                self.admin_site.admin_view(self.compare_view), name="%s_%s_compare" % info,
            ),
            path(
                "<path:object_id>/revisions/<int:revision_id>/restore/",
                self.admin_site.admin_view(self.restore_view), name="%s_%s_restore" % info,
            ),
            path(
                "<path:object_id>/preview-links/new/",
                self.admin_site.admin_view(self.create_preview_view), name="%s_%s_preview_create" % info,
            ),
            path(
                "<path:object_id>/preview-links/<int:link_id>/revoke/",
                self.admin_site.admin_view(self.revoke_preview_view), name="%s_%s_preview_revoke" % info,
            ),
        ] + super().get_urls()

    def export_view(self, request: HttpRequest, object_id: str, fmt: str):
        """Download the issue as the briefing's Markdown or as WeChat HTML."""
        from django.http import Http404, HttpResponse

        from .archive.exporter import FORMATS, LANGUAGES, export_filename, export_issue

        issue = self._issue_or_404(request, object_id)
        if fmt not in FORMATS:
            raise Http404(f"No export format “{fmt}”.")
        # ?language=en downloads the English edition (English where written, the original elsewhere).
        language = request.GET.get("language", "").lower() or LANGUAGES[0]
        if language not in LANGUAGES:
            raise Http404(f"No export language “{language}”.")
        response = HttpResponse(export_issue(issue, fmt, language), content_type=FORMATS[fmt][1])
        response["Content-Disposition"] = f'attachment; filename="{export_filename(issue, fmt, language)}"'
        return response

    # History views -------------------------------------------------------

    def _issue_or_404(self, request: HttpRequest, object_id: str) -> Issue:
        issue = self.get_object(request, unquote(object_id))
        if issue is None:
            raise Http404(_("No such issue."))
        if not self.has_view_permission(request, issue):
            raise PermissionDenied
        return issue

    def _context(self, request: HttpRequest, issue: Issue, title: str, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts, "original": issue, "title": title,
            "has_change_permission": self.has_change_permission(request, issue),
            **extra,
        }

    def revisions_view(self, request: HttpRequest, object_id: str):
        """Every revision of the issue, with a form to compare any two."""
        issue = self._issue_or_404(request, object_id)
        revisions = list(history.revisions_for(issue))
        return TemplateResponse(request, "admin/issues/issue/revisions.html", self._context(
            request, issue, _("History of %(issue)s") % {"issue": issue}, revisions=revisions,
        ))

    def compare_view(self, request: HttpRequest, object_id: str):
        """What changed between two revisions (``?from=&to=``; ``to=current`` is the issue now)."""
        issue = self._issue_or_404(request, object_id)
        revisions = history.revisions_for(issue)

        def pick(value: str | None):
            if value in (None, "", "current"):
                return None
            try:
                return revisions.get(pk=int(value))
            except (ValueError, TypeError, history.Revision.DoesNotExist):
                raise Http404(_("No such revision of this issue."))

        older, newer = pick(request.GET.get("from")), pick(request.GET.get("to"))
        if older is None:
            raise Http404(_("Say which revision to compare from."))
        if newer is not None and (newer.date_created, newer.pk) < (older.date_created, older.pk):
            older, newer = newer, older
        old_snapshot = history.revision_snapshot(older, issue.pk)
        new_snapshot = history.revision_snapshot(newer, issue.pk) if newer else history.current_snapshot(issue)
        return TemplateResponse(request, "admin/issues/issue/compare.html", self._context(
            request, issue, _("Changes to %(issue)s") % {"issue": issue},
            older=older, newer=newer, changes=history.diff(old_snapshot, new_snapshot),
        ))

    def restore_view(self, request: HttpRequest, object_id: str, revision_id: int):
        """Show what restoring a revision would change (GET), and restore it (POST)."""
        issue = self._issue_or_404(request, object_id)
        revision = get_object_or_404(history.revisions_for(issue), pk=revision_id)
        if not self.has_change_permission(request, issue):
            raise PermissionDenied
        if request.method == "POST":
            try:
                history.restore(issue, revision, request.user)
            except history.RestoreError as exc:
                messages.error(request, str(exc))
                return HttpResponseRedirect(request.path)
            messages.success(request, _("The version of %(when)s is restored, as a new revision.") % {
                "when": timezone.localtime(revision.date_created).strftime("%Y-%m-%d %H:%M"),
            })
            return HttpResponseRedirect(reverse("admin:issues_issue_change", args=[issue.pk]))
        changes = history.diff(history.current_snapshot(issue), history.revision_snapshot(revision, issue.pk))
        return TemplateResponse(request, "admin/issues/issue/restore.html", self._context(
            request, issue, _("Restore a version of %(issue)s") % {"issue": issue},
            revision=revision, changes=changes,
        ))

    # Preview links -------------------------------------------------------

    def create_preview_view(self, request: HttpRequest, object_id: str):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        issue = self._issue_or_404(request, object_id)
        change_url = reverse("admin:issues_issue_change", args=[issue.pk]) + "#preview-links"
        try:
            link = preview.create_link(issue, request.user, int(request.POST.get("days") or PreviewLink.DEFAULT_DAYS))
        except ValueError:
            link = None
            messages.error(request, _("Preview links: the number of days must be a whole number from 1 to %(max)d.") % {
                "max": PreviewLink.MAX_DAYS,
            })
        except preview.PreviewLinkError as exc:
            link = None
            messages.error(request, str(exc))
        if link is None:
            return HttpResponseRedirect(change_url)
        url = request.build_absolute_uri(link.get_absolute_url())
        messages.success(request, format_html(
            _("A preview link, valid until {}, is ready: {}"),
            timezone.localtime(link.expires_at).strftime("%Y-%m-%d %H:%M"),
            format_html('<a href="{}">{}</a>', url, url),
        ))
        return HttpResponseRedirect(change_url)

    def revoke_preview_view(self, request: HttpRequest, object_id: str, link_id: int):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        issue = self._issue_or_404(request, object_id)
        link = get_object_or_404(issue.preview_links, pk=link_id)
        preview.revoke_link(link, request.user)
        messages.success(request, _("The preview link is revoked: it now gives “not found”."))
        return HttpResponseRedirect(reverse("admin:issues_issue_change", args=[issue.pk]) + "#preview-links")

    def transition_view(self, request: HttpRequest, object_id: str, name: str):
        """Take a workflow action from the buttons on the issue page (POST only)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        issue = self._issue_or_404(request, object_id)
        form = TransitionForm(request.POST)
        change_url = reverse("admin:issues_issue_change", args=[issue.pk])
        if not form.is_valid():
            for field, errors in form.errors.items():
                messages.error(request, f"{form.fields[field].label}: {' '.join(errors)}")
            return HttpResponseRedirect(change_url)
        try:
            workflow.perform(
                issue, name, request.user,
                comment=form.cleaned_data["comment"], publish_at=form.cleaned_data["publish_at"],
            )
        except workflow.TransitionError as exc:
            messages.error(request, exc.message)
            for problem in exc.problems:
                messages.error(request, problem)
            return HttpResponseRedirect(change_url)
        issue.refresh_from_db()
        messages.success(
            request,
            _("“%(issue)s” is now %(status)s.") % {"issue": issue, "status": issue.get_status_display()},
        )
        return HttpResponseRedirect(change_url)

    @admin.action(description=_("Submit selected drafts for review"))
    def submit_selected_for_review(self, request, queryset) -> None:
        done = 0
        for issue in queryset:
            try:
                workflow.submit_for_review(issue, request.user)
                done += 1
            except (workflow.TransitionError, PermissionDenied) as exc:
                messages.error(request, f"{issue}: {exc}")
        if done:
            messages.success(request, _("%(count)d issue(s) submitted for review.") % {"count": done})


@admin.register(IssueForReview)
class IssueForReviewAdmin(admin.ModelAdmin):
    """The editors' queue: issues in review, oldest first, each linking to its page."""

    list_display = ["date", "title", "entry_count", "updated_at", "review_link"]
    list_display_links = None
    search_fields = ["title", "headline"]
    ordering = ["date"]

    def get_queryset(self, request):
        return super().get_queryset(request).awaiting_review().annotate(entries_total=Count("entries"))

    @admin.display(description=_("entries"), ordering="entries_total")
    def entry_count(self, obj) -> int:
        return obj.entries_total

    @admin.display(description="")
    def review_link(self, obj) -> str:
        return format_html('<a href="{}">{}</a>', reverse("admin:issues_issue_change", args=[obj.pk]), _("Review"))

    def has_module_permission(self, request) -> bool:
        return request.user.has_perm("issues.review_issue")

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("issues.review_issue")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

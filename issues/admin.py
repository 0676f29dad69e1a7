"""Admin for issues: the editors' main workspace.

The admin only configures forms and lists; every status change goes through
``issues.workflow``, which checks permissions and locks the issue.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from entries.forms import EntryForm, EntryInlineFormSet
from entries.models import Entry

from . import workflow
from .forms import TransitionForm
from .models import Issue, IssueForReview


class EntryInline(admin.StackedInline):
    model = Entry
    form = EntryForm
    formset = EntryInlineFormSet
    extra = 0
    autocomplete_fields = ["source"]
    ordering = ["section", "position", "pk"]
    classes = ["entries-inline"]
    fieldsets = [
        (None, {"fields": [("section", "position"), "title", "url", ("source", "arxiv_id", "venue"), "links", "summary", "tags"]}),
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
    list_display = ["date", "title", "status_badge", "entry_count", "publish_at", "updated_at"]
    list_display_links = ["date", "title"]
    list_filter = ["status", YearListFilter]
    search_fields = ["title", "headline", "lead"]
    date_hierarchy = "date"
    ordering = ["-date"]
    list_per_page = 50
    inlines = [EntryInline]
    readonly_fields = ["status", "publish_at", "created_by", "reviewed_by", "published_by"]
    fieldsets = [
        (None, {"fields": ["date", "title", "headline", "lead"]}),
        (_("Workflow"), {"fields": [("status", "publish_at"), ("created_by", "reviewed_by", "published_by")]}),
    ]
    actions = ["submit_selected_for_review"]
    change_form_template = "admin/issues/issue/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(entries_total=Count("entries"))

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
        for warning in self.duplicate_warnings(form.instance):
            messages.warning(request, warning)

    @staticmethod
    def duplicate_warnings(issue: Issue) -> list[str]:
        warnings: list[str] = []
        for entry in issue.entries.select_related("issue").exclude(url=""):
            warnings.extend(entry.duplicate_warnings())
        return warnings

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        issue = self.get_object(request, object_id)
        if issue is not None:
            extra_context.update(
                transitions=workflow.available_transitions(issue, request.user),
                transition_form=TransitionForm(),
                transition_log=issue.transitions.select_related("by"),
                duplicate_warnings=self.duplicate_warnings(issue),
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
        ] + super().get_urls()

    def export_view(self, request: HttpRequest, object_id: str, fmt: str):
        """Download the issue as the briefing's Markdown or as WeChat HTML."""
        from django.http import Http404, HttpResponse

        from .archive.exporter import FORMATS, LANGUAGES, export_filename, export_issue

        issue = get_object_or_404(Issue, pk=object_id)
        if not self.has_view_permission(request, issue):
            raise PermissionDenied
        if fmt not in FORMATS:
            raise Http404(f"No export format “{fmt}”.")
        # ?language=en downloads the English edition (English where written, the original elsewhere).
        language = request.GET.get("language", "").lower() or LANGUAGES[0]
        if language not in LANGUAGES:
            raise Http404(f"No export language “{language}”.")
        response = HttpResponse(export_issue(issue, fmt, language), content_type=FORMATS[fmt][1])
        response["Content-Disposition"] = f'attachment; filename="{export_filename(issue, fmt, language)}"'
        return response

    def transition_view(self, request: HttpRequest, object_id: str, name: str):
        """Take a workflow action from the buttons on the issue page (POST only)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        issue = get_object_or_404(Issue, pk=object_id)
        if not self.has_view_permission(request, issue):
            raise PermissionDenied
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

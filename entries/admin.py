from __future__ import annotations

import reversion
from django.contrib import admin, messages
from django.db.models import Count
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from issues.models import Issue

from .forms import EntryAdminForm
from .models import Entry, LinkCheck, Source, Tag


class SharedByPublicPagesMixin:
    """Sources and tags that readers see are changed and deleted by editors only (Source/Tag.can_be_edited_by)."""

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_change_permission(request, obj) and (obj is None or obj.can_be_edited_by(request.user))

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or obj.can_be_edited_by(request.user))


@admin.register(Source)
class SourceAdmin(SharedByPublicPagesMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "homepage", "entry_count"]
    list_filter = ["kind"]
    search_fields = ["name", "homepage"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(entries_total=Count("entries"))

    @admin.display(description=_("entries"), ordering="entries_total")
    def entry_count(self, obj: Source) -> int:
        return obj.entries_total


@admin.register(Tag)
class TagAdmin(SharedByPublicPagesMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "entry_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(entries_total=Count("tagged_entries"))

    @admin.display(description=_("entries"), ordering="entries_total")
    def entry_count(self, obj: Tag) -> int:
        return obj.entries_total

    def get_urls(self):
        return [
            path("suggest/", self.admin_site.admin_view(self.suggest_view), name="entries_tag_suggest"),
        ] + super().get_urls()

    def suggest_view(self, request: HttpRequest) -> JsonResponse:
        """Tag names starting with, then containing, ``?q=``: the tag fields' autocomplete."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        term = request.GET.get("q", "").strip()
        if not term:
            return JsonResponse({"tags": []})
        tags = Tag.objects.filter(name__icontains=term).annotate(
            uses=Count("tagged_entries"),
        ).order_by("-uses", "name").values_list("name", flat=True)[:50]
        names = sorted(tags, key=lambda name: not name.lower().startswith(term.lower()))[:10]
        return JsonResponse({"tags": names})


class IssueStatusFilter(admin.SimpleListFilter):
    title = _("issue status")
    parameter_name = "issue_status"

    def lookups(self, request, model_admin):
        return Issue.Status.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(issue__status=self.value())
        return queryset


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    form = EntryAdminForm
    change_form_template = "admin/entries/entry/change_form.html"
    list_display = ["title", "issue", "section", "source", "issue_status"]
    list_filter = ["section", IssueStatusFilter, ("source", admin.RelatedOnlyFieldListFilter), "tags"]
    search_fields = ["title", "title_en", "url", "summary", "summary_en", "source__name"]
    autocomplete_fields = ["issue"]
    list_select_related = ["issue", "source"]
    fields = [
        "issue", ("section", "position"), ("title", "title_en"), "url", ("source", "arxiv_id", "venue"), "links",
        ("summary", "summary_en"), "abstract", "tags",
    ]

    @admin.display(description=_("issue status"), ordering="issue__status")
    def issue_status(self, obj: Entry) -> str:
        return obj.issue.get_status_display()

    def has_change_permission(self, request: HttpRequest, obj: Entry | None = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.issue.can_be_edited_by(request.user))

    def has_delete_permission(self, request: HttpRequest, obj: Entry | None = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or obj.issue.can_be_edited_by(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Contributors may only put entries into drafts.
        if db_field.name == "issue" and not (
            request.user.has_perm("issues.review_issue") or request.user.has_perm("issues.publish_issue")
        ):
            kwargs["queryset"] = Issue.objects.filter(status=Issue.Status.DRAFT)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # An entry saved on its own page is a new revision of its issue (with all its entries).
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with reversion.create_revision(manage_manually=True):
            reversion.set_user(request.user)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj: Entry, form, change: bool) -> None:
        moved_from = form.initial.get("issue") if change else None
        super().save_model(request, obj, form, change)
        if reversion.is_active():
            reversion.set_comment(str(_("Entry “%(title)s” saved on its own page.")) % {"title": obj.title})
            if moved_from and moved_from != obj.issue_id:
                reversion.add_to_revision(Issue.objects.get(pk=moved_from))

    def save_related(self, request, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if reversion.is_active():
            reversion.add_to_revision(form.instance.issue)
        for warning in form.instance.duplicate_warnings():
            messages.warning(request, warning)


@admin.register(LinkCheck)
class LinkCheckAdmin(admin.ModelAdmin):
    """The results of ``check_links``: read-only, filtered to what is broken."""

    list_display = ["url", "ok", "outcome", "final_url", "checked_at", "elapsed_ms", "attempts"]
    list_filter = ["ok", "checked_at"]
    search_fields = ["url", "final_url", "error"]
    date_hierarchy = "checked_at"

    @admin.display(description=_("result"))
    def outcome(self, obj: LinkCheck) -> str:
        return obj.outcome

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from issues.models import Issue

from .forms import EntryForm
from .models import Entry, Source, Tag


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
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
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "entry_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(entries_total=Count("tagged_entries"))

    @admin.display(description=_("entries"), ordering="entries_total")
    def entry_count(self, obj: Tag) -> int:
        return obj.entries_total


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
    form = EntryForm
    list_display = ["title", "issue", "section", "source", "issue_status"]
    list_filter = ["section", IssueStatusFilter, ("source", admin.RelatedOnlyFieldListFilter), "tags"]
    search_fields = ["title", "url", "summary", "source__name"]
    autocomplete_fields = ["source", "issue"]
    list_select_related = ["issue", "source"]
    fields = ["issue", "section", "position", "title", "url", "source", "arxiv_id", "venue", "links", "summary", "tags"]

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

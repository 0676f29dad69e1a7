from __future__ import annotations

import reversion
from django.contrib import admin, messages
from django.db.models import Count
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from issues.models import Issue, is_editor

from .forms import EntryAdminForm
from .models import Entry, LinkCheck, Source, SourceAlias, Tag, TagSuggestion, suspicious_sources


def suspicious_for(request: HttpRequest) -> dict[int, list[str]]:
    """Why each source looks wrong, worked out once per request over all names (near-duplicates need them all)."""
    if not hasattr(request, "suspicious_sources"):
        request.suspicious_sources = suspicious_sources(Source.objects.only("pk", "name"))
    return request.suspicious_sources


class SuspiciousSourceFilter(admin.SimpleListFilter):
    """The report of sources that look wrong: sentences, author lists, near-duplicates."""

    title = _("suspicious")
    parameter_name = "suspicious"

    def lookups(self, request, model_admin):
        return [("yes", _("Suspicious names"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(pk__in=list(suspicious_for(request)))
        return queryset


class SourceAliasInline(admin.TabularInline):
    model = SourceAlias
    extra = 0
    verbose_name_plural = _("aliases (names merged into this source; imports and link recognition use them)")


class SharedByPublicPagesMixin:
    """Sources and tags that readers see are changed and deleted by editors only (Source/Tag.can_be_edited_by)."""

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_change_permission(request, obj) and (obj is None or obj.can_be_edited_by(request.user))

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or obj.can_be_edited_by(request.user))


@admin.register(Source)
class SourceAdmin(SharedByPublicPagesMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "homepage", "entry_count"]
    list_filter = [SuspiciousSourceFilter, "kind"]
    search_fields = ["name", "homepage", "aliases__name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [SourceAliasInline]
    actions = ["merge_sources"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(entries_total=Count("entries"))

    def get_list_display(self, request):
        # Per request, never kept on this admin object, which every request shares.
        reasons = suspicious_for(request)

        @admin.display(description=_("why it looks wrong"))
        def why_suspicious(obj: Source) -> str:
            return "; ".join(reasons.get(obj.pk, []))

        return [*self.list_display, why_suspicious]

    @admin.display(description=_("entries"), ordering="entries_total")
    def entry_count(self, obj: Source) -> int:
        return obj.entries_total

    @admin.action(description=_("Merge the selected sources…"))
    def merge_sources(self, request: HttpRequest, queryset):
        """A preview (names, entry counts, which one is kept), then the merge: entries move, names stay as aliases."""
        if not is_editor(request.user):
            raise PermissionDenied
        sources = list(queryset.annotate(entries_total=Count("entries")).order_by("-entries_total", "name"))
        if len(sources) < 2:
            self.message_user(request, _("Select at least two sources to merge."), messages.WARNING)
            return None
        if request.POST.get("confirm") == "yes":
            target = next((s for s in sources if str(s.pk) == request.POST.get("target")), None)
            if target is None:
                self.message_user(request, _("Choose the source to keep."), messages.ERROR)
            else:
                others = [s for s in sources if s.pk != target.pk]
                moved = target.merge(others)
                self.message_user(request, _("Merged %(names)s into “%(target)s”: %(count)d entries moved; the old names are aliases now.") % {
                    "names": "、".join(f"“{s.name}”" for s in others), "target": target.name, "count": moved,
                })
                return None
        return TemplateResponse(request, "admin/entries/source/merge.html", {
            **self.admin_site.each_context(request),
            "title": _("Merge sources"),
            "sources": sources,
            "total": sum(s.entries_total for s in sources),
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        })


@admin.register(TagSuggestion)
class TagSuggestionAdmin(admin.ModelAdmin):
    """``suggest_tags``'s proposals, entry by entry: accept or reject each."""

    list_display = ["entry_title", "tag", "term", "issue_date", "status"]
    list_filter = ["status", "tag"]
    search_fields = ["entry__title", "tag__name", "term"]
    list_select_related = ["entry__issue", "tag"]
    actions = ["accept", "reject"]
    readonly_fields = ["entry", "tag", "term", "status", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("status", "-entry__issue__date", "entry__section", "entry__position", "tag__name")

    @admin.display(description=_("entry"), ordering="entry__title")
    def entry_title(self, obj: TagSuggestion) -> str:
        return obj.entry.plain_title

    @admin.display(description=_("issue"), ordering="entry__issue__date")
    def issue_date(self, obj: TagSuggestion):
        return obj.entry.issue.date

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Accept: give the entries these tags"))
    def accept(self, request: HttpRequest, queryset) -> None:
        if not is_editor(request.user):
            raise PermissionDenied
        done = 0
        for suggestion in queryset.exclude(status=TagSuggestion.Status.ACCEPTED).select_related("entry", "tag"):
            suggestion.accept()
            done += 1
        self.message_user(request, _("%(count)d suggestions accepted.") % {"count": done})

    @admin.action(description=_("Reject: never suggest these again"))
    def reject(self, request: HttpRequest, queryset) -> None:
        if not is_editor(request.user):
            raise PermissionDenied
        done = queryset.exclude(status=TagSuggestion.Status.REJECTED).update(status=TagSuggestion.Status.REJECTED)
        self.message_user(request, _("%(count)d suggestions rejected.") % {"count": done})


@admin.register(Tag)
class TagAdmin(SharedByPublicPagesMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "aliases", "entry_count"]
    search_fields = ["name", "slug", "aliases"]
    fields = ["name", "slug", "aliases"]
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
    list_display = ["title", "issue", "section", "source", "issue_status", "needs_attention"]
    list_filter = ["needs_attention", "section", IssueStatusFilter, ("source", admin.RelatedOnlyFieldListFilter), "tags"]
    search_fields = ["title", "title_en", "url", "summary", "summary_en", "source__name"]
    autocomplete_fields = ["issue"]
    list_select_related = ["issue", "source"]
    readonly_fields = ["attention_note"]
    fields = [
        "issue", ("section", "position"), ("title", "title_en"), "url", ("source", "arxiv_id", "venue"), "links",
        ("summary", "summary_en"), "abstract", "tags", ("needs_attention", "attention_note"),
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

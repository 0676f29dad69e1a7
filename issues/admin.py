"""Admin for issues: the editors' main workspace.

The admin only configures forms and lists; every status change goes through
``issues.workflow``, which checks permissions and locks the issue.
"""

from __future__ import annotations

import datetime
import json

import reversion
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import SimpleLazyObject
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from entries.forms import EntryInlineFormSet, EntryRowForm
from entries.models import Entry, TaggedEntry

from . import dashboard, history, preview, workflow
from .desk import local_time, problems_of
from .forms import IssueAdminForm, TransitionForm
from .models import Issue, IssueForReview, PreviewLink


class EntryInline(admin.StackedInline):
    """The issue's entries as the desk shows them: compact rows by section that open in place."""

    model = Entry
    form = EntryRowForm
    formset = EntryInlineFormSet
    template = "admin/issues/issue/entries_desk.html"
    extra = 0
    ordering = ["section", "position", "pk"]
    fieldsets = [
        (None, {"fields": [
            ("title", "title_en"), "url", ("source", "section"), ("arxiv_id", "venue"), "links",
            # Chinese original and English edition side by side.
            ("summary", "summary_en"), "abstract", "tags", "position",
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


# The lists write dates and times as the rest of the admin does: ISO, in the site's time zone, named.
@admin.display(description=_("date"), ordering="date")
def issue_date(obj: Issue) -> str:
    return obj.date.isoformat() if obj.date else "—"


@admin.display(description=format_lazy("{} ({})", _("updated"), settings.TIME_ZONE), ordering="updated_at")
def last_updated(obj: Issue) -> str:
    return local_time(obj.updated_at)


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    list_display = [issue_date, "title", "status_badge", "entry_count", "english_count", "publish_time", last_updated]
    list_display_links = [issue_date, "title"]
    list_filter = ["status", YearListFilter]
    search_fields = ["title", "headline", "lead"]
    date_hierarchy = "date"
    ordering = ["-date"]
    list_per_page = 50
    inlines = [EntryInline]
    # The status, its time and who moved it are in the workflow panel above the form.
    fieldsets = [
        (None, {"fields": ["date", ("title", "title_en"), ("headline", "headline_en"), ("lead", "lead_en")]}),
        # Kept from archived issues and exported back; folded away, as few issues have them.
        (_("Tagline and warm-up intro"), {"fields": [("tagline", "warmup_intro")], "classes": ["collapse"]}),
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
            label = f"{label} · {local_time(obj.publish_at)}"
        return format_html('<span class="status status-{}">{}</span>', obj.status, label)

    @admin.display(description=format_lazy("{} ({})", _("publish time"), settings.TIME_ZONE), ordering="publish_at")
    def publish_time(self, obj: Issue) -> str:
        return local_time(obj.publish_at) if obj.publish_at else "—"

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
            # Added last, so the revision holds the issue with its entries as
            # saved; read with their tags in three queries, not one per entry.
            tagged = Prefetch("entries__taggedentry_set", queryset=TaggedEntry.objects.select_related("tag"))
            issue = Issue.objects.prefetch_related(tagged).get(pk=form.instance.pk)
            reversion.add_to_revision(issue)

    # Each warning once: the issue page lists them, so a save that returns to
    # it adds no message; a save that leaves it does.
    def response_add(self, request, obj, post_url_continue=None):
        self.warn_when_leaving(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        self.warn_when_leaving(request, obj)
        return super().response_change(request, obj)

    def warn_when_leaving(self, request, obj: Issue) -> None:
        if "_continue" not in request.POST:
            for warning in self.duplicate_warnings(obj):
                messages.warning(request, warning)

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if request.method == "POST":
            kwargs["data"] = request.POST  # the issue form's data (see changeform_view)
        return kwargs

    # History: every save of the issue form is a revision of the issue with its entries.
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST":
            # One mutable copy shared by the issue form and the entries'
            # formset: what the edit-token check merges in shows in both.
            request.POST = request.POST.copy()
        with reversion.create_revision(manage_manually=True):
            reversion.set_user(request.user)
            return super().changeform_view(request, object_id, form_url, extra_context)

    # The revision's note is Django's change message as data; history.revision_note()
    # puts it into the words of whoever reads it.
    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        if reversion.is_active():
            reversion.set_comment(entry.change_message or json.dumps([{"added": {}}]))
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        if reversion.is_active():
            reversion.set_comment(entry.change_message or "[]")
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
            link_report = SimpleLazyObject(lambda: dashboard.link_report(issue))
            duplicates = SimpleLazyObject(lambda: self.duplicates_by_entry(issue))
            # Lazy: a save that succeeds redirects and shows none of them.
            extra_context.update(
                transitions=SimpleLazyObject(lambda: workflow.available_transitions(issue, request.user)),
                transition_form=TransitionForm(),
                transition_log=issue.transitions.select_related("by"),
                change_request=SimpleLazyObject(lambda: issue.latest_change_request()),
                duplicate_warnings=SimpleLazyObject(lambda: [w for ws in duplicates.values() for w in ws]),
                entry_marks=SimpleLazyObject(lambda: self.entry_marks(duplicates, link_report)),
                revisions=history.revisions_for(issue)[:10],
                preview_links=preview.links_for(issue, request.user),
                may_share_preview=preview.may_share(issue, request.user),
                link_report=link_report,
                time_zone=settings.TIME_ZONE,
            )
        return super().change_view(request, object_id, form_url, extra_context)

    @staticmethod
    def duplicates_by_entry(issue: Issue) -> dict[int, list]:
        from entries.models import duplicate_warnings_by_entry

        return duplicate_warnings_by_entry(issue.entries.select_related("issue").exclude(url=""))

    @staticmethod
    def entry_marks(duplicates: dict, link_report: dict) -> dict[int, list[tuple[str, str]]]:
        """The warning signs on each entry's row, by entry id: (kind, what it means)."""
        marks: dict[int, list[tuple[str, str]]] = {}
        for pk in duplicates:
            marks.setdefault(pk, []).append(("duplicate", str(_("This link is also in another issue (see the warnings above)."))))
        for entry, check in link_report["broken"]:
            marks.setdefault(entry.pk, []).append(("broken", str(_("Broken link: %(outcome)s") % {"outcome": check.outcome})))
        return marks

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if request.method == "POST":
            context["problems"] = problems_of(context["adminform"].form, context.get("inline_admin_formsets", []))
        context.setdefault("time_zone", settings.TIME_ZONE)
        # The desk adds entries in place; a second blank issue is rarely what an editor wants next.
        context["show_save_and_add_another"] = False
        if obj is not None and obj.pk:
            context["staff_preview_url"] = reverse("admin:issues_issue_preview", args=[obj.pk])
        return super().render_change_form(request, context, add, change, form_url, obj)

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
            path("profile/", self.admin_site.admin_view(self.profile_view), name="issues_issue_profile"),
            path("analyze-link/", self.admin_site.admin_view(self.analyze_link_view), name="%s_%s_analyze_link" % info),
            path("source-names/", self.admin_site.admin_view(self.source_names_view), name="%s_%s_source_names" % info),
            path("<path:object_id>/preview/", self.admin_site.admin_view(self.staff_preview_view), name="%s_%s_preview" % info),
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

    # The desk's helpers ---------------------------------------------------

    def analyze_link_view(self, request: HttpRequest) -> JsonResponse:
        """What the link intelligence knows of ``?url=`` (and ``&title=``, ``&section=``): the new row's fields."""
        if not self.has_add_permission(request) and not self.has_change_permission(request):
            raise PermissionDenied
        from entries.links import analyze_link, validate_http_url
        from entries.models import Entry, TaggedEntry

        url = request.GET.get("url", "").strip()[:2000]
        try:
            section = int(request.GET.get("section", ""))
        except ValueError:
            section = Entry.Section.INDUSTRY
        if url:
            try:
                validate_http_url(url)
            except ValidationError as exc:
                return JsonResponse({"error": exc.messages[0]}, status=400)
        info = analyze_link(url, request.GET.get("title", "")[:500], open_source_section=section == Entry.Section.PROJECTS)
        return JsonResponse({
            "url": info.url, "title": info.title, "source": info.source_name, "arxiv_id": info.arxiv.id if info.arxiv else "",
            "links": "\n".join(f"{link['label']}: {link['url']}" for link in info.extra_links),
            "used_before": [
                {"issue": str(other.issue), "title": other.title}
                for other in Entry(url=info.url, issue_id=None).other_uses()[:3]
            ] if info.url else [],
        })

    def source_names_view(self, request: HttpRequest) -> JsonResponse:
        """Source names containing ``?q=``, most used first: the source field's suggestions."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        from entries.models import Source

        term = request.GET.get("q", "").strip()[:100]
        if not term:
            return JsonResponse({"sources": []})
        names = (
            Source.objects.filter(name__icontains=term).annotate(uses=Count("entries"))
            .order_by("-uses", "name").values_list("name", flat=True)[:10]
        )
        return JsonResponse({"sources": list(names)})

    def profile_view(self, request: HttpRequest):
        """Each member of staff's own settings: whether the workflow emails them."""
        from .forms import ProfileForm
        from .models import Profile

        profile = Profile.objects.filter(user=request.user).first() or Profile(user=request.user)
        form = ProfileForm(request.POST if request.method == "POST" else None, instance=profile)
        if request.method == "POST" and form.is_valid():
            form.save()
            messages.success(request, _("Your settings are saved."))
            return HttpResponseRedirect(request.path)
        return TemplateResponse(request, "admin/issues/profile.html", {
            **self.admin_site.each_context(request), "title": _("Your profile"), "form": form,
        })

    def staff_preview_view(self, request: HttpRequest, object_id: str):
        """The issue exactly as readers will see it, as last saved, for signed-in staff (the Preview button)."""
        from .preview import staff_preview

        return staff_preview(request, self._issue_or_404(request, object_id))

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

    list_display = [issue_date, "title", "entry_count", last_updated, "review_link"]
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

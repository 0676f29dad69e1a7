"""Form pieces for editing entries, shared by the admin and anything else that edits them."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from taggit.forms import TagField

from briefing import limits
from briefing.widgets import MarkdownWidget, Textarea
from issues.forms import EditTokenMixin
from issues.models import Issue

from .links import host_kind, normalize_url, validate_http_url
from .models import Entry, Source

#: An entry's URL, as its column holds it.
URL_MAX_LENGTH = Entry._meta.get_field("url").max_length

# The link is the last word of the line; what comes before it is the label.
_URL_IN_LINE = re.compile(r"(?:^|[\s：|])(?P<url>[^\s：|]+)\s*$")


class LinksField(forms.CharField):
    """Extra links edited as text, one per line: ``label: url`` (代码: https://github.com/…)."""

    widget = Textarea(attrs={"rows": 2, "cols": 60, "placeholder": "代码: https://github.com/owner/repo"})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(f"{link.get('label', '')}: {link.get('url', '')}".lstrip(": ") for link in value)
        return value

    def to_python(self, value) -> list[dict[str, str]]:
        if isinstance(value, list):
            return value
        lines = [(number, line.strip()) for number, line in enumerate((value or "").splitlines(), start=1) if line.strip()]
        if len(lines) > limits.MAX_LINKS:
            raise ValidationError(
                _("Extra links: at most %(limit)d, one a line; there are %(count)d.") % {"limit": limits.MAX_LINKS, "count": len(lines)}
            )
        links, errors = [], []
        for number, line in lines:
            match = _URL_IN_LINE.search(line)
            if not match:
                errors.append(_("Line %(n)d (“%(line)s”) has no link: write “label: https://…”.") % {"n": number, "line": line[:100]})
                continue
            url = match.group("url")
            label = line[: match.start()].strip().rstrip(":：|").strip()
            if len(url) > URL_MAX_LENGTH or len(label) > limits.LINK_LABEL_MAX_LENGTH:
                errors.append(_("Line %(n)d is too long: a label has at most %(label)d characters, a link %(url)d.") % {
                    "n": number, "label": limits.LINK_LABEL_MAX_LENGTH, "url": URL_MAX_LENGTH,
                })
                continue
            try:
                validate_http_url(url)
            except ValidationError as exc:
                errors.append(_("Line %(n)d: %(message)s") % {"n": number, "message": exc.messages[0]})
                continue
            links.append({"label": label, "url": url})
        if errors:
            raise ValidationError(errors)
        return links


class TagNamesField(TagField):
    """The tags, typed as text and split by ``entries.tags.parse_tags`` (the TAGGIT_TAGS_FROM_STRING setting)."""

    def has_changed(self, initial, data) -> bool:
        # The same tags in another order or case are no change.
        try:
            typed = self.clean(data)
        except ValidationError:
            return True
        before = [getattr(tag, "name", tag) for tag in initial or []]
        return sorted(n.lower() for n in before) != sorted(n.lower() for n in typed or [])


class LazyMarkdownWidget(MarkdownWidget):
    """A Markdown textarea whose live preview the issue editor asks for only once its entry is opened.

    django-markdownx's own widget renders a preview of every field as the page
    loads: eighty requests for a forty-entry issue. (A MarkdownxWidget still,
    since the Markdown form field accepts no other.)
    """

    template_name = "django/forms/widgets/textarea.html"

    def __init__(self, attrs=None) -> None:
        super().__init__({"rows": 4, "class": "lazy-markdown-editor", **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None) -> str:
        textarea = super().render(name, value, {**(attrs or {}), "data-preview-url": reverse("markdownx_markdownify")}, renderer)
        return format_html(
            '<div class="lazy-markdown">{}<div class="markdownx-preview" aria-live="polite"></div></div>', textarea,
        )


class EntryForm(forms.ModelForm):
    """An entry's fields as editors fill them: the source by name, the tags as text."""

    links = LinksField(label=_("extra links"), required=False, help_text=_("One per line: “label: https://…”."))
    # Source and tags are edited through these declared fields rather than the
    # model's (see Meta.exclude): read from what the issue's formset already
    # fetched, so an issue of forty entries costs no query per entry.
    source = forms.CharField(
        label=_("source"), max_length=200, required=False,
        widget=forms.TextInput(attrs={"class": "vTextField source-name", "autocomplete": "off"}),
        help_text=_("Who published it, by name; a new name makes a new source."),
    )
    tags = TagNamesField(
        label=_("tags"), required=False,
        help_text=_("Separated by , ， 、 ; or ；"),
    )

    class Meta:
        model = Entry
        fields = [
            "section", "position", "title", "title_en", "url", "source", "arxiv_id", "venue", "links",
            "summary", "summary_en", "abstract", "tags",
        ]
        exclude = ["source", "tags"]
        # A plain address field: the admin's own shows "Currently: …" as if an unsaved entry were saved.
        widgets = {
            "url": forms.URLInput(attrs={"class": "vURLField"}),
            "summary": MarkdownWidget, "summary_en": MarkdownWidget, "abstract": Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "url" in self.fields:
            # One clear message for every bad link (mailto:, javascript:, ftp:…), not Django's generic one.
            self.fields["url"].validators = [validate_http_url, MaxLengthValidator(URL_MAX_LENGTH)]
            self.fields["url"].help_text = _(
                "The main link. May be left empty (with a warning); in open-source projects, "
                "a title starting “owner/repo:” fills it."
            )
        if self.instance.pk is not None:
            self.initial.setdefault("source", self.instance.source.name if self.instance.source_id else "")
            self.initial.setdefault("tags", list(self.instance.tags.all()))
        limits.name_fields_in_length_errors(self)

    def clean_tags(self) -> list[str]:
        names = self.cleaned_data.get("tags") or []
        label = capfirst(self.fields["tags"].label)
        too_long = [name for name in names if len(name) > limits.TAG_MAX_LENGTH]
        if too_long:
            raise ValidationError(_("%(field)s: “%(tag)s…” is too long; a tag has at most %(limit)d characters.") % {
                "field": label, "tag": too_long[0][:30], "limit": limits.TAG_MAX_LENGTH,
            })
        if len(names) > limits.MAX_TAGS:
            raise ValidationError(_("%(field)s: at most %(limit)d tags; there are %(count)d.") % {
                "field": label, "limit": limits.MAX_TAGS, "count": len(names),
            })
        return names

    def clean_source(self) -> str:
        return " ".join(self.cleaned_data.get("source", "").split())

    def tags_changed(self) -> bool:
        return self.instance.pk is None or "tags" in self.changed_data

    def save(self, commit: bool = True) -> Entry:
        """Save the entry with its source (found or made by name) and, if they changed, its tags."""
        if self.instance.pk is None or "source" in self.changed_data:
            name = self.cleaned_data.get("source", "")
            # As the importer and link recognition find sources: by name or alias, made if there is none.
            self.instance.source = Source.objects.for_name(name, host_kind(self.cleaned_data.get("url", ""))) if name else None
        instance = super().save(commit=False)
        save_model_m2m = self.save_m2m

        def save_m2m() -> None:
            save_model_m2m()
            if self.tags_changed():
                instance.tags.set(self.cleaned_data.get("tags") or [])

        self.save_m2m = save_m2m
        if commit:
            instance.save()
            self.save_m2m()
        return instance


class EntryRowForm(EntryForm):
    """An entry as a row of the issue editor: its position set by dragging, its previews loaded when opened."""

    class Meta(EntryForm.Meta):
        widgets = {
            **EntryForm.Meta.widgets,
            "position": forms.HiddenInput,
            "title": forms.TextInput(attrs={"class": "vTextField entry-title"}),
            "summary": LazyMarkdownWidget,
            "summary_en": LazyMarkdownWidget,
            "abstract": Textarea(attrs={"rows": 3}),
        }


class KnownEntryField(forms.ModelChoiceField):
    """The hidden id of an entry of this issue, found among the entries the formset already read.

    Django's own id field reads each entry again, one query per entry.
    """

    def __init__(self, entries: dict[int, Entry], **kwargs) -> None:
        super().__init__(Entry.objects.none(), **kwargs)
        self.entries = entries

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self.entries[int(value)]
        except (KeyError, TypeError, ValueError):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")

    def has_changed(self, initial, data) -> bool:
        return False


class EntryInlineFormSet(forms.BaseInlineFormSet):
    """The entries of one issue: refuses the same link twice, naming the entry that already has it."""

    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        # The formset holds every entry of the issue and compares their links
        # as submitted (clean() below); Entry.clean() comparing with the rows
        # as stored would refuse two entries swapping links, or a link moved
        # from an entry deleted in the same save.
        form.instance.links_checked_with_siblings = True
        if self.is_bound:
            pk_field = form.fields[self.model._meta.pk.name]
            form.fields[self.model._meta.pk.name] = KnownEntryField(
                self.known_entries, required=False, widget=pk_field.widget, initial=pk_field.initial,
            )

    @cached_property
    def known_entries(self) -> dict[int, Entry]:
        return {entry.pk: entry for entry in self.get_queryset()}

    def clean(self) -> None:
        super().clean()
        seen: dict[str, str] = {}
        for form in self.forms:
            if not getattr(form, "cleaned_data", None) or (self.can_delete and form.cleaned_data.get("DELETE")):
                continue
            url = form.cleaned_data.get("url")
            if not url:
                continue
            key = normalize_url(url)
            if key in seen and "url" not in form.errors:
                form.add_error(
                    "url", _("This link is already in this issue, as “%(title)s”.") % {"title": seen[key]},
                )
            elif key not in seen:
                seen[key] = form.cleaned_data.get("title") or url


class EntryAdminForm(EditTokenMixin, EntryForm):
    """An entry edited on its own page, with optimistic locking like the issue form."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._init_edit_token()

    def snapshot(self) -> dict:
        from issues.history import entry_snapshot

        return entry_snapshot(self.instance)

    def lock(self) -> None:
        # The issue first, as the issue's form does: locks taken in one order never deadlock.
        Issue.objects.filter(pk=self.instance.issue_id).lock()
        Entry.objects.select_for_update().filter(pk=self.instance.pk).exists()

    def issue_pk_for_savers(self) -> int | None:
        return self.instance.issue_id

    def field_names(self) -> dict[tuple, str]:
        from issues.history import ENTRY_FIELDS

        return {("entries", str(self.instance.pk), f): self.add_prefix(f) for f in ENTRY_FIELDS if f in self.fields}

    def clean(self):
        cleaned = super().clean()
        self.check_edit_token()
        return cleaned

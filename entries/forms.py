"""Form pieces for editing entries, shared by the admin and anything else that edits them."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from briefing import limits
from issues.forms import EditTokenMixin
from issues.models import Issue

from .links import normalize_url, validate_http_url
from .models import Entry

#: An entry's URL, as its column holds it.
URL_MAX_LENGTH = Entry._meta.get_field("url").max_length

# The link is the last word of the line; what comes before it is the label.
_URL_IN_LINE = re.compile(r"(?:^|[\s：|])(?P<url>[^\s：|]+)\s*$")


class LinksField(forms.CharField):
    """Extra links edited as text, one per line: ``label: url`` (代码: https://github.com/…)."""

    widget = forms.Textarea(attrs={"rows": 2, "cols": 60, "placeholder": "代码: https://github.com/owner/repo"})

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


class EntryForm(forms.ModelForm):
    links = LinksField(label=_("extra links"), required=False, help_text=_("One per line: “label: https://…”."))

    class Meta:
        model = Entry
        fields = [
            "section", "position", "title", "title_en", "url", "source", "arxiv_id", "venue", "links",
            "summary", "summary_en", "abstract", "tags",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "url" in self.fields:
            # One clear message for every bad link (mailto:, javascript:, ftp:…), not Django's generic one.
            self.fields["url"].validators = [validate_http_url, MaxLengthValidator(URL_MAX_LENGTH)]
        limits.name_fields_in_length_errors(self)

    def clean_tags(self) -> list[str]:
        names = self.cleaned_data.get("tags") or []
        label = self.fields["tags"].label
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


class EntryInlineFormSet(forms.BaseInlineFormSet):
    """Refuses the same link twice in one issue, naming the entry that already has it."""

    def _construct_form(self, i: int, **kwargs) -> forms.ModelForm:
        form = super()._construct_form(i, **kwargs)
        # The formset holds every entry of the issue and compares their links
        # as submitted (clean() below); Entry.clean() comparing with the rows
        # as stored would refuse two entries swapping links, or a link moved
        # from an entry deleted in the same save.
        form.instance.links_checked_with_siblings = True
        return form

    def clean(self) -> None:
        super().clean()
        seen: dict[str, str] = {}
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data or self._should_delete_form(form):
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

    def clean(self):
        cleaned = super().clean()
        self.check_edit_token()
        return cleaned

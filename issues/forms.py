from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from briefing.limits import COMMENT_MAX_LENGTH, name_fields_in_length_errors
from briefing.widgets import MarkdownWidget

from .models import Issue, Profile

#: The prefix of the entries' forms on the issue page (the inline's related name).
ENTRIES_PREFIX = "entries"
ENTRY_ID = re.compile(rf"^{ENTRIES_PREFIX}-(\d+)-id$")


class TransitionForm(forms.Form):
    """What an editor adds to a workflow action: a comment and, to schedule, a time."""

    comment = forms.CharField(
        label=_("comment"), required=False, max_length=COMMENT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2}),
    )
    publish_at = forms.DateTimeField(
        label=_("publish time"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        help_text=_("Leave empty to publish now; a future time schedules the issue."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        name_fields_in_length_errors(self)


class EditTokenField(forms.CharField):
    """The hidden edit token: never counts as a change (the history would list it otherwise)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs) -> None:
        super().__init__(required=False, **kwargs)

    def has_changed(self, initial, data) -> bool:
        return False


class EditTokenMixin:
    """Optimistic locking with a merge: a stale save is never written over what others saved.

    The form carries a signed copy of what it was built from (the edit token).
    On save, ``clean()`` locks the row (``select_for_update``, held until the
    admin's transaction commits) and compares that copy with the database. If
    someone else saved in between, nothing is saved: their changes are merged
    into the submitted form field by field (``issues.merge``), ``conflict``
    lists what they changed, ``clashes`` the fields both changed, and the
    token is renewed. The next save, once the editor has looked and chosen,
    writes only what this editor changed.

    Subclasses say what to lock, snapshot and map in ``lock()``,
    ``snapshot()`` and ``field_names()``.
    """

    edit_token_field = "edit_token"
    conflict: list = []
    conflict_savers: list = []
    clashes: list = []
    merge_notes: list = []

    def _init_edit_token(self) -> None:
        self.fields[self.edit_token_field] = EditTokenField()
        self.conflict, self.conflict_savers, self.clashes, self.merge_notes = [], [], [], []
        self.unsettled: list[str] = []
        if self.instance.pk and not self.is_bound:
            from .history import make_edit_token

            self.initial[self.edit_token_field] = make_edit_token(self.snapshot())

    def snapshot(self) -> dict:
        raise NotImplementedError

    def lock(self) -> None:
        raise NotImplementedError

    def field_names(self) -> dict[tuple, str]:
        """Each snapshot path this form edits, with the name of its field in the submitted data."""
        raise NotImplementedError

    def issue_pk_for_savers(self) -> int | None:
        return None

    def sent_token(self):
        from .history import read_edit_token

        return read_edit_token(self.data.get(self.add_prefix(self.edit_token_field), ""))

    def full_clean(self) -> None:
        # The editor's answers to earlier clashes go into the data before any
        # field is cleaned (here, and in the issue's formset, which reads the same data).
        if self.is_bound and self.instance.pk and (sent := self.sent_token()) is not None and sent[2]:
            from .merge import FormData, apply_choices

            self.unsettled = apply_choices(FormData(self), self.field_names(), sent[0], sent[2])
        super().full_clean()

    def renew_token(self, snapshot: dict, pending: list[str] | None = None) -> None:
        from .history import make_edit_token
        from .merge import FormData

        FormData(self).set(self.add_prefix(self.edit_token_field), make_edit_token(snapshot, pending))

    def check_edit_token(self) -> None:
        from .history import diff, savers_since
        from .merge import FormData, clashes_named, merge

        if not self.instance.pk:
            return
        self.lock()
        current = self.snapshot()
        sent = self.sent_token()
        if sent is None:
            # Renew the token on the re-displayed form: the next save is deliberate.
            self.renew_token(current)
            raise forms.ValidationError(
                _("This form has no valid edit token (it may be very old); it was not saved. "
                  "Check what is shown and save again."),
                code="edit_token",
            )
        base, opened_at, _pending = sent
        if self.unsettled:
            self.clashes = clashes_named(FormData(self), self.field_names(), base, self.unsettled)
            self.renew_token(base, self.unsettled)
            raise forms.ValidationError(
                _("Choose which version to keep wherever you and someone else changed the same field."),
                code="clash",
            )
        if base == current:
            return
        self.clashes, self.merge_notes = merge(FormData(self), self.field_names(), base, current)
        self.conflict = diff(base, current)
        pk = self.issue_pk_for_savers()
        self.conflict_savers = savers_since(pk, opened_at) if pk else []
        self.renew_token(current, [clash.name for clash in self.clashes])
        names = ", ".join(dict.fromkeys(who for who, _when in self.conflict_savers)) or _("Someone else")
        message = _("%(names)s saved this while you were editing it, so nothing was saved yet. "
                    "Their changes are now on the form together with yours (what they changed is shown at the top); "
                    "check it and save again.") % {"names": names}
        if self.clashes:
            message += " " + _("Where you both changed the same field, choose which version to keep.")
        raise forms.ValidationError(message, code="conflict")


class IssueAdminForm(EditTokenMixin, forms.ModelForm):
    """The issue form of the admin, with optimistic locking over the issue and its entries."""

    class Meta:
        model = Issue
        fields = ["date", "title", "headline", "lead"]
        widgets = {"lead": MarkdownWidget, "lead_en": MarkdownWidget}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._init_edit_token()
        name_fields_in_length_errors(self)

    def snapshot(self) -> dict:
        from .history import current_snapshot

        return current_snapshot(self.instance.pk)

    def lock(self) -> None:
        Issue.objects.filter(pk=self.instance.pk).lock()

    def issue_pk_for_savers(self) -> int | None:
        return self.instance.pk

    def field_names(self) -> dict[tuple, str]:
        from .history import ENTRY_FIELDS, ISSUE_FIELDS

        names: dict[tuple, str] = {("issue", f): self.add_prefix(f) for f in ISSUE_FIELDS if f in self.fields}
        # The entries' formset posts its forms as entries-<n>-<field>, with entries-<n>-id naming the entry.
        for key in self.data:
            match = ENTRY_ID.match(key)
            if match and self.data.get(key):
                prefix = f"{ENTRIES_PREFIX}-{match.group(1)}"
                for field in ENTRY_FIELDS:
                    names[("entries", str(self.data.get(key)), field)] = f"{prefix}-{field}"
        return names

    def clean(self):
        cleaned = super().clean()
        self.check_edit_token()
        return cleaned


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ["email_notifications"]

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from briefing.limits import COMMENT_MAX_LENGTH, name_fields_in_length_errors

from .models import Issue


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
    """Optimistic locking for a model form: a second, stale save is refused, not lost.

    The form carries a signed copy of what it was built from (the edit token).
    On save, ``clean()`` locks the row (``select_for_update``, held until the
    admin's transaction commits) and compares that copy with the database. If
    someone else saved in between, the form is invalid with a message naming
    them, ``conflict`` lists what they changed, the editor's input stays on
    the form, and the token is renewed, so that saving again, after looking,
    is a deliberate choice.

    Subclasses say what to lock and snapshot in ``lock_and_snapshot()``.
    """

    edit_token_field = "edit_token"
    conflict: list = []
    conflict_savers: list = []

    def _init_edit_token(self) -> None:
        self.fields[self.edit_token_field] = EditTokenField()
        self.conflict = []
        self.conflict_savers = []
        if self.instance.pk and not self.is_bound:
            from .history import make_edit_token

            self.initial[self.edit_token_field] = make_edit_token(self.snapshot())

    def snapshot(self) -> dict:
        raise NotImplementedError

    def lock(self) -> None:
        raise NotImplementedError

    def issue_pk_for_savers(self) -> int | None:
        return None

    def check_edit_token(self) -> None:
        from .history import diff, make_edit_token, read_edit_token, savers_since

        if not self.instance.pk:
            return
        self.lock()
        current = self.snapshot()
        sent = read_edit_token(self.data.get(self.add_prefix(self.edit_token_field), ""))
        if sent is not None and sent[0] == current:
            return
        # Renew the token on the re-displayed form: the next save is deliberate.
        self.data = self.data.copy()
        self.data[self.add_prefix(self.edit_token_field)] = make_edit_token(current)
        if sent is None:
            raise forms.ValidationError(
                _("This form has no valid edit token (it may be very old); it was not saved. "
                  "Check what is shown and save again."),
                code="edit_token",
            )
        self.conflict = diff(sent[0], current)
        pk = self.issue_pk_for_savers()
        self.conflict_savers = savers_since(pk, sent[1]) if pk else []
        names = ", ".join(dict.fromkeys(who for who, _when in self.conflict_savers))
        if names:
            message = _("%(names)s saved this while you were editing it, so your changes were not saved. "
                        "What they changed is shown at the top of the page; your input is kept on the form: "
                        "check it and save again to keep your version.") % {"names": names}
        else:
            message = _("Someone else saved this while you were editing it, so your changes were not saved. "
                        "What they changed is shown at the top of the page; your input is kept on the form: "
                        "check it and save again to keep your version.")
        raise forms.ValidationError(message, code="conflict")


class IssueAdminForm(EditTokenMixin, forms.ModelForm):
    """The issue form of the admin, with optimistic locking over the issue and its entries."""

    class Meta:
        model = Issue
        fields = ["date", "title", "headline", "lead"]

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

    def clean(self):
        cleaned = super().clean()
        self.check_edit_token()
        return cleaned

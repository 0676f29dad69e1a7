from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class TransitionForm(forms.Form):
    """What an editor adds to a workflow action: a comment and, to schedule, a time."""

    comment = forms.CharField(label=_("comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    publish_at = forms.DateTimeField(
        label=_("publish time"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        help_text=_("Leave empty to publish now; a future time schedules the issue."),
    )

"""Email about the workflow, through Django's email framework (EMAIL_URL; the console without it).

``issues.workflow`` decides who hears of which step (``NOTIFY``) and calls
``send_step()`` once the step is committed. Each person gets a message of
their own, in the site's language, with a link to the issue's admin page;
who turned notifications off on their profile, has no address or is no longer
active gets none, nor does whoever took the step. A mail server that fails
costs a log line, never the step.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from .desk import local_time
from .models import Issue, IssueTransition

logger = logging.getLogger(__name__)


def reachable_users():
    """Active users with an address who have not turned workflow email off."""
    return (
        get_user_model().objects.filter(is_active=True).exclude(email="")
        .exclude(briefing_profile__email_notifications=False)
    )


def editors():
    """Everyone who may review an issue (the Editor group, and superusers), if reachable."""
    permission = Permission.objects.filter(content_type__app_label="issues", codename="review_issue")
    return reachable_users().filter(
        Q(is_superuser=True) | Q(groups__permissions__in=permission) | Q(user_permissions__in=permission)
    ).distinct()


def author(issue: Issue):
    """The issue's author, if reachable."""
    return reachable_users().filter(pk=issue.created_by_id)


def issue_link(issue: Issue) -> str:
    return settings.SITE_URL + reverse("admin:issues_issue_change", args=[issue.pk])


def compose(step: IssueTransition, event: str) -> tuple[str, str]:
    """Subject and text of the message about ``step`` (``event``: submitted, changes, scheduled, published)."""
    issue = step.issue
    who = str(step.by) if step.by else _("the scheduler")
    subjects = {
        "submitted": _("[Briefing] “%(issue)s” is ready for review"),
        "changes": _("[Briefing] Changes requested on “%(issue)s”"),
        "scheduled": _("[Briefing] “%(issue)s” is scheduled for %(when)s (%(tz)s)"),
        "published": _("[Briefing] “%(issue)s” is published"),
    }
    lines = {
        "submitted": _("%(who)s submitted “%(issue)s” for review."),
        "changes": _("%(who)s sent “%(issue)s” back with changes requested:"),
        "scheduled": _("%(who)s approved “%(issue)s”; it goes public at %(when)s (%(tz)s)."),
        "published": _("“%(issue)s” is published (%(who)s)."),
    }
    values = {
        "issue": str(issue), "who": who, "when": local_time(issue.publish_at), "tz": settings.TIME_ZONE,
    }
    body = [lines[event] % values]
    if step.comment:
        body += ["", step.comment]
    body += ["", _("Open the issue: %(url)s") % {"url": issue_link(issue)}, "", "—",
             _("You can turn these emails off on your profile: %(url)s") % {
                 "url": settings.SITE_URL + reverse("admin:issues_issue_profile"),
             }]
    return subjects[event] % values, "\n".join(str(line) for line in body)


def send_step(step_pk: int, audience: str, event: str) -> int:
    """Email ``audience`` ("editors" or "author") about a committed workflow step; how many were sent."""
    step = IssueTransition.objects.select_related("issue", "by").filter(pk=step_pk).first()
    if step is None:
        return 0
    people = editors() if audience == "editors" else author(step.issue)
    if step.by_id:
        people = people.exclude(pk=step.by_id)
    addresses = sorted(set(people.values_list("email", flat=True)))
    if not addresses:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = compose(step, event)
    messages = [EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in addresses]
    try:
        connection = get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", None) or 10)
        return connection.send_messages(messages) or 0
    except (OSError, ValueError) as exc:  # smtplib's errors are OSErrors
        logger.warning("Workflow email about issue %s (%s) was not sent: %s", step.issue_id, event, exc)
        return 0

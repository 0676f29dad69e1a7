"""Admin template helpers: an issue's mailing on its page, subscriber counts on the dashboard."""

from __future__ import annotations

from django import template

from newsletter.forms import edition_choices
from newsletter.models import Mailing, Subscriber

register = template.Library()


@register.simple_tag
def issue_mailing(issue) -> dict:
    """``{% issue_mailing original as mailing %}``: whether the issue was queued, and its deliveries by status."""
    mailing = Mailing.objects.filter(issue=issue).first()
    return {
        "mailing": mailing,
        "progress": mailing.progress() if mailing else None,
        "editions": edition_choices(),
        "active_subscribers": Subscriber.objects.active().count(),
    }


@register.simple_tag
def subscriber_counts() -> dict:
    """``{% subscriber_counts as counts %}``: subscribers by edition and status."""
    return Subscriber.objects.counts()

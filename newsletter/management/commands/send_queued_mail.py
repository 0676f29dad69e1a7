from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from newsletter import sending


class Command(BaseCommand):
    help = (
        "Queue sending tasks for every issue with deliveries due (retries whose time has come, and what a "
        "worker that died left unsent); mark the deliveries a dead worker was sending as interrupted. "
        "Safe to run every few minutes from cron: nobody is sent an issue twice."
    )

    def handle(self, *args, **options) -> None:
        issue_ids = sending.resume()
        self.stdout.write(_("Queued sending for %(count)d issue(s).") % {"count": len(issue_ids)})

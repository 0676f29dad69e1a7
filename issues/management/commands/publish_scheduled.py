from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from issues import workflow


class Command(BaseCommand):
    help = (
        "Publish every scheduled issue whose publish time has come. Idempotent and safe "
        "to run every minute from cron: an issue is published once, however often it runs."
    )

    def handle(self, *args, **options) -> None:
        published = workflow.publish_due()
        for issue in published:
            self.stdout.write(f"  {issue.date.isoformat()}  {issue.title}")
        self.stdout.write(_("Published %(count)d scheduled issue(s).") % {"count": len(published)})

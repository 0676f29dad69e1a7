from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IssuesConfig(AppConfig):
    name = "issues"
    verbose_name = _("Issues")

    def ready(self) -> None:
        # Issues with their entries are under version control (see issues/history.py).
        from . import history

        history.register()
        # Stored issue bodies follow their entries' cards (see issues/bodies.py).
        from . import bodies

        bodies.connect_signals()

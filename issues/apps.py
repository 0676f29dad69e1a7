from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IssuesConfig(AppConfig):
    name = "issues"
    verbose_name = _("Issues")

    def ready(self) -> None:
        # Issues with their entries are under version control (see issues/history.py).
        from . import history, signals

        history.register()
        signals.connect_signals()

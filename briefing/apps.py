from django.apps import AppConfig


class BriefingConfig(AppConfig):
    name = "briefing"
    verbose_name = "Briefing"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)

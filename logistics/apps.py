from django.apps import AppConfig


class LogisticsConfig(AppConfig):
    name = "logistics"
    verbose_name = "Logistics"

    def ready(self):
        from logistics import receivers  # noqa: F401 - connects the signal handlers

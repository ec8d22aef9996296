from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Syndication"

    def ready(self):
        from integrations import receivers  # noqa: F401 - connects the signal handlers

from django.apps import AppConfig


class ListingsConfig(AppConfig):
    name = "listings"
    verbose_name = "Catalogue"

    def ready(self):
        from listings import receivers  # noqa: F401 - connects the signal handlers

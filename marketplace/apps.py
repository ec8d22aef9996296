from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = "Storefront and marketplace"

    def ready(self):
        from marketplace import receivers  # noqa: F401 - connects the signal handlers

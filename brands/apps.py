from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class BrandsConfig(AppConfig):
    name = "brands"
    verbose_name = "Companies and common brands"

    def ready(self):
        from brands import receivers  # noqa: F401 - connects the signal handlers
        from brands.eligibility import RULE_SETS

        if settings.SME_RULE_SET not in RULE_SETS:
            raise ImproperlyConfigured(f"SME_RULE_SET must be one of {', '.join(RULE_SETS)}.")

from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class PlatformAdminConfig(AdminConfig):
    default_site = "config.admin.PlatformAdminSite"


class PlatformConfig(AppConfig):
    """config as an app only for the commands that span every app (load_demo): config is the
    one package allowed to import all the others."""

    name = "config"
    label = "platform"

    def ready(self):
        from config.celery_app import operator_digest_schedule

        operator_digest_schedule()

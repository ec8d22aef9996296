"""Deployment checks beyond Django's own (`manage.py check --deploy`): the embedded defaults that
make `make run` work without configuration must never reach production."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

# (setting, prefix of the value shipped in config/settings.py, check id): each is public knowledge.
EMBEDDED_SECRETS = [
    ("SECRET_KEY", "dev-only-", "platform.W001"),
    ("STRIPE_WEBHOOK_SECRET", "whsec_dev_", "platform.W002"),
    ("CARRIER_WEBHOOK_SECRET", "dev-carrier-", "platform.W003"),
]


@register(Tags.security, deploy=True)
def embedded_defaults_check(app_configs, **kwargs):
    problems = [
        Warning(
            f"{name} is the embedded development default.",
            hint="Set it from the environment (docs/operator-guide.md, 'Rotate keys').",
            id=check_id,
        )
        for name, prefix, check_id in EMBEDDED_SECRETS
        if str(getattr(settings, name, "")).startswith(prefix)
    ]
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        problems.append(
            Warning("The database is the embedded SQLite file.", hint="Set DATABASE_URL.", id="platform.W010")
        )
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        problems.append(
            Warning("The task broker is the embedded filesystem queue.", hint="Set the broker.", id="platform.W011")
        )
    return problems


@register(Tags.security, deploy=True)
def operator_otp_check(app_configs, **kwargs):
    """Operators' second factor may be off only under DEBUG (make run): an Error, so `check
    --deploy` fails whatever its --fail-level."""
    if settings.OPERATOR_OTP_REQUIRED or settings.DEBUG:
        return []
    return [
        Error(
            "OPERATOR_OTP_REQUIRED is off: operators would reach the admin and get API tokens with a password alone.",
            hint="Unset OPERATOR_OTP_REQUIRED (it defaults to on when DEBUG is off).",
            id="platform.E020",
        )
    ]

"""Deployment checks beyond Django's own (`manage.py check --deploy`): the embedded defaults that
make `make run` work without configuration must never reach production."""

from urllib.parse import urlsplit

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
    if not settings.STRIPE_SECRET_KEY:
        problems.append(
            Warning(
                "STRIPE_SECRET_KEY is empty: the dummy gateway would take the payments.",
                hint="Set STRIPE_SECRET_KEY (docs/operator-guide.md, 'Stripe').",
                id="platform.W004",
            )
        )
    if settings.EMAIL_BACKEND.rsplit(".", 2)[-2] in ("console", "locmem", "dummy", "filebased"):
        problems.append(
            Warning(
                f"EMAIL_BACKEND is {settings.EMAIL_BACKEND}: no mail would be delivered.",
                hint="Set EMAIL_BACKEND and EMAIL_HOST (.env.example, 'Email').",
                id="platform.W005",
            )
        )
    # A one-label host (compose's `minio`) resolves only inside the app's own network.
    endpoint = urlsplit(settings.AWS_S3_ENDPOINT_URL or "").hostname or ""
    internal = endpoint and "." not in endpoint
    if settings.AWS_STORAGE_BUCKET_NAME and internal and not settings.AWS_S3_PUBLIC_ENDPOINT_URL:
        problems.append(
            Warning(
                f"Media URLs would name {endpoint}, a host only the app's network resolves.",
                hint="Set AWS_S3_PUBLIC_ENDPOINT_URL to where clients reach the bucket (docs/operator-guide.md).",
                id="platform.W006",
            )
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

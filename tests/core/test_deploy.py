"""`manage.py check --deploy --fail-level WARNING` in a fresh process with the environment a
production deployment sets (docs/operator-guide.md), and fails with the embedded defaults."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def production_env(tmp_path, **overrides):
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        # The key being rotated out still verifies old signatures (docs/operator-guide.md).
        "DJANGO_SECRET_KEY_FALLBACKS": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "shop.example.com",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://shop.example.com",
        "DJANGO_SECURE_SSL_REDIRECT": "true",
        "DJANGO_SECURE_HSTS_SECONDS": "31536000",
        "DJANGO_SECURE_COOKIES": "true",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "CACHE_URL": "rediscache://127.0.0.1:6379/1",
        "STRIPE_SECRET_KEY": "sk_live_" + secrets.token_hex(12),
        "STRIPE_WEBHOOK_SECRET": "whsec_" + secrets.token_hex(16),
        "CARRIER_WEBHOOK_SECRET": secrets.token_hex(32),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def check_deploy(env):
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = check_deploy(production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_embedded_defaults_and_missing_hardening_fail_the_deploy_check(tmp_path):
    """One process for all of them (each start costs seconds): every missing setting is named."""
    missing = {
        "DJANGO_SECRET_KEY": "platform.W001",
        "STRIPE_WEBHOOK_SECRET": "platform.W002",
        "CARRIER_WEBHOOK_SECRET": "platform.W003",
        "DATABASE_URL": "platform.W010",
        "CELERY_BROKER_URL": "platform.W011",
        "DJANGO_SECURE_SSL_REDIRECT": "security.W008",
        "DJANGO_SECURE_HSTS_SECONDS": "security.W004",
        "DJANGO_SECURE_COOKIES": "security.W012",
        "STRIPE_SECRET_KEY": "platform.W004",
        "EMAIL_BACKEND": "platform.W005",
    }
    weak_fallback = {"DJANGO_SECRET_KEY_FALLBACKS": "old-short-key"}
    result = check_deploy(production_env(tmp_path, DJANGO_DEBUG="true", **dict.fromkeys(missing), **weak_fallback))
    assert result.returncode != 0
    for check_id in [*missing.values(), "security.W018", "security.W025"]:
        assert check_id in result.stderr, check_id

"""docker-compose.yml as an operator deploys it, without a Docker engine: the app services'
environment is worked out from the YAML the way compose does (below), and the image's entrypoint
(deploy/entrypoint.sh) runs with exactly that environment. With `.env` as the template ships it, the
containers refuse to start; with every production value filled in, they start."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ["migrate", "web", "worker", "beat"]
STARTED = "container command started"


def interpolate(value: str, shell: dict) -> str:
    """Compose's ${VAR}, ${VAR:-default} (unset or empty) and ${VAR-default} (unset); $$ is a dollar."""

    def one(match):
        name, operator, default = match.group(1), match.group(2), match.group(3) or ""
        if operator == ":-":
            return shell.get(name) or default
        if operator == "-":
            return shell.get(name, default)
        return shell.get(name, "")

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-|-)([^}]*))?\}", one, value.replace("$$", "\0")).replace(
        "\0", "$"
    )


def env_file(text: str) -> dict:
    """An env_file: KEY=VALUE lines, `#` comments and blank lines skipped, values taken literally
    (one pair of surrounding quotes removed), no interpolation."""
    pairs = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition("=")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        pairs[key.strip()] = value
    return pairs


def service_environment(name: str, dotenv: str) -> dict:
    """What compose gives the container: the env_file's pairs, then `environment:` over them; both
    `${...}` interpolated from `.env` (compose reads it for that too) over an empty shell."""
    service = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"][name]
    assert service["env_file"] == ".env"
    shell = env_file(dotenv)
    environment = {key: interpolate(str(value), shell) for key, value in service["environment"].items()}
    return {**shell, **environment}


def entrypoint(environment: dict, tmp_path) -> subprocess.CompletedProcess:
    """deploy/entrypoint.sh in a fresh process with only that environment (plus what a container
    has anyway: a PATH with python on it, HOME, its writable VAR_DIR)."""
    env = {
        **environment,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "VAR_DIR": str(tmp_path / "var"),
    }
    return subprocess.run(  # noqa: S603 - our own script
        ["/bin/sh", "deploy/entrypoint.sh", "python", "-c", f"print({STARTED!r})"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_app_service_starts_through_the_checking_entrypoint():
    assert re.search(r'^ENTRYPOINT \["/app/deploy/entrypoint\.sh"\]$', (ROOT / "Dockerfile").read_text(), re.M)
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    template = (ROOT / ".env.example").read_text()
    environments = {}
    for name in APP_SERVICES:
        assert services[name]["build"] == "." and "entrypoint" not in services[name], name
        environments[name] = service_environment(name, template)
    # tests/test_proxy.py runs this healthcheck against gunicorn with production's ALLOWED_HOSTS.
    assert services["web"]["healthcheck"]["test"] == ["CMD", "python", "deploy/healthcheck.py"]
    environments["web"].pop("WEB_CONCURRENCY")
    assert all(environment == environments["web"] for environment in environments.values())


def test_with_the_template_as_env_file_the_containers_refuse_to_start(tmp_path):
    environment = service_environment("web", (ROOT / ".env.example").read_text())
    assert "STRIPE_SECRET_KEY" not in environment and environment["AWS_S3_ENDPOINT_URL"] == "http://minio:9000"
    result = entrypoint(environment, tmp_path)
    assert result.returncode == 78, result.stdout + result.stderr
    assert STARTED not in result.stdout
    assert "refusing to start" in result.stderr
    for check_id in [
        "platform.W001",  # the embedded secret key
        "platform.W002",  # the embedded Stripe webhook secret
        "platform.W003",  # the embedded carrier webhook secret
        "platform.W004",  # no Stripe key: the dummy gateway would take the payments
        "platform.W005",  # mail printed to the console
        "platform.W006",  # media URLs naming http://minio:9000
        "security.W004",  # no HSTS
        "security.W008",  # no HTTPS redirect
        "security.W012",  # session cookie not secure
        "security.W016",  # CSRF cookie not secure
    ]:
        assert check_id in result.stderr, check_id


PRODUCTION_DOTENV = f"""
# A filled-in .env (docs/operator-guide.md, "Deploy with docker compose").
DJANGO_SECRET_KEY={secrets.token_urlsafe(50)}
DJANGO_ALLOWED_HOSTS=shop.example.com
DJANGO_CSRF_TRUSTED_ORIGINS=https://shop.example.com
PUBLIC_BASE_URL=https://shop.example.com
DJANGO_SECURE_SSL_REDIRECT=true
DJANGO_SECURE_HSTS_SECONDS=31536000
DJANGO_SECURE_COOKIES=true
AWS_S3_PUBLIC_ENDPOINT_URL=https://shop.example.com
EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend
EMAIL_HOST=smtp.example.com
EMAIL_PORT=587
EMAIL_HOST_USER=platform
EMAIL_HOST_PASSWORD={secrets.token_hex(16)}
EMAIL_USE_TLS=true
DEFAULT_FROM_EMAIL="Platform <no-reply@shop.example.com>"
STRIPE_SECRET_KEY=sk_live_{secrets.token_hex(12)}
STRIPE_WEBHOOK_SECRET=whsec_{secrets.token_hex(16)}
CARRIER_WEBHOOK_SECRET={secrets.token_hex(32)}
POSTGRES_PASSWORD={secrets.token_hex(16)}
MINIO_ROOT_USER=platform-media
MINIO_ROOT_PASSWORD={secrets.token_hex(16)}
TLS_CERTIFICATE=/etc/letsencrypt/live/shop.example.com/fullchain.pem
TLS_CERTIFICATE_KEY=/etc/letsencrypt/live/shop.example.com/privkey.pem
"""


def test_with_every_production_value_set_the_containers_start(tmp_path):
    environment = service_environment("web", PRODUCTION_DOTENV)
    assert (
        environment["DATABASE_URL"].startswith("postgres://platform:")
        and "@postgres:5432/" in environment["DATABASE_URL"]
    )
    assert environment["AWS_SECRET_ACCESS_KEY"] == env_file(PRODUCTION_DOTENV)["MINIO_ROOT_PASSWORD"]
    result = entrypoint(environment, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert STARTED in result.stdout and "no issues" in result.stdout

""".env.example lists every variable the platform reads, and only those: the ones config/settings.py
takes from the environment (every env(...), env.bool(...), env.list(...) call, read with ast), the
ones docker-compose.yml interpolates, and the two boto3 reads itself."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Read by boto3 from the environment, never through settings.py.
BOTO3 = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}


def settings_variables() -> set[str]:
    found = set()
    for node in ast.walk(ast.parse((ROOT / "config" / "settings.py").read_text())):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        is_env = (isinstance(func, ast.Name) and func.id == "env") or (
            isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "env"
        )
        if is_env:
            assert node.args and isinstance(node.args[0], ast.Constant), ast.unparse(node)  # a name we can read
            found.add(node.args[0].value)
    return found


def compose_variables() -> set[str]:
    text = (ROOT / "docker-compose.yml").read_text().replace("$$", "")  # $$ is a literal dollar
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", text))


def example_variables() -> set[str]:
    return set(re.findall(r"^# ?([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.MULTILINE))


def test_the_readers_are_found():
    """The parsers see what they must (else the comparisons below would prove nothing)."""
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "DJANGO_SECURE_HSTS_PRELOAD", "SYNDICATION_RETRY_SECONDS"} <= (
        settings_variables()
    )
    assert {"MINIO_ROOT_PASSWORD", "TLS_CERTIFICATE", "APP_IMAGE"} <= compose_variables()


def test_every_variable_settings_read_is_in_env_example():
    assert sorted(settings_variables() - example_variables()) == []


def test_every_variable_compose_interpolates_is_in_env_example():
    assert sorted(compose_variables() - example_variables()) == []


def test_env_example_lists_nothing_that_nothing_reads():
    assert sorted(example_variables() - settings_variables() - compose_variables() - BOTO3) == []

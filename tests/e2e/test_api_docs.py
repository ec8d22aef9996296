"""The API docs as a newcomer opens them on a machine without internet: Swagger UI renders every
operation of the schema from the platform's own static files (every request goes to the live
server) under the production Content-Security-Policy. ReDoc's page: tests/core/test_api_docs.py."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db(transaction=True)
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def schema_operations() -> set[str]:
    """Swagger UI's element id of every operation: operations-<tag>-<operationId>."""
    schema = Client().get("/api/schema/", {"format": "json"}).json()
    return {
        # Swagger UI writes a tag's spaces as underscores in the id ("export voucher").
        f"operations-{tag.replace(' ', '_')}-{operation['operationId']}"
        for item in schema["paths"].values()
        for method, operation in item.items()
        if method in METHODS
        for tag in operation.get("tags", ["default"])
    }


def operations_rendered(page) -> set[str]:
    """Swagger UI keeps only the operations near the viewport in the page: scroll through it
    all, collecting the ids of the operations it renders on the way."""
    seen: set[str] = set()
    page.locator(".opblock").first.wait_for(timeout=60_000)
    for _ in range(400):
        seen |= set(page.locator(".opblock").evaluate_all("blocks => blocks.map(b => b.id)"))
        if page.locator("section.models").is_visible() and page.locator("section.models").bounding_box()["y"] < 900:
            break
        page.mouse.wheel(0, 600)
        page.wait_for_timeout(50)
    return seen


def assert_only_the_live_server(page):
    elsewhere = [url for url in page.requests if not url.startswith(page.base_url + "/")]
    assert page.requests and not elsewhere, elsewhere
    violations = [text for text in page.console_errors if "Content Security Policy" in text]
    assert not violations, violations


def test_swagger_ui_renders_every_operation_with_nothing_from_another_host(page):
    operations = schema_operations()
    response = page.open("/api/docs/")
    assert "'self'" in response.headers["content-security-policy"]
    assert len(operations) > 100
    assert operations_rendered(page) == operations
    assert_only_the_live_server(page)

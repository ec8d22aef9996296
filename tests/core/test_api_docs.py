"""The API docs' pages reference only this site (drf-spectacular-sidecar's static files), and
every response carries the Content-Security-Policy that keeps it so (the browser check of
Swagger UI is tests/e2e/test_api_docs.py)."""

import re

import pytest

pytestmark = pytest.mark.django_db


def urls_in(html: str) -> list[str]:
    return re.findall(r'(?:src|href|spec-url)="([^"]+)"', html)


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_the_docs_pages_load_only_from_this_site(client, path):
    response = client.get(path)
    assert response.status_code == 200
    urls = urls_in(response.content.decode())
    assert urls and all(url.startswith("/") and not url.startswith("//") for url in urls), urls
    assert any("drf_spectacular_sidecar" in url for url in urls)
    assert "<style>" not in response.content.decode() and "<script>" not in response.content.decode()
    assert response["Content-Security-Policy"].startswith("default-src 'self'")


def test_swagger_ui_starts_from_a_script_file_without_the_validator(client):
    script = client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert '"validatorUrl": null' in script.content.decode()


def test_only_redoc_may_use_inline_styles_and_scripts_never(client):
    """ReDoc injects its styles at run time; nothing else gets 'unsafe-inline'."""
    redoc = client.get("/api/redoc/")["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in redoc and "script-src" not in redoc
    for path in ("/api/docs/", "/admin/login/", "/api/v1/storefront/products/"):
        assert "unsafe-inline" not in client.get(path)["Content-Security-Policy"], path


def test_without_a_policy_setting_no_header_is_sent(client, settings):
    settings.CONTENT_SECURITY_POLICY = ""
    assert "Content-Security-Policy" not in client.get("/api/docs/")

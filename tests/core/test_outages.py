"""Faults, for real, cheaply: the cache and broker pointed at a dead Redis port, and the database
connection pointed at a dead PostgreSQL port then back, inside the app (no restart). The full
version, a throwaway PostgreSQL cluster restarted under load behind gunicorn, is
scripts/pg_restart_fault.py (`make faults`)."""

import pytest
from django.db import connection

from core.models import Job
from tests.factories import company_with_owner, owner_of, product, published
from tests.listings.test_import_export import IMPORT_URL, categories, upload, valid_file  # noqa: F401

DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down(settings, broker_down):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


@pytest.mark.django_db
def test_with_redis_down_the_storefront_still_serves_from_the_database(api, redis_down):
    api.raise_request_exception = False  # a 5xx answer, not the exception, is what clients see
    item = published(product())
    listing = api.get("/api/v1/storefront/products/")
    assert listing.status_code == 200, listing.content
    assert [p["slug"] for p in listing.json()["results"]] == [item.slug]
    assert api.get(f"/api/v1/storefront/products/{item.slug}/").status_code == 200


@pytest.mark.django_db
def test_with_the_broker_down_a_job_start_is_a_503_and_writes_nothing(api, redis_down, categories):  # noqa: F811
    api.raise_request_exception = False  # a 5xx answer, not the exception, is what clients see
    company = company_with_owner()
    api.as_user(owner_of(company))
    response = api.post(IMPORT_URL, {"file": upload(valid_file()), "company": company.pk}, format="multipart")
    assert response.status_code == 503, response.content
    assert response.json()["errors"][0]["code"] == "service_unavailable"
    assert response["Retry-After"]
    assert not Job.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_with_the_database_gone_requests_are_clean_503s_and_it_recovers_without_a_restart(api, caplog):
    api.raise_request_exception = False  # a 5xx answer, not the exception, is what clients see
    from core.services import user_token_get_or_create

    user = owner_of(company_with_owner())
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {user_token_get_or_create(user=user)}")
    assert api.get("/api/v1/auth/me/").status_code == 200
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"  # nothing listens there: as if PostgreSQL were restarting
    try:
        for path in ("/api/v1/auth/me/", "/api/v1/storefront/products/", "/api/v1/companies/"):
            response = api.get(path)
            assert response.status_code == 503, (path, response.content)
            assert response.json() == {
                "type": "server_error",
                "errors": [
                    {
                        "code": "service_unavailable",
                        "detail": "A service the platform depends on is unavailable; retry shortly.",
                        "attr": None,
                    }
                ],
            }
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
    assert api.get("/api/v1/auth/me/").status_code == 200
    # One warning line per refused request, naming the outage; no traceback each.
    answered = [r for r in caplog.records if r.name == "django.request"]
    assert len(answered) == 3 and {r.levelname for r in answered} == {"WARNING"}
    assert all(not r.exc_info and "OperationalError" in r.getMessage() for r in answered)

import pytest

from core.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def error_attrs(response) -> set:
    return {error["attr"] for error in response.json()["errors"]}


def test_register_then_token_then_me(api):
    response = api.post(
        "/api/v1/auth/register/",
        {"email": "Kim@Example.com", "password": "hanji-lamp-2026", "full_name": "Kim Ji-woo"},
    )
    assert response.status_code == 201, response.json()
    assert response.json()["email"] == "kim@example.com"
    assert "password" not in response.json()

    token = api.post("/api/v1/auth/token/", {"email": "KIM@example.com", "password": "hanji-lamp-2026"}).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    me = api.get("/api/v1/auth/me/").json()
    assert me["email"] == "kim@example.com"
    assert me["companies"] == [] and me["is_operator"] is False


def test_register_refuses_a_weak_password_and_writes_nothing(api):
    response = api.post("/api/v1/auth/register/", {"email": "a@example.com", "password": "123", "full_name": "A"})
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert error_attrs(response) == {"password"}
    assert not User.objects.filter(email="a@example.com").exists()


def test_register_refuses_a_taken_email(api):
    UserFactory(email="taken@example.com")
    response = api.post(
        "/api/v1/auth/register/", {"email": "TAKEN@example.com", "password": "hanji-lamp-2026", "full_name": "B"}
    )
    assert response.status_code == 400
    assert error_attrs(response) == {"email"}


def test_token_with_a_wrong_password_is_a_400_without_saying_which_part_is_wrong(api):
    user = UserFactory()
    response = api.post("/api/v1/auth/token/", {"email": user.email, "password": "wrong-password"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["detail"] == "Wrong email or password."


def test_login_is_throttled(api, settings):
    user = UserFactory()
    for _ in range(20):
        api.post("/api/v1/auth/token/", {"email": user.email, "password": "nope"})
    response = api.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "throttled"


def test_me_needs_a_token(api):
    response = api.get("/api/v1/auth/me/")
    assert response.status_code == 401
    assert response.json()["type"] == "client_error"
    assert response.json()["errors"][0]["code"] == "not_authenticated"


def test_an_invalid_bearer_token_is_a_401(api):
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert api.get("/api/v1/auth/me/").status_code == 401


@pytest.mark.parametrize(
    ("body", "content_type", "attr"),
    [
        ('{"email": "x@example.com", "password": ', "application/json", None),
        ('["a list"]', "application/json", "non_field_errors"),
        ('{"email": 5, "password": ["x"], "full_name": {}}', "application/json", "email"),
        (
            '{"email": "x@example.com", "password": "hanji-lamp-2026", "full_name": "X", "is_staff": true}',
            "application/json",
            "is_staff",
        ),
    ],
    ids=["malformed-json", "not-an-object", "wrong-types", "unknown-field"],
)
def test_bad_bodies_are_4xx_with_the_error_shape_and_write_nothing(api, body, content_type, attr):
    response = api.generic("POST", "/api/v1/auth/register/", body, content_type=content_type)
    assert response.status_code == 400
    payload = response.json()
    assert set(payload) == {"type", "errors"}
    assert all(set(error) == {"code", "detail", "attr"} for error in payload["errors"])
    if attr:
        assert attr in error_attrs(response)
    assert User.objects.count() == 0


def test_a_body_over_the_limit_is_a_413(api, settings):
    settings.API_MAX_BODY_BYTES = 1000
    body = '{"email": "x@example.com", "password": "hanji-lamp-2026", "full_name": "' + "x" * 2000 + '"}'
    response = api.generic("POST", "/api/v1/auth/register/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "request_too_large"
    assert User.objects.count() == 0


def test_with_debug_on_a_malformed_id_is_a_json_404_not_the_debug_page(api, settings):
    settings.DEBUG = True  # make run
    response = api.get("/api/v1/orders/not-a-number/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"][0]["code"] == "not_found"


def test_with_debug_on_an_error_outside_drf_is_a_json_500_not_the_debug_page(settings, monkeypatch):
    from rest_framework.test import APIClient

    from core.middleware import OperatorOtpMiddleware

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in a middleware, before any DRF view")

    settings.DEBUG = True
    monkeypatch.setattr(OperatorOtpMiddleware, "__call__", broken)
    response = APIClient(raise_request_exception=False).get("/api/v1/categories/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "type": "server_error",
        "errors": [{"code": "error", "detail": "Server Error (500)", "attr": None}],
    }


def test_an_unsupported_media_type_is_a_415(api):
    response = api.generic("POST", "/api/v1/auth/register/", "<xml/>", content_type="application/xml")
    assert response.status_code == 415


@pytest.mark.parametrize("page_size", ["101", "0", "abc", "-1"])
def test_page_size_outside_1_to_100_is_a_400_naming_page_size(api, page_size):
    api.as_user(UserFactory())
    response = api.get("/api/v1/brands/", {"page_size": page_size})
    assert response.status_code == 400
    assert error_attrs(response) == {"page_size"}


def test_page_size_100_is_allowed(api):
    api.as_user(UserFactory())
    assert api.get("/api/v1/brands/", {"page_size": "100"}).status_code == 200


def test_every_response_carries_a_request_id_and_keeps_a_sane_incoming_one(api):
    response = api.get("/api/v1/auth/me/", HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"
    generated = api.get("/api/v1/auth/me/", HTTP_X_REQUEST_ID="bad id with spaces\n")["X-Request-ID"]
    assert generated != "bad id with spaces\n" and len(generated) == 32


@pytest.mark.parametrize(
    "path, params, attr",
    [
        ("/api/v1/jobs/", {"status": ""}, "status"),  # a django-filter filter
        ("/api/v1/brands/", {"page": ""}, "page"),  # pagination
        ("/api/v1/storefront/products/", {"brand": " "}, "brand"),  # a query serializer
        ("/api/v1/storefront/products/", {"ordering": ""}, "ordering"),
    ],
)
def test_a_query_parameter_sent_without_a_value_is_a_400_naming_it(api, path, params, attr):
    """Ignoring it would answer everything, which a client cannot tell from a match."""
    api.as_user(UserFactory())
    response = api.get(path, params)
    assert response.status_code == 400, response.content
    assert error_attrs(response) == {attr}


def test_a_search_text_may_be_empty(api):
    assert api.get("/api/v1/storefront/products/", {"q": ""}).status_code == 200


@pytest.mark.django_db
def test_job_resume_starts_a_queued_job_takes_over_a_running_one_and_leaves_a_finished_one():
    from core.models import Job
    from core.services import job_cancel, job_create, job_resume

    job = job_create(kind="settlement_run", owner=None, scope={})
    started = job_resume(job_id=job.pk)
    assert started.status == Job.Status.RUNNING and started.started_at is not None
    again = job_resume(job_id=job.pk)
    assert (again.status, again.started_at) == (Job.Status.RUNNING, started.started_at)
    job_cancel(job=job)
    assert job_resume(job_id=job.pk) is None

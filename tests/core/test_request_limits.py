"""Every limit Django enforces on a request body (DATA_UPLOAD_MAX_MEMORY_SIZE,
DATA_UPLOAD_MAX_NUMBER_FIELDS, DATA_UPLOAD_MAX_NUMBER_FILES) and the API's own API_MAX_BODY_BYTES
is a 413 in the error shape naming the limit, on a JSON, a form and a multipart endpoint, and
nothing is written. Before, Django's exceptions escaped as 500s."""

import json
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from integrations.models import Channel, SyndicationJob
from listings.models import Product, ProductMedia
from tests.factories import company_with_owner, owner_of, png_bytes, product

pytestmark = pytest.mark.django_db
FORM = "application/x-www-form-urlencoded"
MB = 1024 * 1024


def assert_refused(response, code: str, limit: str):
    assert response.status_code == 413, (response.status_code, response.content[:500])
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["type"] == "client_error"
    assert [e["code"] for e in body["errors"]] == [code], body
    assert limit in body["errors"][0]["detail"], body


@pytest.mark.parametrize("size", [int(1.5 * MB), 6 * MB], ids=["1.5MB", "6MB"])
def test_an_oversized_json_body_is_a_413_at_any_size(api, size):
    """6 MB is past Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB): DRF read the whole body for
    a JSONParser subclass before our parser's limit, and Django's RequestDataTooBig was a 500."""
    company = company_with_owner()
    api.as_user(owner_of(company))
    body = json.dumps({"company": company.pk, "category": 1, "title": "x" * size})
    response = api.post("/api/v1/products/", body, content_type="application/json")
    assert_refused(response, "request_too_large", "API_MAX_BODY_BYTES")
    assert not Product.objects.exists()


@pytest.fixture
def syndication(api, operator):
    channel = Channel.objects.create(
        code="amazon", name="Amazon", connector="amazon", base_url="http://127.0.0.1:9", destination_country="US"
    )
    api.as_user(operator)
    return channel


def test_a_form_with_too_many_fields_is_a_413(api, syndication):
    fields = [("channel", syndication.code)] + [("products", str(n)) for n in range(1, 1002)]
    response = api.post("/api/v1/syndication-jobs/", urlencode(fields), content_type=FORM)
    assert_refused(response, "too_many_fields", "DATA_UPLOAD_MAX_NUMBER_FIELDS")
    assert not SyndicationJob.objects.exists()


def test_a_form_body_past_the_memory_limit_is_a_413(api, syndication):
    body = urlencode({"channel": syndication.code, "mode": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    response = api.post("/api/v1/syndication-jobs/", body, content_type=FORM)
    assert_refused(response, "request_too_large", "DATA_UPLOAD_MAX_MEMORY_SIZE")
    assert not SyndicationJob.objects.exists()


@pytest.fixture
def media_url(api):
    item = product()
    api.as_user(owner_of(item.company))
    return f"/api/v1/products/{item.pk}/media/"


def _png(n=0):
    return SimpleUploadedFile(f"p{n}.png", png_bytes(), content_type="image/png")


@pytest.mark.parametrize(
    ("data", "code", "limit"),
    [
        (lambda: {"image": _png(), **{f"f{n}": "1" for n in range(1001)}}, "too_many_fields", "NUMBER_FIELDS"),
        (lambda: {"image": [_png(n) for n in range(101)]}, "too_many_files", "DATA_UPLOAD_MAX_NUMBER_FILES"),
        (lambda: {"image": _png(), "alt": "x" * (3 * MB)}, "request_too_large", "DATA_UPLOAD_MAX_MEMORY_SIZE"),
    ],
    ids=["fields", "files", "memory"],
)
def test_multipart_past_a_django_limit_is_a_413(api, media_url, data, code, limit):
    before = ProductMedia.objects.count()
    response = api.post(media_url, data(), format="multipart")
    assert_refused(response, code, limit)
    assert ProductMedia.objects.count() == before

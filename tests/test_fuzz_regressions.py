"""Regressions for what the schemathesis run (tests/test_fuzz.py) found, one test each, so each
fix stays proven even if the fuzzer's examples change."""

import pytest
import yaml

from marketplace.models import Checkout
from tests.factories import owner_of, product, published

pytestmark = pytest.mark.django_db


def test_an_api_url_matching_no_route_is_a_json_404(api):
    response = api.get("/api/v1/products/not%20an%20id/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    error = {"code": "not_found", "detail": "Not found.", "attr": None}
    assert response.json() == {"type": "client_error", "errors": [error]}


def test_deleting_a_draft_whose_variants_are_in_a_checkout_is_a_409_and_deletes_nothing(api):
    draft = product()
    checkout = Checkout.objects.create(email="b@example.com", currency="USD", shipping_address={"country": "US"})
    checkout.lines.create(variant=draft.variants.get(), quantity=1)
    response = api.as_user(owner_of(draft.company)).delete(f"/api/v1/products/{draft.pk}/")
    assert response.status_code == 409, response.content
    assert response.json()["errors"][0]["code"] == "conflict"
    assert draft.variants.exists()


def test_storefront_variant_weights_are_decimal_strings(api):
    item = published(product())
    variants = api.get(f"/api/v1/storefront/products/{item.slug}/").json()["variants"]
    assert variants and all(isinstance(v["weight_kg"], str) for v in variants), variants


def test_the_schema_documents_the_storefront_page_once_and_every_error_status(api):
    schema = yaml.safe_load(api.get("/api/schema/").content)
    page = schema["paths"]["/api/v1/storefront/products/"]["get"]["responses"]["200"]
    assert page["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/StorefrontProductPage"}
    publish = schema["paths"]["/api/v1/products/{id}/publish/"]["post"]["responses"]
    assert {"400", "401", "403", "404", "409"} <= set(publish)
    assert "FieldError" in schema["components"]["schemas"]

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


# --- issue 23: what an outside fuzz (Schemathesis against `make run`) found ----------------------


@pytest.mark.parametrize("country", [{}, "", "XX", "France", "FRA", 250, None], ids=repr)
def test_a_buyer_company_without_a_real_country_is_a_400_naming_country_and_stores_nothing(api, country):
    from marketplace.models import BuyerCompany
    from tests.factories import UserFactory

    body = {"name": "0", "country": country, "website": "https://0.com", "profile": ""}
    response = api.as_user(UserFactory()).post("/api/v1/buyer-companies/", body, format="json")
    assert response.status_code == 400, response.content
    assert [e["attr"] for e in response.json()["errors"]] == ["country"]
    assert not BuyerCompany.objects.exists()


def test_a_country_code_in_lower_case_is_stored_upper_case(api):
    from tests.factories import UserFactory

    body = {"name": "Berlin Paper", "country": "de"}
    response = api.as_user(UserFactory()).post("/api/v1/buyer-companies/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["country"] == "DE"


def _numbers(node, where=""):
    """Every place in a schema that declares a JSON number."""
    if isinstance(node, dict):
        if node.get("type") == "number":
            yield where
        for key, value in node.items():
            yield from _numbers(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _numbers(value, f"{where}/{index}")


def test_the_schema_declares_no_json_numbers_decimals_are_strings(api):
    """One rule for the whole API (docs/api-conventions.md): decimals are strings with the
    `decimal` format, as money amounts are. `used_m3` was declared a number and served a string."""
    schema = yaml.safe_load(api.get("/api/schema/").content)
    assert list(_numbers(schema)) == []
    used = schema["components"]["schemas"]["StorageAllotment"]["properties"]["used_m3"]
    assert (used["type"], used["format"]) == ("string", "decimal")


def test_storage_allotments_serve_volumes_as_the_schema_declares(api):
    from datetime import date, timedelta

    from logistics.models import StorageAllotment
    from tests.factories import company_with_owner
    from tests.logistics.helpers import network

    company, today = company_with_owner(), date.today()
    StorageAllotment.objects.create(
        company=company, warehouse=network()["lax"], volume_m3=12, starts_on=today, ends_on=today + timedelta(30)
    )
    row = api.as_user(owner_of(company)).get("/api/v1/storage-allotments/").json()["results"][0]
    assert (row["allotted_m3"], row["used_m3"]) == ("12.000", "0.000"), row

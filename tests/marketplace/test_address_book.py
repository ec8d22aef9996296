"""A buyer's address book through the API, and a billing address apart from shipping at checkout,
carried to the order."""

import pytest
from rest_framework.test import APIClient

from marketplace.models import BuyerAddress, Checkout, Order
from tests.factories import UserFactory
from tests.marketplace.conftest import LA, TOKYO
from tests.marketplace.test_checkout import authed, choose, complete, stocked_lamp

pytestmark = pytest.mark.django_db
BILLING = {
    "name": "Sato Trading",
    "lines": ["2-1 Marunouchi"],
    "city": "Tokyo",
    "postal_code": "100-0005",
    "country": "JP",
}


def test_an_address_book_keeps_several_addresses_and_one_default():
    buyer = authed(UserFactory())
    home = buyer.post("/api/v1/addresses/", {"label": "Home", "address": TOKYO}, format="json")
    assert home.status_code == 201 and home.json()["is_default"]  # the first is the default
    office = buyer.post("/api/v1/addresses/", {"label": "Office", "address": BILLING}, format="json").json()
    assert not office["is_default"]
    made = buyer.patch(f"/api/v1/addresses/{office['id']}/", {"is_default": True}, format="json")
    assert made.status_code == 200 and made.json()["is_default"]
    listed = buyer.get("/api/v1/addresses/").json()["results"]
    assert [(a["label"], a["is_default"]) for a in listed] == [("Office", True), ("Home", False)]
    refused = buyer.patch(f"/api/v1/addresses/{office['id']}/", {"is_default": False}, format="json")
    assert refused.status_code == 400 and refused.json()["errors"][0]["attr"] == "is_default"
    # Deleting the default makes the remaining one the default.
    assert buyer.delete(f"/api/v1/addresses/{office['id']}/").status_code == 204
    assert BuyerAddress.objects.get().is_default


def test_bad_addresses_name_the_field_and_another_buyers_book_is_a_404():
    owner = authed(UserFactory())
    bad = owner.post("/api/v1/addresses/", {"address": {**TOKYO, "postal_code": "12"}}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["attr"] == "address.postal_code"
    missing = owner.post("/api/v1/addresses/", {"label": "x"}, format="json")
    assert missing.status_code == 400 and missing.json()["errors"][0]["attr"] == "address"
    assert not BuyerAddress.objects.exists()
    entry = owner.post("/api/v1/addresses/", {"address": TOKYO}, format="json").json()
    stranger = authed(UserFactory())
    assert stranger.get(f"/api/v1/addresses/{entry['id']}/").status_code == 404
    assert stranger.delete(f"/api/v1/addresses/{entry['id']}/").status_code == 404
    assert stranger.get("/api/v1/addresses/").json()["count"] == 0
    assert APIClient().get("/api/v1/addresses/").status_code == 401


def test_checkout_ships_to_the_default_bills_apart_and_the_order_keeps_both(network):
    item = stocked_lamp(network)
    user = UserFactory()
    buyer = authed(user)
    buyer.post("/api/v1/addresses/", {"label": "Home", "address": TOKYO}, format="json")
    office = buyer.post("/api/v1/addresses/", {"label": "Office", "address": BILLING}, format="json").json()
    body = {"lines": [{"sku": item.variants.get().sku, "quantity": 1}], "currency": "JPY", "email": user.email}
    created = buyer.post("/api/v1/checkouts/", body | {"billing_address_id": office["id"]}, format="json")
    assert created.status_code == 201, created.json()
    checkout = created.json()
    assert checkout["shipping_address"]["city"] == "Tokyo" and checkout["shipping_address"]["postal_code"] == "104-0061"
    assert checkout["billing_address"]["name"] == "Sato Trading"
    choose(buyer, checkout["id"])
    assert complete(buyer, checkout["id"]).status_code == 201
    order = Order.objects.get()
    assert order.shipping_address["lines"] == TOKYO["lines"] and order.billing_address["name"] == "Sato Trading"
    shown = buyer.get(f"/api/v1/orders/{order.pk}/").json()
    assert shown["billing_address"]["postal_code"] == "100-0005"


def test_bad_billing_or_someone_elses_address_is_a_400_and_writes_nothing(network):
    item = stocked_lamp(network)
    other = authed(UserFactory())
    foreign = other.post("/api/v1/addresses/", {"address": LA}, format="json").json()
    buyer = authed(UserFactory())
    body = {"lines": [{"sku": item.variants.get().sku, "quantity": 1}], "currency": "JPY", "email": "b@example.com"}
    cases = [
        (body | {"shipping_address": TOKYO, "billing_address": {**BILLING, "city": ""}}, "billing_address.city"),
        (body | {"shipping_address_id": foreign["id"]}, "shipping_address_id"),
        (body, "shipping_address"),  # no address and no default
        (body | {"shipping_address": TOKYO, "shipping_address_id": foreign["id"]}, "shipping_address_id"),
    ]
    for payload, attr in cases:
        response = buyer.post("/api/v1/checkouts/", payload, format="json")
        assert response.status_code == 400, response.json()
        assert attr in {e["attr"] for e in response.json()["errors"]}, response.json()
    anonymous = APIClient().post("/api/v1/checkouts/", body | {"shipping_address_id": foreign["id"]}, format="json")
    assert anonymous.status_code == 400 and anonymous.json()["errors"][0]["attr"] == "shipping_address_id"
    assert not Checkout.objects.exists()

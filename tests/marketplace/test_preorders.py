"""Preorders and made to order (docs/decisions/0029): a variant sold beyond stock up to its cap,
the expected ship date on the storefront, the checkout and the order, nothing of it fulfilled at
payment, allocation to the inbound shipment that brings the goods, and fulfilment when that
shipment is stocked. Through the API, as the SME, the buyer and the operator use it."""

import random
import threading
from datetime import date, timedelta

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone
from rest_framework.test import APIClient

from listings.models import Variant
from logistics.models import Backorder, Fulfilment, Reservation, Stock
from marketplace.models import Order
from marketplace.services.storefront import storefront_cache_bump
from tests.factories import OperatorFactory, owner_of
from tests.logistics.helpers import assert_ledger_balanced, receive
from tests.marketplace.conftest import lamp
from tests.marketplace.test_checkout import authed, choose, complete, start

pytestmark = pytest.mark.django_db

PARCEL = {"weight_kg": "1.2", "length_cm": "30", "width_cm": "20", "height_cm": "10"}
INBOUND = "/api/v1/inbound-shipments/"


def today() -> date:
    return timezone.localdate()


def sell_beyond_stock(item, **availability):
    """The SME sets the variant's availability through the product API (the variant's other
    fields sent back as they are, so nothing is held for review)."""
    owner = authed(owner_of(item.company))
    current = owner.get(f"/api/v1/products/{item.pk}/").json()["variants"][0]
    variant = {k: v for k, v in current.items() if k != "id" and v is not None} | availability
    return owner.patch(f"/api/v1/products/{item.pk}/", {"variants": [variant]}, format="json")


def preorder_lamp(network, *, in_stock=0, **availability):
    item = lamp()
    if in_stock:
        receive(item.variants.get(), network["warehouses"]["tyo-dc"], in_stock)
    response = sell_beyond_stock(item, **availability)
    assert response.status_code == 200, response.json()
    return item


def buy(item, quantity, *, email="buyer@example.com"):
    """A checkout of the lamp with the DAP option chosen: (client, checkout body)."""
    client = APIClient()
    checkout = start(client, item.variants.get().sku, quantity, email=email)
    body, _ = choose(client, checkout["id"], "DAP")
    return client, body


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    """Runs what a request queues on commit (tasks run eagerly): the test's transaction never commits."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def pay(commits, client, checkout_id, key="key-1") -> Order:
    response = complete(client, checkout_id, key)
    assert response.status_code == 201, response.json()
    secret = response.json()["payment"]["client_secret"]
    confirm = {"client_secret": secret, "card_number": "4242424242424242"}
    with commits():
        assert APIClient().post("/api/v1/payments/dummy/confirm/", confirm).status_code < 300
    return Order.objects.get(number=response.json()["order"])


def shop_variant(item) -> dict:
    """The storefront's variant; stock moves reach it when its cache expires, as here."""
    storefront_cache_bump()
    return APIClient().get(f"/api/v1/storefront/products/{item.slug}/").json()["variants"][0]


def order_detail(order) -> dict:
    return authed(order.buyer).get(f"/api/v1/orders/{order.pk}/").json() if order.buyer else None


def inbound(item, quantity, *, expected_on, warehouse):
    """The SME announces an inbound shipment of the lamp through the API."""
    owner = authed(owner_of(item.company))
    created = owner.post(
        INBOUND,
        {
            "company": item.company.pk,
            "warehouse": warehouse.pk,
            "expected_on": str(expected_on),
            "lines": [{"variant": item.variants.get().pk, "quantity": quantity}],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    asn = created.json()
    assert owner.post(f"{INBOUND}{asn['id']}/dispatch/", {"carrier": "CJ", "tracking_number": "CJ1"}).status_code == 200
    return asn


def stock_it(commits, asn, *, passed, failed=0):
    """The operator receives, inspects and stocks the shipment through the API."""
    operator = authed(OperatorFactory())
    line = asn["lines"][0]["id"]
    received = operator.post(
        f"{INBOUND}{asn['id']}/receive/",
        {"lines": [{"line": line, "quantity_received": passed + failed}]},
        format="json",
    )
    assert received.status_code == 200, received.json()
    result = {"line": line, "quantity_passed": passed, "quantity_failed": failed}
    if failed:
        result["defect_codes"] = ["crushed-box"]
    inspected = operator.post(f"{INBOUND}{asn['id']}/inspect/", {"lines": [result]}, format="json")
    assert inspected.status_code == 200, inspected.json()
    with commits():
        stocked = operator.post(f"{INBOUND}{asn['id']}/stock/")
    assert stocked.status_code == 200, stocked.json()
    return operator


def buyer_client():
    from tests.factories import UserFactory

    user = UserFactory()
    return user, authed(user)


def buy_as(user, client, item, quantity):
    checkout = client.post(
        "/api/v1/checkouts/",
        {
            "lines": [{"sku": item.variants.get().sku, "quantity": quantity}],
            "currency": "JPY",
            "email": user.email,
            "shipping_address": {
                "name": "Sato Hanako",
                "lines": ["1-2-3 Ginza, Chuo-ku"],
                "city": "Tokyo",
                "postal_code": "104-0061",
                "country": "JP",
            },
        },
        format="json",
    )
    assert checkout.status_code == 201, checkout.json()
    body, _ = choose(client, checkout.json()["id"], "DAP")
    return body


# --- the SME's settings ----------------------------------------------------------------------


def test_the_sme_sets_availability_cap_and_lead_time_and_bad_values_are_400s_naming_the_field(network):
    item = lamp()
    response = sell_beyond_stock(item, availability="preorder", preorder_cap=5, lead_time_days=20)
    assert response.status_code == 200, response.json()
    variant = response.json()["variants"][0]
    assert (variant["availability"], variant["preorder_cap"], variant["lead_time_days"]) == ("preorder", 5, 20)
    assert not item.revisions.exists()  # not a material edit: live at once

    for change, attr in (
        ({"preorder_cap": -1}, "variants.0.preorder_cap"),
        ({"availability": "someday"}, "variants.0.availability"),
        ({"availability": "made_to_order", "lead_time_days": None}, "variants.0.lead_time_days"),
        ({"availability": "preorder", "lead_time_days": None, "expected_on": None}, "variants.0.lead_time_days"),
        ({"lead_time_days": 400}, "variants.0.lead_time_days"),
    ):
        refused = sell_beyond_stock(item, **change)
        assert refused.status_code == 400, (change, refused.json())
        assert attr in {error["attr"] for error in refused.json()["errors"]}, refused.json()
    variant = Variant.objects.get(pk=variant["id"])
    assert (variant.availability, variant.preorder_cap, variant.lead_time_days) == ("preorder", 5, 20)


def test_the_database_refuses_a_negative_cap():
    from django.db import IntegrityError

    variant = lamp().variants.get()
    variant.preorder_cap = -1
    with pytest.raises(IntegrityError):
        variant.save()


# --- buying beyond stock ----------------------------------------------------------------------


def test_preorders_sell_beyond_stock_up_to_the_cap_then_409_and_are_not_fulfilled_at_payment(
    network, eager_celery, commits
):
    item = preorder_lamp(network, in_stock=2, availability="preorder", preorder_cap=3, lead_time_days=20)
    sku = item.variants.get().sku
    assert shop_variant(item)["availability"] == "low_stock"  # 2 in stock: sold from stock first

    buyer, client = buyer_client()
    checkout = buy_as(buyer, client, item, 4)  # 2 from stock, 2 beyond it
    ships_on = today() + timedelta(days=20)  # no inbound shipment yet: after the lead time
    line = checkout["lines"][0]
    assert (line["availability"], line["ships_on"]) == ("preorder", str(ships_on))
    order = pay(commits, client, checkout["id"])

    detail = order_detail(order)
    assert detail["status"] == "paid"
    (line,) = detail["lines"]
    assert (line["quantity"], line["quantity_backordered"], line["availability"], line["ships_on"]) == (
        4,
        2,
        "preorder",
        str(ships_on),
    )
    # At payment only the 2 units in stock go to fulfilment; the preordered 2 wait for goods.
    (fulfilment,) = Fulfilment.objects.filter(reference=order.reservation_reference)
    assert [(fl.variant.sku, fl.quantity) for fl in fulfilment.lines.all()] == [(sku, 2)]
    assert Fulfilment.objects.count() == 1
    assert list(Backorder.objects.values_list("reference", "quantity", "status")) == [
        (order.reservation_reference, 2, "waiting")
    ]

    # None in stock now and 1 unit left under the cap: the storefront says preorder.
    shop = shop_variant(item)
    assert (shop["availability"], shop["ships_on"]) == ("preorder", str(ships_on))
    client, checkout = buy(item, 2, email="late@example.com")
    refused = complete(client, checkout["id"], "key-2")
    assert refused.status_code == 409, refused.json()
    assert refused.json()["errors"][0]["code"] == "insufficient_stock"
    assert f"{sku}: 1 of 2 available" in str(refused.json())
    client, checkout = buy(item, 1, email="last@example.com")
    assert complete(client, checkout["id"], "key-3").status_code == 201
    assert Backorder.objects.filter(status="waiting").count() == 2
    shop = shop_variant(item)
    assert (shop["availability"], shop["ships_on"]) == ("out_of_stock", None)
    assert_ledger_balanced()


def test_an_inbound_shipment_takes_the_oldest_preorders_and_stocking_it_ships_them(network, eager_celery, commits):
    tyo = network["warehouses"]["tyo-dc"]
    item = preorder_lamp(network, in_stock=1, availability="preorder", preorder_cap=10, lead_time_days=30)
    first_buyer, first_client = buyer_client()
    first = pay(commits, first_client, buy_as(first_buyer, first_client, item, 3)["id"])  # 1 from stock, 2 preordered
    second_buyer, second_client = buyer_client()
    # 4 preordered
    second = pay(commits, second_client, buy_as(second_buyer, second_client, item, 4)["id"], key="key-2")

    # The SME announces 5 units: the oldest order's 2 first, then 3 of the second's 4.
    expected = today() + timedelta(days=9)
    asn = inbound(item, 5, expected_on=expected, warehouse=tyo)
    assert sorted(Backorder.objects.values_list("reference", "quantity", "status")) == sorted(
        [
            (first.reservation_reference, 2, "allocated"),
            (second.reservation_reference, 3, "allocated"),
            (second.reservation_reference, 1, "waiting"),
        ]
    )
    # The buyers see the inbound shipment's date; the unit it cannot bring keeps the lead time.
    assert order_detail(first)["lines"][0]["ships_on"] == str(expected)
    assert order_detail(second)["lines"][0]["ships_on"] == str(today() + timedelta(days=30))

    # 5 arrive, 1 fails inspection: the first order's 2, then 2 of the second's 3 allocated.
    operator = stock_it(commits, asn, passed=4, failed=1)
    first_ship = Fulfilment.objects.get(reference=f"{first.reservation_reference}:inbound:{asn['id']}")
    second_ship = Fulfilment.objects.get(reference=f"{second.reservation_reference}:inbound:{asn['id']}")
    assert [(fl.quantity, fl.fulfilment.warehouse.code) for fl in first_ship.lines.all()] == [(2, "tyo-dc")]
    assert [fl.quantity for fl in second_ship.lines.all()] == [2]
    stock = Stock.objects.get(variant=item.variants.get(), warehouse=tyo)
    # 1 + 4 received; 1 reserved by the first order's stock line, 2 + 2 by the backorders.
    assert (stock.on_hand, stock.reserved, stock.quarantined) == (5, 5, 1)
    assert sorted(Backorder.objects.values_list("reference", "quantity", "status")) == sorted(
        [
            (first.reservation_reference, 2, "released"),
            (second.reservation_reference, 2, "released"),
            (second.reservation_reference, 1, "waiting"),
            (second.reservation_reference, 1, "waiting"),
        ]
    )
    assert "backorder_fulfilment_requested" in [e["kind"] for e in order_detail(first)["events"]]

    # The warehouse ships the preordered units: the buyer sees the shipment on the order.
    base = f"/api/v1/fulfilments/{first_ship.pk}"
    assert operator.post(f"{base}/pick/").status_code == 200
    assert operator.post(f"{base}/pack/", {"parcels": [PARCEL]}, format="json").status_code == 200
    shipped = operator.post(
        f"{base}/ship/", {"carrier": "UPS", "service": "standard", "tracking_number": "1ZPRE1"}, format="json"
    )
    assert shipped.status_code == 201, shipped.json()
    shipments = order_detail(first)["shipments"]
    assert [(s["tracking_number"], [line["quantity"] for line in s["lines"]]) for s in shipments] == [("1ZPRE1", [2])]
    assert_ledger_balanced()


def test_made_to_order_ships_after_its_lead_time_from_the_inbound_that_brings_it(network, eager_celery, commits):
    tyo = network["warehouses"]["tyo-dc"]
    item = preorder_lamp(network, availability="made_to_order", preorder_cap=5, lead_time_days=14)
    shop = shop_variant(item)
    ships_on = str(today() + timedelta(days=14))
    assert (shop["availability"], shop["ships_on"]) == ("made_to_order", ships_on)
    buyer, client = buyer_client()
    checkout = buy_as(buyer, client, item, 2)
    assert (checkout["lines"][0]["availability"], checkout["lines"][0]["ships_on"]) == ("made_to_order", ships_on)
    order = pay(commits, client, checkout["id"])
    assert order_detail(order)["lines"][0]["ships_on"] == ships_on
    # Nothing in stock: no reservation and nothing to fulfil at payment.
    assert not Reservation.objects.exists() and not Fulfilment.objects.exists()
    assert [e["kind"] for e in order_detail(order)["events"]][:3] == ["placed", "backordered", "paid"]

    asn = inbound(item, 2, expected_on=today() + timedelta(days=12), warehouse=tyo)
    stock_it(commits, asn, passed=2)
    (fulfilment,) = Fulfilment.objects.all()
    assert fulfilment.reference == f"{order.reservation_reference}:inbound:{asn['id']}"
    assert [fl.quantity for fl in fulfilment.lines.all()] == [2]
    assert order_detail(order)["lines"][0]["ships_on"] is None  # nothing waits for goods any more


def test_a_cancelled_preorder_gives_its_units_to_the_next_waiting_order(network, eager_celery, commits):
    tyo = network["warehouses"]["tyo-dc"]
    item = preorder_lamp(network, availability="preorder", preorder_cap=4, lead_time_days=10)
    first_buyer, first_client = buyer_client()
    first = pay(commits, first_client, buy_as(first_buyer, first_client, item, 2)["id"])
    second_buyer, second_client = buyer_client()
    second = pay(commits, second_client, buy_as(second_buyer, second_client, item, 2)["id"], key="key-2")
    inbound(item, 2, expected_on=today() + timedelta(days=5), warehouse=tyo)
    assert Backorder.objects.get(reference=first.reservation_reference).status == "allocated"
    assert Backorder.objects.get(reference=second.reservation_reference).status == "waiting"

    cancelled = first_client.post(f"/api/v1/orders/{first.pk}/cancel/", {"reason": "changed my mind"})
    assert cancelled.status_code == 200, cancelled.json()
    assert Backorder.objects.get(reference=first.reservation_reference).status == "cancelled"
    assert Backorder.objects.get(reference=second.reservation_reference).status == "allocated"
    # The cap counts what waits now: 2 units free again.
    client, checkout = buy(item, 2, email="third@example.com")
    assert complete(client, checkout["id"], "key-3").status_code == 201


# --- concurrency --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("seed", [3, 4])
def test_buyers_racing_for_the_last_preorder_units_get_exactly_those_left(network, seed):
    item = preorder_lamp(network, availability="preorder", preorder_cap=5, lead_time_days=10)
    client, checkout = buy(item, 2, email="early@example.com")
    assert complete(client, checkout["id"], "early").status_code == 201  # 3 left under the cap
    made = [buy(item, 1, email=f"b{i}@example.com") for i in range(12)]
    random.Random(seed).shuffle(made)
    statuses = []
    barrier = threading.Barrier(len(made))

    def race(client, checkout_id):
        try:
            barrier.wait()
            statuses.append(complete(client, checkout_id, key=f"race-{checkout_id}").status_code)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=race, args=(client, body["id"])) for client, body in made]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] * 3 + [409] * 9
    assert sum(Backorder.objects.filter(status="waiting").values_list("quantity", flat=True)) == 5
    assert Order.objects.count() == 4

"""Exchanges through the API, as a buyer in Tokyo and the operators walk them: a delivered line
is returned for a replacement (another variant of the same product, or the same one), the goods
are graded at the returns centre, and the replacement ships as a second shipment on the same
order; a dearer replacement waits for the difference to be paid, a cheaper one refunds it."""

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import Event
from core.services import user_token_get_or_create
from listings.models import B2CPrice
from logistics.models import Fulfilment, Reservation, Stock, Warehouse
from marketplace.models import Exchange, Order, Payment, Refund, ReturnRequest
from marketplace.services.exchanges import exchanges_payment_sweep
from marketplace.services.statements import statement_compute
from tests.factories import OperatorFactory, UserFactory
from tests.logistics.helpers import assert_ledger_balanced, receive
from tests.marketplace.conftest import TOKYO, lamp

pytestmark = pytest.mark.django_db
_n = itertools.count(1)
PARCEL = {"weight_kg": "1.000", "length_cm": "20.0", "width_cm": "20.0", "height_cm": "20.0"}


def authed(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {user_token_get_or_create(user=user)}")
    return client


def ship_and_deliver(staff: APIClient, fulfilment_id: int) -> int:
    assert staff.post(f"/api/v1/fulfilments/{fulfilment_id}/pick/").status_code == 200
    assert (
        staff.post(f"/api/v1/fulfilments/{fulfilment_id}/pack/", {"parcels": [PARCEL]}, format="json").status_code
        == 200
    )
    shipped = staff.post(
        f"/api/v1/fulfilments/{fulfilment_id}/ship/",
        {"carrier": "Yamato", "service": "standard", "tracking_number": f"YMT-EX-{next(_n)}"},
    )
    assert shipped.status_code == 201, shipped.json()
    delivered = staff.post(
        f"/api/v1/shipments/{shipped.json()['id']}/events/",
        {"status": "delivered", "occurred_at": "2026-11-20T10:00:00Z", "location": "Tokyo"},
    )
    assert delivered.status_code in (200, 201), delivered.json()
    return shipped.json()["id"]


@pytest.fixture
def journey(network, eager_celery, django_capture_on_commit_callbacks):
    """A delivered order of `quantity` size-S lamps (sizes S, M and L, 5 of each in the Tokyo DC)
    in `currency` at `price` per lamp, with the buyer's and the operators' clients."""

    def run(*, currency: str, price: Decimal, quantity: int):
        n = next(_n)
        sizes = ("S", "M", "L")
        item = lamp(
            b2c_prices={currency: price},
            variants=[
                {"sku": f"EX-{n}-{size}", "weight_kg": Decimal("0.800"), "options": {"size": size}} for size in sizes
            ],
        )
        variants = {v.options["size"]: v for v in item.variants.all()}
        tokyo = Warehouse.objects.get(code="tyo-dc")
        for variant in variants.values():
            receive(variant, tokyo, 5)
        buyer = UserFactory()
        client = authed(buyer)
        checkout = client.post(
            "/api/v1/checkouts/",
            {
                "lines": [{"sku": variants["S"].sku, "quantity": quantity}],
                "currency": currency,
                "email": buyer.email,
                "shipping_address": TOKYO,
            },
            format="json",
        ).json()
        options = client.get(f"/api/v1/checkouts/{checkout['id']}/shipping-options/").json()
        dap = next(o for o in options if o["incoterm"] == "DAP" and o["warehouse"] == "tyo-dc")
        client.patch(f"/api/v1/checkouts/{checkout['id']}/", {"shipping_option": dap["id"]}, format="json")
        with django_capture_on_commit_callbacks(execute=True):
            completed = client.post(f"/api/v1/checkouts/{checkout['id']}/complete/", HTTP_IDEMPOTENCY_KEY=f"ex-{n}")
        completed = completed.json()
        with django_capture_on_commit_callbacks(execute=True):
            paid = APIClient().post(
                "/api/v1/payments/dummy/confirm/",
                {"client_secret": completed["payment"]["client_secret"], "card_number": "4242424242424242"},
            )
        assert paid.json()["status"] == "succeeded", paid.json()
        order = Order.objects.get(number=completed["order"])
        staff = authed(OperatorFactory())
        [fulfilment] = staff.get("/api/v1/fulfilments/", {"reference": order.reservation_reference}).json()["results"]
        ship_and_deliver(staff, fulfilment["id"])
        order.refresh_from_db()
        assert order.status == "fulfilled"
        return {"order": order, "line": order.lines.get(), "variants": variants, "client": client, "staff": staff}

    return run


def request_exchange(j, replacement, *, quantity, reason="changed_mind"):
    return j["client"].post(
        "/api/v1/returns/",
        {
            "order_line": j["line"].pk,
            "quantity": quantity,
            "reason": reason,
            "resolution": "exchange",
            "replacement_variant": replacement.pk,
        },
        format="json",
    )


def goods_back(j, return_id, *, quantity, grades, capture):
    """The operators approve, receive and grade the returned goods."""
    staff = j["staff"]
    assert staff.post(f"/api/v1/returns/{return_id}/approve/").json()["status"] == "approved"
    received = staff.post(
        f"/api/v1/returns/{return_id}/receive/", {"quantity_received": quantity, "quantity_damaged": 0}
    )
    assert received.json()["status"] == "received", received.json()
    with capture(execute=True):
        inspected = staff.post(f"/api/v1/returns/{return_id}/inspect/", {"grades": grades}, format="json")
    assert inspected.json()["status"] == "inspected", inspected.json()
    return inspected.json()


def on_hand(variant, code="tyo-dc") -> int:
    return Stock.objects.get(variant=variant, warehouse__code=code).on_hand


def test_same_price_exchange_ships_a_second_shipment_on_the_same_order(
    journey, django_capture_on_commit_callbacks, client
):
    j = journey(currency="JPY", price=Decimal("5000"), quantity=2)
    order, medium = j["order"], j["variants"]["M"]
    requested = request_exchange(j, medium, quantity=2)
    assert requested.status_code == 201, requested.json()
    body = requested.json()
    assert body["resolution"] == "exchange"
    assert body["exchange"]["status"] == "requested"
    assert (body["exchange"]["replacement_sku"], body["exchange"]["quantity"]) == (medium.sku, 2)
    assert body["exchange"]["unit_price"] == {"amount": "5000", "currency": "JPY"}
    assert body["exchange"]["difference"] == {"amount": "0", "currency": "JPY"}

    inspected = goods_back(j, body["id"], quantity=2, grades={"A": 2}, capture=django_capture_on_commit_callbacks)
    assert inspected["refund"] is None  # the replacement instead of the money
    assert inspected["exchange"]["status"] == "fulfilment_requested"
    assert Reservation.objects.get(reference=f"exchange:{body['exchange']['id']}").status == "active"

    staff = j["staff"]
    [fulfilment] = staff.get("/api/v1/fulfilments/", {"reference": f"exchange:{body['exchange']['id']}"}).json()[
        "results"
    ]
    assert fulfilment["warehouse"] == "tyo-dc"
    ship_and_deliver(staff, fulfilment["id"])
    assert on_hand(medium) == 3  # 5 less the 2 replacements
    assert on_hand(j["variants"]["S"]) == 3  # the original shipment only

    detail = j["client"].get(f"/api/v1/orders/{order.pk}/").json()
    assert len(detail["shipments"]) == 2
    assert [(line["sku"], line["quantity"]) for line in detail["shipments"][1]["lines"]] == [(medium.sku, 2)]
    assert detail["shipments"][1]["status"] == "delivered"
    [exchange] = detail["exchanges"]
    assert (exchange["status"], exchange["original_sku"], exchange["replacement_sku"]) == (
        "delivered",
        j["line"].sku,
        medium.sku,
    )
    assert exchange["shipments"] == [detail["shipments"][1]]
    assert exchange["payment"] is None and exchange["refund"] is None
    assert detail["status"] == "fulfilled" and len(detail["lines"]) == 1  # the order's lines stay what was bought
    assert "exchange_shipped" in [e["kind"] for e in detail["events"]]
    # No money moved: the one payment, no refund.
    assert Payment.objects.filter(order=order).count() == 1 and not Refund.objects.filter(order=order).exists()

    # The operators see the exchange and its shipment on the return's admin page.
    client.force_login(OperatorFactory())
    page = client.get(f"/admin/marketplace/returnrequest/{body['id']}/change/").content.decode()
    assert f"2 x {medium.sku}: Delivered; difference 0 JPY" in page
    assert detail["shipments"][1]["tracking_number"] in page

    # The returned lamps are handled as any return's: restocked at the returns centre as grade A.
    resolved = staff.post(f"/api/v1/returns/{body['id']}/resolve/", {"disposition": "restock"})
    assert resolved.json()["status"] == "resolved"
    centre = Stock.objects.get(variant=j["variants"]["S"], warehouse__kind=Warehouse.Kind.RETURNS_CENTRE)
    assert centre.on_hand == 2
    assert_ledger_balanced()

    [shipped] = Event.objects.filter(type="return.exchange_shipped")
    assert shipped.company_ids == [j["line"].seller_id]
    assert shipped.data["return"]["id"] == body["id"] and shipped.data["return"]["resolution"] == "exchange"
    assert shipped.data["exchange"] == {
        "id": exchange["id"],
        "status": "shipped",
        "replacement_sku": medium.sku,
        "quantity": 2,
        "difference": {"amount": "0", "currency": "JPY"},
    }
    assert shipped.data["shipment"]["carrier"] == "Yamato"


def test_a_dearer_replacement_waits_for_the_exact_difference(journey, django_capture_on_commit_callbacks):
    j = journey(currency="USD", price=Decimal("34.50"), quantity=2)
    large = j["variants"]["L"]
    B2CPrice.objects.filter(product=large.product, currency="USD").update(amount=Decimal("41.25"))  # set-up: price up
    requested = request_exchange(j, large, quantity=2, reason="defective")
    assert requested.status_code == 201, requested.json()
    body = requested.json()
    assert body["exchange"]["difference"] == {"amount": "13.50", "currency": "USD"}  # 2 x (41.25 - 34.50)

    inspected = goods_back(j, body["id"], quantity=2, grades={"C": 2}, capture=django_capture_on_commit_callbacks)
    exchange = j["client"].get(f"/api/v1/returns/{body['id']}/").json()["exchange"]
    assert inspected["refund"] is None
    assert exchange["status"] == "awaiting_payment"
    payment = exchange["payment"]
    assert (payment["amount"], payment["status"]) == ({"amount": "13.50", "currency": "USD"}, "requires_payment_method")
    assert payment["client_secret"]  # the buyer's to confirm
    assert j["staff"].get(f"/api/v1/returns/{body['id']}/").json()["exchange"]["payment"]["client_secret"] is None
    # Until paid the replacement waits: reserved, not handed to the warehouse.
    reference = f"exchange:{exchange['id']}"
    assert Reservation.objects.get(reference=reference).status == "active"
    assert not Fulfilment.objects.filter(reference=reference).exists()

    with django_capture_on_commit_callbacks(execute=True):
        paid = APIClient().post(
            "/api/v1/payments/dummy/confirm/",
            {"client_secret": payment["client_secret"], "card_number": "4242424242424242"},
        )
    assert paid.json()["status"] == "succeeded"
    assert paid.json()["captured_amount"] == {"amount": "13.50", "currency": "USD"}
    detail = j["client"].get(f"/api/v1/orders/{j['order'].pk}/").json()
    assert detail["exchanges"][0]["status"] == "fulfilment_requested"
    assert [p["amount"]["amount"] for p in detail["payments"]] == ["13.50", detail["totals"]["total"]["amount"]]
    assert detail["status"] == "fulfilled"
    assert Fulfilment.objects.filter(reference=reference).count() == 1
    assert not Refund.objects.filter(order=j["order"]).exists()
    # The difference is the seller's sale in the month the buyer paid it, beside the original sale.
    figures = statement_compute(company=j["order"].lines.get().seller, period=timezone.localdate().strftime("%Y-%m"))
    [difference] = [line for line in figures.lines if line["type"] == "exchange_difference"]
    assert (difference["original"], difference["sku"]) == ({"amount": "13.50", "currency": "USD"}, large.sku)
    sold = [Decimal(line["amount"]) for line in figures.lines if line["type"] in ("sale", "exchange_difference")]
    assert len(sold) == 2 and figures.sales == sum(sold) and Decimal(difference["amount"]) > 0


def test_a_cheaper_replacement_refunds_the_exact_difference_in_yen(journey, django_capture_on_commit_callbacks):
    j = journey(currency="JPY", price=Decimal("4999"), quantity=1)
    medium = j["variants"]["M"]
    B2CPrice.objects.filter(product=medium.product, currency="JPY").update(amount=Decimal("4250"))  # set-up: on sale
    requested = request_exchange(j, medium, quantity=1)
    assert requested.json()["exchange"]["difference"] == {"amount": "-749", "currency": "JPY"}
    return_id = requested.json()["id"]

    goods_back(j, return_id, quantity=1, grades={"A": 1}, capture=django_capture_on_commit_callbacks)
    exchange = j["client"].get(f"/api/v1/returns/{return_id}/").json()["exchange"]
    assert exchange["status"] == "fulfilment_requested"
    assert exchange["refund"]["amount"] == {"amount": "749", "currency": "JPY"}
    assert exchange["refund"]["status"] == "executed"  # through the gateway, after commit
    [payment] = j["client"].get(f"/api/v1/orders/{j['order'].pk}/").json()["payments"]
    assert payment["refunded_amount"] == {"amount": "749", "currency": "JPY"}
    assert Refund.objects.get(order=j["order"]).amount == Decimal("749")


def test_the_same_variant_swaps_like_for_like_whatever_the_price_now(journey, django_capture_on_commit_callbacks):
    j = journey(currency="JPY", price=Decimal("5000"), quantity=1)
    small = j["variants"]["S"]
    B2CPrice.objects.filter(product=small.product, currency="JPY").update(amount=Decimal("6000"))
    requested = request_exchange(j, small, quantity=1, reason="defective")
    assert requested.json()["exchange"]["difference"] == {"amount": "0", "currency": "JPY"}
    goods_back(j, requested.json()["id"], quantity=1, grades={"C": 1}, capture=django_capture_on_commit_callbacks)
    assert Exchange.objects.get().status == "fulfilment_requested"
    assert not Refund.objects.exists()


def test_invalid_replacements_are_400s_naming_the_field(journey):
    j = journey(currency="JPY", price=Decimal("5000"), quantity=1)
    other = lamp(variants=[{"sku": f"EX-OTHER-{next(_n)}", "weight_kg": Decimal("0.800")}]).variants.get()
    receive(other, Warehouse.objects.get(code="tyo-dc"), 5)
    empty = j["variants"]["L"]
    Stock.objects.filter(variant=empty).update(on_hand=0)  # set-up: sold out (the ledger is not checked here)

    def refused(body: dict, detail: str):
        response = j["client"].post(
            "/api/v1/returns/",
            {"order_line": j["line"].pk, "quantity": 1, "reason": "changed_mind", **body},
            format="json",
        )
        assert response.status_code == 400, response.json()
        [error] = response.json()["errors"]
        assert error["attr"] == "replacement_variant"
        assert detail in error["detail"]

    refused({"resolution": "exchange", "replacement_variant": other.pk}, "same product")
    refused({"resolution": "exchange", "replacement_variant": empty.pk}, "Only 0 units")
    refused({"resolution": "exchange", "replacement_variant": 999999}, "No such variant")
    refused({"resolution": "exchange"}, "names the replacement")
    refused({"resolution": "refund", "replacement_variant": j["variants"]["M"].pk}, "Only an exchange")
    response = j["client"].post(
        "/api/v1/returns/",
        {"order_line": j["line"].pk, "quantity": 1, "reason": "changed_mind", "resolution": "swap"},
        format="json",
    )
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "resolution"
    assert not ReturnRequest.objects.exists() and not Exchange.objects.exists()  # nothing half-written


def test_a_failed_inspection_falls_back_to_the_returns_refund(journey, django_capture_on_commit_callbacks):
    j = journey(currency="JPY", price=Decimal("5000"), quantity=1)
    requested = request_exchange(j, j["variants"]["M"], quantity=1)  # changed mind: goods must come back as new
    inspected = goods_back(
        j, requested.json()["id"], quantity=1, grades={"B": 1}, capture=django_capture_on_commit_callbacks
    )
    assert inspected["exchange"]["status"] == "declined"
    assert "grade A" in inspected["exchange"]["note"]
    assert inspected["refund"]["amount"] == {"amount": "4250", "currency": "JPY"}  # grade B: 85 %, as returns do
    assert not Reservation.objects.filter(reference__startswith="exchange:").exists()
    assert not Fulfilment.objects.filter(reference__startswith="exchange:").exists()
    assert on_hand(j["variants"]["M"]) == 5
    assert "exchange_declined" in [e["kind"] for e in inspected["events"]]


def test_a_lost_payment_request_is_swept_up(journey, django_capture_on_commit_callbacks):
    j = journey(currency="JPY", price=Decimal("5000"), quantity=1)
    large = j["variants"]["L"]
    B2CPrice.objects.filter(product=large.product, currency="JPY").update(amount=Decimal("5600"))
    return_id = request_exchange(j, large, quantity=1, reason="wrong_item").json()["id"]
    staff = j["staff"]
    staff.post(f"/api/v1/returns/{return_id}/approve/")
    staff.post(f"/api/v1/returns/{return_id}/receive/", {"quantity_received": 1, "quantity_damaged": 0})
    with django_capture_on_commit_callbacks(execute=False):  # the broker was down: the task is lost
        staff.post(f"/api/v1/returns/{return_id}/inspect/", {"grades": {"A": 1}}, format="json")
    exchange = Exchange.objects.get()
    assert (exchange.status, exchange.payment) == ("awaiting_payment", None)
    assert exchanges_payment_sweep() == 0  # not yet overdue
    later = timezone.now() + timedelta(minutes=16)
    assert exchanges_payment_sweep(now=later) == 1
    exchange.refresh_from_db()
    assert (exchange.payment.amount, exchange.payment.currency) == (Decimal("600"), "JPY")
    assert exchanges_payment_sweep(now=later) == 0

"""The whole journey through the API, as a buyer in Japan and the platform's operators would
walk it: browse in Chinese with prices in yen, check out DDP, pay, ship from the Tokyo DC,
deliver, return to the East-Asia returns centre, and get the refund."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from core.models import Event
from core.money import Money
from core.services import user_token_get_or_create
from marketplace.models import Order
from marketplace.payments import to_minor
from tests.factories import OperatorFactory, UserFactory
from tests.logistics.helpers import assert_ledger_balanced, receive
from tests.marketplace.conftest import TOKYO, lamp
from tests.marketplace.stripe_transport import signed

pytestmark = pytest.mark.django_db


def authed(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {user_token_get_or_create(user=user)}")
    return client


def _pay(gateway: str, order: Order, client_secret: str) -> None:
    if gateway == "dummy":
        paid = APIClient().post(
            "/api/v1/payments/dummy/confirm/", {"client_secret": client_secret, "card_number": "4242 4242 4242 4242"}
        )
        assert paid.json()["status"] == "succeeded"
        return
    payment = order.payments.get()
    body, header = signed(
        {
            "id": "evt_paid",
            "type": "payment_intent.succeeded",
            "data": {
                "object": {
                    "id": payment.intent_id,
                    "currency": "jpy",
                    "amount_received": to_minor(Money(payment.amount, payment.currency)),
                }
            },
        },
        "whsec_test_platform",
    )
    response = APIClient().generic(
        "POST", "/api/v1/payments/stripe/webhook/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )
    assert response.status_code == 200


@pytest.mark.parametrize("gateway", ["dummy", "stripe"])
def test_browse_in_chinese_pay_in_yen_ship_deliver_return_refund(
    gateway, network, eager_celery, django_capture_on_commit_callbacks, request
):
    transport = request.getfixturevalue("stripe_gateway") if gateway == "stripe" else None
    item = lamp()
    sku = item.variants.get().sku
    receive(item.variants.get(), network["warehouses"]["tyo-dc"], 5)
    receive(item.variants.get(), network["warehouses"]["icn-hub"], 50)

    # Browse in Chinese, prices in yen.
    shop = APIClient().get("/api/v1/storefront/products/", {"lang": "zh-hans", "currency": "JPY", "q": "韩纸"}).json()
    card = shop["results"][0]
    assert card["text"]["title"] == "韩纸月亮灯" and card["price"]["currency"] == "JPY"

    # Check out DDP to Tokyo as a signed-in buyer.
    buyer = UserFactory()
    client = authed(buyer)
    checkout = client.post(
        "/api/v1/checkouts/",
        {
            "lines": [{"sku": sku, "quantity": 3}],
            "currency": "JPY",
            "email": buyer.email,
            "shipping_address": TOKYO,
        },
    ).json()
    options = client.get(f"/api/v1/checkouts/{checkout['id']}/shipping-options/").json()
    ddp = next(o for o in options if o["incoterm"] == "DDP" and o["warehouse"] == "tyo-dc")
    totals = client.patch(f"/api/v1/checkouts/{checkout['id']}/", {"shipping_option": ddp["id"]}).json()["totals"]
    assert Decimal(totals["taxes"]["amount"]) > 0
    with django_capture_on_commit_callbacks(execute=True):
        completed = client.post(f"/api/v1/checkouts/{checkout['id']}/complete/", HTTP_IDEMPOTENCY_KEY="buy-1").json()
    order = Order.objects.get(number=completed["order"])
    assert completed["payment"]["gateway"] == gateway
    if transport:
        assert transport.intents_created()[0]["params"]["currency"] == "jpy"

    # Pay: the order is paid and logistics is asked to ship it (the reservation is in Tokyo).
    with django_capture_on_commit_callbacks(execute=True):
        _pay(gateway, order, completed["payment"]["client_secret"])
    order.refresh_from_db()
    assert order.status == "paid"
    assert client.get(f"/api/v1/orders/{order.pk}/").json()["status"] == "paid"

    # The warehouse picks, packs and ships; the carrier delivers.
    staff = authed(OperatorFactory())
    fulfilments = staff.get("/api/v1/fulfilments/").json()["results"]
    assert [(f["warehouse"], f["status"]) for f in fulfilments] == [("tyo-dc", "requested")]
    fulfilment = fulfilments[0]["id"]
    assert staff.post(f"/api/v1/fulfilments/{fulfilment}/pick/").status_code == 200
    parcel = {"weight_kg": "2.600", "length_cm": "30.0", "width_cm": "30.0", "height_cm": "30.0"}
    assert staff.post(f"/api/v1/fulfilments/{fulfilment}/pack/", {"parcels": [parcel]}).status_code == 200
    shipped = staff.post(
        f"/api/v1/fulfilments/{fulfilment}/ship/",
        {"carrier": "Yamato", "service": "standard", "tracking_number": f"YMT-{gateway}-1"},
    )
    assert shipped.status_code == 201, shipped.json()
    shipment = shipped.json()["id"]
    delivered = staff.post(
        f"/api/v1/shipments/{shipment}/events/",
        {"status": "delivered", "occurred_at": "2026-11-20T10:00:00Z", "location": "Tokyo"},
    )
    assert delivered.status_code in (200, 201), delivered.json()
    order.refresh_from_db()
    assert order.status == "fulfilled"
    line = order.lines.get()
    assert line.quantity_fulfilled == 3
    # The buyer follows the parcel on the order itself.
    [parcel_seen] = client.get(f"/api/v1/orders/{order.pk}/").json()["shipments"]
    assert (parcel_seen["carrier"], parcel_seen["tracking_number"], parcel_seen["status"]) == (
        "Yamato",
        f"YMT-{gateway}-1",
        "delivered",
    )
    assert ("delivered", "Tokyo") in [(e["status"], e["location"]) for e in parcel_seen["events"]]
    assert [(line["sku"], line["quantity"]) for line in parcel_seen["lines"]] == [(sku, 3)]
    assert client.get("/api/v1/orders/").json()["results"][0]["shipments"] == [parcel_seen]

    # The buyer returns one lamp; it goes to the East-Asia returns centre, not back to Korea.
    requested = client.post("/api/v1/returns/", {"order_line": line.pk, "quantity": 1, "reason": "damaged"})
    assert requested.status_code == 201, requested.json()
    return_id = requested.json()["id"]
    assert staff.post(f"/api/v1/returns/{return_id}/approve/").json()["status"] == "approved"
    from logistics.models import PhysicalReturn

    assert PhysicalReturn.objects.get(reference=f"return:{return_id}").returns_centre.code in (
        "tyo-dc",
        "shanghai-returns",
    )
    received = staff.post(f"/api/v1/returns/{return_id}/receive/", {"quantity_received": 1, "quantity_damaged": 1})
    assert received.json()["status"] == "received", received.json()
    with django_capture_on_commit_callbacks(execute=True):
        inspected = staff.post(f"/api/v1/returns/{return_id}/inspect/", {"grades": {"C": 1}})
    assert inspected.json()["status"] == "inspected", inspected.json()
    refund = inspected.json()["refund"]
    assert refund["status"] == "granted"  # executed after commit, below
    order.refresh_from_db()
    assert order.refunds.get().status == "executed"
    assert Decimal(order.refunds.get().amount) == line.unit_price  # the seller's fault: in full
    # Every amount the buyer reads is in yen's minor units: none (the columns hold four places).
    detail = client.get(f"/api/v1/orders/{order.pk}/").json()
    [payment] = detail["payments"]
    yen = {"amount": str(order.total.quantize(Decimal(1))), "currency": "JPY"}
    assert payment["amount"] == payment["captured_amount"] == yen
    assert payment["refunded_amount"] == {"amount": str(line.unit_price.quantize(Decimal(1))), "currency": "JPY"}
    assert refund["amount"] == payment["refunded_amount"]
    if transport:
        refunds = [r for r in transport.requests if r["url"].endswith("/v1/refunds")]
        assert len(refunds) == 1 and refunds[0]["idempotency_key"] == f"refund:{order.refunds.get().pk}"
    resolved = staff.post(f"/api/v1/returns/{return_id}/resolve/", {"disposition": "dispose"})
    assert resolved.json()["status"] == "resolved"
    assert client.get(f"/api/v1/returns/{return_id}/").json()["status"] == "resolved"
    # A second inspection cannot pay twice: the return is resolved.
    assert staff.post(f"/api/v1/returns/{return_id}/inspect/", {"grades": {"C": 1}}).status_code == 409
    assert_ledger_balanced()

    # Each step recorded its catalogue event (docs/events.md), about the seller's company only.
    journey = Event.objects.filter(type__regex=r"^(order|shipment|return|refund)\.").order_by("pk")
    assert [e.type for e in journey] == [
        "order.placed",
        "order.paid",
        "shipment.shipped",
        "shipment.delivered",
        "order.fulfilled",
        "return.requested",
        "return.approved",
        "return.received",
        "refund.executed",
        "return.resolved",
    ]
    assert {tuple(e.company_ids) for e in journey} == {(item.company_id,)}
    shipped_event = journey[2].data["shipment"]
    assert (shipped_event["carrier"], shipped_event["tracking_number"]) == ("Yamato", f"YMT-{gateway}-1")
    assert journey[0].data["order"]["number"] == order.number
    assert journey[8].data["refund"]["amount"] == payment["refunded_amount"]

"""A buyer company's webhook endpoints (docs/events.md, "Subscribing as a buyer company"): its
owners subscribe to the events about its own orders, shipments, refunds, returns, RFQs and
quotes, through the API, and receive them at a real receiver on loopback (tests/core/receiver.py);
never another buyer's, never a seller-only event."""

import json

import pytest

from core.models import WebhookEndpoint
from logistics.models import Fulfilment
from logistics.services import fulfilment_pack, fulfilment_pick, fulfilment_ship
from marketplace.services.payment_events import order_payment_confirm
from marketplace.services.trade_orders import quote_accept
from tests.core.receiver import Receiver
from tests.factories import OperatorFactory, company_with_owner, owner_of
from tests.logistics.helpers import receive
from tests.marketplace.desk_helpers import PARCEL
from tests.marketplace.trade_helpers import TOKYO_OFFICE, b2b_product, buyer, quote, rfq

pytestmark = pytest.mark.django_db

BUYER_EVENTS = ["rfq.posted", "quote.submitted", "quote.accepted", "order.placed", "order.paid", "shipment.shipped"]


def subscribe(api, user, url, **owner):
    response = api.as_user(user).post("/api/v1/webhooks/", {"url": url, "events": BUYER_EVENTS, **owner})
    assert response.status_code == 201, response.json()
    return response.json()


def b2b_order_shipped(run, warehouse, seller, buyer_company, user):
    """The buyer's RFQ quoted by the seller, accepted on bank transfer, confirmed paid by an
    operator and shipped from the Tokyo DC; each step's events dispatched (`run`)."""
    item = run(lambda: b2b_product(seller))
    receive(item.variants.get(), warehouse, 1000)
    offer = run(lambda: rfq(buyer_company, user))
    offered = run(lambda: quote(offer, item))
    order, _ = run(
        lambda: quote_accept(actor=user, quote=offered, payment_terms="bank_transfer", shipping_address=TOKYO_OFFICE)
    )
    operator = OperatorFactory()
    run(lambda: order_payment_confirm(actor=operator, order=order, reference="MUFG-1"))
    for fulfilment in Fulfilment.objects.filter(reference=order.reservation_reference).order_by("pk"):
        fulfilment_pick(fulfilment=fulfilment, actor=operator)
        fulfilment_pack(fulfilment=fulfilment, parcels=[PARCEL], actor=operator)
        run(
            lambda f=fulfilment: fulfilment_ship(
                fulfilment=f, carrier="EMS", service="standard", tracking_number=f"EE{order.pk}KR", actor=operator
            )
        )
    return order


def test_a_buyer_company_hears_of_its_own_order_once_and_never_of_another_buyers(
    api, eager_celery, network, django_capture_on_commit_callbacks
):
    def run(step):
        with django_capture_on_commit_callbacks(execute=True):
            return step()

    warehouse = network["warehouses"]["tyo-dc"]
    seller = company_with_owner()
    (zakka, zakka_owner), (osaka, osaka_owner) = buyer(), buyer(name="Osaka Living", country="JP")
    with Receiver() as receiver:
        subscribe(api, zakka_owner, f"{receiver.url}/zakka", buyer_company=zakka.pk)
        subscribe(api, osaka_owner, f"{receiver.url}/osaka", buyer_company=osaka.pk)
        response = api.as_user(owner_of(seller)).post(
            "/api/v1/webhooks/", {"company": seller.pk, "url": f"{receiver.url}/seller", "events": ["order.paid"]}
        )
        assert response.status_code == 201
        order = b2b_order_shipped(run, warehouse, seller, zakka, zakka_owner)
        got = {}
        for sent in receiver.requests:
            got.setdefault(sent["path"], []).append(json.loads(sent["body"]))

    assert order.buyer_company_id == zakka.pk
    zakka_got = got["/hook/zakka"]
    assert sorted(body["type"] for body in zakka_got) == sorted(BUYER_EVENTS)
    assert all(body["data"]["buyer_company"] == zakka.pk for body in zakka_got)
    paid = next(body for body in zakka_got if body["type"] == "order.paid")
    assert paid["data"]["order"]["number"] == order.number
    assert paid["data"]["order"]["total"] == {"amount": f"{order.total:.2f}", "currency": "USD"}
    shipped = next(body for body in zakka_got if body["type"] == "shipment.shipped")
    assert shipped["data"]["shipment"]["reference"] == f"order:{order.pk}"
    assert shipped["data"]["shipment"]["tracking_number"] == f"EE{order.pk}KR"
    # Another buyer hears nothing of it; the seller hears of the payment without the buyer named.
    assert "/hook/osaka" not in got
    [seller_paid] = got["/hook/seller"]
    assert seller_paid["id"] == paid["id"] and "buyer_company" not in seller_paid["data"]


def test_a_buyer_company_subscribes_only_to_its_own_events_and_only_as_its_owner(api):
    zakka, owner = buyer()
    _, other_owner = buyer(name="Osaka Living")
    url = "http://127.0.0.1:9/hook"
    api.as_user(owner)
    response = api.post("/api/v1/webhooks/", {"buyer_company": zakka.pk, "url": url, "events": ["payout.sent"]})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["attr"] == "events" and "payout.sent" in error["detail"]
    both = {"buyer_company": zakka.pk, "company": company_with_owner().pk, "url": url, "events": ["order.paid"]}
    assert api.post("/api/v1/webhooks/", both).json()["errors"][0]["attr"] == "buyer_company"
    mine = api.post("/api/v1/webhooks/", {"buyer_company": zakka.pk, "url": url, "events": ["order.paid"]})
    assert mine.status_code == 201 and mine.json()["buyer_company"] == zakka.pk and mine.json()["company"] is None
    endpoint = mine.json()["id"]
    patched = api.patch(f"/api/v1/webhooks/{endpoint}/", {"events": ["order.paid", "stock.low"]})
    assert patched.status_code == 400 and patched.json()["errors"][0]["attr"] == "events"
    assert WebhookEndpoint.objects.get(pk=endpoint).events == ["order.paid"]

    # Its staff who are not owners, and other buyers' owners, neither subscribe nor see it.
    api.as_user(other_owner)
    response = api.post("/api/v1/webhooks/", {"buyer_company": zakka.pk, "url": url, "events": ["order.paid"]})
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "buyer_company"
    assert api.get(f"/api/v1/webhooks/{endpoint}/").status_code == 404
    assert api.get("/api/v1/webhooks/").json()["count"] == 0

"""Quotes on every incoterm the RFQ accepts, each pricing only what the term puts on the seller:
the goods (EXW, FOB), freight and insurance (CIF), freight (DAP), freight, duties and taxes (DDP)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from marketplace.models import Order, Quote
from marketplace.services.quote_pricing import CIF_COVER, CIF_PREMIUM_RATE
from tests.factories import OperatorFactory, owner_of
from tests.logistics.helpers import receive
from tests.marketplace.trade_helpers import TOKYO_OFFICE, b2b_product, quote, rfq

pytestmark = pytest.mark.django_db


def quote_via_api(api, offer, item, incoterm):
    api.as_user(owner_of(item.company))
    response = api.post(
        f"/api/v1/rfqs/{offer.pk}/quotes/",
        {
            "product": item.pk,
            "quantity": 500,
            "incoterm": incoterm,
            "valid_until": str(timezone.localdate() + timedelta(days=10)),
            "lead_time_days": 20,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def amounts(body):
    return {name: Decimal(money["amount"]) for name, money in body["totals"].items()}


def test_each_incoterm_prices_only_what_it_includes(api, network):
    item = b2b_product()
    quoted = {term: amounts(quote_via_api(api, rfq(), item, term)) for term in ("EXW", "FOB", "CIF", "DAP", "DDP")}
    subtotal = quoted["EXW"]["subtotal"]
    assert all(q["subtotal"] == subtotal for q in quoted.values())
    for term in ("EXW", "FOB"):  # the goods at the warehouse or on board: nothing else
        assert quoted[term]["shipping"] == quoted[term]["insurance"] == quoted[term]["duties"] == 0
        assert quoted[term]["total"] == subtotal
    cif, dap, ddp = quoted["CIF"], quoted["DAP"], quoted["DDP"]
    assert cif["shipping"] == dap["shipping"] == ddp["shipping"] > 0
    expected = ((subtotal + cif["shipping"]) * CIF_COVER * CIF_PREMIUM_RATE).quantize(Decimal("0.01"))
    assert cif["insurance"] == expected > 0
    assert cif["duties"] == cif["taxes"] == dap["duties"] == dap["taxes"] == dap["insurance"] == 0
    assert ddp["taxes"] > 0 and ddp["insurance"] == 0
    assert cif["total"] == subtotal + cif["shipping"] + cif["insurance"]
    assert ddp["total"] == subtotal + ddp["shipping"] + ddp["duties"] + ddp["taxes"]


def test_exw_records_no_freight_and_the_duties_as_the_buyers_estimate(api, network):
    body = quote_via_api(api, rfq(), b2b_product(), "EXW")
    assert body["freight"] == {"included": False}
    assert body["duty_estimate"]["available"] is True and body["duty_estimate"]["charged"] is False


def test_the_database_refuses_insurance_outside_cif(network):
    q = quote(rfq(), b2b_product(), incoterm="DAP")
    with pytest.raises(IntegrityError), transaction.atomic():
        Quote.objects.filter(pk=q.pk).update(insurance=Decimal("1"), total=q.total + 1)


def test_an_accepted_cif_quote_becomes_an_order_with_insurance_in_its_shipping(api, network):
    offer, item = rfq(), b2b_product()
    receive(item.variants.get(), network["warehouses"]["tyo-dc"], 1000)
    body = quote_via_api(api, offer, item, "CIF")
    api.as_user(offer.created_by)
    response = api.post(
        f"/api/v1/quotes/{body['id']}/accept/",
        {"payment_terms": "bank_transfer", "shipping_address": TOKYO_OFFICE},
        format="json",
    )
    assert response.status_code == 201, response.json()
    order = Order.objects.get(pk=response.json()["order_id"])
    quoted = amounts(body)
    assert order.incoterm == "CIF" and order.total == quoted["total"]
    assert order.shipping == quoted["shipping"] + quoted["insurance"]
    assert order.shipping_option["insurance"]["premium"]["amount"] == str(quoted["insurance"])
    # Confirmed as paid, it is fulfilled under its own incoterm.
    api.as_user(OperatorFactory())
    confirmed = api.post(f"/api/v1/b2b-orders/{order.pk}/confirm-payment/", {"reference": "SWIFT 9"}, format="json")
    assert confirmed.status_code == 200, confirmed.json()

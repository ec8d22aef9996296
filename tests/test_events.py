"""Every event of the catalogue (core.events.EventType) is recorded by its service, naming the
companies it concerns. The order, shipment, return and refund events of a checkout's journey
are checked in tests/marketplace/test_full_flow.py, the payment and RFQ closing-soon ones in
tests/marketplace/test_buyer_emails.py."""

from collections import Counter
from decimal import Decimal

import pytest
from django.db import transaction

from brands.services import brand_suspend, membership_apply, membership_reject
from core.events import SUBSCRIBABLE, EventType
from core.models import Event
from integrations.connectors.base import Issue, PushResult
from integrations.models import Channel, ChannelListing
from integrations.services.batches import listing_result_apply
from listings.services import inspection_record
from logistics.demo import LogisticsDemo
from logistics.models import Stock
from logistics.services import stock_adjust
from marketplace.models import Order, Payout
from marketplace.services.orders import PlacedLine, Totals, order_cancel, order_place
from marketplace.services.settlement import payout_confirm, settlement_run
from marketplace.services.trade_orders import quote_accept
from tests.factories import (
    OperatorFactory,
    active_brand,
    brand_with_members,
    company_with_owner,
    owner_of,
    product,
    published,
)
from tests.logistics.helpers import network, receive
from tests.logistics.test_inbound import shipment_in
from tests.marketplace.test_settlement import next_month, seller_month, this_period
from tests.marketplace.trade_helpers import TOKYO_OFFICE, b2b_product, quote, rfq

pytestmark = pytest.mark.django_db

CHECKED_IN_FULL_FLOW = {
    "order.placed",
    "order.paid",
    "order.fulfilled",
    "shipment.shipped",
    "shipment.delivered",
    "return.requested",
    "return.approved",
    "return.received",
    "return.resolved",
    "refund.executed",
}


# The payment troubles and the RFQ closing-soon sweep, with the e-mails they send.
CHECKED_IN_BUYER_EMAILS = {"payment.failed", "payment.action_required", "rfq.closing_soon"}


def recorded(type: str) -> list[Event]:
    return list(Event.objects.filter(type=type).order_by("pk"))


def test_listing_published_and_inspection_failed():
    brand = active_brand(members=4)
    member = brand.memberships.filter(role="member").order_by("pk").first().company
    item = published(product(member, brand=brand))
    [event] = recorded("listing.published")
    assert event.company_ids == [member.pk] and event.data["product"]["id"] == item.pk

    other = product(member, brand=brand)
    inspection_record(
        actor=owner_of(brand.lead_company),
        product=other,
        results=[
            {"code": "stitching", "passed": False, "note": "Seam tore at 3 kg."},
            {"code": "label", "passed": True},
        ],
    )
    [failed] = recorded("inspection.failed")
    assert failed.company_ids == [member.pk]
    assert failed.data["inspection"]["failed_items"] == [
        {"code": "stitching", "text": "Seams hold 5 kg.", "note": "Seam tore at 3 kg."}
    ]


def test_brand_activated_suspended_and_membership_approved():
    brand = active_brand(members=4)
    members = sorted(brand.memberships.values_list("company_id", flat=True))
    approved = recorded("membership.approved")  # the lead's own membership, then each member's
    assert len(approved) == 5 and all(brand.lead_company_id in e.company_ids for e in approved)
    assert sorted(e.data["membership"]["company"] for e in approved) == members
    [activated] = recorded("brand.activated")
    assert activated.company_ids == members
    brand_suspend(brand=brand, actor=OperatorFactory(), reason="Standard not kept")
    [suspended] = recorded("brand.suspended")
    assert suspended.company_ids == members and suspended.data["reason"] == "Standard not kept"


def test_membership_rejected_names_the_applicant_and_the_reason():
    brand = brand_with_members(0)
    applicant = company_with_owner()
    membership = membership_apply(brand=brand, company=applicant, actor=owner_of(applicant))
    membership_reject(membership=membership, actor=owner_of(brand.lead_company), reason="Paper is not hanji.")
    [event] = recorded("membership.rejected")
    assert sorted(event.company_ids) == sorted([applicant.pk, brand.lead_company_id])
    assert event.data["membership"] == {"id": membership.pk, "company": applicant.pk, "role": "member"}
    assert event.data["reason"] == "Paper is not hanji."


def test_inbound_received_names_the_discrepancies():
    shipment = shipment_in("received", quantities=(4, 2))
    [event] = recorded("inbound.received")
    assert event.company_ids == [shipment.company_id]
    assert event.data["discrepancies"] == []
    assert [line["quantity_received"] for line in event.data["lines"]] == [4, 2]


def test_stock_low_when_units_on_hand_fall_below_the_threshold(settings):
    settings.STOCK_LOW_THRESHOLD = 5
    item = product()
    receive(item.variants.get(), network()["lax"], 8)
    assert recorded("stock.low") == []
    stock = Stock.objects.get(variant=item.variants.get())
    stock_adjust(stock=stock, delta=-2, reference="count")
    assert recorded("stock.low") == []
    stock_adjust(stock=stock, delta=-2, reference="count")  # 4 left: below 5
    stock_adjust(stock=stock, delta=-1, reference="count")  # still below: no second event
    [event] = recorded("stock.low")
    assert event.company_ids == [item.company_id] and event.data["stock"]["on_hand"] == 4


def test_order_cancelled_names_the_sellers_only_with_their_lines():
    a, b = product(), product()
    address = {"name": "Sato", "lines": ["1 Ginza"], "city": "Tokyo", "country": "JP"}
    order, _ = order_place(
        source=Order.Source.STOREFRONT,
        email="buyer@example.com",
        currency="JPY",
        lines=[
            PlacedLine(a.variants.get(), 1, Decimal(100), Decimal(100)),
            PlacedLine(b.variants.get(), 2, Decimal(50), Decimal(100)),
        ],
        shipping_address=address,
        totals=Totals.of(currency="JPY", subtotal=Decimal(200)),
        payment=None,
    )
    order_cancel(order=order, actor=OperatorFactory(), reason="Out of paper")
    [event] = recorded("order.cancelled")
    assert event.company_ids == sorted([a.company_id, b.company_id])
    assert len(event.data["lines"]) == 2 and event.data["reason"] == "Out of paper"
    own = event.data_for(a.company_id)
    assert [line["seller"] for line in own["lines"]] == [a.company_id]
    assert own["order"]["total"] == {"amount": "100", "currency": "JPY"}
    assert event.buyer_company_ids == []  # a consumer's order: no buyer company to tell


def test_rfq_posted_quote_submitted_and_accepted():
    item = b2b_product()
    demo_network = LogisticsDemo(Counter()).load_network()  # with its shipping rates
    receive(item.variants.get(), demo_network["warehouses"]["tyo-dc"], 1000)
    offer = rfq()
    [posted] = recorded("rfq.posted")
    assert item.company_id in posted.company_ids
    submitted = quote(offer, item)
    [event] = recorded("quote.submitted")
    assert event.company_ids == [item.company_id] and event.data["quote"]["id"] == submitted.pk
    order, _ = quote_accept(
        actor=offer.created_by, quote=submitted, payment_terms="bank_transfer", shipping_address=TOKYO_OFFICE
    )
    [accepted] = recorded("quote.accepted")
    assert accepted.company_ids == [item.company_id] and accepted.data["order"] == order.number
    # Each names the buyer company whose RFQ, quote and order it is (its endpoints receive it).
    [placed] = recorded("order.placed")
    for buyer_event in (posted, event, accepted, placed):
        assert buyer_event.buyer_company_ids == [offer.buyer_company_id], buyer_event.type
    assert placed.data_for(None, offer.buyer_company_id)["buyer_company"] == offer.buyer_company_id
    assert "buyer_company" not in placed.data_for(item.company_id)


def test_statement_ready_and_payout_sent():
    seller = seller_month()
    settlement_run(period=this_period(), now=next_month())
    [ready] = recorded("statement.ready")
    assert ready.company_ids == [seller.pk] and ready.data["statement"]["net"]["currency"] == "USD"
    payout_confirm(payout=Payout.objects.get(), actor=OperatorFactory(), reference="KB-1")
    [sent] = recorded("payout.sent")
    assert sent.company_ids == [seller.pk] and sent.data["payout"]["amount"] == {"amount": "69.35", "currency": "USD"}
    assert sent.data["payout"]["reference"] == "KB-1"


@pytest.mark.parametrize("status", ["live", "rejected", "error"])
def test_channel_listing_live_rejected_or_error_with_the_issues(status):
    item = product()
    channel = Channel.objects.create(
        code="kmall24", name="Kmall24", connector="kmall24", base_url="http://127.0.0.1:9/kmall24"
    )
    listing = ChannelListing.objects.create(product=item, channel=channel)
    issue = Issue(code="title_too_long", severity="error", attribute="title", message="Title over 100 characters.")
    with transaction.atomic():
        listing = ChannelListing.objects.select_for_update().get(pk=listing.pk)
        listing_result_apply(
            listing, PushResult(reference="r", status=status, external_id="K-1", issues=(issue,)), None
        )
        listing.save()
    [event] = recorded(f"channel_listing.{status}")
    assert event.company_ids == [item.company_id]
    data = event.data["channel_listing"]
    assert data["channel"] == "kmall24" and data["status"] == status
    if status == "rejected":
        assert [i["code"] for i in data["issues"]] == ["title_too_long"]
        assert data["blocking_codes"] == ["title_too_long"]
    if status == "error":
        assert "Title over 100 characters." in data["message"]


def test_every_catalogue_event_has_a_test():
    covered = CHECKED_IN_FULL_FLOW | {
        "listing.published",
        "inspection.failed",
        "membership.approved",
        "membership.rejected",
        "brand.activated",
        "brand.suspended",
        "inbound.received",
        "stock.low",
        "order.cancelled",
        "rfq.posted",
        "quote.submitted",
        "quote.accepted",
        "statement.ready",
        "payout.sent",
        "channel_listing.live",
        "channel_listing.rejected",
        "channel_listing.error",
        "return.exchange_shipped",  # tests/marketplace/test_exchanges.py
    }
    covered |= CHECKED_IN_BUYER_EMAILS
    assert covered == set(SUBSCRIBABLE)
    assert EventType.WEBHOOK_PING not in SUBSCRIBABLE

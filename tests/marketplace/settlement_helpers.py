"""Builders for the settlement tests: programmes through the service, and orders paid through
the real payment-event path (the same one Stripe's webhook drives)."""

import itertools
import uuid
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from marketplace.models import Order
from marketplace.payments import GatewayEvent
from marketplace.services.orders import PaymentExpected, PlacedLine, Totals, order_place
from marketplace.services.payment_events import payment_event_apply
from marketplace.services.programmes import programme_create
from tests.factories import product

_numbers = itertools.count(1)


def programme(**overrides):
    today = timezone.localdate()
    fields = {
        "name": f"Programme {next(_numbers)}",
        "sponsor": "Korea SMEs and Startups Agency",
        "starts_on": today - timedelta(days=30),
        "ends_on": today + timedelta(days=300),
        "currency": "USD",
        "budget": Decimal("1000"),
        "per_company_cap": Decimal("500"),
        "share": Decimal("0.7"),
        "fee_kinds": ["fulfilment", "syndication", "storage", "inspection", "customs_brokerage"],
        "sme_only": True,
        "priority": 100,
    }
    fields.update(overrides)
    return programme_create(actor=None, **fields)


def paid_order(seller, *, total: Decimal, currency: str = "USD", source=Order.Source.STOREFRONT, channel="", item=None):
    """An order of one line of the seller's product, paid through payment_event_apply."""
    item = item or product(seller, with_image=False)
    variant = item.variants.get()
    number = f"T-{uuid.uuid4().hex[:10]}"
    order, _ = order_place(
        source=source,
        channel=channel,
        external_id=number if channel else "",
        email="buyer@example.com",
        currency=currency,
        lines=[PlacedLine(variant, 1, total, total, seller.pk)],
        shipping_address={"name": "Sato", "lines": ["1 Ginza"], "city": "Tokyo", "country": "JP"},
        totals=Totals.of(currency=currency, subtotal=total),
        payment=PaymentExpected("dummy", f"pi_{number}", "s"),
    )
    payment = order.payments.get()
    payment_event_apply(
        gateway="dummy",
        event=GatewayEvent(
            id=f"evt_{number}",
            type="payment_intent.succeeded",
            intent_id=payment.intent_id,
            amount_received=total,
            payload={},
        ),
    )
    order.refresh_from_db()
    return order

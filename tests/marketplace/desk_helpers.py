"""Orders in the states the operations desk works on, made through the same services as the API
(checkout, the dummy gateway's webhook event, fulfilment, tracking), for the admin and browser
tests. Tasks queued on commit are not run: the desk's actions are what moves the orders on."""

from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from core.money import Money
from integrations.models import Channel, ChannelListing
from logistics.models import Fulfilment
from logistics.services import fulfilment_pack, fulfilment_pick, fulfilment_ship, shipment_track
from marketplace.models import Order
from marketplace.payments import DummyGateway
from marketplace.services.checkout import checkout_complete, checkout_create, checkout_shipping_options, checkout_update
from marketplace.services.order_fulfilment import order_request_fulfilment
from marketplace.services.payment_events import payment_event_apply
from marketplace.services.returns import return_request_create
from tests.factories import OperatorFactory, UserFactory
from tests.logistics.helpers import receive
from tests.marketplace.conftest import TOKYO, lamp

PARCEL = {"weight_kg": "1.200", "length_cm": "30.0", "width_cm": "20.0", "height_cm": "15.0"}


def sellable(company=None, warehouse=None, units: int = 20):
    """A published storefront lamp of the company with units in stock at the warehouse."""
    item = lamp(company)
    receive(item.variants.get(), warehouse, units)
    return item


def paid_order(products, *, buyer=None, quantity: int = 1, address=TOKYO, currency: str = "JPY") -> Order:
    """A paid storefront order of one line per product, paid with the dummy gateway's test card."""
    buyer = buyer or UserFactory()
    checkout = checkout_create(
        buyer=buyer,
        email=buyer.email,
        currency=currency,
        lines=[{"sku": p.variants.get().sku, "quantity": quantity} for p in products],
        shipping_address=address,
    )
    cheapest = min(checkout_shipping_options(checkout=checkout), key=lambda o: Decimal(o["price"]["amount"]))
    checkout = checkout_update(checkout=checkout, shipping_option=cheapest["id"])
    order, payment = checkout_complete(checkout=checkout, actor=buyer or AnonymousUser())
    event = DummyGateway().confirm(
        intent_id=payment.intent_id, amount=Money(payment.amount, payment.currency), card_number="4242424242424242"
    )
    payment_event_apply(gateway="dummy", event=event)
    return Order.objects.get(pk=order.pk)


def delivered_order(products, **kwargs) -> Order:
    """A paid order fulfilled, shipped and delivered, so its buyer may return it."""
    order = paid_order(products, **kwargs)
    operator = OperatorFactory()
    order_request_fulfilment(order_id=order.pk)
    for n, fulfilment in enumerate(Fulfilment.objects.filter(reference=order.reservation_reference).order_by("pk")):
        fulfilment_pick(fulfilment=fulfilment, actor=operator)
        fulfilment_pack(fulfilment=fulfilment, parcels=[PARCEL], actor=operator)
        shipment = fulfilment_ship(
            fulfilment=fulfilment,
            carrier="EMS",
            service="standard",
            tracking_number=f"EE{order.pk}{n}KR",
            actor=operator,
        )
        shipment_track(shipment=shipment, status="delivered", occurred_at=timezone.now(), actor=operator)
    return Order.objects.get(pk=order.pk)


def return_requested(order: Order, *, reason: str = "damaged"):
    line = order.lines.order_by("pk").first()
    return return_request_create(buyer=order.buyer, order_line=line, quantity=1, reason=reason)


def rejected_listing(product, code: str):
    """The product rejected by a Kmall24 channel for one blocking issue code."""
    channel = Channel.objects.get_or_create(
        code="kmall24",
        defaults={
            "name": "Kmall24",
            "connector": "kmall24",
            "base_url": "http://127.0.0.1:9",
            "currency": "KRW",
            "destination_country": "KR",
            "locales": ["ko"],
        },
    )[0]
    return ChannelListing.objects.create(
        product=product, channel=channel, status="rejected", blocking_codes=f",{code},"
    )

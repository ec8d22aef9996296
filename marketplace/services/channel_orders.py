"""Orders placed on outside marketplaces, imported as marketplace orders. The channel took the
payment, so the order starts paid; its stock is reserved like a checkout's and it is fulfilled
through the same path. Importing the same channel order again creates nothing: (channel,
external_id) is unique in the database."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction

from core.errors import InvalidInput
from core.money import quantize
from listings.models import Variant
from logistics.services import InsufficientStock
from marketplace.models import Order, OrderEvent
from marketplace.services.addresses import channel_address_normalise
from marketplace.services.orders import (
    PlacedLine,
    Totals,
    order_event_record,
    order_id_for_reference,
    order_lock,
    order_mark_paid,
    order_place,
    order_stock_reserve,
)


@dataclass(frozen=True)
class ImportedLine:
    sku: str
    quantity: int
    unit_price: Decimal


def _variants_for(skus: list[str]) -> dict[str, Variant]:
    """Channel SKUs to variants: a variant's SKU, or (channels keyed by listing) the reference of
    a product with a single variant."""
    variants = Variant.objects.select_related("product").prefetch_related("product__translations")
    found = {v.sku: v for v in variants.filter(sku__in=skus)}
    rest = [sku for sku in skus if sku not in found]
    if rest:
        for variant in variants.filter(product__slug__in=rest).prefetch_related("product__variants"):
            if len(variant.product.variants.all()) == 1:
                found[variant.product.slug] = variant
    return found


@transaction.atomic
def order_import_from_channel(
    *,
    channel: str,
    external_id: str,
    placed_at: datetime,
    currency: str,
    email: str,
    shipping_address: dict,
    lines: list[ImportedLine],
) -> tuple[Order, bool]:
    """(order, created). A line naming an unknown SKU refuses the whole order (nothing is
    written); a stock shortfall still imports the paid order, with an event saying so."""
    existing = Order.objects.filter(channel=channel, external_id=external_id).first()
    if existing is not None:
        return existing, False
    variants = _variants_for([line.sku for line in lines])
    unknown = sorted({line.sku for line in lines} - set(variants))
    if unknown or not lines:
        raise InvalidInput(f"Unknown SKUs in channel order {external_id}: {', '.join(unknown)}.", attr="lines")
    placed = [
        PlacedLine(
            variants[line.sku], line.quantity, line.unit_price, quantize(line.unit_price * line.quantity, currency)
        )
        for line in lines
    ]
    try:
        with transaction.atomic():
            order, _ = order_place(
                source=Order.Source.CHANNEL,
                channel=channel,
                external_id=external_id,
                email=email,
                currency=currency,
                lines=placed,
                shipping_address=channel_address_normalise(shipping_address),
                totals=Totals.of(currency=currency, subtotal=sum((line.total for line in placed), Decimal(0))),
                payment=None,  # the channel collected the money and pays it out itself
                placed={"channel": channel, "external_id": external_id},
            )
    except IntegrityError:  # imported concurrently
        return Order.objects.get(channel=channel, external_id=external_id), False
    try:
        with transaction.atomic():
            order_stock_reserve(order=order)
    except InsufficientStock as error:
        order_event_record(order, OrderEvent.Kind.STOCK_SHORTFALL, detail=error.detail)
    locked = order_lock(order_id=order.pk)
    order_mark_paid(locked=locked, payment=None, paid_at=placed_at, channel=channel)
    return locked.order, True


def channel_order_for_shipment(*, reference: str) -> tuple[str, str] | None:
    """(channel, external order id) when a shipment's reference is a channel order's."""
    order_id = order_id_for_reference(reference)
    if order_id is None:
        return None
    order = Order.objects.filter(pk=order_id, source=Order.Source.CHANNEL).only("channel", "external_id").first()
    return (order.channel, order.external_id) if order else None

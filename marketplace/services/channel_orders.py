"""Orders placed on outside marketplaces, imported as marketplace orders. The channel took the
payment, so the order starts paid; its stock is reserved like a checkout's and it is fulfilled
through the same path. Importing the same channel order again creates nothing: (channel,
external_id) is unique in the database."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import InvalidInput
from core.money import quantize
from listings.models import Variant
from listings.selectors import product_text
from logistics.services import InsufficientStock, Line, stock_reserve
from marketplace.models import Order, OrderEvent, OrderLine
from marketplace.services.checkout import _order_number
from marketplace.services.orders import _queue_fulfilment


@dataclass(frozen=True)
class ImportedLine:
    sku: str
    quantity: int
    unit_price: Decimal


def _variants_for(skus: list[str]) -> dict[str, Variant]:
    """Channel SKUs to variants: a variant's SKU, or (channels keyed by listing) the reference of
    a product with a single variant."""
    found = {v.sku: v for v in Variant.objects.filter(sku__in=skus).select_related("product")}
    rest = [sku for sku in skus if sku not in found]
    if rest:
        for variant in Variant.objects.filter(product__slug__in=rest).select_related("product"):
            if variant.product.variants.count() == 1:
                found[variant.product.slug] = variant
    return found


def _address(address: dict) -> dict:
    """The marketplace's address shape (name, lines, city, postal_code, country) from a channel's."""
    lines = address.get("lines") or [address.get(k) for k in ("line1", "line2", "address1", "address2")]
    return {
        "name": str(address.get("name") or address.get("recipient") or ""),
        "lines": [str(line) for line in lines if line],
        "city": str(address.get("city") or ""),
        "postal_code": str(address.get("postal_code") or address.get("zip") or ""),
        "country": str(address.get("country") or "").upper(),
    }


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
    subtotal = sum((quantize(line.unit_price * line.quantity, currency) for line in lines), Decimal(0))
    try:
        with transaction.atomic():
            order = Order.objects.create(
                number=_order_number(),
                source=Order.Source.CHANNEL,
                channel=channel,
                external_id=external_id,
                email=email,
                status=Order.Status.PAID,
                currency=currency,
                subtotal=subtotal,
                shipping=Decimal(0),
                total=subtotal,
                shipping_address=_address(shipping_address),
                paid_at=placed_at or timezone.now(),
            )
    except IntegrityError:  # imported concurrently
        return Order.objects.get(channel=channel, external_id=external_id), False
    for line in lines:
        variant = variants[line.sku]
        OrderLine.objects.create(
            order=order,
            variant=variant,
            seller_id=variant.product.company_id,
            sku=variant.sku,
            title=product_text(variant.product, "en")["title"][:200],
            quantity=line.quantity,
            unit_price=line.unit_price,
            total=quantize(line.unit_price * line.quantity, currency),
        )
    OrderEvent.objects.create(order=order, kind="imported", data={"channel": channel, "external_id": external_id})
    try:
        with transaction.atomic():
            stock_reserve(
                reference=order.reservation_reference,
                lines=[Line(variants[line.sku].pk, line.quantity) for line in lines],
                destination_country=str(shipping_address.get("country", "")).upper(),
            )
    except InsufficientStock as error:
        OrderEvent.objects.create(order=order, kind="stock_shortfall", data={"detail": error.detail})
    else:
        transaction.on_commit(lambda: _queue_fulfilment(order.pk))
    return order, True


def channel_order_for_shipment(*, reference: str) -> tuple[str, str] | None:
    """(channel, external order id) when a shipment's reference is a channel order's."""
    prefix, _, pk = reference.partition(":")
    if prefix != "order" or not pk.isdigit():
        return None
    order = Order.objects.filter(pk=int(pk), source=Order.Source.CHANNEL).only("channel", "external_id").first()
    return (order.channel, order.external_id) if order else None

"""Exchanges: a return request may ask for a replacement (a variant of the same product, or the
same one) instead of a refund (docs/decisions/0028). The replacement is priced when requested;
once the returned goods pass inspection it is reserved and shipped from its own reservation and
fulfilment (reference exchange:<id>) as a new shipment on the same order. A dearer replacement
waits for a payment of the difference through the gateway; a cheaper one refunds the difference
through refund_grant. If inspection fails, the return's normal outcome applies.

Locks: the order aggregate's order (marketplace.services.orders): the Order, its Payments, its
ReturnRequests, then their Exchanges; stock (logistics) after, then fees. The gateway is called
with nothing locked (exchange_payment_request)."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from core.errors import InvalidInput
from core.money import Money, quantize
from core.selectors import exchange_rates_get
from listings.models import B2CPrice, PriceTier, Product, Variant
from logistics.models import Stock
from logistics.services import InsufficientStock, Line, fulfilments_request, stock_reserve, warehouses_for_destination
from marketplace.models import Exchange, Order, OrderEvent, OrderLine, Payment, ReturnEvent, ReturnRequest
from marketplace.payments import payment_gateway
from marketplace.selectors import shop_price, storefront_visible
from marketplace.services.order_fulfilment import order_destination
from marketplace.services.orders import MANUAL_GATEWAYS, LockedOrder, order_event_record, order_lock
from marketplace.services.refunds import refund_grant
from marketplace.services.return_events import exchange_summary, return_event_record

X = Exchange.Status
K = OrderEvent.Kind
RK = ReturnEvent.Kind
# The buyer is not at fault: a replacement is owed whatever state the faulty goods came back in.
SELLER_FAULTS = {"damaged", "defective", "not_as_described", "wrong_item"}
ATTR = "replacement_variant"


# --- the request -------------------------------------------------------------------------------


def _available(variant: Variant, country: str) -> int:
    """Units of the variant the destination's warehouses could reserve now."""
    warehouses = warehouses_for_destination(country=country)
    rows = Stock.objects.filter(variant=variant, warehouse__in=warehouses)
    return rows.aggregate(units=Sum(F("on_hand") - F("reserved")))["units"] or 0


def _unit_price(variant: Variant, currency: str) -> Money | None:
    """The replacement's shop price in the order's currency now, as the storefront shows it."""
    product = variant.product
    override = B2CPrice.objects.filter(product=product, currency=currency).values_list("amount", flat=True).first()
    lowest = PriceTier.objects.filter(product=product).order_by("unit_price_amount").first()
    return shop_price(
        product=product,
        currency=currency,
        rates=exchange_rates_get(),
        override=override,
        lowest_tier=lowest.unit_price_amount if lowest else None,
    )


def exchange_check(*, line: OrderLine, quantity: int, replacement_variant_id) -> tuple[Variant, Decimal, Decimal]:
    """Validates the buyer's choice of replacement for `quantity` units of the line and prices
    it: (variant, unit price, difference for all units). The same variant swaps like for like
    (no money moves); another variant costs its shop price now against what the buyer paid per
    unit (after the line's promotion discount). Every refusal is a 400 on replacement_variant."""
    if not isinstance(replacement_variant_id, int) or isinstance(replacement_variant_id, bool):
        raise InvalidInput("An exchange names the replacement variant.", attr=ATTR)
    order = line.order
    variant = Variant.objects.select_related("product").filter(pk=replacement_variant_id).first()
    if variant is None:
        raise InvalidInput("No such variant.", attr=ATTR)
    if variant.product_id != line.variant.product_id:
        raise InvalidInput("A replacement is a variant of the same product as the returned line.", attr=ATTR)
    if not Product.objects.filter(storefront_visible(), pk=variant.product_id).exists():
        raise InvalidInput(f"{variant.sku} is no longer on sale.", attr=ATTR)
    available = _available(variant, order.shipping_address["country"])
    if available < quantity:
        raise InvalidInput(f"Only {max(available, 0)} units of {variant.sku} are in stock.", attr=ATTR)
    paid = line.total / line.quantity
    if variant.pk == line.variant_id:
        return variant, quantize(paid, order.currency), Decimal(0)
    price = _unit_price(variant, order.currency)
    if price is None:
        raise InvalidInput(f"{variant.sku} has no price in {order.currency}.", attr=ATTR)
    unit_price = quantize(price.amount, order.currency)
    difference = quantize((unit_price - paid) * quantity, order.currency)
    captured = order.payments.filter(status=Payment.Status.SUCCEEDED).order_by("pk").first()
    if difference and captured is None:
        raise InvalidInput("Nothing was paid on this order, so no price difference can be settled.", attr=ATTR)
    if difference > 0 and captured.gateway in MANUAL_GATEWAYS:
        raise InvalidInput(
            f"{variant.sku} costs more; a difference cannot be paid on an order paid by {captured.gateway}.", attr=ATTR
        )
    return variant, unit_price, difference


def exchange_create(*, request: ReturnRequest, variant: Variant, unit_price: Decimal, difference: Decimal) -> Exchange:
    """Called by return_request_create, with the order locked and the choice checked."""
    return Exchange.objects.create(
        return_request=request,
        replacement_variant=variant,
        replacement_sku=variant.sku,
        unit_price=unit_price,
        difference=difference,
    )


# --- inspection: go ahead, or fall back to the return's normal outcome -------------------------


def exchange_inspection_failure(request: ReturnRequest, grades: dict[str, int]) -> str:
    """Why the returned goods do not earn a replacement ('' when they do): every unit must have
    come back, and after a change of mind every unit must be as new (grade A)."""
    units = sum(grades.values())
    if units < request.quantity:
        return f"{units} of the {request.quantity} units came back."
    if request.reason not in SELLER_FAULTS and units != grades.get("A", 0):
        return "Not every unit came back as new (grade A)."
    return ""


def _decline(exchange: Exchange, request: ReturnRequest, note: str) -> None:
    exchange.status, exchange.note = X.DECLINED, note[:300]
    exchange.save(update_fields=["status", "note"])
    return_event_record(request, RK.EXCHANGE_DECLINED, note=note)


def _fulfil(exchange: Exchange, request: ReturnRequest, order: Order) -> None:
    """The reserved replacement is handed to the warehouses: its own fulfilment, same order."""
    fulfilments = fulfilments_request(
        reference=exchange.reference, destination=order_destination(order), incoterm=order.incoterm
    )
    exchange.status = X.FULFILMENT_REQUESTED
    exchange.save(update_fields=["status"])
    order_event_record(
        order, K.EXCHANGE_FULFILMENT_REQUESTED, exchange=exchange.pk, fulfilments=[f.pk for f in fulfilments]
    )
    return_event_record(request, RK.EXCHANGE_FULFILMENT_REQUESTED, note=f"{exchange.replacement_sku} to ship")


def exchange_inspected(*, locked: LockedOrder, request: ReturnRequest, grades: dict[str, int]) -> bool:
    """The returned goods were graded. The caller (return_goods_inspected) holds the order, its
    payments and the request. True when the replacement goes ahead (reserved now): the return
    then earns no refund of its own; False when there is no exchange or it fell back."""
    exchange = Exchange.objects.select_for_update().filter(return_request=request).first()
    if exchange is None or exchange.status != X.REQUESTED:
        return False
    order = locked.order
    failure = exchange_inspection_failure(request, grades)
    payment = locked.captured_payment
    if not failure and request.refund_id is not None:
        failure = "The return was refunded already."
    if not failure and exchange.difference < 0:
        left = payment.captured_amount - payment.refunded_amount if payment else Decimal(0)
        if -exchange.difference > left:
            failure = f"The difference cannot be refunded: {Money(left, order.currency)} is left to refund."
    if not failure:
        try:
            stock_reserve(
                reference=exchange.reference,
                lines=[Line(exchange.replacement_variant_id, request.quantity)],
                destination_country=order.shipping_address["country"],
            )
        except InsufficientStock:  # refused before anything was written: the transaction goes on
            failure = f"{exchange.replacement_sku} is out of stock."
    if failure:
        _decline(exchange, request, failure)
        return False
    if exchange.difference > 0:
        exchange.status = X.AWAITING_PAYMENT
        exchange.save(update_fields=["status"])
        amount = Money(exchange.difference, order.currency)
        return_event_record(request, RK.EXCHANGE_AWAITING_PAYMENT, note=f"{amount} to pay")
        exchange_id = exchange.pk
        transaction.on_commit(lambda: exchange_payment_request_queue(exchange_id=exchange_id), robust=True)
        return True
    if exchange.difference < 0:
        exchange.refund = refund_grant(
            order=order,
            amount=Money(-exchange.difference, order.currency),
            reason=f"Return {request.pk}: exchanged for the cheaper {exchange.replacement_sku}",
        )
        exchange.save(update_fields=["refund"])
    _fulfil(exchange, request, order)
    return True


def exchange_decline_open(*, request: ReturnRequest, note: str) -> None:
    """The return will not come back (rejected): its exchange, if any, is declined with it."""
    exchange = Exchange.objects.select_for_update().filter(return_request=request, status=X.REQUESTED).first()
    if exchange is not None:
        _decline(exchange, request, note)


# --- the price difference ----------------------------------------------------------------------


def exchange_payment_request_queue(*, exchange_id: int) -> None:
    from marketplace.tasks import exchange_payment_request_task

    exchange_payment_request_task.delay(exchange_id)


def exchange_payment_request(*, exchange_id: int) -> Payment | None:
    """Creates the gateway intent for a dearer replacement's difference with nothing locked (our
    idempotency key makes a retry the same intent), then records it on the order as a payment
    the buyer confirms with its client secret. Once: a second call finds the payment."""
    exchange = Exchange.objects.select_related("return_request__order_line__order").get(pk=exchange_id)
    if exchange.status != X.AWAITING_PAYMENT or exchange.payment_id is not None:
        return exchange.payment
    order = exchange.return_request.order_line.order
    gateway = payment_gateway()
    amount = Money(exchange.difference, order.currency)
    intent = gateway.create_intent(
        amount=amount,
        idempotency_key=f"exchange:{exchange.pk}:{amount.amount}",
        metadata={"order": order.number, "exchange": str(exchange.pk)},
    )
    with transaction.atomic():
        order_lock(order_id=order.pk, payments=True)
        request = ReturnRequest.objects.select_for_update().get(pk=exchange.return_request_id)
        exchange = Exchange.objects.select_for_update().get(pk=exchange_id)
        if exchange.status != X.AWAITING_PAYMENT or exchange.payment_id is not None:
            return exchange.payment
        exchange.payment = Payment.objects.create(
            order=order,
            gateway=gateway.name,
            intent_id=intent.id,
            client_secret=intent.client_secret,
            status=intent.status,
            amount=amount.amount,
            currency=order.currency,
        )
        exchange.save(update_fields=["payment"])
        return_event_record(request, RK.EXCHANGE_AWAITING_PAYMENT, note=f"payment {intent.id} for {amount}")
        return exchange.payment


def exchanges_payment_sweep(*, now: datetime | None = None) -> int:
    """Dearer replacements still without a payment REFUND_SWEEP_MINUTES after inspection (the
    task creating the intent was lost, or the gateway kept failing) are queued again; asking
    twice is harmless (exchange_payment_request happens once)."""
    cutoff = (now or timezone.now()) - timedelta(minutes=settings.REFUND_SWEEP_MINUTES)
    waiting = Exchange.objects.filter(
        status=X.AWAITING_PAYMENT,
        payment__isnull=True,
        return_request__events__kind=RK.EXCHANGE_AWAITING_PAYMENT,
        return_request__events__created_at__lte=cutoff,
    )
    exchange_ids = list(waiting.order_by("pk").values_list("pk", flat=True).distinct())
    for exchange_id in exchange_ids:
        exchange_payment_request_queue(exchange_id=exchange_id)
    return len(exchange_ids)


def exchange_payment_succeeded(*, locked: LockedOrder, payment: Payment) -> bool:
    """A captured payment is an exchange's difference: the waiting replacement ships. The caller
    (payment_event_apply) holds the order and its payments; True when the payment was one."""
    exchange_id = Exchange.objects.filter(payment=payment).values_list("pk", flat=True).first()
    if exchange_id is None:
        return False
    exchange = Exchange.objects.select_related("return_request").get(pk=exchange_id)
    request = (
        ReturnRequest.objects.select_for_update().select_related("order_line__order").get(pk=exchange.return_request_id)
    )
    exchange = Exchange.objects.select_for_update().get(pk=exchange_id)
    if exchange.status == X.AWAITING_PAYMENT:
        order_event_record(
            locked.order,
            K.EXCHANGE_PAID,
            payment=payment.intent_id,
            amount=Money(payment.captured_amount, locked.order.currency).as_dict(),
            exchange=exchange.pk,
        )
        _fulfil(exchange, request, locked.order)
    return True


# --- the replacement's journey (logistics' signals, inside their transaction) ------------------


def _by_reference(reference: str) -> Exchange | None:
    prefix, _, pk = reference.partition(":")
    if prefix != "exchange" or not pk.isdigit():
        return None  # an order's or a consignment's shipment
    return Exchange.objects.select_related("return_request__order_line__order").filter(pk=int(pk)).first()


def _advance(exchange: Exchange, source: str, target: str) -> bool:
    """One conditional UPDATE locks, checks and moves the exchange: the shipment's rows are
    locked already (logistics), so the order is not locked again behind them."""
    moved = Exchange.objects.filter(pk=exchange.pk, status=source).update(status=target)
    exchange.status = target if moved else exchange.status
    return bool(moved)


@transaction.atomic
def exchange_shipment_shipped(*, reference: str, shipment_id: int, carrier: str, tracking_number: str) -> None:
    exchange = _by_reference(reference)
    if exchange is None or not _advance(exchange, X.FULFILMENT_REQUESTED, X.SHIPPED):
        return
    request = exchange.return_request
    shipment = {"id": shipment_id, "carrier": carrier, "tracking_number": tracking_number}
    order_event_record(request.order_line.order, K.EXCHANGE_SHIPPED, exchange=exchange.pk, shipment=shipment_id)
    return_event_record(
        request,
        RK.EXCHANGE_SHIPPED,
        note=f"{carrier} {tracking_number}",
        exchange=exchange_summary(exchange),
        shipment=shipment,
    )


@transaction.atomic
def exchange_shipment_delivered(*, reference: str, shipment_id: int) -> None:
    exchange = _by_reference(reference)
    if exchange is None or not _advance(exchange, X.SHIPPED, X.DELIVERED):
        return
    request = exchange.return_request
    order_event_record(request.order_line.order, K.EXCHANGE_DELIVERED, exchange=exchange.pk, shipment=shipment_id)
    return_event_record(request, RK.EXCHANGE_DELIVERED)

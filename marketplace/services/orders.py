"""Orders: one way in (`order_place`, whatever the source), one way to paid (`order_mark_paid`,
whatever the payment path), and the order's cancellation and expiry; fulfilment, delivery and
completion are in order_fulfilment.

Lock order of the order aggregate (docs/decisions/0009): the Order row, then its Payments, then
its Refunds, then its ReturnRequests, then their Exchanges (docs/decisions/0028), each by primary
key, the first three always through `order_lock`. Other
aggregates a service touches while holding it come after: stock (logistics), then fees and
programmes. No outside call (a gateway, a channel, e-mail) is made while these rows are locked:
those run after commit."""

import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.errors import NotPermitted, WrongState
from core.events import EventType
from core.money import Money
from core.permissions import is_operator
from core.services import event_record
from listings.models import Variant
from listings.selectors import product_text
from logistics.backorder_selectors import backorder_owner_reference
from logistics.models import Reservation, Warehouse
from logistics.services import InsufficientStock, Line, reservation_release, stock_reserve
from marketplace.models import Checkout, Order, OrderEvent, OrderLine, Payment, Refund
from marketplace.services.brand_funds import brand_fund_draw, brand_fund_release
from marketplace.services.commission import order_commission_charge

logger = logging.getLogger(__name__)
OS = Order.Status
K = OrderEvent.Kind
# Payment terms an operator confirms by hand (the B2B trade desk): no gateway intent, no timeout,
# and refunds sent back by the operator's bank rather than through a gateway. Net terms too: the
# buyer pays its invoice by transfer (marketplace.services.b2b_terms).
NET_TERMS = "net_terms"
MANUAL_GATEWAYS = ("bank_transfer", "letter_of_credit", NET_TERMS)


@dataclass(frozen=True)
class Totals:
    subtotal: Money
    shipping: Money
    duties: Money
    taxes: Money
    total: Money
    rule_versions: dict = field(default_factory=dict)
    discount: Money | None = None  # promotions, off goods and shipping before duties and taxes

    @classmethod
    def of(
        cls,
        *,
        currency: str,
        subtotal: Decimal,
        shipping=Decimal(0),
        duties=Decimal(0),
        taxes=Decimal(0),
        discount=Decimal(0),
        **kw,
    ):
        parts = [Money(amount, currency) for amount in (subtotal, shipping, duties, taxes)]
        total = sum((p.amount for p in parts), Decimal(0)) - discount
        return cls(*parts, Money(total, currency), discount=Money(discount, currency), **kw)


@dataclass(frozen=True)
class PlacedLine:
    """A line as the source priced it. The variant comes with its product and translations."""

    variant: Variant
    quantity: int
    unit_price: Decimal
    total: Decimal
    seller_id: int | None = None  # the product's company unless a brand quote says otherwise
    title: str = ""  # else the product's English title (with fallback) from its prefetched translations
    discount: Decimal = Decimal(0)  # a promotion's, already taken off `total`
    promotion_id: int | None = None


@dataclass(frozen=True)
class PaymentExpected:
    """The payment the order waits for: a gateway intent created before the order, or manual terms."""

    gateway: str
    intent_id: str
    client_secret: str = ""
    status: str = Payment.Status.REQUIRES_PAYMENT_METHOD


@dataclass
class LockedOrder:
    order: Order
    payments: list[Payment]
    refunds: list[Refund]

    def payment(self, pk: int) -> Payment:
        return next(payment for payment in self.payments if payment.pk == pk)

    @property
    def captured_payment(self) -> Payment | None:
        return next((p for p in self.payments if p.status == Payment.Status.SUCCEEDED), None)


def order_lock(*, order_id: int, payments: bool = False, refunds: bool = False) -> LockedOrder:
    """Locks the order, then (when asked) its payments and its refunds, in the aggregate's one
    order. Every service that takes more than the order row comes through here."""
    order = Order.objects.select_for_update().get(pk=order_id)
    locked_payments = list(Payment.objects.select_for_update().filter(order=order).order_by("pk")) if payments else []
    locked_refunds = list(Refund.objects.select_for_update().filter(order=order).order_by("pk")) if refunds else []
    return LockedOrder(order, locked_payments, locked_refunds)


def order_event_record(order: Order, kind: str, actor=None, **data) -> OrderEvent:
    return OrderEvent.objects.create(
        order=order, kind=kind, actor=actor if actor is not None and actor.is_authenticated else None, data=data
    )


def order_event_publish(order: Order, type: str, *, lines: list[OrderLine] | None = None, **extra) -> None:
    """The outbox event about the order: platform-wide endpoints see every line; each seller's
    endpoints see only its own lines and their total (docs/events.md). `lines`: the order's
    lines when the caller holds them (order_place), else they are read."""
    rows = lines if lines is not None else list(order.lines.order_by("pk"))
    sellers = sorted({line.seller_id for line in rows})
    data = {
        "order": {
            "id": order.pk,
            "number": order.number,
            "status": order.status,
            "source": order.source,
            "currency": order.currency,
            "total": order.money("total").as_dict(),
            "incoterm": order.incoterm,
            "destination_country": order.shipping_address.get("country", ""),
        },
        "lines": [
            {
                "id": line.pk,
                "seller": line.seller_id,
                "sku": line.sku,
                "title": line.title,
                "quantity": line.quantity,
                "unit_price": Money(line.unit_price, order.currency).as_dict(),
                "total": Money(line.total, order.currency).as_dict(),
            }
            for line in rows
        ],
        **extra,
    }
    own = {}
    for seller in sellers:
        total = sum((line.total for line in rows if line.seller_id == seller), Decimal(0))
        own[seller] = {
            "lines": [line for line in data["lines"] if line["seller"] == seller],
            "order": {**data["order"], "total": Money(total, order.currency).as_dict()},
        }
    event_record(
        type=type, data=data, company_ids=sellers, company_data=own, buyer_company_ids=[order.buyer_company_id]
    )


def order_number() -> str:
    return f"{timezone.now():%y%m%d}-{secrets.token_hex(3).upper()}"


def order_place(
    *,
    source: str,
    email: str,
    currency: str,
    lines: list[PlacedLine],
    shipping_address: dict,
    totals: Totals,
    payment: PaymentExpected | None,
    incoterm: str = "DAP",
    shipping_option: dict | None = None,
    billing_address: dict | None = None,
    buyer=None,
    buyer_company_id: int | None = None,
    actor=None,
    checkout: Checkout | None = None,
    channel: str = "",
    external_id: str = "",
    placed: dict | None = None,
    locale: str = "",
) -> tuple[Order, Payment | None]:
    """Writes a new order, pending payment: its number, lines per seller (one insert), the
    payment it expects and the `placed` event (`imported` for a channel's). Every source comes
    through here: storefront checkout, an accepted quote, a channel's order. The caller has
    locked its own source row (the checkout, the quote's RFQ) and reserves the stock after
    (order_stock_reserve)."""
    order = Order.objects.create(
        number=order_number(),
        source=source,
        checkout=checkout,
        channel=channel,
        external_id=external_id,
        buyer=buyer if buyer is not None and buyer.is_authenticated else None,
        buyer_company_id=buyer_company_id,
        email=email,
        currency=currency,
        subtotal=totals.subtotal.amount,
        shipping=totals.shipping.amount,
        discount=totals.discount.amount if totals.discount else Decimal(0),
        duties=totals.duties.amount,
        taxes=totals.taxes.amount,
        total=totals.total.amount,
        incoterm=incoterm,
        locale=locale,
        shipping_address=shipping_address,
        billing_address=billing_address or {},
        shipping_option=shipping_option,
        rule_versions=totals.rule_versions,
    )
    placed_lines = OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            variant=line.variant,
            seller_id=line.seller_id or line.variant.product.company_id,
            sku=line.variant.sku,
            title=(line.title or product_text(line.variant.product, "en")["title"])[:200],
            quantity=line.quantity,
            unit_price=line.unit_price,
            total=line.total,
            discount=line.discount,
            promotion_id=line.promotion_id,
        )
        for line in lines
    )
    if payment is not None:
        payment = Payment.objects.create(
            order=order,
            gateway=payment.gateway,
            intent_id=payment.intent_id,
            client_secret=payment.client_secret,
            status=payment.status,
            amount=totals.total.amount,
            currency=currency,
        )
    kind = K.IMPORTED if source == Order.Source.CHANNEL else K.PLACED
    order_event_record(order, kind, actor, total=totals.total.as_dict(), **(placed or {}))
    order_event_publish(order, EventType.ORDER_PLACED, lines=placed_lines)
    return order, payment


def order_mark_paid(*, locked: LockedOrder, payment: Payment | None, actor=None, **data) -> bool:
    """The one way an order becomes paid, whichever path paid it (a card webhook, the dummy
    gateway, a confirmed bank transfer or letter of credit, a channel that collected the money):
    the status, the `paid` event, commission on every line, the reservation held for good, and
    fulfilment requested after commit. Once: an order no longer pending is left alone (False).
    The caller holds `locked` (order_lock) and has recorded the payment's own state."""
    order = locked.order
    if order.status != OS.PENDING:
        return False
    order.status = OS.PAID
    order.paid_at = data.pop("paid_at", None) or timezone.now()
    order.save(update_fields=["status", "paid_at"])
    if payment is not None:
        data |= {"payment": payment.intent_id, "amount": Money(payment.captured_amount, order.currency).as_dict()}
    order_event_record(order, K.PAID, actor, **data)
    order_event_publish(order, EventType.ORDER_PAID)
    order_commission_charge(order=order)
    brand_fund_draw(order=order)
    held = Reservation.objects.filter(reference=order.reservation_reference, status=Reservation.Status.ACTIVE)
    if held.update(expires_at=None):  # paid stock no longer expires
        order_id = order.pk
        transaction.on_commit(lambda: order_fulfilment_queue(order_id=order_id), robust=True)
    from marketplace.services.order_backorders import order_backorders_queue_paid

    order_backorders_queue_paid(order=order)
    return True


def order_stock_reserve(
    *,
    order: Order,
    expires_at: datetime | None = None,
    actor=None,
    lines: list[Line] | None = None,
    warehouses: list[Warehouse] | None = None,
    backorders: bool = False,
) -> None:
    """Reserves the order's lines; InsufficientStock (nothing reserved) propagates. A caller that
    has the lines and the destination's warehouses at hand passes them (no query to find them).
    `backorders`: preorder and made-to-order units beyond stock are backordered up to their cap
    (the storefront's lines; order_backorders_mark then marks them)."""
    stock_reserve(
        reference=order.reservation_reference,
        lines=lines or [Line(line.variant_id, line.quantity) for line in order.lines.all()],
        destination_country=order.shipping_address["country"],
        expires_at=expires_at,
        actor=actor,
        from_warehouses=warehouses,
        backorders=backorders,
    )


def order_stock_retake(*, order: Order) -> None:
    """A payment arrived after the stock went back (a failure or timeout applied first): take
    it again if it is there; a shortfall is recorded for an operator, the payment still counts."""
    try:
        with transaction.atomic():
            order_stock_reserve(order=order, backorders=order.lines.filter(quantity_backordered__gt=0).exists())
    except InsufficientStock as error:
        order_event_record(order, K.STOCK_SHORTFALL, detail=error.detail)


def order_stock_release(*, order: Order, reason: str) -> None:
    from marketplace.services.order_backorders import order_backorders_release

    reservation = Reservation.objects.filter(
        reference=order.reservation_reference, status=Reservation.Status.ACTIVE
    ).first()
    if reservation is not None:
        reservation_release(reservation=reservation, reason=reason)
        order_event_record(order, K.STOCK_RELEASED, reason=reason)
    order_backorders_release(order=order)


def order_id_for_reference(reference: str) -> int | None:
    """The order a fulfilment's or shipment's reference belongs to ("order:12", or
    "order:12:inbound:5" for its stocked backorders), else None."""
    prefix, _, pk = backorder_owner_reference(reference).partition(":")
    return int(pk) if prefix == "order" and pk.isdigit() else None


def order_fulfilment_queue(*, order_id: int) -> None:
    from marketplace.tasks import order_request_fulfilment_task

    order_request_fulfilment_task.delay(order_id)


@transaction.atomic
def order_cancel(*, order: Order, actor, reason: str = "") -> Order:
    """Operators cancel before fulfilment; a buyer may cancel their own order until it ships.
    Stock is released, an unpaid intent cancelled after commit, a paid one refunded in full."""
    from marketplace.services.refunds import refund_grant

    locked = order_lock(order_id=order.pk, payments=True)
    order = locked.order
    if not (is_operator(actor) or (order.buyer_id and order.buyer_id == actor.pk)):
        raise NotPermitted("Only an operator or the buyer cancels an order.")
    if order.status not in (OS.PENDING, OS.PAID):
        raise WrongState(f"A {order.status} order cannot be cancelled.")
    if order.lines.filter(quantity_fulfilled__gt=0).exists():
        raise WrongState("Part of the order has shipped; request a return instead.")
    order_stock_release(order=order, reason="order cancelled")
    if order.status == OS.PENDING:
        brand_fund_release(order=order)  # a paid one gets its draw back with the refund below
    order.status = OS.CANCELLED
    order.save(update_fields=["status"])
    order_event_record(order, K.CANCELLED, actor, reason=reason)
    if any(payment.gateway == NET_TERMS for payment in locked.payments):
        from marketplace.services.b2b_terms import terms_invoice_void

        terms_invoice_void(order=order)  # nothing is owed for a cancelled order
    order_event_publish(order, EventType.ORDER_CANCELLED, reason=reason)
    for payment in locked.payments:
        if payment.status != Payment.Status.SUCCEEDED and payment.gateway not in MANUAL_GATEWAYS:
            _intent_cancel_after_commit(payment.intent_id)
    payment = locked.captured_payment
    if payment is not None and payment.captured_amount > payment.refunded_amount:
        refund_grant(
            order=order,
            amount=Money(payment.captured_amount - payment.refunded_amount, order.currency),
            reason=f"Order cancelled. {reason}".strip(),
            actor=actor,
        )
    return order


def _intent_cancel_after_commit(intent_id: str) -> None:
    from marketplace.payments import payment_gateway

    gateway = payment_gateway()
    transaction.on_commit(
        lambda: gateway.cancel_intent(intent_id=intent_id, idempotency_key=f"cancel:{intent_id}"), robust=True
    )


def orders_expire_unpaid(*, now: datetime | None = None) -> int:
    """Unpaid orders past the payment timeout are cancelled and give their stock back."""
    cutoff = (now or timezone.now()) - timedelta(minutes=settings.PAYMENT_TIMEOUT_MINUTES)
    expired = 0
    unpaid = Order.objects.filter(status=OS.PENDING, created_at__lte=cutoff)
    for order_id in unpaid.exclude(payments__gateway__in=MANUAL_GATEWAYS).values_list("pk", flat=True):
        with transaction.atomic():
            order = order_lock(order_id=order_id).order
            if order.status != OS.PENDING:
                continue
            order_stock_release(order=order, reason="payment timed out")
            brand_fund_release(order=order)
            order.status = OS.CANCELLED
            order.save(update_fields=["status"])
            order_event_record(order, K.PAYMENT_TIMED_OUT)
            order_event_publish(order, EventType.ORDER_CANCELLED, reason="payment timed out")
            expired += 1
    return expired

"""Orders after checkout: payment events, fulfilment, cancellation and refunds. Money moves only
here and in marketplace.payments."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.errors import Conflict, InvalidInput, NotPermitted, WrongState
from core.money import Money
from core.permissions import is_operator
from logistics.models import Reservation
from logistics.selectors import shipment_lines
from logistics.services import (
    InsufficientStock,
    Line,
    fulfilments_request,
    reservation_release,
    stock_reserve,
)
from marketplace.models import Order, OrderEvent, Payment, PaymentWebhookEvent, Refund, ReturnRequest
from marketplace.payments import GatewayEvent, payment_gateway
from marketplace.services.fees import order_commission_charge, refund_commission_reverse

logger = logging.getLogger(__name__)
OS = Order.Status
P = Payment.Status
# B2B payment terms an operator confirms by hand (the trade desk): no gateway intent, no timeout.
MANUAL_GATEWAYS = ("bank_transfer", "letter_of_credit")


def _event(order: Order, kind: str, actor=None, **data) -> None:
    OrderEvent.objects.create(
        order=order, kind=kind, actor=actor if actor is not None and actor.is_authenticated else None, data=data
    )


def _active_reservation(order: Order) -> Reservation | None:
    return Reservation.objects.filter(reference=order.reservation_reference, status=Reservation.Status.ACTIVE).first()


def _release_stock(order: Order, reason: str) -> None:
    reservation = _active_reservation(order)
    if reservation is not None:
        reservation_release(reservation=reservation, reason=reason)
        _event(order, "stock_released", reason=reason)


@transaction.atomic
def payment_event_apply(*, gateway: str, event: GatewayEvent) -> bool:
    """Applies a verified gateway event once. Duplicates are acknowledged and ignored, and the
    outcome depends only on the set of events: success outranks failure and cancellation, so
    events arriving in any order end in the same state."""
    try:
        with transaction.atomic():
            PaymentWebhookEvent.objects.create(
                gateway=gateway, event_id=event.id, type=event.type, intent_id=event.intent_id, payload=event.payload
            )
    except IntegrityError:
        return False
    payment = Payment.objects.select_for_update().filter(gateway=gateway, intent_id=event.intent_id).first()
    if payment is None:
        logger.warning("payment event %s for unknown intent %s", event.id, event.intent_id)
        return True
    order = Order.objects.select_for_update().get(pk=payment.order_id)
    if event.type == "payment_intent.succeeded":
        _payment_succeeded(order, payment, event)
    elif event.type in ("payment_intent.payment_failed", "payment_intent.canceled"):
        _payment_failed(order, payment, event)
    elif event.type == "payment_intent.requires_action" and payment.status not in (P.SUCCEEDED, P.FAILED, P.CANCELED):
        payment.status = P.REQUIRES_ACTION
        payment.save(update_fields=["status", "updated_at"])
    return True


def _payment_succeeded(order: Order, payment: Payment, event: GatewayEvent) -> None:
    if payment.status == P.SUCCEEDED:
        return
    payment.status = P.SUCCEEDED
    payment.captured_amount = event.amount_received if event.amount_received is not None else payment.amount
    payment.save(update_fields=["status", "captured_amount", "updated_at"])
    if order.status in (OS.PENDING, OS.CANCELLED):
        if order.status == OS.CANCELLED or _active_reservation(order) is None:
            # A failure was applied first and gave the stock back: take it again.
            try:
                stock_reserve(
                    reference=order.reservation_reference,
                    lines=[Line(line.variant_id, line.quantity) for line in order.lines.all()],
                    destination_country=order.shipping_address["country"],
                )
            except InsufficientStock as error:
                _event(order, "stock_shortfall", detail=error.detail)
        order.status = OS.PAID
        order.paid_at = timezone.now()
        order.save(update_fields=["status", "paid_at"])
        _event(order, "paid", payment=payment.intent_id, amount=str(payment.captured_amount))
        order_commission_charge(order=order)
        reservation = _active_reservation(order)
        if reservation is not None:
            # Paid stock no longer expires.
            Reservation.objects.filter(pk=reservation.pk).update(expires_at=None)
            transaction.on_commit(lambda: _queue_fulfilment(order.pk))


def _payment_failed(order: Order, payment: Payment, event: GatewayEvent) -> None:
    if payment.status == P.SUCCEEDED:
        return  # success outranks a failed attempt, whatever the order of arrival
    payment.status = P.CANCELED if event.type.endswith("canceled") else P.FAILED
    payment.save(update_fields=["status", "updated_at"])
    if order.status == OS.PENDING:
        _release_stock(order, "payment failed")
        order.status = OS.CANCELLED
        order.save(update_fields=["status"])
        _event(order, "payment_failed", payment=payment.intent_id, event=event.type)


def _queue_fulfilment(order_id: int) -> None:
    from marketplace.tasks import order_request_fulfilment_task

    order_request_fulfilment_task.delay(order_id)


@transaction.atomic
def order_request_fulfilment(*, order_id: int) -> int:
    """Asks logistics to ship the paid order's reservation, one fulfilment per warehouse."""
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status != OS.PAID or order.events.filter(kind="fulfilment_requested").exists():
        return 0
    address = order.shipping_address
    fulfilments = fulfilments_request(
        reference=order.reservation_reference,
        destination={
            "recipient_name": address["name"],
            "address_lines": address["lines"],
            "city": address["city"],
            "postal_code": address.get("postal_code", ""),
            "country": address["country"],
        },
        incoterm=order.incoterm,
    )
    _event(order, "fulfilment_requested", fulfilments=[f.pk for f in fulfilments])
    return len(fulfilments)


@transaction.atomic
def order_shipment_delivered(*, reference: str, shipment_id: int) -> None:
    """A shipment of the order arrived: its lines count as fulfilled."""
    prefix, _, pk = reference.partition(":")
    if prefix != "order" or not pk.isdigit():
        return  # a consignment's or another owner's shipment
    order = Order.objects.select_for_update().filter(pk=int(pk)).first()
    if order is None or order.events.filter(kind="shipment_delivered", data__shipment=shipment_id).exists():
        return
    delivered = dict(shipment_lines(shipment_id=shipment_id))
    for line in order.lines.select_for_update().order_by("pk"):
        quantity = min(delivered.pop(line.variant_id, 0), line.quantity - line.quantity_fulfilled)
        if quantity:
            line.quantity_fulfilled = F("quantity_fulfilled") + quantity
            line.save(update_fields=["quantity_fulfilled"])
    complete = all(line.quantity_fulfilled == line.quantity for line in order.lines.all())
    order.status = OS.FULFILLED if complete else OS.PARTIALLY_FULFILLED
    order.save(update_fields=["status"])
    _event(order, "shipment_delivered", shipment=shipment_id)


def orders_complete(*, now: datetime | None = None) -> int:
    """Fulfilled orders past the return window are completed."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.RETURN_WINDOW_DAYS)
    done = 0
    for order_id in (
        Order.objects.filter(status=OS.FULFILLED, events__kind="shipment_delivered", events__created_at__lte=cutoff)
        .values_list("pk", flat=True)
        .distinct()
    ):
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order_id)
            if order.status == OS.FULFILLED:
                order.status = OS.COMPLETED
                order.save(update_fields=["status"])
                _event(order, "completed")
                done += 1
    return done


@transaction.atomic
def order_cancel(*, order: Order, actor, reason: str = "") -> Order:
    """Operators cancel before fulfilment; a buyer may cancel their own order until it ships.
    Stock is released, an unpaid intent cancelled, a paid one refunded in full."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if not (is_operator(actor) or (order.buyer_id and order.buyer_id == actor.pk)):
        raise NotPermitted("Only an operator or the buyer cancels an order.")
    if order.status not in (OS.PENDING, OS.PAID):
        raise WrongState(f"A {order.status} order cannot be cancelled.")
    if order.lines.filter(quantity_fulfilled__gt=0).exists():
        raise WrongState("Part of the order has shipped; request a return instead.")
    _release_stock(order, "order cancelled")
    payment = order.payments.select_for_update().order_by("pk").first()
    was_paid = order.status == OS.PAID
    order.status = OS.CANCELLED
    order.save(update_fields=["status"])
    _event(order, "cancelled", actor, reason=reason)
    if payment and not was_paid and payment.status != P.SUCCEEDED and payment.gateway not in MANUAL_GATEWAYS:
        intent_id = payment.intent_id
        gateway = payment_gateway()
        transaction.on_commit(lambda: gateway.cancel_intent(intent_id=intent_id, idempotency_key=f"cancel:{intent_id}"))
    if payment and payment.captured_amount > payment.refunded_amount:
        refund_grant(
            order=order,
            amount=Money(payment.captured_amount - payment.refunded_amount, order.currency),
            reason=f"Order cancelled. {reason}".strip(),
            actor=actor,
        )
    return order


def orders_expire_unpaid(*, now: datetime | None = None) -> int:
    """Unpaid orders past the payment timeout are cancelled and give their stock back."""
    cutoff = (now or timezone.now()) - timedelta(minutes=settings.PAYMENT_TIMEOUT_MINUTES)
    expired = 0
    unpaid = Order.objects.filter(status=OS.PENDING, created_at__lte=cutoff)
    for order_id in unpaid.exclude(payments__gateway__in=MANUAL_GATEWAYS).values_list("pk", flat=True):
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order_id)
            if order.status != OS.PENDING:
                continue
            _release_stock(order, "payment timed out")
            order.status = OS.CANCELLED
            order.save(update_fields=["status"])
            _event(order, "payment_timed_out")
            expired += 1
    return expired


@transaction.atomic
def refund_grant(
    *, order: Order, amount: Money, reason: str, actor=None, return_request_id: int | None = None
) -> Refund:
    """Grants a refund: the money is owed from now on, and set aside on the payment so the sum
    of refunds can never pass what was captured (the database checks it too). Execution
    through the gateway follows after commit."""
    if amount.currency != order.currency:
        raise InvalidInput(f"Refund in the order's currency ({order.currency}).", attr="amount")
    if amount.amount <= 0:
        raise InvalidInput("A refund is a positive amount.", attr="amount")
    payment = Payment.objects.select_for_update().filter(order=order, status=P.SUCCEEDED).order_by("pk").first()
    if payment is None:
        raise Conflict("Nothing was captured on this order, so nothing can be refunded.")
    left = payment.captured_amount - payment.refunded_amount
    if amount.amount > left:
        raise Conflict(f"At most {Money(left, order.currency)} is left to refund.", attr="amount")
    payment.refunded_amount = F("refunded_amount") + amount.amount
    payment.save(update_fields=["refunded_amount", "updated_at"])
    refund = Refund.objects.create(
        order=order,
        payment=payment,
        amount=amount.amount,
        currency=amount.currency,
        reason=reason,
        granted_by=actor if actor is not None and actor.is_authenticated else None,
    )
    if return_request_id is not None:
        # Refunded ahead of the goods (a lost parcel): inspection later will not pay again.
        linked = ReturnRequest.objects.filter(
            pk=return_request_id, order_line__order=order, refund__isnull=True
        ).update(refund=refund)
        if not linked:
            raise InvalidInput("That return is not this order's, or is refunded already.", attr="return_request")
    _event(order, "refund_granted", actor, amount=amount.as_dict(), reason=reason)
    payment.refresh_from_db()
    if payment.refunded_amount == payment.captured_amount:
        Order.objects.filter(pk=order.pk).update(status=OS.REFUNDED)
    refund_commission_reverse(refund=refund)
    from marketplace.tasks import refund_execute_task

    transaction.on_commit(lambda: refund_execute_task.delay(refund.pk))
    return refund


def refund_execute(*, refund_id: int) -> Refund:
    """Sends a granted refund to the gateway once (our idempotency key makes a retry safe)."""
    refund = Refund.objects.select_related("payment", "order").get(pk=refund_id)
    if refund.status == Refund.Status.EXECUTED:
        return refund
    gateway = payment_gateway()
    gateway_id = gateway.refund(
        intent_id=refund.payment.intent_id,
        amount=Money(refund.amount, refund.currency),
        idempotency_key=f"refund:{refund.pk}",
    )
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if refund.status != Refund.Status.EXECUTED:
            refund.status = Refund.Status.EXECUTED
            refund.gateway_refund_id = gateway_id
            refund.executed_at = timezone.now()
            refund.save(update_fields=["status", "gateway_refund_id", "executed_at"])
            _event(refund.order, "refund_executed", amount=str(refund.amount), gateway_refund=gateway_id)
    return refund

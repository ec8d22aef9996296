"""Payments arriving: verified gateway events (Stripe's webhooks, the dummy gateway's card form)
and manual B2B terms an operator confirms. Each path ends in `order_mark_paid`."""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import NotPermitted, WrongState
from core.events import EventType
from core.money import Money
from core.permissions import is_operator
from logistics.backorder_selectors import backorders_waiting
from logistics.models import Reservation
from marketplace.models import Order, OrderEvent, Payment, PaymentWebhookEvent
from marketplace.payments import GatewayEvent
from marketplace.services.exchanges import exchange_payment_succeeded
from marketplace.services.orders import (
    MANUAL_GATEWAYS,
    LockedOrder,
    order_event_publish,
    order_event_record,
    order_lock,
    order_mark_paid,
    order_stock_release,
    order_stock_retake,
)

logger = logging.getLogger(__name__)
OS = Order.Status
P = Payment.Status
K = OrderEvent.Kind


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
    found = Payment.objects.filter(gateway=gateway, intent_id=event.intent_id).values("pk", "order_id").first()
    if found is None:
        logger.warning("payment event %s for unknown intent %s", event.id, event.intent_id)
        return True
    locked = order_lock(order_id=found["order_id"], payments=True)
    payment = locked.payment(found["pk"])
    if event.type == "payment_intent.succeeded":
        _payment_succeeded(locked, payment, event)
    elif event.type in ("payment_intent.payment_failed", "payment_intent.canceled"):
        _payment_failed(locked, payment, event)
    elif event.type == "payment_intent.requires_action" and payment.status not in (
        P.SUCCEEDED,
        P.FAILED,
        P.CANCELED,
        P.REQUIRES_ACTION,
    ):
        payment.status = P.REQUIRES_ACTION
        payment.save(update_fields=["status", "updated_at"])
        payment_event_publish(locked.order, payment, EventType.PAYMENT_ACTION_REQUIRED)
    return True


def payment_event_publish(order: Order, payment: Payment, type: str) -> None:
    """payment.failed / payment.action_required: the order (as its sellers see it) and the
    attempt, so the buyer can be asked to pay again or to confirm with their bank."""
    order_event_publish(
        order,
        type,
        payment={
            "id": payment.pk,
            "gateway": payment.gateway,
            "status": payment.status,
            "amount": Money(payment.amount, payment.currency).as_dict(),
        },
    )


def _payment_succeeded(locked: LockedOrder, payment: Payment, event: GatewayEvent) -> None:
    if payment.status == P.SUCCEEDED:
        return
    payment.status = P.SUCCEEDED
    payment.captured_amount = event.amount_received if event.amount_received is not None else payment.amount
    payment.save(update_fields=["status", "captured_amount", "updated_at"])
    if exchange_payment_succeeded(locked=locked, payment=payment):
        return  # an exchange's price difference: its replacement ships, the order stays as it is
    order = locked.order
    if order.status == OS.CANCELLED and order.events.filter(kind=K.CANCELLED).exists():
        # Someone cancelled the order and the money came anyway: it goes back, the order stays cancelled.
        from marketplace.services.refunds import refund_grant

        order_event_record(order, K.PAID_AFTER_CANCELLATION, payment=payment.intent_id)
        refund_grant(
            order=order,
            amount=Money(payment.captured_amount, order.currency),
            reason="Paid after the order was cancelled.",
        )
        return
    if order.status == OS.CANCELLED:
        # A failure or timeout cancelled it and gave the stock back; the payment still counts.
        order.status = OS.PENDING
        order.save(update_fields=["status"])
    if order.status == OS.PENDING:
        held = Reservation.objects.filter(reference=order.reservation_reference, status=Reservation.Status.ACTIVE)
        # An order sold wholly beyond stock holds backorders and no reservation.
        if not held.exists() and not backorders_waiting(reference=order.reservation_reference):
            order_stock_retake(order=order)
        order_mark_paid(locked=locked, payment=payment)


def _payment_failed(locked: LockedOrder, payment: Payment, event: GatewayEvent) -> None:
    if payment.status == P.SUCCEEDED:
        return  # success outranks a failed attempt, whatever the order of arrival
    payment.status = P.CANCELED if event.type.endswith("canceled") else P.FAILED
    payment.save(update_fields=["status", "updated_at"])
    order = locked.order
    if order.status == OS.PENDING:
        order_stock_release(order=order, reason="payment failed")
        order.status = OS.CANCELLED
        order.save(update_fields=["status"])
        order_event_record(order, K.PAYMENT_FAILED, payment=payment.intent_id, event=event.type)
        if payment.status == P.FAILED:  # a cancelled intent cannot be paid again: nothing to ask
            payment_event_publish(order, payment, EventType.PAYMENT_FAILED)


@transaction.atomic
def order_payment_confirm(*, actor, order: Order, reference: str = "") -> Order:
    """An operator confirms a bank transfer or letter of credit arrived: the order is paid."""
    if not is_operator(actor):
        raise NotPermitted("Only an operator confirms a manual payment.")
    locked = order_lock(order_id=order.pk, payments=True)
    payment = next((p for p in locked.payments if p.gateway in MANUAL_GATEWAYS), None)
    if payment is None:
        raise WrongState("The order is not paid by bank transfer or letter of credit.")
    if locked.order.status != OS.PENDING or payment.status == P.SUCCEEDED:
        raise WrongState(f"The order is {locked.order.status}; only a pending one is confirmed as paid.")
    payment.status = P.SUCCEEDED
    payment.captured_amount = payment.amount
    payment.save(update_fields=["status", "captured_amount", "updated_at"])
    order_mark_paid(locked=locked, payment=payment, actor=actor, reference=reference, paid_at=timezone.now())
    return locked.order

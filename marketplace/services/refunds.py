"""Refunds: granted first (the money is owed from then on, set aside on the payment), executed
after commit through the gateway, or by the operator's bank for manual B2B terms."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.errors import Conflict, InvalidInput, NotPermitted, WrongState
from core.events import EventType
from core.money import Money
from core.permissions import is_operator
from marketplace.models import Order, OrderEvent, OrderLine, Refund, ReturnRequest
from marketplace.payments import payment_gateway
from marketplace.services.brand_funds import brand_fund_give_back
from marketplace.services.commission import refund_commission_reverse
from marketplace.services.orders import MANUAL_GATEWAYS, order_event_publish, order_event_record, order_lock

K = OrderEvent.Kind


@transaction.atomic
def refund_grant(
    *,
    order: Order,
    amount: Money,
    reason: str,
    actor=None,
    return_request_id: int | None = None,
    order_line: OrderLine | None = None,
) -> Refund:
    """Grants a refund: the money is owed from now on, and set aside on the payment so the sum
    of refunds can never pass what was captured (the database checks it too). Execution
    through the gateway follows after commit. A return's refund names its `order_line`, so a
    brand fund gets back that line's discount only."""
    if amount.currency != order.currency:
        raise InvalidInput(f"Refund in the order's currency ({order.currency}).", attr="amount")
    if amount.amount <= 0:
        raise InvalidInput("A refund is a positive amount.", attr="amount")
    locked = order_lock(order_id=order.pk, payments=True)
    order, payment = locked.order, locked.captured_payment
    if payment is None:
        raise Conflict("Nothing was captured on this order, so nothing can be refunded.")
    left = payment.captured_amount - payment.refunded_amount
    if amount.amount > left:
        raise Conflict(f"At most {Money(left, order.currency)} is left to refund.", attr="amount")
    payment.refunded_amount = F("refunded_amount") + amount.amount
    payment.save(update_fields=["refunded_amount", "updated_at"])
    payment.refresh_from_db(fields=["refunded_amount"])
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
        order_line = ReturnRequest.objects.get(pk=return_request_id).order_line
    order_event_record(order, K.REFUND_GRANTED, actor, amount=amount.as_dict(), reason=reason)
    if payment.refunded_amount == payment.captured_amount:
        order.status = Order.Status.REFUNDED
        order.save(update_fields=["status"])
    refund_commission_reverse(refund=refund)
    brand_fund_give_back(refund=refund, order_line=order_line)
    if payment.gateway not in MANUAL_GATEWAYS:
        refund_id = refund.pk
        transaction.on_commit(lambda: refund_execute_queue(refund_id=refund_id), robust=True)
    return refund


def refund_execute_queue(*, refund_id: int) -> None:
    from marketplace.tasks import refund_execute_task

    refund_execute_task.delay(refund_id)


def refund_execute(*, refund_id: int, actor=None, reference: str = "") -> Refund:
    """Sends a granted refund once: through the gateway (our idempotency key makes a retry
    safe), no rows locked meanwhile; for manual terms an operator records that their bank sent
    it (`reference`: the transfer's)."""
    refund = Refund.objects.select_related("payment", "order").get(pk=refund_id)
    if refund.status == Refund.Status.EXECUTED:
        return refund
    if refund.payment.gateway in MANUAL_GATEWAYS:
        if not is_operator(actor):
            raise NotPermitted("An operator records a refund sent by bank transfer.")
        gateway_id = reference or f"{refund.payment.gateway}:refund:{refund.pk}"
    else:
        gateway_id = payment_gateway().refund(
            intent_id=refund.payment.intent_id,
            amount=Money(refund.amount, refund.currency),
            idempotency_key=f"refund:{refund.pk}",
        )
    with transaction.atomic():
        order_lock(order_id=refund.order_id, payments=True, refunds=True)
        refund = Refund.objects.select_related("order").get(pk=refund_id)
        if refund.status != Refund.Status.GRANTED:
            if refund.status == Refund.Status.EXECUTED:
                return refund
            raise WrongState(f"The refund is {refund.status}.")
        refund.status = Refund.Status.EXECUTED
        refund.gateway_refund_id = gateway_id
        refund.executed_at = timezone.now()
        refund.save(update_fields=["status", "gateway_refund_id", "executed_at"])
        amount = Money(refund.amount, refund.currency).as_dict()
        order_event_record(refund.order, K.REFUND_EXECUTED, actor, amount=amount, gateway_refund=gateway_id)
        order_event_publish(
            refund.order,
            EventType.REFUND_EXECUTED,
            refund={"id": refund.pk, "amount": amount, "reason": refund.reason, "executed_at": refund.executed_at},
        )
    return refund


def refunds_execute_sweep(*, now: datetime | None = None) -> int:
    """Granted gateway refunds still not executed after REFUND_SWEEP_MINUTES (their task was
    lost) are queued again; executing twice is harmless."""
    cutoff = (now or timezone.now()) - timedelta(minutes=settings.REFUND_SWEEP_MINUTES)
    waiting = Refund.objects.filter(status=Refund.Status.GRANTED, created_at__lte=cutoff).exclude(
        payment__gateway__in=MANUAL_GATEWAYS
    )
    refund_ids = list(waiting.order_by("pk").values_list("pk", flat=True))
    for refund_id in refund_ids:
        refund_execute_queue(refund_id=refund_id)
    return len(refund_ids)

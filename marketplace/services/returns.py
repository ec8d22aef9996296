"""The buyer's side of a return: request, approval, and the refund decided when logistics says
the goods were received and inspected. The goods go to the returns centre of the buyer's zone."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from core.errors import ApplicationError, Conflict, InvalidInput, WrongState
from core.money import Money, quantize
from core.permissions import require_operator
from logistics.models import PhysicalReturn
from logistics.services import (
    physical_return_create,
    physical_return_inspect,
    physical_return_receive,
    physical_return_resolve,
)
from marketplace.models import OrderEvent, OrderLine, ReturnEvent, ReturnRequest
from marketplace.services.exchanges import (
    SELLER_FAULTS,
    exchange_check,
    exchange_create,
    exchange_decline_open,
    exchange_inspected,
)
from marketplace.services.orders import LockedOrder, order_lock
from marketplace.services.refunds import refund_grant
from marketplace.services.return_events import return_event_record

R = ReturnRequest.Status
RK = ReturnEvent.Kind


class ReturnNotLabelled(ApplicationError):
    """The goods' side (logistics' physical return) exists only once the request is approved."""

    code = "not_found"
    status_code = 404


OPEN = [R.REQUESTED, R.APPROVED, R.IN_TRANSIT, R.RECEIVED, R.INSPECTED]
# A seller fault (SELLER_FAULTS, shared with exchanges): the whole line is refunded whatever the goods' state.
# Changed their mind: refund share per unit grade (a restocking fee for opened or damaged goods).
CHANGED_MIND_SHARE = {"A": Decimal("1.00"), "B": Decimal("0.85"), "C": Decimal("0.50")}


@transaction.atomic
def return_request_create(
    *,
    buyer,
    order_line: OrderLine,
    quantity: int,
    reason: str,
    note: str = "",
    resolution: str = ReturnRequest.Resolution.REFUND,
    replacement_variant: int | None = None,
) -> ReturnRequest:
    """Within the return window after delivery, for at most what was delivered minus what is
    already returned or being returned. An exchange names its replacement variant (checked and
    priced by exchange_check) and gets it instead of a refund once the goods pass inspection."""
    if resolution not in ReturnRequest.Resolution.values:
        raise InvalidInput(f"One of {', '.join(ReturnRequest.Resolution.values)}.", attr="resolution")
    if resolution == ReturnRequest.Resolution.REFUND and replacement_variant is not None:
        raise InvalidInput("Only an exchange names a replacement variant.", attr="replacement_variant")
    order = order_lock(order_id=order_line.order_id).order
    line = OrderLine.objects.select_for_update().get(pk=order_line.pk)
    if order.buyer_id != buyer.pk:
        raise InvalidInput("Pick a line of one of your orders.", attr="order_line")
    delivered_at = (
        OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.SHIPMENT_DELIVERED)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if line.quantity_fulfilled == 0 or delivered_at is None:
        raise Conflict("The line has not been delivered yet.", attr="order_line")
    if timezone.now() - delivered_at > timedelta(days=settings.RETURN_WINDOW_DAYS):
        raise Conflict(f"The {settings.RETURN_WINDOW_DAYS}-day return window has closed.", attr="order_line")
    pending = line.return_requests.filter(status__in=OPEN).aggregate(n=Sum("quantity"))["n"] or 0
    returnable = line.quantity_fulfilled - line.quantity_returned - pending
    if quantity > returnable:
        raise InvalidInput(f"At most {returnable} units of this line can be returned.", attr="quantity")
    replacement = None
    if resolution == ReturnRequest.Resolution.EXCHANGE:
        replacement = exchange_check(line=line, quantity=quantity, replacement_variant_id=replacement_variant)
    request = ReturnRequest.objects.create(
        order_line=line, quantity=quantity, reason=reason, note=note, resolution=resolution
    )
    if replacement is not None:
        variant, unit_price, difference = replacement
        exchange_create(request=request, variant=variant, unit_price=unit_price, difference=difference)
    return_event_record(request, RK.REQUESTED, buyer, note)
    return request


def _locked(pk: int) -> tuple[LockedOrder, ReturnRequest] | tuple[None, None]:
    """The order and its payments first (the order aggregate's lock order,
    marketplace.services.orders), then the request."""
    order_id = ReturnRequest.objects.filter(pk=pk).values_list("order_line__order_id", flat=True).first()
    if order_id is None:
        return None, None
    locked = order_lock(order_id=order_id, payments=True)
    request = ReturnRequest.objects.select_for_update(of=("self",)).select_related("order_line__order").get(pk=pk)
    return locked, request


def _lock(request: ReturnRequest, allowed: list[str], action: str) -> ReturnRequest:
    request = _locked(request.pk)[1]
    if request.status not in allowed:
        raise WrongState(f"A {request.status} return cannot be {action}.")
    return request


@transaction.atomic
def return_request_approve(*, request: ReturnRequest, actor, carrier: str = "EMS") -> ReturnRequest:
    """Approves and asks logistics for a label to the returns centre of the buyer's zone."""
    require_operator(actor, "handles returns")
    request = _lock(request, [R.REQUESTED], "approved")
    order = request.order_line.order
    physical_return_create(
        reference=request.reference,
        destination_country=order.shipping_address["country"],
        lines=[(request.order_line.variant, request.quantity)],
        carrier=carrier,
    )
    request.status = R.APPROVED
    request.save(update_fields=["status"])
    return_event_record(request, RK.APPROVED, actor)
    return request


@transaction.atomic
def return_request_reject(*, request: ReturnRequest, actor, reason: str) -> ReturnRequest:
    require_operator(actor, "handles returns")
    if not reason.strip():
        raise InvalidInput("Say why the return is rejected.", attr="reason")
    request = _lock(request, [R.REQUESTED], "rejected")
    request.status = R.REJECTED
    request.save(update_fields=["status"])
    exchange_decline_open(request=request, note=f"The return was rejected: {reason}")
    return_event_record(request, RK.REJECTED, actor, reason)
    return request


def _by_reference(reference: str) -> tuple[LockedOrder, ReturnRequest] | tuple[None, None]:
    """The return request behind a logistics reference "return:<id>"; other references are not ours."""
    prefix, _, pk = reference.partition(":")
    if prefix != "return" or not pk.isdigit():
        return None, None
    return _locked(int(pk))


@transaction.atomic
def return_goods_received(*, reference: str) -> None:
    """Logistics received the goods at the returns centre."""
    request = _by_reference(reference)[1]
    if request is None or request.status not in (R.APPROVED, R.IN_TRANSIT):
        return
    request.status = R.RECEIVED
    request.save(update_fields=["status"])
    line = OrderLine.objects.select_for_update().get(pk=request.order_line_id)
    line.quantity_returned += request.quantity
    line.save(update_fields=["quantity_returned"])
    return_event_record(request, RK.RECEIVED)


def return_refund_amount(request: ReturnRequest, grades: dict[str, int]) -> Money:
    """The refund a return earns: in full when the seller is at fault, else by grade."""
    line = request.order_line
    currency = line.order.currency
    paid = line.total / line.quantity  # per unit, after the line's promotion discount
    if request.reason in SELLER_FAULTS:
        return Money(quantize(paid * request.quantity, currency), currency)
    units = sum(grades.values()) or request.quantity
    share = sum(CHANGED_MIND_SHARE.get(grade, Decimal(0)) * n for grade, n in grades.items()) / units
    return Money(quantize(paid * request.quantity * share, currency), currency)


@transaction.atomic
def return_goods_inspected(*, reference: str, grades: dict[str, int]) -> None:
    """Logistics graded the goods: the refund is granted now (then executed through the
    gateway). A return already refunded (say, a parcel lost and refunded early) is not paid twice.
    An exchange whose goods pass inspection gets its replacement instead of the refund; one
    that fails falls back to this refund (exchange_inspected)."""
    locked, request = _by_reference(reference)
    if request is None or request.status != R.RECEIVED:
        return
    request.status = R.INSPECTED
    exchanged = exchange_inspected(locked=locked, request=request, grades=grades)
    if request.refund_id is None and not exchanged:
        amount = return_refund_amount(request, grades)
        if amount.amount > 0:
            request.refund = refund_grant(
                order=request.order_line.order,
                amount=amount,
                reason=f"Return {request.pk}: {request.get_reason_display()}",
                order_line=request.order_line,
            )
    request.save(update_fields=["status", "refund"])
    return_event_record(request, RK.INSPECTED, note=", ".join(f"{g}: {n}" for g, n in sorted(grades.items())))


@transaction.atomic
def return_request_resolve(*, request: ReturnRequest, actor) -> ReturnRequest:
    require_operator(actor, "handles returns")
    request = _lock(request, [R.INSPECTED], "resolved")
    request.status = R.RESOLVED
    request.save(update_fields=["status"])
    return_event_record(request, RK.RESOLVED, actor)
    return request


# The goods of a return request, one line each: the operator's steps at the returns centre, the
# same for the API and the admin. Receipt and inspection reach the request through logistics'
# signals (return_goods_received, return_goods_inspected above).


def _goods(request: ReturnRequest) -> PhysicalReturn:
    physical = PhysicalReturn.objects.filter(reference=request.reference).first()
    if physical is None:
        raise ReturnNotLabelled("The return has no label yet; approve it first.")
    return physical


def return_goods_receive(*, request: ReturnRequest, quantity_received: int, quantity_damaged: int, actor) -> None:
    physical = _goods(request)
    line = physical.lines.get()
    physical_return_receive(
        physical_return=physical,
        lines=[{"line": line.pk, "quantity_received": quantity_received, "quantity_damaged": quantity_damaged}],
        actor=actor,
    )


def return_goods_inspect(*, request: ReturnRequest, grades: dict[str, int], actor) -> None:
    physical = _goods(request)
    physical_return_inspect(
        physical_return=physical, lines=[{"line": physical.lines.get().pk, "grades": grades}], actor=actor
    )


@transaction.atomic
def return_goods_resolve(*, request: ReturnRequest, disposition: str, actor) -> ReturnRequest:
    """Restocks or disposes of the goods and resolves the request, together."""
    physical = _goods(request)
    physical_return_resolve(
        physical_return=physical,
        lines=[{"line": physical.lines.get().pk, "disposition": disposition}],
        actor=actor,
    )
    return return_request_resolve(request=request, actor=actor)

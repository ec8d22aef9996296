"""An order's lines sold beyond stock (preorders, made to order; docs/decisions/0029): marked at
placement with the units logistics backordered, and fulfilled when their inbound shipment is
stocked (logistics reserves them as "order:<id>:inbound:<shipment>" and tells us through
`backorders_stocked`). Locks through `order_lock` as every order service does (0009)."""

from django.db import transaction

from logistics.backorder_selectors import backorders_for_references
from logistics.models import Reservation
from logistics.services import backorders_cancel, fulfilments_request, reservation_release
from marketplace.models import Order, OrderLine
from marketplace.services.order_fulfilment import order_destination
from marketplace.services.orders import OS, K, order_event_record, order_id_for_reference, order_lock

# Orders whose backordered goods ship as soon as they are stocked; a pending one waits for its
# payment (order_mark_paid queues them), a closed one gives the goods back.
SHIPPING = (OS.PAID, OS.PARTIALLY_FULFILLED, OS.FULFILLED)


def order_backorders_mark(*, order: Order) -> None:
    """After the reservation: the lines logistics backordered say how many units and of which
    kind, and the timeline says when each ships."""
    backorders = backorders_for_references([order.reservation_reference])[order.reservation_reference]
    if not backorders:
        return
    units: dict[int, int] = {}
    for backorder in backorders:
        units[backorder.variant_id] = units.get(backorder.variant_id, 0) + backorder.quantity
    kinds = {backorder.variant_id: backorder.kind for backorder in backorders}
    lines = [line for line in order.lines.order_by("pk") if line.variant_id in units]
    for line in lines:
        line.quantity_backordered, line.availability = units[line.variant_id], kinds[line.variant_id]
    OrderLine.objects.bulk_update(lines, ["quantity_backordered", "availability"])
    order_event_record(
        order,
        K.BACKORDERED,
        lines=[{"sku": line.sku, "kind": line.availability, "quantity": line.quantity_backordered} for line in lines],
        ships_on=str(max(backorder.ships_on for backorder in backorders)),
    )


def order_backorders_release(*, order: Order) -> None:
    """The order will not ship (cancelled, unpaid, payment failed): its backorders are cancelled
    and goods already stocked for them go back to stock."""
    backorders_cancel(reference=order.reservation_reference)
    for reservation in Reservation.objects.filter(
        reference__startswith=f"{order.reservation_reference}:inbound:", status=Reservation.Status.ACTIVE
    ).order_by("pk"):
        reservation_release(reservation=reservation, reason="order closed")


@transaction.atomic
def order_backorder_stocked(*, reference: str, reservation_reference: str) -> None:
    """The backordered goods of the order arrived and are reserved under reservation_reference:
    recorded on its timeline, and sent to fulfilment after commit once the order is paid."""
    order_id = order_id_for_reference(reference)
    if order_id is None:
        return  # another owner's backorders
    order = order_lock(order_id=order_id).order
    order_event_record(order, K.BACKORDER_STOCKED, reservation=reservation_reference)
    if order.status in SHIPPING:
        order_backorder_fulfilment_queue(order_id=order.pk, reservation_reference=reservation_reference)


def order_backorder_fulfilment_queue(*, order_id: int, reservation_reference: str) -> None:
    from marketplace.tasks import order_backorder_fulfilment_task

    transaction.on_commit(lambda: order_backorder_fulfilment_task.delay(order_id, reservation_reference), robust=True)


def order_backorders_queue_paid(*, order: Order) -> None:
    """At payment: backordered goods stocked while the order waited for it ship now."""
    held = Reservation.objects.filter(
        reference__startswith=f"{order.reservation_reference}:inbound:", status=Reservation.Status.ACTIVE
    )
    for reference in held.order_by("pk").values_list("reference", flat=True):
        order_backorder_fulfilment_queue(order_id=order.pk, reservation_reference=reference)


@transaction.atomic
def order_backorder_fulfil(*, order_id: int, reservation_reference: str) -> int:
    """Asks logistics to ship the stocked backorder's reservation, as order_request_fulfilment
    does for the rest of the order. Once per reservation: a redelivered task does nothing."""
    order = order_lock(order_id=order_id).order
    done = order.events.filter(kind=K.BACKORDER_FULFILMENT_REQUESTED, data__reservation=reservation_reference)
    if order.status not in SHIPPING or done.exists():
        return 0
    fulfilments = fulfilments_request(
        reference=reservation_reference, destination=order_destination(order), incoterm=order.incoterm
    )
    order_event_record(
        order,
        K.BACKORDER_FULFILMENT_REQUESTED,
        reservation=reservation_reference,
        fulfilments=[f.pk for f in fulfilments],
    )
    return len(fulfilments)

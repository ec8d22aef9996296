"""A paid order's way to the buyer: fulfilment requested once (and swept up when its task was
lost), shipments delivered line by line, and completion after the return window. Locks through
`order_lock` as every order service does (docs/decisions/0009)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from core.events import EventType
from logistics.models import Reservation
from logistics.selectors import shipment_lines
from logistics.services import fulfilments_request
from marketplace.models import Order, OrderEvent
from marketplace.services.orders import (
    OS,
    K,
    order_event_publish,
    order_event_record,
    order_fulfilment_queue,
    order_id_for_reference,
    order_lock,
)


def order_destination(order: Order) -> dict:
    """The order's shipping address as logistics' fulfilment destination."""
    address = order.shipping_address
    return {
        "recipient_name": address["name"],
        "address_lines": address["lines"],
        "city": address["city"],
        "postal_code": address.get("postal_code", ""),
        "country": address["country"],
    }


@transaction.atomic
def order_request_fulfilment(*, order_id: int) -> int:
    """Asks logistics to ship the paid order's reservation, one fulfilment per warehouse. Once:
    a second call (a redelivered task, the sweep) finds the event and does nothing."""
    order = order_lock(order_id=order_id).order
    if order.status != OS.PAID or order.events.filter(kind=K.FULFILMENT_REQUESTED).exists():
        return 0
    fulfilments = fulfilments_request(
        reference=order.reservation_reference, destination=order_destination(order), incoterm=order.incoterm
    )
    order_event_record(order, K.FULFILMENT_REQUESTED, fulfilments=[f.pk for f in fulfilments])
    return len(fulfilments)


def orders_fulfilment_sweep(*, now: datetime | None = None) -> int:
    """Paid orders holding stock whose fulfilment was never requested (the task was lost: the
    broker was down at commit, a worker died) are queued again after FULFILMENT_SWEEP_MINUTES.
    Queuing twice is harmless: the request happens once."""
    cutoff = (now or timezone.now()) - timedelta(minutes=settings.FULFILMENT_SWEEP_MINUTES)
    requested = OrderEvent.objects.filter(order=OuterRef("pk"), kind=K.FULFILMENT_REQUESTED)
    waiting = Order.objects.filter(status=OS.PAID, paid_at__lte=cutoff).filter(~Exists(requested))
    references = {f"order:{pk}": pk for pk in waiting.values_list("pk", flat=True)}
    held = Reservation.objects.filter(reference__in=references, status=Reservation.Status.ACTIVE)
    order_ids = sorted(references[reference] for reference in held.values_list("reference", flat=True))
    for order_id in order_ids:
        order_fulfilment_queue(order_id=order_id)
    return len(order_ids)


@transaction.atomic
def order_shipment_delivered(*, reference: str, shipment_id: int) -> None:
    """A shipment of the order arrived: its lines count as fulfilled."""
    order_id = order_id_for_reference(reference)
    if order_id is None or not Order.objects.filter(pk=order_id).exists():
        return  # a consignment's or another owner's shipment
    order = order_lock(order_id=order_id).order
    if order.events.filter(kind=K.SHIPMENT_DELIVERED, data__shipment=shipment_id).exists():
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
    order_event_record(order, K.SHIPMENT_DELIVERED, shipment=shipment_id)
    if complete:
        order_event_publish(order, EventType.ORDER_FULFILLED)


def orders_complete(*, now: datetime | None = None) -> int:
    """Fulfilled orders past the return window are completed."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.RETURN_WINDOW_DAYS)
    done = 0
    for order_id in (
        Order.objects.filter(status=OS.FULFILLED, events__kind=K.SHIPMENT_DELIVERED, events__created_at__lte=cutoff)
        .values_list("pk", flat=True)
        .distinct()
    ):
        with transaction.atomic():
            order = order_lock(order_id=order_id).order
            if order.status == OS.FULFILLED:
                order.status = OS.COMPLETED
                order.save(update_fields=["status"])
                order_event_record(order, K.COMPLETED)
                done += 1
    return done

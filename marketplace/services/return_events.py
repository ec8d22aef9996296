"""A return's timeline (ReturnEvent rows) and the catalogue events some of its steps publish
(docs/events.md), shared by returns and the exchanges they may ask for."""

from core.events import EventType
from core.money import Money
from core.services import event_record
from marketplace.models import ReturnEvent, ReturnRequest

RK = ReturnEvent.Kind

# The return's steps that are in the event catalogue (docs/events.md).
PUBLISHED = {
    RK.REQUESTED: EventType.RETURN_REQUESTED,
    RK.APPROVED: EventType.RETURN_APPROVED,
    RK.RECEIVED: EventType.RETURN_RECEIVED,
    RK.RESOLVED: EventType.RETURN_RESOLVED,
    RK.EXCHANGE_SHIPPED: EventType.RETURN_EXCHANGE_SHIPPED,
}


def return_event_record(request: ReturnRequest, kind: str, actor=None, note: str = "", **extra) -> None:
    """The timeline row and, for a published step, the outbox event about the seller of the
    line; `extra` goes into the event's data beside the return."""
    ReturnEvent.objects.create(
        return_request=request,
        kind=kind,
        note=note,
        actor=actor if actor is not None and actor.is_authenticated else None,
    )
    if kind in PUBLISHED:
        line = request.order_line
        data = {
            "return": {
                "id": request.pk,
                "status": request.status,
                "quantity": request.quantity,
                "reason": request.reason,
                "resolution": request.resolution,
                "order": {"id": line.order_id, "number": line.order.number},
                "line": {"id": line.pk, "sku": line.sku, "title": line.title, "seller": line.seller_id},
                "refund": request.refund_id,
            },
            **extra,
        }
        event_record(
            type=PUBLISHED[kind],
            data=data,
            company_ids=[line.seller_id],
            buyer_company_ids=[line.order.buyer_company_id],
        )


def exchange_summary(exchange) -> dict:
    """The exchange as events and the order's timeline show it."""
    currency = exchange.return_request.order_line.order.currency
    return {
        "id": exchange.pk,
        "status": exchange.status,
        "replacement_sku": exchange.replacement_sku,
        "quantity": exchange.return_request.quantity,
        "difference": Money(exchange.difference, currency).as_dict(),
    }

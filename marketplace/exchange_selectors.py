"""Reads of exchanges (marketplace.services.exchanges) for the order and return APIs and the admin."""

from marketplace.models import Exchange


def exchanges_by_order(*, order_ids: list[int]) -> dict[int, list[Exchange]]:
    """Each order's exchanges with what their serialisers read, in one query."""
    exchanges = (
        Exchange.objects.filter(return_request__order_line__order_id__in=order_ids)
        .select_related("return_request__order_line__order", "payment__order", "refund")
        .order_by("pk")
    )
    found: dict[int, list[Exchange]] = {}
    for exchange in exchanges:
        found.setdefault(exchange.return_request.order_line.order_id, []).append(exchange)
    return found

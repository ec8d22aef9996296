"""Reads the order desk (admin) and the admin dashboard share."""

from datetime import timedelta

from django.db.models import Exists, F, OuterRef, Q

from marketplace.models import Order, OrderLine

# Paid and not (all) delivered: the lines still owe a shipment.
ORDER_TO_SHIP = [Order.Status.PAID, Order.Status.PARTIALLY_FULFILLED]
# Operators look again at a paid order not fulfilled this long after payment.
FULFILMENT_DUE = timedelta(hours=48)


def orders_to_ship(company_ids: list[int] | None) -> Q:
    """Paid orders with lines (of these companies; None: any) not yet delivered in full."""
    lines = OrderLine.objects.filter(order=OuterRef("pk"), quantity_fulfilled__lt=F("quantity"))
    if company_ids is not None:
        lines = lines.filter(seller__in=company_ids)
    return Q(status__in=ORDER_TO_SHIP) & Q(Exists(lines))

from django.db.models import QuerySet

from brands.selectors import user_company_ids
from core.lookups import any_of
from core.permissions import is_operator
from logistics.models import ShipmentLine, Stock, Warehouse


def warehouse_list() -> QuerySet[Warehouse]:
    return Warehouse.objects.filter(is_active=True).select_related("zone").order_by("code")


def stock_list(*, user) -> QuerySet[Stock]:
    """Operators see all stock; SME staff the stock of their companies' variants."""
    stock = Stock.objects.select_related("warehouse", "variant__product")
    if not is_operator(user):
        stock = stock.filter(variant__product__company_id__in=user_company_ids(user))
    return stock.order_by("warehouse__code", "variant__sku")


def shipment_lines(*, shipment_id: int) -> list[tuple[int, int]]:
    """(variant_id, quantity) of what a shipment carries."""
    return [
        (variant_id, quantity)
        for variant_id, quantity in ShipmentLine.objects.filter(shipment_id=shipment_id).values_list(
            "fulfilment_line__variant_id", "quantity"
        )
    ]


def variant_available_units(variant_ids) -> dict[int, int]:
    """Sellable units (on hand minus reserved) per variant over every warehouse, in one query;
    outside channels show these counts."""
    from django.db.models import F, Sum

    rows = (
        Stock.objects.filter(any_of("variant_id", variant_ids))
        .values("variant_id")
        .annotate(units=Sum(F("on_hand") - F("reserved")))
        .values_list("variant_id", "units")
    )
    return {variant_id: max(units or 0, 0) for variant_id, units in rows}

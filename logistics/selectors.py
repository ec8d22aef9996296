from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from brands.selectors import user_company_ids
from core.permissions import is_operator
from logistics.models import (
    Consignment,
    ConsignmentLine,
    CustomsDeclaration,
    DeclarationLine,
    Shipment,
    ShipmentLine,
    Stock,
    Warehouse,
)


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
        Stock.objects.filter(variant_id__in=list(variant_ids))
        .values("variant_id")
        .annotate(units=Sum(F("on_hand") - F("reserved")))
        .values_list("variant_id", "units")
    )
    return {variant_id: max(units or 0, 0) for variant_id, units in rows}


def consignment_list(*, user) -> QuerySet[Consignment]:
    """Operators see every consignment; SME staff those their company exports (a brand's lead
    exports its brand's) or manufactured goods on."""
    consignments = Consignment.objects.all()
    if not is_operator(user):
        companies = user_company_ids(user)
        own = Consignment.objects.filter(Q(exporter_id__in=companies) | Q(lines__manufacturer_id__in=companies))
        consignments = consignments.filter(pk__in=own.values("pk"))
    return (
        consignments.select_related("brand", "exporter", "warehouse")
        .prefetch_related(
            Prefetch(
                "lines", queryset=ConsignmentLine.objects.select_related("variant", "manufacturer").order_by("pk")
            ),
            Prefetch("shipments", queryset=Shipment.objects.order_by("pk")),
        )
        .order_by("-pk")
    )


def consignment_get(*, user, pk) -> Consignment:
    consignment = consignment_list(user=user).filter(pk=pk).first()
    if consignment is None:
        raise Http404("No such consignment.")
    return consignment


def customs_declaration_list(*, user) -> QuerySet[CustomsDeclaration]:
    """Operators see every declaration; SME staff those of goods their company exports or
    manufactured (a line's manufacturer); others none."""
    declarations = CustomsDeclaration.objects.all()
    if not is_operator(user):
        companies = user_company_ids(user)
        own = CustomsDeclaration.objects.filter(Q(exporter_id__in=companies) | Q(lines__manufacturer_id__in=companies))
        declarations = declarations.filter(pk__in=own.values("pk"))
    return (
        declarations.select_related("exporter", "consignment", "shipment")
        .prefetch_related(
            Prefetch("lines", queryset=DeclarationLine.objects.select_related("manufacturer").order_by("pk"))
        )
        .order_by("-pk")
    )


def customs_declaration_get(*, user, pk) -> CustomsDeclaration:
    declaration = customs_declaration_list(user=user).filter(pk=pk).first()
    if declaration is None:
        raise Http404("No such customs declaration.")
    return declaration

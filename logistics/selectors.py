"""Every read in logistics, by area: querysets scoped to the caller (another company's object is a
404), each doing its own select_related/prefetch_related, and figures computed from them."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from brands.models import Company, MandateScope
from brands.selectors import user_company_ids
from core.lookups import any_of
from core.permissions import is_operator
from logistics.backorder_selectors import backorder_owner_reference, backorder_reservation_reference
from logistics.models import (
    Consignment,
    ConsignmentLine,
    CustomsDeclaration,
    DeclarationLine,
    DrawbackClaim,
    DutyBill,
    InboundLine,
    InboundShipment,
    OriginQualification,
    PhysicalReturn,
    Shipment,
    ShipmentLine,
    Stock,
    StorageAllotment,
    Warehouse,
)

# --- warehouses and stock ---------------------------------------------------------------------


def warehouse_list() -> QuerySet[Warehouse]:
    return Warehouse.objects.filter(is_active=True).select_related("zone").order_by("code")


def stock_list(*, user) -> QuerySet[Stock]:
    """Operators see all stock; SME staff the stock of their companies' variants."""
    stock = Stock.objects.select_related("warehouse", "variant__product")
    if not is_operator(user):
        stock = stock.filter(variant__product__company_id__in=user_company_ids(user, scope=MandateScope.SHIPMENTS))
    return stock.order_by("warehouse__code", "variant__sku")


def shipments_by_reference(*, references: list[str]) -> dict[str, list[Shipment]]:
    """The shipments of fulfilments made for each reference (e.g. "order:12", with those of its
    stocked backorders), with their lines and tracking events: three queries, whatever the
    number of references."""
    matches = Q(fulfilment__reference__in=references)
    for reference in references:
        matches |= Q(fulfilment__reference__startswith=backorder_reservation_reference(reference, ""))
    shipments = (
        Shipment.objects.filter(matches)
        .select_related("fulfilment")
        .prefetch_related(
            "events", Prefetch("lines", queryset=ShipmentLine.objects.select_related("fulfilment_line__variant"))
        )
        .order_by("pk")
    )
    found: dict[str, list[Shipment]] = {}
    for shipment in shipments:
        found.setdefault(backorder_owner_reference(shipment.fulfilment.reference), []).append(shipment)
    return found


def shipment_lines(*, shipment_id: int) -> list[tuple[int, int]]:
    """(variant_id, quantity) of what a shipment carries."""
    return [
        (variant_id, quantity)
        for variant_id, quantity in ShipmentLine.objects.filter(shipment_id=shipment_id).values_list(
            "fulfilment_line__variant_id", "quantity"
        )
    ]


def physical_return_get(*, reference: str) -> PhysicalReturn | None:
    """The goods' side of a return by its owner's reference (return:<id>), with its returns centre."""
    return PhysicalReturn.objects.select_related("returns_centre").filter(reference=reference).first()


def variant_available_units(variant_ids) -> dict[int, int]:
    """Sellable units (on hand minus reserved) per variant over every warehouse, in one query;
    outside channels show these counts."""
    rows = (
        Stock.objects.filter(any_of("variant_id", variant_ids))
        .values("variant_id")
        .annotate(units=Sum(F("on_hand") - F("reserved")))
        .values_list("variant_id", "units")
    )
    return {variant_id: max(units or 0, 0) for variant_id, units in rows}


# --- customs: consignments and declarations ---------------------------------------------------


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


# --- inbound shipments and storage allotments -------------------------------------------------


def inbound_list(*, user) -> QuerySet[InboundShipment]:
    """Operators see every shipment; SME staff their companies' shipments."""
    shipments = InboundShipment.objects.select_related("company", "warehouse").prefetch_related(
        Prefetch("lines", queryset=InboundLine.objects.select_related("variant").order_by("pk"))
    )
    if not is_operator(user):
        shipments = shipments.filter(company_id__in=user_company_ids(user, scope=MandateScope.SHIPMENTS))
    return shipments.order_by("-pk")


def inbound_get(*, user, pk) -> InboundShipment:
    """The shipment if the user may see it; another company's is a 404, never a 403."""
    shipment = inbound_list(user=user).filter(pk=pk).first()
    if shipment is None:
        raise Http404("No such inbound shipment.")
    return shipment


CM3_PER_M3 = Decimal(1_000_000)
M3 = Decimal("0.001")  # usage is reported to the litre


# Volume of the stock a row holds, in cm3: (on hand + quarantined) x length x width x height.
# Variants without dimensions count as nothing; reserved units are part of on hand.
_STOCK_VOLUME_CM3 = ExpressionWrapper(
    (F("on_hand") + F("quarantined"))
    * Coalesce(F("variant__length_cm"), Value(Decimal(0)))
    * Coalesce(F("variant__width_cm"), Value(Decimal(0)))
    * Coalesce(F("variant__height_cm"), Value(Decimal(0))),
    output_field=DecimalField(max_digits=30, decimal_places=3),
)


def _m3(cm3: Decimal | None) -> Decimal:
    return ((cm3 or Decimal(0)) / CM3_PER_M3).quantize(M3)


def storage_usage(company: Company, warehouse: Warehouse) -> Decimal:
    """m3 the company's goods take up in the warehouse, from stock (on hand + quarantined) and
    each variant's dimensions."""
    total = Stock.objects.filter(warehouse=warehouse, variant__product__company=company).aggregate(
        cm3=Sum(_STOCK_VOLUME_CM3)
    )["cm3"]
    return _m3(total)


@dataclass(frozen=True)
class StorageCheck:
    used_m3: Decimal
    allotted_m3: Decimal

    @property
    def exceeded(self) -> bool:
        return self.used_m3 > self.allotted_m3

    def warnings(self) -> list[tuple[str, str]]:
        if not self.exceeded:
            return []
        if not self.allotted_m3:
            return [("no_storage_allotment", f"{self.used_m3} m3 stored without a storage allotment here.")]
        return [
            (
                "storage_allotment_exceeded",
                f"{self.used_m3} m3 stored exceeds the {self.allotted_m3} m3 allotted; extra space may be charged.",
            )
        ]


def storage_allotment_check(*, company: Company, warehouse: Warehouse, on: date | None = None) -> StorageCheck:
    """Usage against the allotments running on `on` (start and end days included). A warning,
    never a refusal: goods that arrived must be stocked."""
    on = on or timezone.localdate()
    allotted = StorageAllotment.objects.filter(
        company=company, warehouse=warehouse, starts_on__lte=on, ends_on__gte=on
    ).aggregate(total=Sum("volume_m3"))["total"]
    return StorageCheck(used_m3=storage_usage(company, warehouse), allotted_m3=Decimal(allotted or 0))


def storage_allotment_list(*, user) -> QuerySet[StorageAllotment]:
    """Allotments with `used_cm3` annotated (one query for the page); operators see all, SME
    staff their companies'."""
    usage = (
        Stock.objects.filter(warehouse_id=OuterRef("warehouse_id"), variant__product__company_id=OuterRef("company_id"))
        .order_by()
        .values("warehouse_id")
        .annotate(cm3=Sum(_STOCK_VOLUME_CM3))
        .values("cm3")
    )
    allotments = StorageAllotment.objects.select_related("company", "warehouse").annotate(
        used_cm3=Coalesce(Subquery(usage, output_field=_STOCK_VOLUME_CM3.output_field), Value(Decimal(0)))
    )
    if not is_operator(user):
        allotments = allotments.filter(company_id__in=user_company_ids(user, scope=MandateScope.SHIPMENTS))
    return allotments.order_by("company_id", "warehouse__code", "-starts_on")


def storage_used_m3(allotment: StorageAllotment) -> Decimal:
    """The usage annotated by storage_allotment_list, in m3."""
    return _m3(allotment.used_cm3)


def low_stock() -> Q:
    """Stock rows with at most STOCK_LOW_THRESHOLD sellable units (on hand minus reserved)."""
    return Q(on_hand__lte=F("reserved") + settings.STOCK_LOW_THRESHOLD)


# --- FTA origin qualifications ----------------------------------------------------------------


def origin_qualification_list(*, user) -> QuerySet[OriginQualification]:
    """Operators see every qualification; SME staff those of their companies' products."""
    qualifications = OriginQualification.objects.select_related("product", "agreement").order_by("-pk")
    if is_operator(user):
        return qualifications
    return qualifications.filter(product__company_id__in=user_company_ids(user))


def origin_qualification_get(*, user, pk) -> OriginQualification:
    qualification = origin_qualification_list(user=user).filter(pk=pk).first()
    if qualification is None:
        raise Http404("No such origin qualification.")
    return qualification


def duty_bill_list(*, user) -> QuerySet[DutyBill]:
    """Operators see every final duty bill; SME staff those of declarations their company exports."""
    bills = DutyBill.objects.select_related("declaration").order_by("-pk")
    if is_operator(user):
        return bills
    return bills.filter(declaration__exporter_id__in=user_company_ids(user))


def drawback_claim_list(*, user) -> QuerySet[DrawbackClaim]:
    """Operators see every drawback claim; SME staff those crediting their companies."""
    claims = DrawbackClaim.objects.select_related("declaration", "rule", "credited_company").order_by("-pk")
    if is_operator(user):
        return claims
    return claims.filter(credited_company_id__in=user_company_ids(user))


def drawback_claim_get(*, user, pk) -> DrawbackClaim:
    claim = drawback_claim_list(user=user).filter(pk=pk).first()
    if claim is None:
        raise Http404("No such drawback claim.")
    return claim

"""Fees for work logistics did (shipments, consolidated consignments, inspections, repackaging,
customs declarations, storage months), charged by an hourly sweep that finds what has no fee
yet; and the commission of paid orders that somehow has none (it is charged at payment)."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from brands.models import Company
from core.money import Money
from core.selectors import exchange_rates_get
from marketplace.models import Fee, FeeKind, Order, OrderLine
from marketplace.services.commission import order_commission_charge
from marketplace.services.fees import fee_charge

OS = Order.Status
# Orders whose sales count: paid and not cancelled or refunded in full.
COMMISSIONED = [OS.PAID, OS.PARTIALLY_FULFILLED, OS.FULFILLED, OS.COMPLETED]


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _months(start: date, end: date, before: date) -> list[tuple[str, date]]:
    """(YYYY-MM, first day) for months overlapping [start, end) that ended before `before`."""
    months = []
    cursor = date(start.year, start.month, 1)
    while cursor < end:
        following = date(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1)
        if following <= before:
            months.append((_month(cursor), cursor))
        cursor = following
    return months


def _not_charged(queryset, kind: str, cause_type: str):
    charged = Fee.objects.filter(kind=kind, cause_type=cause_type, cause_id=OuterRef("pk"))
    return queryset.annotate(charged=Exists(charged)).filter(charged=False)


def fees_accrue(*, today: date | None = None) -> dict[str, int]:
    """Charges what logistics did that has no fee yet; running it again charges nothing new."""
    from logistics.models import Consignment, CustomsDeclaration, InboundLine, Shipment, StorageAllotment

    today = today or timezone.localdate()
    rates = exchange_rates_get()
    counts = dict.fromkeys(FeeKind.values, 0)

    def charge(**kwargs):
        with transaction.atomic():
            fee = fee_charge(rates=rates, **kwargs)
        counts[fee.kind] += 1

    shipments = _not_charged(Shipment.objects.filter(fulfilment__isnull=False), FeeKind.FULFILMENT, "shipment")
    for shipment in shipments.prefetch_related("lines__fulfilment_line__variant__product").order_by("pk"):
        sellers = {line.fulfilment_line.variant.product.company_id for line in shipment.lines.all()}
        with transaction.atomic():  # every seller of the shipment, or none: the next run takes it again
            for company in Company.objects.filter(pk__in=sellers).order_by("pk"):
                charge(company=company, kind=FeeKind.FULFILMENT, cause_type="shipment", cause_id=shipment.pk)

    # A consignment picked, packed and declared: one fulfilment fee per manufacturer in it.
    declared = Consignment.objects.filter(declaration__submitted_at__isnull=False)
    for consignment in _not_charged(declared, FeeKind.FULFILMENT, "consignment").order_by("pk"):
        makers = consignment.lines.values_list("manufacturer_id", flat=True)
        with transaction.atomic():
            for company in Company.objects.filter(pk__in=makers).order_by("pk"):
                charge(company=company, kind=FeeKind.FULFILMENT, cause_type="consignment", cause_id=consignment.pk)

    inspected = InboundLine.objects.filter(quantity_passed__isnull=False, quantity_received__gt=0).select_related(
        "shipment__company"
    )
    for line in _not_charged(inspected, FeeKind.INSPECTION, "inbound_line").order_by("pk"):
        charge(
            company=line.shipment.company,
            kind=FeeKind.INSPECTION,
            cause_type="inbound_line",
            cause_id=line.pk,
            quantity=Decimal(line.quantity_received or 0),
        )
    serviced = InboundLine.objects.filter(service_fee_amount__gt=0).select_related("shipment__company")
    for line in _not_charged(serviced, FeeKind.REPACKAGING, "inbound_line").order_by("pk"):
        charge(
            company=line.shipment.company,
            kind=FeeKind.REPACKAGING,
            cause_type="inbound_line",
            cause_id=line.pk,
            quantity=Decimal(line.quantity_passed or line.quantity_received or 0),
            amount=Money(line.service_fee_amount, line.service_fee_currency),
        )
    declarations = CustomsDeclaration.objects.filter(submitted_at__isnull=False).select_related("exporter")
    for declaration in _not_charged(declarations, FeeKind.CUSTOMS_BROKERAGE, "declaration").order_by("pk"):
        charge(
            company=declaration.exporter,
            kind=FeeKind.CUSTOMS_BROKERAGE,
            cause_type="declaration",
            cause_id=declaration.pk,
        )
    month_start = today.replace(day=1)
    charged_months = set(
        Fee.objects.filter(kind=FeeKind.STORAGE, cause_type="storage_allotment").values_list("cause_id", "period")
    )
    allotments = StorageAllotment.objects.filter(starts_on__lt=month_start).select_related("company")
    for allotment in allotments.order_by("pk"):
        for period, _first in _months(allotment.starts_on, allotment.ends_on, month_start):
            if (allotment.pk, period) in charged_months:
                continue
            charge(
                company=allotment.company,
                kind=FeeKind.STORAGE,
                cause_type="storage_allotment",
                cause_id=allotment.pk,
                period=period,
                quantity=Decimal(allotment.volume_m3),
            )
    paid = Order.objects.filter(status__in=COMMISSIONED)
    lines = _not_charged(OrderLine.objects.filter(order__in=paid), FeeKind.COMMISSION, "order_line")
    for order in Order.objects.filter(pk__in=lines.values("order_id")).order_by("pk"):
        with transaction.atomic():
            counts[FeeKind.COMMISSION] += len(order_commission_charge(order=order))
    return {kind: count for kind, count in counts.items() if count}

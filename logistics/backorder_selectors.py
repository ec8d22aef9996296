"""Reads about selling beyond stock: when a variant sold now would ship, and a reference's
backorders with the date each ships by (docs/decisions/0029)."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Min, Sum
from django.utils import timezone

from listings.models import Variant
from logistics.models import Backorder, InboundLine, InboundShipment


def backorder_reservation_reference(reference: str, shipment_id: int | str) -> str:
    """The reference of the reservation a backorder's units are held under once stocked."""
    return f"{reference}:inbound:{shipment_id}"


def backorder_owner_reference(reference: str) -> str:
    """The reference a fulfilment or reservation belongs to: a stocked backorder's own one."""
    return reference.split(":inbound:", 1)[0]


# An inbound shipment not stocked yet: backorders can still be allocated to it.
OPEN_INBOUND = (
    InboundShipment.Status.DRAFT,
    InboundShipment.Status.IN_TRANSIT,
    InboundShipment.Status.RECEIVED,
    InboundShipment.Status.INSPECTED,
)


def variant_ship_dates(variants: list[Variant], *, today: date | None = None) -> dict[int, date]:
    """{variant id: expected ship date} for the variants sold beyond stock (others are left out):
    a preorder ships by the earliest open inbound shipment of its SKU that gives a date, else by
    its own expected date, else after its lead time; made to order after its lead time. One query
    for the inbound dates, none without a preorder."""
    today = today or timezone.localdate()
    preorders = [v.pk for v in variants if v.availability == Variant.Availability.PREORDER]
    inbound = (
        dict(
            InboundLine.objects.filter(
                variant_id__in=preorders, shipment__status__in=OPEN_INBOUND, shipment__expected_on__isnull=False
            )
            .values("variant_id")
            .annotate(first=Min("shipment__expected_on"))
            .values_list("variant_id", "first")
        )
        if preorders
        else {}
    )
    dates = {}
    for variant in variants:
        if not variant.sells_beyond_stock:
            continue
        after_lead_time = today + timedelta(days=variant.lead_time_days or 0)
        if variant.availability == Variant.Availability.MADE_TO_ORDER:
            dates[variant.pk] = after_lead_time
        else:
            dates[variant.pk] = max(inbound.get(variant.pk) or variant.expected_on or after_lead_time, today)
    return dates


@dataclass(frozen=True)
class BackorderView:
    variant_id: int
    kind: str
    quantity: int
    status: str
    ships_on: date


def backorders_for_references(references: list[str]) -> dict[str, list[BackorderView]]:
    """Each reference's backorders (cancelled ones left out) in one query; an allocated one ships
    by its inbound shipment's expected date when that gives one, else by the date of the sale."""
    rows = (
        Backorder.objects.filter(reference__in=references)
        .exclude(status=Backorder.Status.CANCELLED)
        .values(
            "reference",
            "variant_id",
            "kind",
            "quantity",
            "status",
            "expected_on",
            "inbound_line__shipment__expected_on",
        )
        .order_by("sold_at", "pk")
    )
    found: dict[str, list[BackorderView]] = {reference: [] for reference in references}
    for row in rows:
        inbound = row["inbound_line__shipment__expected_on"] if row["status"] == Backorder.Status.ALLOCATED else None
        found[row["reference"]].append(
            BackorderView(row["variant_id"], row["kind"], row["quantity"], row["status"], inbound or row["expected_on"])
        )
    return found


def backorder_units_left(variants: list[Variant]) -> dict[int, int]:
    """{variant id: units it may still sell beyond stock} for the variants sold beyond stock:
    its cap less what waits for goods now. One query, none without such a variant."""
    beyond = [v for v in variants if v.sells_beyond_stock]
    if not beyond:
        return {}
    waiting = dict(
        Backorder.objects.filter(variant__in=beyond, status__in=(Backorder.Status.WAITING, Backorder.Status.ALLOCATED))
        .values("variant_id")
        .annotate(units=Sum("quantity"))
        .values_list("variant_id", "units")
    )
    return {v.pk: max(v.preorder_cap - waiting.get(v.pk, 0), 0) for v in beyond}


def backorders_waiting(*, reference: str) -> bool:
    """Whether the reference holds backorders still waiting for goods."""
    return Backorder.objects.filter(
        reference=reference, status__in=(Backorder.Status.WAITING, Backorder.Status.ALLOCATED)
    ).exists()

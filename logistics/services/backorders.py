"""Selling beyond stock (docs/decisions/0029): units of a preorder or made-to-order variant
claimed for a reference up to the variant's cap, allocated to the open inbound shipment lines of
their SKU oldest sale first, and cancelled with their reference. Releasing them into stock when
their inbound shipment is stocked is in logistics.services.inbound.

Lock order: stock rows (logistics.locks, by the caller), then variant rows in id order (they
serialise every change to a variant's backorders), then backorder rows in sale order."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, Sum

from listings.models import Variant
from logistics.backorder_selectors import OPEN_INBOUND, backorder_units_left, variant_ship_dates
from logistics.models import Backorder, InboundLine

B = Backorder.Status
OUTSTANDING = (B.WAITING, B.ALLOCATED)


@dataclass(frozen=True)
class Capacity:
    """What a variant may still sell beyond stock, read under its row lock."""

    kind: str
    left: int
    ships_on: date


def variants_lock(variant_ids: Iterable[int]) -> list[Variant]:
    return list(Variant.objects.select_for_update().filter(pk__in=set(variant_ids)).order_by("pk"))


def backorder_capacity(variant_ids: Iterable[int]) -> dict[int, Capacity]:
    """Locks the variants and returns, for those sold beyond stock, the units left under their
    cap (the cap less what waits for goods now) and the date a unit sold now ships by."""
    variants = [v for v in variants_lock(variant_ids) if v.sells_beyond_stock]
    if not variants:
        return {}
    left, dates = backorder_units_left(variants), variant_ship_dates(variants)
    return {v.pk: Capacity(v.availability, left[v.pk], dates[v.pk]) for v in variants}


def backorders_create(*, reference: str, claims: dict[int, tuple[Capacity, int]]) -> list[Backorder]:
    """The claimed units ({variant id: (capacity, units)}) as waiting backorders, allocated at
    once to any open inbound shipment with units to spare. The caller locked the variants."""
    made = Backorder.objects.bulk_create(
        Backorder(reference=reference, variant_id=v, kind=capacity.kind, quantity=units, expected_on=capacity.ships_on)
        for v, (capacity, units) in sorted(claims.items())
    )
    backorders_allocate(variant_ids=claims)
    return made


def _spare(line: InboundLine) -> int:
    """Units of an inbound line that will arrive: counted or passed once known, else announced."""
    for counted in (line.quantity_passed, line.quantity_received):
        if counted is not None:
            return counted
    return line.quantity_expected


def backorders_allocate(*, variant_ids: Iterable[int]) -> int:
    """Waiting backorders of the variants are allocated to their open inbound lines, oldest sale
    first, earliest expected shipment first; one that does not fit whole is split, the rest
    waiting. Returns the units allocated. The caller holds the variant rows' locks."""
    allocated = 0
    for variant_id in sorted(set(variant_ids)):
        waiting = list(
            Backorder.objects.select_for_update()
            .filter(variant_id=variant_id, status=B.WAITING)
            .order_by("sold_at", "pk")
        )
        if not waiting:
            continue
        lines = (
            InboundLine.objects.filter(variant_id=variant_id, shipment__status__in=OPEN_INBOUND)
            .annotate(taken=Sum("backorders__quantity", filter=Q(backorders__status=B.ALLOCATED)))
            .order_by("shipment__expected_on", "pk")
        )
        for line in lines:
            spare = _spare(line) - (line.taken or 0)
            while spare > 0 and waiting:
                backorder = waiting.pop(0)
                if backorder.quantity > spare:
                    waiting.insert(0, backorder_split(backorder, spare))
                backorder.status, backorder.inbound_line = B.ALLOCATED, line
                backorder.save(update_fields=["status", "inbound_line", "quantity"])
                spare -= backorder.quantity
                allocated += backorder.quantity
    return allocated


def backorder_split(backorder: Backorder, quantity: int) -> Backorder:
    """Keeps `quantity` units on the backorder and returns the rest as a new waiting backorder
    of the same sale. The caller saves the backorder."""
    rest = Backorder.objects.create(
        reference=backorder.reference,
        variant_id=backorder.variant_id,
        kind=backorder.kind,
        quantity=backorder.quantity - quantity,
        expected_on=backorder.expected_on,
        sold_at=backorder.sold_at,
    )
    backorder.quantity = quantity
    return rest


def backorders_cancel(*, reference: str) -> int:
    """The reference's backorders waiting for goods are cancelled (an order cancelled or never
    paid); the inbound units they held go to the next waiting sales. Returns the units."""
    variant_ids = set(
        Backorder.objects.filter(reference=reference, status__in=OUTSTANDING).values_list("variant_id", flat=True)
    )
    if not variant_ids:
        return 0
    variants_lock(variant_ids)
    rows = list(
        Backorder.objects.select_for_update().filter(reference=reference, status__in=OUTSTANDING).order_by("pk")
    )
    Backorder.objects.filter(pk__in=[b.pk for b in rows]).update(status=B.CANCELLED, inbound_line=None)
    backorders_allocate(variant_ids=variant_ids)
    return sum(b.quantity for b in rows)


def backorders_unallocate(*, shipment_id: int) -> None:
    """An inbound shipment that will not come (cancelled): its backorders wait again and go to
    the other open shipments of their SKU that have units to spare."""
    allocated = Backorder.objects.filter(inbound_line__shipment_id=shipment_id, status=B.ALLOCATED)
    variant_ids = set(allocated.values_list("variant_id", flat=True))
    if variant_ids:
        variants_lock(variant_ids)
        allocated.update(status=B.WAITING, inbound_line=None)
        backorders_allocate(variant_ids=variant_ids)

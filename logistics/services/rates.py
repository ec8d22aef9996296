"""Shipping options: what shipping goods (variants and quantities, or packed parcels) to a country
costs, per warehouse that serves it and per carrier service, priced from the rate tables by
chargeable weight. Checkout, B2B quotes and the shipping quote endpoint ask here; nothing is
written or reserved."""

from dataclasses import dataclass
from decimal import ROUND_UP, Decimal

from django.db import connections, router

from core.errors import InvalidInput
from core.money import Money
from core.sql import columns, instance, table, typed_rows
from listings.models import Variant
from logistics.models import ShippingRate, Warehouse
from logistics.services.fulfilment import _parcels
from logistics.services.stock import ZONE_SQL, warehouses_for_destination


@dataclass(frozen=True)
class ShippingOption:
    warehouse: Warehouse
    carrier: str
    service: str
    price: Money
    transit_days_min: int
    transit_days_max: int
    chargeable_weight_kg: Decimal


@dataclass(frozen=True)
class _Piece:
    weight_kg: Decimal
    volume_cm3: Decimal
    count: int


def _pieces(lines, parcels) -> list[_Piece]:
    if (lines is None) == (parcels is None):
        raise InvalidInput("Quote either lines or parcels.", attr="lines")
    if parcels is not None:
        return [
            _Piece(
                Decimal(p["weight_kg"]),
                Decimal(p["length_cm"]) * Decimal(p["width_cm"]) * Decimal(p["height_cm"]),
                1,
            )
            for p in _parcels(parcels)
        ]
    if not lines:
        raise InvalidInput("Quote at least one line.", attr="lines")
    pieces = []
    for variant, quantity in lines:
        if not isinstance(variant, Variant) or not isinstance(quantity, int) or quantity < 1:
            raise InvalidInput("Each line is a variant and a positive quantity.", attr="lines")
        if variant.weight_kg is None:
            raise InvalidInput(f"{variant.sku} has no weight, so it cannot be quoted.", attr="lines")
        dimensions = (variant.length_cm, variant.width_cm, variant.height_cm)
        volume = dimensions[0] * dimensions[1] * dimensions[2] if all(dimensions) else Decimal(0)
        pieces.append(_Piece(variant.weight_kg, volume, quantity))
    return pieces


def chargeable_weight(pieces: list[_Piece], divisor: int) -> Decimal:
    """Each unit counts at the greater of its actual and volumetric weight (L x W x H / divisor)."""
    total = sum((max(p.weight_kg, p.volume_cm3 / divisor) * p.count for p in pieces), Decimal(0))
    return total.quantize(Decimal("0.001"), rounding=ROUND_UP)


RATE_FIELDS = tuple(ShippingRate._meta.concrete_fields)


def _rates(country: str, warehouse_ids: list[int]) -> list[ShippingRate]:
    """The rates from the warehouses to the country's zone (no zone, no rate), lightest band
    first. Plain SQL (core.sql): checkout quotes its options on every pricing with options."""
    if not warehouse_ids:
        return []
    db = connections[router.db_for_read(ShippingRate)]
    sql = f"""
        SELECT {columns(ShippingRate, "r")} FROM {table(ShippingRate)} r
        WHERE r.zone_id = ({ZONE_SQL}) AND r.warehouse_id IN ({", ".join(["%s"] * len(warehouse_ids))})
        ORDER BY r.max_weight_kg, r.id
    """  # noqa: S608 - table names from the models, values bound as parameters
    rows = typed_rows(db, sql, [f"%{country}%", *warehouse_ids], RATE_FIELDS)
    return [instance(ShippingRate, db, row) for row in rows]


def shipping_options(
    *,
    destination_country: str,
    lines: list[tuple[Variant, int]] | None = None,
    parcels: list[dict] | None = None,
    warehouses: list[Warehouse] | None = None,
) -> list[ShippingOption]:
    """Priced options to ship the goods (lines of (variant, quantity), or packed parcels) to a
    country: per warehouse that serves the destination (best first, as warehouses_for_destination
    orders them) and per service, the first weight band of its rate table whose max_weight_kg
    holds the chargeable weight. No zone, no rate or no band heavy enough: no option. Stock is
    not considered here: the reservation decides where goods ship from. `warehouses`: those of
    warehouses_for_destination when the caller has them already."""
    pieces = _pieces(lines, parcels)
    country = str(destination_country).upper()
    if warehouses is None:
        warehouses = warehouses_for_destination(country=country)
    rank = {warehouse.pk: i for i, warehouse in enumerate(warehouses)}
    services = list(ShippingRate.Service.values)
    chosen: dict[tuple[int, str], tuple[ShippingRate, Decimal]] = {}
    for rate in _rates(country, list(rank)):
        key = (rate.warehouse_id, rate.service)
        if key in chosen:
            continue
        weight = chargeable_weight(pieces, rate.volumetric_divisor)
        if rate.max_weight_kg >= weight:
            chosen[key] = (rate, weight)
    by_pk = {warehouse.pk: warehouse for warehouse in warehouses}
    ordered = sorted(
        chosen.items(),
        key=lambda item: (rank[item[0][0]], services.index(item[0][1]) if item[0][1] in services else len(services)),
    )
    return [
        ShippingOption(
            warehouse=by_pk[warehouse_id],
            carrier=rate.carrier,
            service=service,
            price=Money(rate.amount, rate.currency).quantized(),
            transit_days_min=rate.transit_days_min,
            transit_days_max=rate.transit_days_max,
            chargeable_weight_kg=weight,
        )
        for (warehouse_id, service), (rate, weight) in ordered
    ]

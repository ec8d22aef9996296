"""Outbound: fulfilment requests from reserved stock, pick, pack and ship (partially if need be),
tracking events from operators and carriers, and shipping options priced from rate tables.

Rows are locked in one order everywhere here, so concurrent calls queue instead of deadlocking:
fulfilment -> its lines (id order) -> reservation -> stock rows (id order, logistics.locks) ->
reservation lines; a shipment is locked on its own.
"""

import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_countries import countries

from core.errors import Conflict, InvalidInput, NotPermitted, WrongState
from core.money import Money
from core.permissions import is_operator
from listings.models import Variant
from logistics.locks import stock_lock
from logistics.models import (
    Fulfilment,
    FulfilmentLine,
    Reservation,
    Shipment,
    ShipmentLine,
    ShippingRate,
    TrackingEvent,
    Warehouse,
)
from logistics.services.stock import reservation_line_ship, warehouses_for_destination, zone_for_country
from logistics.signals import shipment_delivered, shipment_shipped

F = Fulfilment.Status
S = Shipment.Status
SOURCE = TrackingEvent.Source
INCOTERMS = ("DAP", "DDP")
PARCEL_FIELDS = ("weight_kg", "length_cm", "width_cm", "height_cm")
MAX_PARCELS = 50
# Normal progress of a shipment; an exception may happen at any point and is left by any later event.
PROGRESS = {S.IN_TRANSIT: 1, S.CUSTOMS: 2, S.OUT_FOR_DELIVERY: 3, S.DELIVERED: 4}
SIGNATURE_TOLERANCE_SECONDS = 300


def _require_operator(actor, action: str) -> None:
    if not is_operator(actor):
        raise NotPermitted(f"Only an operator {action}.")


def _lock(fulfilment: Fulfilment, allowed: list[str], action: str) -> Fulfilment:
    fulfilment = Fulfilment.objects.select_for_update(of=("self",)).select_related("warehouse").get(pk=fulfilment.pk)
    if fulfilment.status not in allowed:
        raise WrongState(f"A {fulfilment.get_status_display().lower()} fulfilment cannot be {action}.")
    return fulfilment


def _text(value, attr: str, max_length: int, *, required: bool = True) -> str:
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidInput(f"The {attr.replace('_', ' ')} is required.", attr=attr)
    value = value.strip()
    if len(value) > max_length:
        raise InvalidInput(f"At most {max_length} characters.", attr=attr)
    return value


def _positive_decimal(value, places: int, limit: Decimal) -> Decimal | None:
    """A positive decimal from a Decimal, int or decimal string (never a float), or None."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not number.is_finite() or number <= 0 or number > limit:
        return None
    return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_UP)


def _parcels(parcels) -> list[dict]:
    """Validated parcels as decimal strings: weight in kg (3 places), dimensions in cm (1 place)."""
    if not isinstance(parcels, list | tuple) or not parcels:
        raise InvalidInput("Pack at least one parcel.", attr="parcels")
    if len(parcels) > MAX_PARCELS:
        raise InvalidInput(f"At most {MAX_PARCELS} parcels per shipment.", attr="parcels")
    cleaned, errors = [], {}
    for i, parcel in enumerate(parcels):
        if not isinstance(parcel, Mapping) or set(parcel) != set(PARCEL_FIELDS):
            errors[f"parcels.{i}"] = [("invalid", "A parcel has weight_kg, length_cm, width_cm and height_cm.")]
            continue
        row = {}
        for field in PARCEL_FIELDS:
            kg = field == "weight_kg"
            value = _positive_decimal(parcel[field], 3 if kg else 1, Decimal(1000))
            if value is None:
                errors[f"parcels.{i}.{field}"] = [("invalid", "A positive decimal, at most 1000.")]
            else:
                row[field] = str(value)
        cleaned.append(row)
    if errors:
        raise InvalidInput("Some parcels are invalid.", fields=errors)
    return cleaned


def _destination(destination) -> dict:
    """The recipient and address of a fulfilment, every problem reported at once."""
    if not isinstance(destination, Mapping):
        raise InvalidInput("The destination is required.", attr="destination")
    errors: dict[str, list] = {}
    unknown = sorted(set(destination) - {"recipient_name", "address_lines", "city", "postal_code", "country"})
    for key in unknown:
        errors[f"destination.{key}"] = [("unknown_field", "Unknown field.")]
    address = {}
    for field, max_length, required in (("recipient_name", 200, True), ("city", 100, True), ("postal_code", 20, False)):
        value = destination.get(field, "")
        if not isinstance(value, str) or (required and not value.strip()) or len(value.strip()) > max_length:
            errors[f"destination.{field}"] = [("invalid", f"Text of at most {max_length} characters is required.")]
        else:
            address[field] = value.strip()
    lines = destination.get("address_lines")
    if (
        not isinstance(lines, list | tuple)
        or not 1 <= len(lines) <= 4
        or not all(isinstance(line, str) and line.strip() and len(line) <= 200 for line in lines)
    ):
        errors["destination.address_lines"] = [("invalid", "One to four address lines of text are required.")]
    else:
        address["address_lines"] = [line.strip() for line in lines]
    country = destination.get("country")
    if not isinstance(country, str) or len(country) != 2 or not countries.name(country.upper()):
        errors["destination.country"] = [("invalid", "A two-letter ISO 3166 country code is required.")]
    else:
        address["country"] = country.upper()
    if errors:
        raise InvalidInput("The destination is incomplete.", fields=errors)
    return address


@transaction.atomic
def fulfilments_request(*, reference: str, destination: dict, incoterm: str = "DAP", actor=None) -> list[Fulfilment]:
    """Turns the reference's ACTIVE reservation into one fulfilment per warehouse it holds
    stock in, each line the unshipped units of a reservation line. destination: recipient_name,
    address_lines, city, postal_code, country.

    Called by whoever owns the reference (marketplace for a paid order, a task, a command), so
    there is no operator check. A reference whose fulfilments were requested already is refused
    until they are cancelled, so a retried request cannot ship twice."""
    address = _destination(destination)
    if incoterm not in INCOTERMS:
        raise InvalidInput("The incoterm is DAP or DDP.", attr="incoterm")
    reservation = (
        Reservation.objects.select_for_update().filter(reference=reference, status=Reservation.Status.ACTIVE).first()
    )
    if reservation is None:
        raise WrongState(f"{reference} holds no active reservation to fulfil.")
    taken = FulfilmentLine.objects.filter(reservation_line__reservation=reservation).exclude(
        fulfilment__status=F.CANCELLED
    )
    if taken.exists():
        raise Conflict(f"Fulfilment of {reference} was requested already.", attr="reference")
    by_warehouse: dict[int, list] = {}
    for line in reservation.lines.select_related("stock").order_by("pk"):
        left = line.quantity - line.quantity_shipped
        if left:
            by_warehouse.setdefault(line.stock.warehouse_id, []).append((line, left))
    fulfilments = []
    for warehouse_id in sorted(by_warehouse):
        fulfilment = Fulfilment.objects.create(
            reference=reference, warehouse_id=warehouse_id, incoterm=incoterm, **address
        )
        FulfilmentLine.objects.bulk_create(
            FulfilmentLine(
                fulfilment=fulfilment, reservation_line=line, variant_id=line.stock.variant_id, quantity=left
            )
            for line, left in by_warehouse[warehouse_id]
        )
        fulfilments.append(fulfilment)
    return fulfilments


@transaction.atomic
def fulfilment_pick(*, fulfilment: Fulfilment, actor) -> Fulfilment:
    """The warehouse starts picking the goods off the shelves."""
    _require_operator(actor, "picks goods")
    fulfilment = _lock(fulfilment, [F.REQUESTED], "picked")
    fulfilment.status = F.PICKING
    fulfilment.save(update_fields=["status"])
    return fulfilment


@transaction.atomic
def fulfilment_pack(*, fulfilment: Fulfilment, parcels: list[dict], actor) -> Fulfilment:
    """Records the parcels (weight_kg, length_cm, width_cm, height_cm) the goods are packed in;
    they leave with the next shipment. Packing again replaces parcels not shipped yet; after a
    partial shipment it packs the rest (the fulfilment stays partially shipped)."""
    _require_operator(actor, "packs goods")
    boxes = _parcels(parcels)
    fulfilment = _lock(fulfilment, [F.PICKING, F.PACKED, F.PARTIALLY_SHIPPED], "packed")
    fulfilment.parcels = boxes
    if fulfilment.status != F.PARTIALLY_SHIPPED:
        fulfilment.status = F.PACKED
    fulfilment.save(update_fields=["parcels", "status"])
    return fulfilment


def _ship_quantities(open_lines: dict[int, FulfilmentLine], lines) -> dict[int, int]:
    """{fulfilment line id: units to ship}: everything left when lines is None."""
    if lines is None:
        left = {pk: line.quantity - line.quantity_shipped for pk, line in open_lines.items()}
        return {pk: quantity for pk, quantity in left.items() if quantity}
    if not isinstance(lines, list | tuple) or not lines:
        raise InvalidInput("Name at least one line to ship, or leave lines out to ship everything left.", attr="lines")
    wanted: dict[int, int] = {}
    errors: dict[str, list] = {}
    for i, item in enumerate(lines):
        item = item if isinstance(item, Mapping) else {}
        line, quantity = item.get("fulfilment_line"), item.get("quantity")
        pk = line.pk if isinstance(line, FulfilmentLine) else line
        if pk not in open_lines:
            errors[f"lines.{i}.fulfilment_line"] = [("invalid", "Not a line of this fulfilment.")]
        elif not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            errors[f"lines.{i}.quantity"] = [("invalid", "A positive whole number of units.")]
        else:
            wanted[pk] = wanted.get(pk, 0) + quantity
    for pk, quantity in wanted.items():
        left = open_lines[pk].quantity - open_lines[pk].quantity_shipped
        if quantity > left:
            errors.setdefault("lines", []).append(("too_many", f"Line {pk} has {left} units left to ship."))
    if errors:
        raise InvalidInput("Some lines cannot ship.", fields=errors)
    return wanted


@transaction.atomic
def fulfilment_ship(
    *,
    fulfilment: Fulfilment,
    carrier: str,
    service: str,
    tracking_number: str,
    lines: list[dict] | None = None,
    parcels: list[dict] | None = None,
    actor,
) -> Shipment:
    """Hands goods to a carrier: a shipment with its lines, the reserved stock consumed through
    reservation_line_ship (ledger reference "shipment:<id>"). lines: [{fulfilment_line, quantity}]
    for a partial shipment, else everything left. parcels: this shipment's parcels, else the
    packed ones (which then leave with it). The fulfilment becomes shipped when every unit has
    shipped, else partially shipped."""
    _require_operator(actor, "ships goods")
    carrier = _text(carrier, "carrier", 50)
    service = _text(service, "service", 30)
    tracking_number = _text(tracking_number, "tracking_number", 60)
    boxes = _parcels(parcels) if parcels is not None else None
    fulfilment = _lock(fulfilment, [F.PACKED, F.PARTIALLY_SHIPPED], "shipped")
    if boxes is None:
        if not fulfilment.parcels:
            raise WrongState("Nothing is packed for this shipment: pack the remaining goods or give the parcels.")
        boxes, fulfilment.parcels = fulfilment.parcels, []
    lines_qs = fulfilment.lines.select_for_update(of=("self",)).select_related("reservation_line").order_by("pk")
    open_lines = {line.pk: line for line in lines_qs}
    quantities = _ship_quantities(open_lines, lines)
    if not quantities:
        raise WrongState("Every unit of this fulfilment has shipped.")
    reservation_ids = {line.reservation_line.reservation_id for line in open_lines.values()}
    reservation = Reservation.objects.select_for_update().filter(pk__in=reservation_ids).order_by("pk").first()
    if reservation is None or reservation.status != Reservation.Status.ACTIVE:
        raise WrongState(f"The reservation of {fulfilment.reference} is no longer active; nothing can ship from it.")
    stock_lock(open_lines[pk].reservation_line.stock_id for pk in quantities)
    if Shipment.objects.filter(carrier=carrier, tracking_number=tracking_number).exists():
        raise Conflict(f"{carrier} tracking number {tracking_number} is on another shipment.", attr="tracking_number")
    try:
        with transaction.atomic():
            shipment = Shipment.objects.create(
                fulfilment=fulfilment, carrier=carrier, service=service, tracking_number=tracking_number, parcels=boxes
            )
    except IntegrityError:  # the same tracking number, concurrently
        raise Conflict(
            f"{carrier} tracking number {tracking_number} is on another shipment.", attr="tracking_number"
        ) from None
    for pk in sorted(quantities):
        line, quantity = open_lines[pk], quantities[pk]
        reservation_line_ship(
            line=line.reservation_line, quantity=quantity, reference=f"shipment:{shipment.pk}", actor=actor
        )
        ShipmentLine.objects.create(shipment=shipment, fulfilment_line=line, quantity=quantity)
        line.quantity_shipped += quantity
        line.save(update_fields=["quantity_shipped"])
    done = all(line.quantity_shipped == line.quantity for line in open_lines.values())
    fulfilment.status = F.SHIPPED if done else F.PARTIALLY_SHIPPED
    if done:
        fulfilment.parcels = []
    fulfilment.save(update_fields=["status", "parcels"])
    TrackingEvent.objects.create(
        shipment=shipment,
        status=S.IN_TRANSIT,
        description=f"Handed to {carrier} ({service}).",
        location=f"{fulfilment.warehouse.name}, {fulfilment.warehouse.country}"[:150],
        occurred_at=shipment.shipped_at,
        source=SOURCE.OPERATOR,
    )
    shipment_shipped.send(
        sender=Shipment,
        shipment_id=shipment.pk,
        reference=fulfilment.reference,
        carrier=carrier,
        tracking_number=tracking_number,
    )
    return shipment


@transaction.atomic
def fulfilment_cancel(*, fulfilment: Fulfilment, actor=None) -> Fulfilment:
    """Cancels a fulfilment before anything of it shipped. The reservation is NOT released: the
    reference's owner (marketplace) holds it and decides what happens to it (release it with
    reservation_release, or request fulfilment again). Called by that owner, so no operator
    check here."""
    fulfilment = _lock(fulfilment, [F.REQUESTED, F.PICKING, F.PACKED], "cancelled")
    fulfilment.status = F.CANCELLED
    fulfilment.parcels = []
    fulfilment.save(update_fields=["status", "parcels"])
    return fulfilment


def _advances(current: str, new: str) -> bool:
    """Whether an event moves the shipment: forward only, never away from delivered; an
    exception interrupts any other state and any later event ends it."""
    if current == S.DELIVERED or current == new:
        return False
    if S.EXCEPTION in (current, new):
        return True
    return PROGRESS[new] > PROGRESS[current]


def shipment_reference(shipment: Shipment) -> str:
    """The opaque reference the shipment carries goods for (a fulfilment's or a consignment's)."""
    return shipment.fulfilment.reference if shipment.fulfilment_id else shipment.consignment.reference


@transaction.atomic
def shipment_track(
    *,
    shipment: Shipment,
    status: str,
    occurred_at: datetime,
    description: str = "",
    location: str = "",
    source: str = SOURCE.OPERATOR,
    external_id: str = "",
    actor=None,
) -> tuple[TrackingEvent, bool]:
    """Records a tracking event and moves the shipment forward (never backward, never away
    from delivered). `delivered` sets delivered_at and sends shipment_delivered, once.
    Operators record events as themselves; carrier events (source "carrier") come through the
    signature-checked webhook and carry the carrier's event id, recorded once: a repeat returns
    the first event with created False and changes nothing."""
    if source == SOURCE.OPERATOR:
        _require_operator(actor, "records tracking events")
    elif source != SOURCE.CARRIER:
        raise InvalidInput("The source is operator or carrier.", attr="source")
    if status not in S.values:
        raise InvalidInput(f"The status is one of {', '.join(S.values)}.", attr="status")
    if not isinstance(occurred_at, datetime) or timezone.is_naive(occurred_at):
        raise InvalidInput("A date and time with its time zone is required.", attr="occurred_at")
    description = _text(description, "description", 300, required=False)
    location = _text(location, "location", 150, required=False)
    external_id = _text(external_id, "external_id", 100, required=source == SOURCE.CARRIER)
    shipment = (
        Shipment.objects.select_for_update(of=("self",)).select_related("fulfilment", "consignment").get(pk=shipment.pk)
    )
    if external_id:
        seen = shipment.events.filter(external_id=external_id).first()
        if seen is not None:
            return seen, False
    event = TrackingEvent.objects.create(
        shipment=shipment,
        status=status,
        occurred_at=occurred_at,
        description=description,
        location=location,
        source=source,
        external_id=external_id,
    )
    if _advances(shipment.status, status):
        shipment.status = status
        if status == S.DELIVERED:
            shipment.delivered_at = occurred_at
        shipment.save(update_fields=["status", "delivered_at"])
        if status == S.DELIVERED:
            # Inside this transaction on purpose: see logistics.signals.
            shipment_delivered.send(sender=Shipment, shipment_id=shipment.pk, reference=shipment_reference(shipment))
    return event, True


def carrier_webhook_verify(*, body: bytes, signature: str | None, timestamp: str | None, now: float | None = None):
    """Checks a carrier webhook call before anything is read from it: X-Carrier-Timestamp is Unix
    seconds within 300 s of now (so a captured call cannot be replayed later), and
    X-Carrier-Signature is "sha256=" and the hex HMAC-SHA256, under CARRIER_WEBHOOK_SECRET, of
    "<timestamp>.<raw body>". Raises InvalidInput (400) otherwise."""
    if not timestamp or not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise InvalidInput("X-Carrier-Timestamp (Unix seconds) is required.", attr="X-Carrier-Timestamp")
    if abs((time.time() if now is None else now) - int(timestamp)) > SIGNATURE_TOLERANCE_SECONDS:
        raise InvalidInput("The call is too old or from the future; sign it again.", attr="X-Carrier-Timestamp")
    if not settings.CARRIER_WEBHOOK_SECRET:
        raise InvalidInput("Carrier webhooks are not configured (CARRIER_WEBHOOK_SECRET).", attr="X-Carrier-Signature")
    secret = settings.CARRIER_WEBHOOK_SECRET.encode()
    expected = "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), (signature or "").strip().encode("utf-8", "replace")):
        raise InvalidInput("The signature does not match the body.", attr="X-Carrier-Signature")


def carrier_tracking_apply(
    *,
    carrier: str,
    tracking_number: str,
    event_id: str,
    status: str,
    occurred_at: datetime,
    description: str = "",
    location: str = "",
) -> tuple[TrackingEvent, bool]:
    """A verified carrier event, for the shipment with that carrier and tracking number."""
    shipment = Shipment.objects.filter(carrier=carrier, tracking_number=tracking_number).first()
    if shipment is None:
        raise InvalidInput(f"No {carrier} shipment has this tracking number.", attr="tracking_number")
    return shipment_track(
        shipment=shipment,
        status=status,
        occurred_at=occurred_at,
        description=description,
        location=location,
        source=SOURCE.CARRIER,
        external_id=event_id,
    )


# --- shipping options -------------------------------------------------------------------------


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


def shipping_options(
    *, destination_country: str, lines: list[tuple[Variant, int]] | None = None, parcels: list[dict] | None = None
) -> list[ShippingOption]:
    """Priced options to ship the goods (lines of (variant, quantity), or packed parcels) to a
    country: per warehouse that serves the destination (best first, as warehouses_for_destination
    orders them) and per service, the first weight band of its rate table whose max_weight_kg
    holds the chargeable weight. No zone, no rate or no band heavy enough: no option. Stock is
    not considered here: the reservation decides where goods ship from."""
    pieces = _pieces(lines, parcels)
    zone = zone_for_country(str(destination_country).upper())
    if zone is None:
        return []
    warehouses = warehouses_for_destination(country=str(destination_country).upper())
    rank = {warehouse.pk: i for i, warehouse in enumerate(warehouses)}
    services = list(ShippingRate.Service.values)
    chosen: dict[tuple[int, str], tuple[ShippingRate, Decimal]] = {}
    rates = ShippingRate.objects.filter(zone=zone, warehouse_id__in=rank).order_by("max_weight_kg", "pk")
    for rate in rates:
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

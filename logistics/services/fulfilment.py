"""Outbound: fulfilment requests from reserved stock, pick, pack and ship (partially if need be).
What a shipment does once it left is in logistics.services.tracking, what shipping costs in
logistics.services.rates.

Rows are locked in one order everywhere here, so concurrent calls queue instead of deadlocking:
fulfilment -> its lines (id order) -> reservation -> stock rows (id order, logistics.locks) ->
reservation lines.
"""

from collections.abc import Mapping
from decimal import ROUND_UP, Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django_countries import countries

from core.errors import Conflict, InvalidInput, WrongState
from core.events import EventType
from core.permissions import require_operator
from logistics.locks import stock_lock
from logistics.models import (
    Fulfilment,
    FulfilmentLine,
    Reservation,
    Shipment,
    ShipmentLine,
    TrackingEvent,
)
from logistics.services.events import shipment_event_publish
from logistics.services.stock import reservation_line_ship
from logistics.signals import shipment_shipped

F = Fulfilment.Status
S = Shipment.Status
SOURCE = TrackingEvent.Source
# A B2B quote may be on any of these (Incoterms 2020); only DDP puts duties on the exporter.
INCOTERMS = ("EXW", "FOB", "CIF", "DAP", "DDP")
PARCEL_FIELDS = ("weight_kg", "length_cm", "width_cm", "height_cm")
MAX_PARCELS = 50


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
        raise InvalidInput(f"The incoterm is one of {', '.join(INCOTERMS)}.", attr="incoterm")
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
    require_operator(actor, "picks goods")
    fulfilment = _lock(fulfilment, [F.REQUESTED], "picked")
    fulfilment.status = F.PICKING
    fulfilment.save(update_fields=["status"])
    return fulfilment


@transaction.atomic
def fulfilment_pack(*, fulfilment: Fulfilment, parcels: list[dict], actor) -> Fulfilment:
    """Records the parcels (weight_kg, length_cm, width_cm, height_cm) the goods are packed in;
    they leave with the next shipment. Packing again replaces parcels not shipped yet; after a
    partial shipment it packs the rest (the fulfilment stays partially shipped)."""
    require_operator(actor, "packs goods")
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
    require_operator(actor, "ships goods")
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
    shipment_event_publish(shipment, EventType.SHIPMENT_SHIPPED)
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

"""Customs: export consignments (a brand's consolidated ones too): created with their stock
reserved, cancelled, and dispatched once customs cleared or released their declaration
(logistics.services.declarations).

Rows are locked in one order: consignment -> declaration -> reservation -> stock rows (the last
two inside logistics.services.stock). A declaration has no event model: its timestamps
(created_at, submitted_at, decided_at) and hold_reason are its timeline, and the stock ledger
entries of its consignment carry the reference `consignment:<id>`."""

import uuid
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from brands.models import Brand, Company, CompanyStaff, Membership
from brands.selectors import user_has_company_role
from core.errors import Conflict, InvalidInput, NotPermitted, WrongState
from core.events import EventType
from core.money import currency_codes
from core.permissions import is_operator, require_operator
from listings.models import Variant
from logistics.models import (
    Consignment,
    ConsignmentLine,
    CustomsDeclaration,
    Reservation,
    Shipment,
    TrackingEvent,
    Warehouse,
)
from logistics.services.duties import (
    MAX_LINES,
    MAX_UNITS,
    country_code_clean,
)
from logistics.services.events import shipment_event_publish
from logistics.services.stock import Line, reservation_line_ship, reservation_release, stock_reserve

D = CustomsDeclaration.Status
C = Consignment.Status


# --- checks ---------------------------------------------------------------------------------


def consignment_manager_require(actor, brand_lead_id: int | None) -> None:
    """Operators manage every consignment; a brand's consignment also its lead company's owners."""
    if is_operator(actor):
        return
    if brand_lead_id is not None and user_has_company_role(actor, brand_lead_id, CompanyStaff.Role.OWNER):
        return
    raise NotPermitted(
        "Only an operator, or an owner of the brand's lead company for a brand consignment, may do this."
    )


def text_clean(value, attr: str, max_length: int, errors: dict) -> str:
    if not isinstance(value, str) or not value.strip():
        errors[attr] = [("required", "This is required.")]
        return ""
    if len(value.strip()) > max_length:
        errors[attr] = [("max_length", f"At most {max_length} characters.")]
    return value.strip()


def _decimal(value) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def errors_raise(errors: dict) -> None:
    if errors:
        first = next(iter(errors.values()))[0][1]
        raise InvalidInput(first, fields=errors)


# --- consignments ---------------------------------------------------------------------------


def _consignment_lines(lines, *, brand: Brand | None, exporter: Company | None, errors: dict) -> list[dict]:
    """Validated lines: each variant once, owned by the exporter (or, for a brand consignment,
    by an active member company of the brand), a positive quantity, a positive unit value in
    one currency for the whole consignment."""
    if not isinstance(lines, list | tuple) or not lines:
        errors["lines"] = [("required", "A consignment needs at least one line.")]
        return []
    if len(lines) > MAX_LINES:
        errors["lines"] = [("max_length", f"At most {MAX_LINES} lines.")]
        return []
    ids = []
    for line in lines:
        variant = line.get("variant") if isinstance(line, dict) else None
        ids.append(variant.pk if isinstance(variant, Variant) else variant)
    variants = Variant.objects.select_related("product__company").in_bulk(
        [pk for pk in ids if isinstance(pk, int) and not isinstance(pk, bool)]
    )
    members = set()
    if brand is not None:
        members = set(
            Membership.objects.filter(brand=brand, status=Membership.Status.ACTIVE).values_list("company_id", flat=True)
        )
    cleaned, seen, currencies = [], set(), set()
    for i, (line, pk) in enumerate(zip(lines, ids, strict=True)):
        line = line if isinstance(line, dict) else {}
        variant = variants.get(pk) if isinstance(pk, int) else None
        company_id = variant.product.company_id if variant else None
        if variant is None:
            errors[f"lines.{i}.variant"] = [("not_found", "No variant has this id.")]
        elif pk in seen:
            errors[f"lines.{i}.variant"] = [("duplicate", "This variant is on another line already.")]
        elif brand is not None and company_id not in members:
            errors[f"lines.{i}.variant"] = [
                ("not_a_member", f"{variant.sku} is not made by an active member company of {brand.name}.")
            ]
        elif brand is None and exporter is not None and company_id != exporter.pk:
            errors[f"lines.{i}.variant"] = [("not_owned", f"{variant.sku} is not a product of the exporter.")]
        seen.add(pk)
        quantity = line.get("quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= MAX_UNITS:
            errors[f"lines.{i}.quantity"] = [("invalid", "A positive whole number of units.")]
        unit_value = _decimal(line.get("unit_value"))
        if unit_value is None or unit_value <= 0 or unit_value != unit_value.quantize(Decimal("0.0001")):
            errors[f"lines.{i}.unit_value"] = [("invalid", "A positive decimal with at most 4 places.")]
        currency = line.get("currency")
        if not isinstance(currency, str) or currency not in currency_codes():
            errors[f"lines.{i}.currency"] = [("invalid", "An ISO 4217 currency code.")]
        else:
            currencies.add(currency)
        cleaned.append({"variant": variant, "quantity": quantity, "unit_value": unit_value, "currency": currency})
    if len(currencies) > 1:
        errors["lines"] = [("mixed_currencies", "Give every line's value in one currency.")]
    return cleaned


@transaction.atomic
def consignment_create(
    *,
    actor,
    exporter: Company | None = None,
    brand: Brand | None = None,
    warehouse: Warehouse,
    destination_country: str,
    importer_name: str,
    importer_address: str,
    incoterm: str,
    lines: Sequence[dict],
    consignee_name: str = "",
    consignee_address: str = "",
) -> Consignment:
    """An export consignment leaving `warehouse`, its stock reserved under `consignment:<id>`.

    lines: [{variant, quantity, unit_value, currency}]. Without a brand, an operator creates it
    for the exporter's own goods. With a brand (operator or an owner of the brand's lead
    company), it carries goods of the brand's active member companies, the exporter is the
    brand's lead company, and the brand must be active. Each line keeps its manufacturer (the
    variant's product's company).

    The importer (`importer_*`) is the importer of record, who is billed: a buyer company's billing
    party. The consignee (`consignee_*`) is where the goods go, given when it differs; without it
    the importer receives the goods too, so the importer of record is then the consignee.

    The stock is reserved in the consignment's warehouse only; a shortage there refuses the
    whole consignment (InsufficientStock) and nothing is reserved."""
    consignment_manager_require(actor, brand.lead_company_id if brand is not None else None)
    errors: dict = {}
    country = ""
    try:
        country = country_code_clean(destination_country)
    except InvalidInput as error:
        errors["destination_country"] = [("invalid", error.detail)]
    importer_name = text_clean(importer_name, "importer_name", 200, errors)
    importer_address = text_clean(importer_address, "importer_address", 2000, errors)
    consignee_name, consignee_address = (consignee_name or "").strip(), (consignee_address or "").strip()
    if consignee_name or consignee_address:
        consignee_name = text_clean(consignee_name, "consignee_name", 200, errors)
        consignee_address = text_clean(consignee_address, "consignee_address", 2000, errors)
    if incoterm not in Consignment.Incoterm.values:
        errors["incoterm"] = [("invalid_choice", "The incoterm is DAP or DDP.")]
    if not isinstance(warehouse, Warehouse) or not warehouse.is_active:
        errors["warehouse"] = [("inactive", "Goods leave from an active warehouse.")]
    if brand is not None:
        if exporter is not None and exporter.pk != brand.lead_company_id:
            errors["exporter"] = [("not_lead", "A brand consignment is exported by the brand's lead company.")]
        exporter = brand.lead_company
    elif exporter is None:
        errors["exporter"] = [("required", "Name the exporting company, or the brand for a consolidated consignment.")]
    cleaned = _consignment_lines(lines, brand=brand, exporter=exporter, errors=errors)
    errors_raise(errors)
    if brand is not None and brand.status != Brand.Status.ACTIVE:
        raise Conflict(f"{brand.name} is {brand.status}; only an active brand exports under its name.", attr="brand")
    consignment = Consignment.objects.create(
        reference=f"consignment:new-{uuid.uuid4().hex}",
        brand=brand,
        exporter=exporter,
        warehouse=warehouse,
        destination_country=country,
        importer_name=importer_name,
        importer_address=importer_address,
        consignee_name=consignee_name or importer_name,
        consignee_address=consignee_address or importer_address,
        incoterm=incoterm,
    )
    consignment.reference = f"consignment:{consignment.pk}"
    consignment.save(update_fields=["reference"])
    ConsignmentLine.objects.bulk_create(
        ConsignmentLine(
            consignment=consignment,
            variant=line["variant"],
            manufacturer_id=line["variant"].product.company_id,
            quantity=line["quantity"],
            unit_value=line["unit_value"],
            currency=line["currency"],
        )
        for line in cleaned
    )
    stock_reserve(
        reference=consignment.reference,
        lines=[Line(line["variant"].pk, line["quantity"]) for line in cleaned],
        destination_country=country,
        actor=actor,
        from_warehouses=[warehouse],
    )
    return consignment


def consignment_lock(consignment: Consignment) -> Consignment:
    return (
        Consignment.objects.select_for_update(of=("self",))
        .select_related("brand", "exporter", "warehouse")
        .get(pk=consignment.pk)
    )


def _reservation(consignment: Consignment) -> Reservation | None:
    return (
        Reservation.objects.select_for_update()
        .filter(reference=consignment.reference, status=Reservation.Status.ACTIVE)
        .first()
    )


@transaction.atomic
def consignment_cancel(*, consignment: Consignment, actor) -> Consignment:
    """Cancels a consignment before its declaration is submitted, releasing its stock."""
    consignment = consignment_lock(consignment)
    consignment_manager_require(actor, consignment.brand.lead_company_id if consignment.brand_id else None)
    if consignment.status != C.DRAFT:
        raise WrongState(f"A {consignment.status} consignment cannot be cancelled.")
    declaration = CustomsDeclaration.objects.select_for_update().filter(consignment=consignment).first()
    if declaration is not None and declaration.status != D.DRAFT:
        raise WrongState(f"Its declaration is {declaration.status}; only a consignment declared in draft is cancelled.")
    reservation = _reservation(consignment)
    if reservation is not None:
        reservation_release(reservation=reservation, reason="consignment cancelled", actor=actor)
    consignment.status = C.CANCELLED
    consignment.save(update_fields=["status"])
    return consignment


@transaction.atomic
def consignment_dispatch(
    *, consignment: Consignment, actor, carrier: str, tracking_number: str, service: str = "freight"
) -> Shipment:
    """Hands a consignment to the carrier once customs cleared or released its declaration:
    a shipment with the carrier and tracking number, every reserved unit shipped through
    reservation_line_ship (ledger reference `consignment:<id>`), the declaration linked to the
    shipment."""
    require_operator(actor, "dispatches consignments")
    errors: dict = {}
    carrier = text_clean(carrier, "carrier", 50, errors)
    tracking_number = text_clean(tracking_number, "tracking_number", 60, errors)
    service = text_clean(service, "service", 30, errors)
    errors_raise(errors)
    consignment = consignment_lock(consignment)
    if consignment.status != C.DRAFT:
        raise WrongState(f"A {consignment.status} consignment cannot be dispatched.")
    declaration = CustomsDeclaration.objects.select_for_update().filter(consignment=consignment).first()
    if declaration is None or declaration.status not in (D.CLEARED, D.RELEASED):
        state = declaration.status if declaration else "not declared"
        raise WrongState(f"The consignment's declaration is {state}; it leaves once cleared or released.")
    reservation = _reservation(consignment)
    if reservation is None:
        raise WrongState(f"{consignment.reference} holds no active reservation to ship.")
    if Shipment.objects.filter(carrier=carrier, tracking_number=tracking_number).exists():
        raise Conflict(f"{carrier} tracking number {tracking_number} is on another shipment.", attr="tracking_number")
    try:
        with transaction.atomic():
            shipment = Shipment.objects.create(
                consignment=consignment, carrier=carrier, service=service, tracking_number=tracking_number
            )
    except IntegrityError:
        raise Conflict(
            f"{carrier} tracking number {tracking_number} is on another shipment.", attr="tracking_number"
        ) from None
    for line in reservation.lines.order_by("pk"):
        left = line.quantity - line.quantity_shipped
        if left:
            reservation_line_ship(line=line, quantity=left, reference=consignment.reference, actor=actor)
    consignment.status = C.DISPATCHED
    consignment.dispatched_at = timezone.now()
    consignment.save(update_fields=["status", "dispatched_at"])
    declaration.shipment = shipment
    declaration.save(update_fields=["shipment"])
    warehouse = consignment.warehouse
    TrackingEvent.objects.create(
        shipment=shipment,
        status=Shipment.Status.IN_TRANSIT,
        description=f"Handed to {carrier} ({service}).",
        location=f"{warehouse.name}, {warehouse.country}"[:150],
        occurred_at=shipment.shipped_at,
        source=TrackingEvent.Source.OPERATOR,
    )
    shipment_event_publish(shipment, EventType.SHIPMENT_SHIPPED)
    return shipment

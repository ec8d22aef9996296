"""Customs: export consignments (a brand's consolidated ones too) and their customs declarations,
draft -> submitted -> cleared | held -> released, with duty and tax estimated through
logistics.services.duties and the commercial invoice and the CN23-style declaration rendered to
storage on submission.

Rows are locked in one order: consignment -> declaration -> reservation -> stock rows (the last
two inside logistics.services.stock). A declaration has no event model: its timestamps
(created_at, submitted_at, decided_at) and hold_reason are its timeline, and the stock ledger
entries of its consignment carry the reference `consignment:<id>`."""

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_UP, Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone

from brands.models import Brand, Company, CompanyStaff, Membership
from brands.selectors import user_has_company_role
from core.errors import Conflict, InvalidInput, NotPermitted, WrongState
from core.money import Money, currency_codes
from core.permissions import is_operator, require_operator
from listings.models import ProductTranslation, Variant
from listings.selectors import product_text
from logistics.models import (
    Consignment,
    ConsignmentLine,
    CustomsDeclaration,
    DeclarationLine,
    Reservation,
    RestrictedGood,
    Shipment,
    TrackingEvent,
    Warehouse,
)
from logistics.services.duties import (
    MAX_LINES,
    MAX_UNITS,
    DutyEstimate,
    GoodsLine,
    _country,
    _hs,
    duties_estimate,
    restricted_goods_check,
)
from logistics.services.stock import Line, reservation_line_ship, reservation_release, stock_reserve

D = CustomsDeclaration.Status
C = Consignment.Status
# Gross weight when the parcels are not known yet (a declaration is made before the goods are
# packed for the carrier): net weight plus 10% for packaging, rounded up to the gram.
PACKAGING_ALLOWANCE = Decimal("1.1")
GRAMS = Decimal("0.001")


class RestrictedGoods(Conflict):
    code = "restricted_goods"


# --- checks ---------------------------------------------------------------------------------


def _require_manager(actor, brand_lead_id: int | None) -> None:
    """Operators manage every consignment; a brand's consignment also its lead company's owners."""
    if is_operator(actor):
        return
    if brand_lead_id is not None and user_has_company_role(actor, brand_lead_id, CompanyStaff.Role.OWNER):
        return
    raise NotPermitted(
        "Only an operator, or an owner of the brand's lead company for a brand consignment, may do this."
    )


def _text(value, attr: str, max_length: int, errors: dict) -> str:
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


def _raise(errors: dict) -> None:
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
) -> Consignment:
    """An export consignment leaving `warehouse`, its stock reserved under `consignment:<id>`.

    lines: [{variant, quantity, unit_value, currency}]. Without a brand, an operator creates it
    for the exporter's own goods. With a brand (operator or an owner of the brand's lead
    company), it carries goods of the brand's active member companies, the exporter is the
    brand's lead company, and the brand must be active. Each line keeps its manufacturer (the
    variant's product's company).

    The stock is reserved in the consignment's warehouse only; a shortage there refuses the
    whole consignment (InsufficientStock) and nothing is reserved."""
    _require_manager(actor, brand.lead_company_id if brand is not None else None)
    errors: dict = {}
    country = ""
    try:
        country = _country(destination_country)
    except InvalidInput as error:
        errors["destination_country"] = [("invalid", error.detail)]
    importer_name = _text(importer_name, "importer_name", 200, errors)
    importer_address = _text(importer_address, "importer_address", 2000, errors)
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
    _raise(errors)
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


def _lock_consignment(consignment: Consignment) -> Consignment:
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
    consignment = _lock_consignment(consignment)
    _require_manager(actor, consignment.brand.lead_company_id if consignment.brand_id else None)
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


def _declared_line(line: ConsignmentLine) -> dict:
    """A declaration line from listings data: the English title, the variant's HS code and origin
    over the product's, net weight = the variant's weight x quantity, gross = net + 10%."""
    variant, product = line.variant, line.variant.product
    text = product_text(product, "en")
    net = variant.weight_kg * line.quantity if variant.weight_kg is not None else None
    return {
        "description": text["title"][:300] if text["locale"] == "en" else "",
        "hs_code": variant.hs_code or product.hs_code,
        "origin_country": variant.origin_country or product.origin_country,
        "manufacturer_id": line.manufacturer_id,
        "quantity": line.quantity,
        "unit_value": line.unit_value,
        "net_weight_kg": net,
        "gross_weight_kg": (net * PACKAGING_ALLOWANCE).quantize(GRAMS, rounding=ROUND_UP) if net is not None else None,
    }


def _estimate(declaration: CustomsDeclaration, lines: list, on: date) -> DutyEstimate:
    return duties_estimate(
        destination_country=str(declaration.destination_country),
        lines=[
            GoodsLine(
                hs_code=line.hs_code,
                origin_country=str(line.origin_country),
                quantity=line.quantity,
                unit_value=Money(line.unit_value or Decimal(0), declaration.currency),
            )
            for line in lines
        ],
        currency=declaration.currency,
        on=on,
    )


def _apply_estimate(declaration: CustomsDeclaration, lines: list, estimate: DutyEstimate) -> None:
    declaration.goods_value = estimate.goods_value.amount
    declaration.duty_amount = estimate.duty.amount
    declaration.tax_amount = estimate.tax.amount
    declaration.rule_versions = estimate.rule_versions
    for line, priced in zip(lines, estimate.lines, strict=True):
        line.duty_rate = priced.duty_rate
    DeclarationLine.objects.bulk_update(lines, ["duty_rate"])


def exporter_name(consignment: Consignment) -> str:
    if consignment.brand_id:
        return f"{consignment.brand.display_name('en')} (consolidated by {consignment.exporter.display_name('en')})"[
            :200
        ]
    return consignment.exporter.display_name("en")


@transaction.atomic
def declaration_create(*, consignment: Consignment, actor) -> tuple[CustomsDeclaration, bool]:
    """The consignment's customs declaration, built from its lines and listings data, with its
    duty and tax estimated (rule versions stored). Declaring again while the declaration is a
    draft rebuilds it from the current listings data (after an SME fixed an HS code or a
    weight). Returns the declaration and whether it was created."""
    consignment = _lock_consignment(consignment)
    _require_manager(actor, consignment.brand.lead_company_id if consignment.brand_id else None)
    if consignment.status != C.DRAFT:
        raise WrongState(f"A {consignment.status} consignment cannot be declared.")
    declaration = CustomsDeclaration.objects.select_for_update().filter(consignment=consignment).first()
    if declaration is not None and declaration.status != D.DRAFT:
        raise WrongState(f"The declaration is {declaration.status}; only a draft is rebuilt.")
    lines = list(
        consignment.lines.select_related("variant__product")
        .prefetch_related(Prefetch("variant__product__translations", queryset=ProductTranslation.objects.all()))
        .order_by("pk")
    )
    currencies = {line.currency for line in lines}
    if len(currencies) != 1:
        raise Conflict("A declaration needs the consignment's lines in one currency.", attr="currency")
    fields = {
        "exporter": consignment.exporter,
        "exporter_name": exporter_name(consignment),
        "importer_name": consignment.importer_name,
        "importer_address": consignment.importer_address,
        "destination_country": consignment.destination_country,
        "incoterm": consignment.incoterm,
        "currency": currencies.pop(),
    }
    created = declaration is None
    if created:
        declaration = CustomsDeclaration.objects.create(consignment=consignment, **fields)
    else:
        for name, value in fields.items():
            setattr(declaration, name, value)
        declaration.lines.all().delete()
    declared = DeclarationLine.objects.bulk_create(
        DeclarationLine(declaration=declaration, **_declared_line(line)) for line in lines
    )
    _apply_estimate(declaration, declared, _estimate(declaration, declared, timezone.localdate()))
    declaration.save()
    return declaration, created


def _lock_declaration(declaration: CustomsDeclaration, allowed: list[str], action: str):
    """Locks the consignment (if any) and then the declaration, and checks the source state."""
    consignment_id = CustomsDeclaration.objects.values_list("consignment_id", flat=True).get(pk=declaration.pk)
    consignment = None
    if consignment_id is not None:
        consignment = Consignment.objects.select_for_update(of=("self",)).select_related("brand").get(pk=consignment_id)
    declaration = CustomsDeclaration.objects.select_for_update(of=("self",)).get(pk=declaration.pk)
    if declaration.status not in allowed:
        raise WrongState(f"A {declaration.status} declaration cannot be {action}.")
    return declaration, consignment


def declaration_problems(declaration: CustomsDeclaration, lines: list, consignment: Consignment | None) -> dict:
    """{attr: [(code, message)]}: every line needs a description, an HS code of 6 to 10 digits,
    an origin, a positive value and weights; the lines must match the consignment's."""
    errors: dict = {}

    def add(attr, code, message):
        errors.setdefault(attr, []).append((code, message))

    if not lines:
        add("lines", "required", "The declaration has no lines.")
    for i, line in enumerate(lines):
        name = f"Line {i + 1} ({line.description or 'no description'})"
        if not line.description.strip():
            add(f"lines.{i}.description", "required", f"Line {i + 1} has no English description.")
        hs_code = _hs(line.hs_code)
        if not hs_code:
            add(f"lines.{i}.hs_code", "required", f"{name} has no HS code.")
        elif not hs_code.isdigit() or not 6 <= len(hs_code) <= 10:
            add(f"lines.{i}.hs_code", "invalid", f"{name}: an HS code is 6 to 10 digits.")
        if not line.origin_country:
            add(f"lines.{i}.origin_country", "required", f"{name} has no country of origin.")
        if line.unit_value is None or line.unit_value <= 0:
            add(f"lines.{i}.unit_value", "required", f"{name} has no value.")
        if line.net_weight_kg is None or line.net_weight_kg <= 0:
            add(f"lines.{i}.net_weight_kg", "required", f"{name} has no net weight.")
        if line.gross_weight_kg is None or (line.net_weight_kg and line.gross_weight_kg < line.net_weight_kg):
            add(f"lines.{i}.gross_weight_kg", "required", f"{name} has no gross weight at least its net weight.")
    if consignment is not None:
        expected = list(consignment.lines.order_by("pk"))
        declared_units = sum(line.quantity for line in lines)
        consigned_units = sum(line.quantity for line in expected)
        declared_value = sum((line.quantity * (line.unit_value or 0) for line in lines), Decimal(0))
        consigned_value = sum((line.quantity * line.unit_value for line in expected), Decimal(0))
        if len(lines) != len(expected) or declared_units != consigned_units:
            add(
                "totals",
                "quantity_mismatch",
                f"{len(lines)} lines and {declared_units} units are declared; the consignment has "
                f"{len(expected)} lines and {consigned_units} units.",
            )
        if declared_value != consigned_value:
            add(
                "totals",
                "value_mismatch",
                f"Declared value {declared_value.normalize():f} differs from the consignment's "
                f"{consigned_value.normalize():f}.",
            )
    return errors


def _render_documents(declaration: CustomsDeclaration, lines: list) -> None:
    from logistics.documents import cn23_pdf, commercial_invoice_pdf

    declaration.commercial_invoice.save(
        f"CD-{declaration.pk}-commercial-invoice.pdf",
        ContentFile(commercial_invoice_pdf(declaration, lines)),
        save=False,
    )
    declaration.cn23.save(f"CD-{declaration.pk}-cn23.pdf", ContentFile(cn23_pdf(declaration, lines)), save=False)


@transaction.atomic
def declaration_submit(*, declaration: CustomsDeclaration, actor) -> CustomsDeclaration:
    """An operator submits a draft: every line must be complete and the totals must match the
    consignment (InvalidInput listing every problem), and no line may be restricted in the
    destination (RestrictedGoods, 409, naming each line and the reason). Duty and tax are
    estimated again with the rules in force today (a rule may have changed overnight since the
    draft), and the commercial invoice and CN23 are rendered into storage."""
    require_operator(actor, "submits customs declarations")
    declaration, consignment = _lock_declaration(declaration, [D.DRAFT], "submitted")
    if consignment is not None and consignment.status != C.DRAFT:
        raise WrongState(f"The consignment is {consignment.status}; its declaration cannot be submitted.")
    lines = list(declaration.lines.select_related("manufacturer").order_by("pk"))
    errors = declaration_problems(declaration, lines, consignment)
    if errors:
        count = sum(len(problems) for problems in errors.values())
        raise InvalidInput(f"The declaration is incomplete: {count} problem(s).", fields=errors)
    country = str(declaration.destination_country)
    restricted = {
        found.hs_code: found
        for found in restricted_goods_check(destination_country=country, hs_codes=[line.hs_code for line in lines])
    }
    refused = [
        (i, line, restricted[_hs(line.hs_code)]) for i, line in enumerate(lines) if _hs(line.hs_code) in restricted
    ]
    if refused:
        raise RestrictedGoods(
            f"{len(refused)} line(s) cannot be imported into {country} as declared.",
            reasons=[
                (
                    "prohibited" if found.restriction == RestrictedGood.Restriction.PROHIBITED else "licence_required",
                    f"Line {i + 1} (HS {line.hs_code}, {line.description}): "
                    f"{RestrictedGood.Restriction(found.restriction).label.lower()} in {country}. {found.reason}",
                )
                for i, line, found in refused
            ],
        )
    _apply_estimate(declaration, lines, _estimate(declaration, lines, timezone.localdate()))
    declaration.status = D.SUBMITTED
    declaration.submitted_at = timezone.now()
    _render_documents(declaration, lines)
    declaration.save()
    return declaration


def _decide(declaration: CustomsDeclaration, allowed: list[str], to_status: str, actor, action: str, **changes):
    require_operator(actor, f"records that customs {action} a declaration")
    declaration, _ = _lock_declaration(declaration, allowed, action)
    declaration.status = to_status
    declaration.decided_at = timezone.now()
    for name, value in changes.items():
        setattr(declaration, name, value)
    declaration.save(update_fields=["status", "decided_at", *changes])
    return declaration


@transaction.atomic
def declaration_clear(*, declaration: CustomsDeclaration, actor) -> CustomsDeclaration:
    """Customs cleared the submitted declaration: the goods may leave."""
    return _decide(declaration, [D.SUBMITTED], D.CLEARED, actor, "cleared")


@transaction.atomic
def declaration_hold(*, declaration: CustomsDeclaration, actor, reason: str) -> CustomsDeclaration:
    """Customs hold the submitted declaration, for a reason (a query, an inspection, a document)."""
    errors: dict = {}
    reason = _text(reason, "reason", 2000, errors)
    require_operator(actor, "records that customs hold a declaration")
    _raise(errors)
    return _decide(declaration, [D.SUBMITTED], D.HELD, actor, "held", hold_reason=reason)


@transaction.atomic
def declaration_release(*, declaration: CustomsDeclaration, actor) -> CustomsDeclaration:
    """Customs release a held declaration (the hold reason stays on record)."""
    return _decide(declaration, [D.HELD], D.RELEASED, actor, "released")


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
    carrier = _text(carrier, "carrier", 50, errors)
    tracking_number = _text(tracking_number, "tracking_number", 60, errors)
    service = _text(service, "service", 30, errors)
    _raise(errors)
    consignment = _lock_consignment(consignment)
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
    return shipment

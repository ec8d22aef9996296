"""Inbound shipments (ASNs) from an SME to a warehouse, draft -> in_transit -> received ->
inspected -> stocked (or cancelled from draft). Reading them, and storage allotments with their
usage, is in logistics.selectors.

Each transition locks the shipment row, checks the actor, then the source state, and writes
the change with its timestamp inside one transaction. Inbound has no event model: the
timestamps on the shipment are its timeline, and the stock ledger entries it causes carry the
reference `inbound:<id>`. Counted, passed and failed quantities stay on the lines as recorded,
so a shortage or an overage is visible forever, never corrected away."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.utils import timezone

from brands.models import Company, CompanyStaff, MandateScope
from brands.selectors import mandate_agent_id, user_has_company_role
from core.errors import InvalidInput, NotPermitted, WrongState
from core.money import Money
from core.permissions import is_operator, require_operator
from listings.models import Variant
from logistics.backorder_selectors import backorder_reservation_reference
from logistics.locks import stock_lock
from logistics.models import Backorder, InboundLine, InboundShipment, Stock, Warehouse
from logistics.services.backorders import backorder_split, backorders_allocate, backorders_unallocate, variants_lock
from logistics.services.events import inbound_received_publish
from logistics.services.stock import Line, stock_receive, stock_reserve
from logistics.signals import backorders_stocked

S = InboundShipment.Status

# Per-unit fees of the warehouse services an inspector can record on an inbound line, charged on
# the units that pass inspection (failed units go to quarantine untouched). This is data: the fee
# is computed from it when the line is inspected and stored on the line (amount and currency);
# the settlement issue will read these recorded fees, and this table, to raise the charges.
INBOUND_SERVICE_TARIFF: dict[str, Money] = {
    InboundLine.Service.REPACKAGE: Money(Decimal("300"), "KRW"),
    InboundLine.Service.RELABEL: Money(Decimal("100"), "KRW"),
}

MAX_DEFECT_CODE_LENGTH = 50


@dataclass(frozen=True)
class InboundLineSpec:
    """A line of a new ASN: what the SME says it sends."""

    variant_id: int
    quantity: int
    lot: str = ""


@dataclass(frozen=True)
class InboundCount:
    """What the warehouse counted for one line on receipt."""

    line_id: int
    quantity_received: int


@dataclass(frozen=True)
class InboundInspection:
    """The inspection outcome of one line, and the warehouse service done on its passed units."""

    line_id: int
    quantity_passed: int
    quantity_failed: int
    defect_codes: Sequence[str] = field(default_factory=tuple)
    service: str = InboundLine.Service.NONE


# --- checks -------------------------------------------------------------------------------


def _require_editor(actor, company_id: int) -> None:
    if not (
        is_operator(actor)
        or user_has_company_role(actor, company_id, CompanyStaff.Role.EDITOR, scope=MandateScope.SHIPMENTS)
    ):
        raise NotPermitted("Only the company's owners and editors, or an operator, may do this.")


def _require_status(shipment: InboundShipment, allowed: str, action: str) -> None:
    if shipment.status != allowed:
        raise WrongState(f"The shipment is {shipment.status}; it can be {action} only when {S(allowed).label.lower()}.")


def _lock(shipment: InboundShipment) -> InboundShipment:
    return InboundShipment.objects.select_for_update(of=("self",)).select_related("warehouse").get(pk=shipment.pk)


def _lines_by_index(shipment: InboundShipment, line_ids: list[int], errors: dict) -> dict[int, InboundLine]:
    """Maps each payload position to the shipment's line it names; every line must be named
    exactly once. Problems go into `errors` as {attr: [(code, message)]}."""
    lines = {line.pk: line for line in shipment.lines.select_for_update().order_by("pk")}
    chosen: dict[int, InboundLine] = {}
    seen: set[int] = set()
    for i, line_id in enumerate(line_ids):
        if line_id not in lines:
            errors.setdefault(f"lines.{i}.line", []).append(("not_found", "This shipment has no such line."))
        elif line_id in seen:
            errors.setdefault(f"lines.{i}.line", []).append(("duplicate", "This line is given twice."))
        else:
            seen.add(line_id)
            chosen[i] = lines[line_id]
    missing = sorted(set(lines) - seen)
    if missing:
        ids = ", ".join(str(pk) for pk in missing)
        errors.setdefault("lines", []).append(("incomplete", f"Every line must be given; missing lines {ids}."))
    return chosen


def _raise(errors: dict) -> None:
    if errors:
        first = next(iter(errors.values()))[0][1]
        raise InvalidInput(first, fields=errors)


# --- transitions --------------------------------------------------------------------------


@transaction.atomic
def inbound_create(
    *,
    actor,
    company: Company,
    warehouse: Warehouse,
    lines: Sequence[InboundLineSpec],
    carrier: str = "",
    tracking_number: str = "",
    expected_on: date | None = None,
) -> InboundShipment:
    """A draft ASN. Each line's variant must belong to one of the company's products."""
    _require_editor(actor, company.pk)
    errors: dict = {}
    if not warehouse.is_active:
        errors["warehouse"] = [("inactive", "This warehouse does not take inbound shipments.")]
    if not lines:
        errors["lines"] = [("required", "An inbound shipment needs at least one line.")]
    owned = set(
        Variant.objects.filter(pk__in=[line.variant_id for line in lines], product__company=company).values_list(
            "pk", flat=True
        )
    )
    seen = set()
    for i, line in enumerate(lines):
        if line.variant_id not in owned:
            errors[f"lines.{i}.variant"] = [("not_owned", "No variant of this company's products has this id.")]
        elif (line.variant_id, line.lot) in seen:
            errors[f"lines.{i}.variant"] = [("duplicate", "This variant and lot are already on another line.")]
        seen.add((line.variant_id, line.lot))
        if line.quantity < 1:
            errors[f"lines.{i}.quantity"] = [("min_value", "Send at least one unit.")]
    _raise(errors)
    shipment = InboundShipment.objects.create(
        company=company,
        warehouse=warehouse,
        carrier=carrier,
        tracking_number=tracking_number,
        expected_on=expected_on,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        agent_id=mandate_agent_id(actor, company.pk, MandateScope.SHIPMENTS) if actor is not None else None,
    )
    InboundLine.objects.bulk_create(
        InboundLine(shipment=shipment, variant_id=line.variant_id, lot=line.lot, quantity_expected=line.quantity)
        for line in lines
    )
    # Sales waiting for these SKUs are allocated to the shipment now, oldest first.
    variant_ids = {line.variant_id for line in lines}
    variants_lock(variant_ids)
    backorders_allocate(variant_ids=variant_ids)
    return shipment


@transaction.atomic
def inbound_dispatch(
    *, actor, shipment: InboundShipment, carrier: str | None = None, tracking_number: str | None = None
) -> InboundShipment:
    """The SME hands the goods to a carrier: the ASN is final and carrier and tracking number
    are required (given now or at creation)."""
    shipment = _lock(shipment)
    _require_editor(actor, shipment.company_id)
    _require_status(shipment, S.DRAFT, "dispatched")
    if carrier is not None:
        shipment.carrier = carrier
    if tracking_number is not None:
        shipment.tracking_number = tracking_number
    errors = {
        name: [("required", "Needed to dispatch the shipment.")]
        for name in ("carrier", "tracking_number")
        if not getattr(shipment, name).strip()
    }
    _raise(errors)
    shipment.status = S.IN_TRANSIT
    shipment.dispatched_at = timezone.now()
    shipment.save(update_fields=["carrier", "tracking_number", "status", "dispatched_at"])
    return shipment


@transaction.atomic
def inbound_receive(*, actor, shipment: InboundShipment, counts: Sequence[InboundCount]) -> InboundShipment:
    """The warehouse counts every line as it arrives. The count is recorded as counted: a
    shortage or overage against the ASN stays visible as the line's discrepancy."""
    shipment = _lock(shipment)
    require_operator(actor, "receives inbound shipments")
    _require_status(shipment, S.IN_TRANSIT, "received")
    errors: dict = {}
    lines = _lines_by_index(shipment, [count.line_id for count in counts], errors)
    for i, count in enumerate(counts):
        if count.quantity_received < 0:
            errors.setdefault(f"lines.{i}.quantity_received", []).append(("min_value", "A count cannot be negative."))
    _raise(errors)
    for i, line in lines.items():
        line.quantity_received = counts[i].quantity_received
    InboundLine.objects.bulk_update(lines.values(), ["quantity_received"])
    shipment.status = S.RECEIVED
    shipment.received_at = timezone.now()
    shipment.save(update_fields=["status", "received_at"])
    inbound_received_publish(shipment)
    return shipment


def _check_inspection(i: int, result: InboundInspection, line: InboundLine, errors: dict) -> None:
    def add(name, code, message):
        errors.setdefault(f"lines.{i}.{name}", []).append((code, message))

    passed, failed = result.quantity_passed, result.quantity_failed
    if passed < 0:
        add("quantity_passed", "min_value", "Cannot be negative.")
    if failed < 0:
        add("quantity_failed", "min_value", "Cannot be negative.")
    if passed >= 0 and failed >= 0 and passed + failed != line.quantity_received:
        add(
            "quantity_passed",
            "count_mismatch",
            f"Passed ({passed}) and failed ({failed}) must add up to the {line.quantity_received} units received.",
        )
    if failed > 0 and not result.defect_codes:
        add("defect_codes", "required", "Say why units failed: give at least one defect code.")
    if failed <= 0 and result.defect_codes:
        add("defect_codes", "unexpected", "Defect codes describe failed units; none failed.")
    for code in result.defect_codes:
        try:
            if not isinstance(code, str) or len(code) > MAX_DEFECT_CODE_LENGTH:
                raise ValidationError("too long")
            validate_slug(code)
        except ValidationError:
            add(
                "defect_codes",
                "invalid_slug",
                f"Defect codes are slugs (letters, digits, '-', '_') of up to {MAX_DEFECT_CODE_LENGTH} characters.",
            )
            break
    if result.service not in InboundLine.Service.values:
        add("service", "invalid_choice", f"Use one of {', '.join(InboundLine.Service.values)}.")
    elif result.service != InboundLine.Service.NONE and passed <= 0:
        add("service", "nothing_to_service", "No units passed inspection, so there is nothing to repackage or relabel.")


@transaction.atomic
def inbound_inspect(*, actor, shipment: InboundShipment, results: Sequence[InboundInspection]) -> InboundShipment:
    """Every line is inspected: its received units pass or fail (failed ones with defect codes),
    and a repackaging or relabelling service on the passed units is recorded with its fee."""
    shipment = _lock(shipment)
    require_operator(actor, "inspects inbound shipments")
    _require_status(shipment, S.RECEIVED, "inspected")
    errors: dict = {}
    lines = _lines_by_index(shipment, [result.line_id for result in results], errors)
    for i, line in lines.items():
        _check_inspection(i, results[i], line, errors)
    _raise(errors)
    for i, line in lines.items():
        result = results[i]
        line.quantity_passed = result.quantity_passed
        line.quantity_failed = result.quantity_failed
        line.defect_codes = list(dict.fromkeys(result.defect_codes))
        line.service = result.service
        tariff = INBOUND_SERVICE_TARIFF.get(result.service)
        if tariff is None:
            line.service_fee_amount, line.service_fee_currency = None, ""
        else:
            fee = Money(tariff.amount * result.quantity_passed, tariff.currency).quantized()
            line.service_fee_amount, line.service_fee_currency = fee.amount, fee.currency
    InboundLine.objects.bulk_update(
        lines.values(),
        ["quantity_passed", "quantity_failed", "defect_codes", "service", "service_fee_amount", "service_fee_currency"],
    )
    shipment.status = S.INSPECTED
    shipment.inspected_at = timezone.now()
    shipment.save(update_fields=["status", "inspected_at"])
    return shipment


@transaction.atomic
def inbound_stock(*, actor, shipment: InboundShipment) -> InboundShipment:
    """Passed units go on hand (sellable), failed units into quarantine (never sellable), through
    logistics.services.stock_receive, with the ledger reference `inbound:<id>`."""
    shipment = _lock(shipment)
    require_operator(actor, "puts inbound shipments into stock")
    _require_status(shipment, S.INSPECTED, "stocked")
    lines = [line for line in shipment.lines.select_related("variant").order_by("pk") if line.quantity_received]
    # Create any missing stock rows first, then lock them all in id order (logistics.locks),
    # so this transaction queues behind reservations on the same rows instead of deadlocking.
    rows = {
        variant_id: Stock.objects.get_or_create(variant_id=variant_id, warehouse=shipment.warehouse)[0].pk
        for variant_id in sorted({line.variant_id for line in lines})
    }
    stock_lock(rows.values())
    reference = f"inbound:{shipment.pk}"
    for line in sorted(lines, key=lambda line: rows[line.variant_id]):
        stock_receive(
            variant=line.variant,
            warehouse=shipment.warehouse,
            quantity=line.quantity_passed,
            quarantined=line.quantity_failed,
            reference=reference,
            actor=actor,
        )
    shipment.status = S.STOCKED
    shipment.stocked_at = timezone.now()
    shipment.save(update_fields=["status", "stocked_at"])
    _backorders_release(shipment, actor)  # stocked first: what it fell short for goes elsewhere
    return shipment


def _backorders_release(shipment: InboundShipment, actor) -> None:
    """Units that passed inspection go first to the backorders allocated to their line, oldest
    sale first: each reference's units are reserved from this warehouse as `<reference>:inbound:
    <id>` and its owner is told (backorders_stocked), which sends them to fulfilment. Backorders
    the shipment fell short for wait for the next one. Stock rows are locked already."""
    allocated = Backorder.objects.filter(inbound_line__shipment=shipment, status=Backorder.Status.ALLOCATED)
    variant_ids = set(allocated.values_list("variant_id", flat=True))
    if not variant_ids:
        return
    variants_lock(variant_ids)
    passed = dict(shipment.lines.values_list("pk", "quantity_passed"))
    released: dict[str, list[Backorder]] = {}
    for backorder in allocated.select_for_update().order_by("sold_at", "pk"):
        left = passed[backorder.inbound_line_id] or 0
        if left <= 0:
            backorder.status, backorder.inbound_line = Backorder.Status.WAITING, None
            backorder.save(update_fields=["status", "inbound_line"])
            continue
        if backorder.quantity > left:
            backorder_split(backorder, left)
            backorder.save(update_fields=["quantity"])
        passed[backorder.inbound_line_id] = left - backorder.quantity
        released.setdefault(backorder.reference, []).append(backorder)
    for reference, backorders in released.items():
        held = backorder_reservation_reference(reference, shipment.pk)
        units: dict[int, int] = {}
        for backorder in backorders:
            units[backorder.variant_id] = units.get(backorder.variant_id, 0) + backorder.quantity
        stock_reserve(
            reference=held,
            lines=[Line(variant_id, quantity) for variant_id, quantity in sorted(units.items())],
            destination_country="",
            from_warehouses=[shipment.warehouse],
            actor=actor,
        )
        Backorder.objects.filter(pk__in=[b.pk for b in backorders]).update(
            status=Backorder.Status.RELEASED, released_reference=held
        )
        backorders_stocked.send(sender=Backorder, reference=reference, reservation_reference=held)
    backorders_allocate(variant_ids=variant_ids)


@transaction.atomic
def inbound_cancel(*, actor, shipment: InboundShipment) -> InboundShipment:
    """A draft that will not be sent. Once dispatched, goods are on their way and must be received."""
    shipment = _lock(shipment)
    _require_editor(actor, shipment.company_id)
    _require_status(shipment, S.DRAFT, "cancelled")
    shipment.status = S.CANCELLED
    shipment.save(update_fields=["status"])
    backorders_unallocate(shipment_id=shipment.pk)
    return shipment

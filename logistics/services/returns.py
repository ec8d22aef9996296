"""Physical returns: a label to the returns centre of the buyer's zone (so goods need not travel
back to Korea), receipt (received and damaged units counted apart), inspection (a grade per
unit), and a disposition per line. Each step locks the return, checks its state and writes a
PhysicalReturnEvent; receipt and inspection tell marketplace through logistics.signals, and
marketplace decides the refund. Stock moves only at resolution, in the returns centre."""

import secrets
from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, Value, When
from django.urls import reverse
from django.utils import timezone

from core.errors import Conflict, InvalidInput, WrongState
from core.permissions import require_operator
from listings.models import Variant
from logistics.locks import stock_lock_for_variants
from logistics.models import PhysicalReturn, PhysicalReturnEvent, PhysicalReturnLine, StockMovement, Warehouse
from logistics.services.stock import stock_dispose_quarantined, stock_receive, zone_for_country
from logistics.signals import return_inspected, return_received

R = PhysicalReturn.Status
D = PhysicalReturnLine.Disposition
GRADES = tuple(PhysicalReturnLine.Grade.values)  # ("A", "B", "C")
MAX_LINES = 100


def _event(physical_return: PhysicalReturn, kind: str, actor=None, note: str = "") -> None:
    PhysicalReturnEvent.objects.create(
        physical_return=physical_return,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        note=note,
    )


def _lock(physical_return: PhysicalReturn, allowed: list[str], action: str) -> PhysicalReturn:
    physical_return = (
        PhysicalReturn.objects.select_for_update(of=("self",))
        .select_related("returns_centre")
        .get(pk=physical_return.pk)
    )
    if physical_return.status not in allowed:
        raise WrongState(f"A return that is {physical_return.get_status_display().lower()} cannot be {action}.")
    return physical_return


def returns_centre_for(country: str) -> Warehouse:
    """The returns centre of the buyer's zone, one in the buyer's own country first (a JP buyer
    sends to Tokyo even when the zone also has a centre in Korea). A zone without a returns
    centre sends its returns to the consolidation hub, so they travel home as before."""
    zone = zone_for_country(country)
    if zone is not None:
        centre = (
            Warehouse.objects.filter(kind=Warehouse.Kind.RETURNS_CENTRE, zone=zone, is_active=True)
            .annotate(abroad=Case(When(country=country, then=Value(0)), default=Value(1), output_field=IntegerField()))
            .order_by("abroad", "pk")
            .first()
        )
        if centre is not None:
            return centre
    hub = Warehouse.objects.filter(kind=Warehouse.Kind.CONSOLIDATION, is_active=True).order_by("pk").first()
    if hub is None:
        raise Conflict("No returns centre or consolidation hub can take this return.", attr="destination_country")
    return hub


@transaction.atomic
def physical_return_create(
    *, reference: str, destination_country: str, lines: list[tuple[Variant, int]], carrier: str, actor=None
) -> PhysicalReturn:
    """A return label from the buyer (in destination_country) to the returns centre of their
    zone, with a generated tracking number; label_url is our own label document endpoint.
    Called by the owner of the reference (marketplace, on approving a return request), so there
    is no operator check. One physical return per reference."""
    if not isinstance(reference, str) or not reference.strip() or len(reference) > 100:
        raise InvalidInput("A reference of at most 100 characters is required.", attr="reference")
    if not isinstance(carrier, str) or not carrier.strip() or len(carrier) > 50:
        raise InvalidInput("A carrier of at most 50 characters is required.", attr="carrier")
    if not isinstance(lines, list | tuple) or not 1 <= len(lines) <= MAX_LINES:
        raise InvalidInput(f"Return one to {MAX_LINES} lines.", attr="lines")
    quantities: dict[int, int] = {}
    variants: dict[int, Variant] = {}
    for variant, quantity in lines:
        if not isinstance(variant, Variant) or not isinstance(quantity, int) or isinstance(quantity, bool):
            raise InvalidInput("Each line is a variant and a quantity.", attr="lines")
        if quantity < 1:
            raise InvalidInput("Return at least one unit of each line.", attr="lines")
        variants[variant.pk] = variant
        quantities[variant.pk] = quantities.get(variant.pk, 0) + quantity
    if PhysicalReturn.objects.filter(reference=reference).exists():
        raise Conflict(f"{reference} has a return label already.", attr="reference")
    centre = returns_centre_for(str(destination_country).upper())
    try:
        with transaction.atomic():
            physical_return = PhysicalReturn.objects.create(
                reference=reference,
                returns_centre=centre,
                carrier=carrier.strip(),
                tracking_number=f"RT{secrets.token_hex(6).upper()}",
            )
    except IntegrityError:  # the same reference, concurrently
        raise Conflict(f"{reference} has a return label already.", attr="reference") from None
    PhysicalReturnLine.objects.bulk_create(
        PhysicalReturnLine(physical_return=physical_return, variant=variants[pk], quantity_expected=quantity)
        for pk, quantity in quantities.items()
    )
    physical_return.label_url = reverse("physical-return-label", kwargs={"pk": physical_return.pk})
    physical_return.save(update_fields=["label_url"])
    _event(
        physical_return,
        "label_created",
        actor,
        f"{physical_return.carrier} {physical_return.tracking_number} to {centre.code}",
    )
    return physical_return


@transaction.atomic
def physical_return_mark_in_transit(*, physical_return: PhysicalReturn, actor, note: str = "") -> PhysicalReturn:
    """The carrier picked the parcel up from the buyer."""
    require_operator(actor, "handles returns")
    physical_return = _lock(physical_return, [R.LABEL_CREATED], "marked in transit")
    physical_return.status = R.IN_TRANSIT
    physical_return.save(update_fields=["status"])
    _event(physical_return, "in_transit", actor, note)
    return physical_return


def _per_line(physical_return: PhysicalReturn, items, fields: tuple[str, ...]) -> list[tuple[PhysicalReturnLine, dict]]:
    """Pairs each of the return's lines with its item ({line, <fields>}), every line exactly
    once; the lines come back locked, in id order."""
    lines = {
        line.pk: line
        for line in physical_return.lines.select_for_update(of=("self",)).select_related("variant").order_by("pk")
    }
    if not isinstance(items, list | tuple) or not items:
        raise InvalidInput("Give one entry per line of the return.", attr="lines")
    errors: dict[str, list] = {}
    chosen: dict[int, dict] = {}
    for i, item in enumerate(items):
        if not isinstance(item, Mapping) or set(item) != {"line", *fields}:
            errors[f"lines.{i}"] = [("invalid", f"Each entry has line and {', '.join(fields)}.")]
            continue
        pk = item["line"].pk if isinstance(item["line"], PhysicalReturnLine) else item["line"]
        if pk not in lines:
            errors[f"lines.{i}.line"] = [("invalid", "Not a line of this return.")]
        elif pk in chosen:
            errors[f"lines.{i}.line"] = [("duplicate", "This line is given twice.")]
        else:
            chosen[pk] = {**item, "_index": i}
    missing = sorted(set(lines) - set(chosen))
    if missing and not errors:
        errors["lines"] = [("missing", f"Lines {', '.join(map(str, missing))} are missing.")]
    if errors:
        raise InvalidInput("The lines do not match the return.", fields=errors)
    return [(lines[pk], chosen[pk]) for pk in sorted(chosen)]


def _count(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


@transaction.atomic
def physical_return_receive(
    *, physical_return: PhysicalReturn, lines: list[dict], actor, note: str = ""
) -> PhysicalReturn:
    """The returns centre counts what arrived: per line quantity_received (all units, at most
    the expected ones) and, of those, quantity_damaged, kept apart. Sends return_received.
    A parcel may arrive without an in-transit scan, so receipt is allowed straight after the
    label."""
    require_operator(actor, "receives returns")
    physical_return = _lock(physical_return, [R.LABEL_CREATED, R.IN_TRANSIT], "received")
    pairs = _per_line(physical_return, lines, ("quantity_received", "quantity_damaged"))
    errors: dict[str, list] = {}
    for line, item in pairs:
        at = f"lines.{item['_index']}"
        received, damaged = _count(item["quantity_received"]), _count(item["quantity_damaged"])
        if received is None or received > line.quantity_expected:
            errors[f"{at}.quantity_received"] = [("invalid", f"0 to {line.quantity_expected} units.")]
        elif damaged is None or damaged > received:
            errors[f"{at}.quantity_damaged"] = [("invalid", f"0 to the {received} units received.")]
    if errors:
        raise InvalidInput("Some counts are invalid.", fields=errors)
    summary = []
    for line, item in pairs:
        line.quantity_received, line.quantity_damaged = item["quantity_received"], item["quantity_damaged"]
        line.save(update_fields=["quantity_received", "quantity_damaged"])
        summary.append(
            f"{line.variant.sku}: {line.quantity_received} of {line.quantity_expected} received, "
            f"{line.quantity_damaged} damaged"
        )
    physical_return.status = R.RECEIVED
    physical_return.received_at = timezone.now()
    physical_return.save(update_fields=["status", "received_at"])
    _event(physical_return, "received", actor, "; ".join(summary) + (f". {note}" if note else ""))
    # Inside this transaction on purpose: see logistics.signals.
    return_received.send(
        sender=PhysicalReturn, physical_return_id=physical_return.pk, reference=physical_return.reference
    )
    return physical_return


@transaction.atomic
def physical_return_inspect(
    *, physical_return: PhysicalReturn, lines: list[dict], actor, note: str = ""
) -> PhysicalReturn:
    """Grades every unit received, per line {"A": n, "B": n, "C": n} summing to the units
    received; damaged units cannot be grade A. Sends return_inspected with the units per grade
    over all lines."""
    require_operator(actor, "inspects returns")
    physical_return = _lock(physical_return, [R.RECEIVED], "inspected")
    pairs = _per_line(physical_return, lines, ("grades",))
    errors: dict[str, list] = {}
    for line, item in pairs:
        at = f"lines.{item['_index']}.grades"
        grades = item["grades"]
        if (
            not isinstance(grades, Mapping)
            or not set(grades) <= set(GRADES)
            or any(_count(n) is None for n in grades.values())
        ):
            errors[at] = [("invalid", 'Units per grade, e.g. {"A": 2, "B": 1, "C": 0}.')]
        elif sum(grades.values()) != line.quantity_received:
            errors[at] = [
                (
                    "wrong_total",
                    f"The grades add up to {sum(grades.values())}, not the {line.quantity_received} units received.",
                )
            ]
        elif grades.get("A", 0) > line.quantity_received - line.quantity_damaged:
            errors[at] = [("damaged_as_new", f"{line.quantity_damaged} units arrived damaged; they cannot be grade A.")]
    if errors:
        raise InvalidInput("Some grades are invalid.", fields=errors)
    totals = dict.fromkeys(GRADES, 0)
    for line, item in pairs:
        line.grades = {grade: item["grades"].get(grade, 0) for grade in GRADES}
        line.save(update_fields=["grades"])
        for grade in GRADES:
            totals[grade] += line.grades[grade]
    physical_return.status = R.INSPECTED
    physical_return.inspected_at = timezone.now()
    physical_return.save(update_fields=["status", "inspected_at"])
    summary = ", ".join(f"{grade}: {n}" for grade, n in totals.items())
    _event(physical_return, "inspected", actor, summary + (f". {note}" if note else ""))
    # Inside this transaction on purpose: see logistics.signals.
    return_inspected.send(
        sender=PhysicalReturn,
        physical_return_id=physical_return.pk,
        reference=physical_return.reference,
        grades=totals,
    )
    return physical_return


@transaction.atomic
def physical_return_resolve(
    *, physical_return: PhysicalReturn, lines: list[dict], actor, note: str = ""
) -> PhysicalReturn:
    """A disposition per line, and the stock ledger of the returns centre says what became of
    every unit received (movements under the return's reference):
    - restock: the grade-A units go on hand, sellable from the returns centre (RETURN_RESTOCK);
      its grade-B and C units cannot be sold, so they are quarantined and disposed like below;
    - refurbish: every unit leaves for refurbishing (quarantined, then out of stock; it comes
      back, if at all, as a new receipt);
    - dispose: every unit is quarantined, then disposed."""
    require_operator(actor, "resolves returns")
    physical_return = _lock(physical_return, [R.INSPECTED], "resolved")
    pairs = _per_line(physical_return, lines, ("disposition",))
    errors: dict[str, list] = {}
    for line, item in pairs:
        at = f"lines.{item['_index']}.disposition"
        if item["disposition"] not in D.values:
            errors[at] = [("invalid", f"One of {', '.join(D.values)}.")]
        elif item["disposition"] == D.RESTOCK and line.quantity_received and not line.grades.get("A"):
            errors[at] = [("nothing_to_restock", "No unit of this line is grade A; refurbish or dispose it.")]
    if errors:
        raise InvalidInput("Some dispositions are invalid.", fields=errors)
    centre = physical_return.returns_centre
    # Existing stock rows of the centre, locked up front in id order (logistics.locks).
    list(stock_lock_for_variants({line.variant_id for line, _ in pairs}, [centre.pk]))
    summary = []
    for line, item in pairs:
        line.disposition = item["disposition"]
        line.save(update_fields=["disposition"])
        received = line.quantity_received or 0
        sellable = line.grades.get("A", 0) if line.disposition == D.RESTOCK else 0
        kept_apart = received - sellable
        if received:
            stock = stock_receive(
                variant=line.variant,
                warehouse=centre,
                quantity=sellable,
                quarantined=kept_apart,
                reference=physical_return.reference,
                actor=actor,
                kind=StockMovement.Kind.RETURN_RESTOCK,
            )
            if kept_apart:
                stock_dispose_quarantined(
                    stock=stock, quantity=kept_apart, reference=physical_return.reference, actor=actor
                )
        summary.append(f"{line.variant.sku}: {line.disposition}, {sellable} restocked, {kept_apart} out")
    physical_return.status = R.RESOLVED
    physical_return.resolved_at = timezone.now()
    physical_return.save(update_fields=["status", "resolved_at"])
    _event(physical_return, "resolved", actor, "; ".join(summary) + (f". {note}" if note else ""))
    return physical_return


# --- the label document -----------------------------------------------------------------------


def _pdf(lines: list[str]) -> bytes:
    """A one-page A6 PDF of text lines in Helvetica (Latin-1; other characters print as '?')."""

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    text = " ".join(f"({escape(line)}) '" for line in lines)
    stream = f"BT /F1 11 Tf 14 TL 24 400 Td {text} ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 298 420] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def physical_return_label(*, physical_return: PhysicalReturn) -> bytes:
    """The return label as a PDF: carrier, tracking number, reference, the returns centre's
    address and the contents."""
    centre = physical_return.returns_centre
    lines = [
        "RETURN - " + physical_return.carrier,
        f"Tracking: {physical_return.tracking_number}",
        f"Reference: {physical_return.reference}",
        "",
        "Ship to:",
        centre.name,
        *[part.strip() for part in centre.address.splitlines() if part.strip()],
        str(centre.country.name),
        "",
        "Contents:",
        *[f"{line.quantity_expected} x {line.variant.sku}" for line in physical_return.lines.select_related("variant")],
    ]
    return _pdf(lines)

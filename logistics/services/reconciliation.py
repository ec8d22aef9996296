"""Duty reconciliation: the carrier's or broker's final duty and tax bill per declared shipment,
compared with the estimate frozen on the declaration, the difference booked to the party the
incoterm makes responsible (DDP: the seller, who prepaid through the platform; DAP: the buyer,
who pays on delivery), and the variances by destination and HS chapter."""

import csv
import io
from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django.db import transaction

from core.errors import Conflict, InvalidInput, WrongState
from core.money import Money, currency_codes, quantize
from core.permissions import require_operator
from logistics.models import CustomsDeclaration, DutyBill

D = CustomsDeclaration.Status
BILLABLE = [D.SUBMITTED, D.CLEARED, D.HELD, D.RELEASED]
CSV_COLUMNS = ["declaration", "billed_by", "reference", "currency", "duty", "tax"]
MAX_CSV_ROWS = 2000


def _amount(value, attr: str, errors: dict) -> Decimal | None:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors[attr] = [("invalid", "A decimal amount, e.g. 12.50.")]
        return None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
        errors[attr] = [("out_of_range", "A non-negative amount below 10,000,000,000.")]
        return None
    return amount


def _bill(declaration, *, actor, billed_by, reference, currency, duty, tax) -> DutyBill:
    """Writes one bill on a locked declaration (the caller checked the input). Under a low-value
    scheme the tax was charged at sale, so the border bill is compared with no import tax."""
    ddp = declaration.incoterm == "DDP"
    tax_estimated = Decimal(0) if declaration.tax_scheme else declaration.tax_amount
    return DutyBill.objects.create(
        declaration=declaration,
        billed_by=billed_by,
        reference=reference,
        currency=currency,
        duty_billed=duty,
        tax_billed=tax,
        duty_estimated=declaration.duty_amount,
        tax_estimated=tax_estimated,
        difference=duty + tax - declaration.duty_amount - tax_estimated,
        responsible_party=DutyBill.Party.SELLER if ddp else DutyBill.Party.BUYER,
        responsible_company=declaration.exporter if ddp else None,
        recorded_by=actor,
    )


def _check(row: dict, prefix: str, errors: dict) -> dict | None:
    """Cleans one bill's fields; problems go into `errors` under `prefix` + field."""
    before = len(errors)
    clean = {}
    for name, limit in (("billed_by", 100), ("reference", 60)):
        value = str(row.get(name) or "").strip()
        if not value or len(value) > limit:
            errors[f"{prefix}{name}"] = [("required", f"1 to {limit} characters.")]
        clean[name] = value
    currency = str(row.get("currency") or "").strip().upper()
    if currency not in currency_codes():
        errors[f"{prefix}currency"] = [("invalid", "An ISO 4217 currency code.")]
    clean["currency"] = currency
    clean["duty"] = _amount(row.get("duty"), f"{prefix}duty", errors)
    clean["tax"] = _amount(row.get("tax"), f"{prefix}tax", errors)
    return clean if len(errors) == before else None


def _declaration_billable(declaration_id, currency: str, attr: str, errors: dict):
    declaration = CustomsDeclaration.objects.select_for_update().filter(pk=declaration_id).first()
    if declaration is None:
        errors[attr] = [("not_found", "No customs declaration has this id.")]
    elif declaration.status not in BILLABLE:
        errors[attr] = [("not_submitted", f"The declaration is {declaration.status}; only a submitted one is billed.")]
    elif DutyBill.objects.filter(declaration=declaration).exists():
        errors[attr] = [("already_billed", "This declaration's final bill is already recorded.")]
    elif currency and currency != declaration.currency:
        errors[attr] = [("currency_mismatch", f"The declaration is in {declaration.currency}; bill in it.")]
    else:
        return declaration
    return None


@transaction.atomic
def duty_bill_record(
    *, actor, declaration: CustomsDeclaration, billed_by: str, reference: str, duty: Money, tax: Money
) -> DutyBill:
    """An operator records the final duty and tax bill of a submitted declaration (once), in the
    declaration's currency; the difference from its frozen estimate is booked to the seller
    (DDP) or the buyer (DAP)."""
    require_operator(actor, "records carriers' and brokers' duty bills")
    errors: dict = {}
    if duty.currency != tax.currency:
        errors["tax"] = [("currency_mismatch", "Duty and tax in one currency.")]
    fields = {"billed_by": billed_by, "reference": reference, "currency": duty.currency}
    clean = _check({**fields, "duty": duty.amount, "tax": tax.amount}, "", errors)
    locked = CustomsDeclaration.objects.select_for_update().get(pk=declaration.pk)
    if locked.status not in BILLABLE:
        raise WrongState(f"The declaration is {locked.status}; only a submitted one is billed.")
    if DutyBill.objects.filter(declaration=locked).exists():
        raise Conflict("This declaration's final bill is already recorded.", attr="declaration")
    if duty.currency != locked.currency:
        errors["duty"] = [("currency_mismatch", f"The declaration is in {locked.currency}; bill in it.")]
    if errors or clean is None:
        raise InvalidInput("The duty bill is invalid.", fields=errors)
    return _bill(locked, actor=actor, **clean)


@transaction.atomic
def duty_bills_import(*, actor, data: bytes) -> list[DutyBill]:
    """Many bills from a CSV (columns: declaration, billed_by, reference, currency, duty, tax;
    UTF-8, a header row): every row is checked first, and either all are recorded or none
    (InvalidInput naming each problem as rows.N.column, N counting data rows from 1)."""
    require_operator(actor, "imports duty bills")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("The file is not UTF-8 text.", attr="file") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [column for column in CSV_COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(f"Missing columns: {', '.join(missing)}.", attr="file")
    rows = list(reader)
    if not rows or len(rows) > MAX_CSV_ROWS:
        raise InvalidInput(f"1 to {MAX_CSV_ROWS} bills per file.", attr="file")
    errors: dict = {}
    checked = []
    seen = set()
    for n, row in enumerate(rows, start=1):
        prefix = f"rows.{n}."
        clean = _check(row, prefix, errors)
        raw_id = str(row.get("declaration") or "").strip()
        if not raw_id.isdigit() or len(raw_id) > 12:
            errors[f"{prefix}declaration"] = [("invalid", "A declaration id.")]
            continue
        if raw_id in seen:
            errors[f"{prefix}declaration"] = [("duplicate", "The declaration appears twice in the file.")]
            continue
        seen.add(raw_id)
        declaration = _declaration_billable(int(raw_id), clean and clean["currency"], f"{prefix}declaration", errors)
        if clean is not None and declaration is not None:
            checked.append((declaration, clean))
    if errors:
        raise InvalidInput(f"{len(errors)} problem(s) in the file; nothing was recorded.", fields=errors)
    return [_bill(declaration, actor=actor, **clean) for declaration, clean in checked]


def _shares(total: Decimal, weights: list[Decimal], currency: str) -> list[Decimal]:
    """`total` split in proportion to `weights`, each share rounded to the currency's minor units
    and the last taking the remainder, so the shares add up to the total exactly."""
    whole = sum(weights, Decimal(0))
    if whole == 0:
        weights, whole = [Decimal(1)] * len(weights), Decimal(len(weights))
    shares = [quantize(total * weight / whole, currency) for weight in weights[:-1]]
    return [*shares, total - sum(shares, Decimal(0))]


def duty_variance_report(*, bills) -> list[dict]:
    """Per destination, HS chapter and currency: the bills, the estimated and billed duty and tax
    and their difference. A bill spans the chapters of its declaration's lines in proportion to
    their values (rounded shares that add up to the bill)."""
    rows: dict = defaultdict(lambda: {"bills": set(), "estimated": Decimal(0), "billed": Decimal(0)})
    for bill in bills:
        lines = list(bill.declaration.lines.all())
        weights = [line.quantity * (line.unit_value or Decimal(0)) for line in lines]
        estimated = _shares(quantize(bill.estimated, bill.currency), weights, bill.currency)
        billed = _shares(quantize(bill.billed, bill.currency), weights, bill.currency)
        for line, est, bil in zip(lines, estimated, billed, strict=True):
            key = (str(bill.declaration.destination_country), (line.hs_code or "")[:2], bill.currency)
            rows[key]["bills"].add(bill.pk)
            rows[key]["estimated"] += est
            rows[key]["billed"] += bil
    return [
        {
            "destination": destination,
            "hs_chapter": chapter,
            "bills": len(row["bills"]),
            "estimated": Money(row["estimated"], currency),
            "billed": Money(row["billed"], currency),
            "difference": Money(row["billed"] - row["estimated"], currency),
        }
        for (destination, chapter, currency), row in sorted(rows.items())
    ]

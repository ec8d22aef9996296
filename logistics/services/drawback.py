"""Duty drawback: when goods imported DDP come back and are re-exported from a returns centre or
destroyed under customs supervision, the duty (the destination rule's share of it) and, where
the rule says so, the import tax paid on the claimed units are refundable. A claim is filed with
its document, submitted to customs and tracked to the refund, which credits the party that paid
(the exporter, under DDP): filed -> submitted -> refunded | rejected."""

from datetime import date, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, InvalidInput, WrongState
from core.money import Money, quantize
from core.permissions import require_operator
from logistics.models import CustomsDeclaration, DrawbackClaim, DrawbackRule

D = CustomsDeclaration.Status
S = DrawbackClaim.Status
IMPORTED = [D.CLEARED, D.RELEASED]


def drawback_rule_in_force(*, country: str, on: date) -> DrawbackRule | None:
    return DrawbackRule.objects.filter(country=country, valid_from__lte=on).order_by("-valid_from").first()


def _claimed_units(declaration: CustomsDeclaration) -> dict[int, int]:
    claimed: dict[int, int] = {}
    for claim in declaration.drawback_claims.exclude(status=S.REJECTED):
        for line in claim.lines:
            claimed[line["line"]] = claimed.get(line["line"], 0) + line["quantity"]
    return claimed


def _paid(declaration, line, quantity: int) -> tuple[Decimal, Decimal]:
    """Duty and import tax paid on `quantity` units of the line, from the declaration's rates:
    none of the tax when a low-value scheme charged it at sale (no import tax was paid)."""
    currency = declaration.currency
    value = (line.unit_value or Decimal(0)) * quantity
    duty = quantize(value * (line.duty_rate or Decimal(0)), currency)
    tax_rule = declaration.rule_versions.get("tax_rule", {})
    if declaration.tax_scheme or declaration.tax_amount == 0:
        return duty, Decimal(0)
    base = value + duty if tax_rule.get("tax_on_duty") else value
    return duty, quantize(base * Decimal(tax_rule.get("tax_rate", "0")), currency)


@transaction.atomic
def drawback_claim_file(
    *, actor, declaration: CustomsDeclaration, lines: list[dict], disposition: str, reference: str
) -> DrawbackClaim:
    """An operator files a claim for units of a cleared DDP declaration that were re-exported or
    destroyed: `lines` [{"line": declaration line id, "quantity": n}], never more units than were
    declared less those already claimed. The refundable amount follows the destination's rule in
    force today (its duty share, the tax if refundable) within its time limit from import; the
    claim document is rendered into storage."""
    require_operator(actor, "files duty drawback claims")
    declaration = CustomsDeclaration.objects.select_for_update(of=("self",)).get(pk=declaration.pk)
    if declaration.incoterm != "DDP":
        raise Conflict("Only duties paid under DDP are claimed back by the platform.", attr="declaration")
    if declaration.status not in IMPORTED:
        raise WrongState(f"The declaration is {declaration.status}; only imported goods are claimed back.")
    errors: dict = {}
    if disposition not in DrawbackClaim.Disposition.values:
        errors["disposition"] = [("invalid", f"One of {', '.join(DrawbackClaim.Disposition.values)}.")]
    reference = str(reference or "").strip()
    if not reference or len(reference) > 100:
        errors["reference"] = [("required", "The export or destruction certificate, 1 to 100 characters.")]
    today = timezone.localdate()
    country = str(declaration.destination_country)
    rule = drawback_rule_in_force(country=country, on=today)
    if rule is None:
        raise InvalidInput(f"No drawback rule for {country} is in force; an operator must add one.", attr="declaration")
    imported_on = (declaration.decided_at or declaration.submitted_at or timezone.now()).date()
    if today > imported_on + timedelta(days=rule.time_limit_days):
        raise Conflict(f"{country} allows {rule.time_limit_days} days from import; the time has run out.")
    declared = {line.pk: line for line in declaration.lines.all()}
    claimed = _claimed_units(declaration)
    priced = []
    if not isinstance(lines, list) or not lines:
        errors["lines"] = [("required", "Claim at least one line.")]
        lines = []
    for i, item in enumerate(lines):
        line = declared.get(item.get("line")) if isinstance(item, dict) else None
        quantity = item.get("quantity") if isinstance(item, dict) else None
        if line is None:
            errors[f"lines.{i}.line"] = [("not_found", "Not a line of this declaration.")]
            continue
        left = line.quantity - claimed.get(line.pk, 0)
        if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= left:
            errors[f"lines.{i}.quantity"] = [("out_of_range", f"1 to {left} unit(s) are left to claim on this line.")]
            continue
        claimed[line.pk] = claimed.get(line.pk, 0) + quantity
        priced.append((line, quantity, *_paid(declaration, line, quantity)))
    if errors:
        raise InvalidInput("The drawback claim is invalid.", fields=errors)
    currency = declaration.currency
    duty_paid = sum((duty for *_, duty, _ in priced), Decimal(0))
    tax_paid = sum((tax for *_, tax in priced), Decimal(0))
    refundable = quantize(duty_paid * rule.duty_share, currency) + (tax_paid if rule.tax_refundable else Decimal(0))
    claim = DrawbackClaim.objects.create(
        declaration=declaration,
        rule=rule,
        disposition=disposition,
        reference=reference,
        lines=[
            {"line": line.pk, "quantity": quantity, "duty_paid": str(duty), "tax_paid": str(tax)}
            for line, quantity, duty, tax in priced
        ],
        currency=currency,
        duty_paid=duty_paid,
        tax_paid=tax_paid,
        refundable=refundable,
        credited_company=declaration.exporter,
        filed_by=actor,
    )
    from logistics.documents import drawback_claim_pdf

    claim.document.save(f"DB-{claim.pk}-drawback-claim.pdf", ContentFile(drawback_claim_pdf(claim, declared)))
    return claim


def _move(claim, actor, allowed, to_status, action, **changes) -> DrawbackClaim:
    require_operator(actor, f"records that a drawback claim is {action}")
    claim = DrawbackClaim.objects.select_for_update().get(pk=claim.pk)
    if claim.status not in allowed:
        raise WrongState(f"A {claim.status} claim cannot be {action}.")
    claim.status = to_status
    for name, value in changes.items():
        setattr(claim, name, value)
    claim.save(update_fields=["status", *changes])
    return claim


@transaction.atomic
def drawback_claim_submit(*, actor, claim: DrawbackClaim, customs_reference: str) -> DrawbackClaim:
    """The claim was lodged with customs under their reference."""
    customs_reference = str(customs_reference or "").strip()
    if not customs_reference or len(customs_reference) > 100:
        raise InvalidInput("Customs' reference for the claim, 1 to 100 characters.", attr="customs_reference")
    return _move(
        claim,
        actor,
        [S.FILED],
        S.SUBMITTED,
        "submitted",
        customs_reference=customs_reference,
        submitted_at=timezone.now(),
    )


@transaction.atomic
def drawback_claim_refund(*, actor, claim: DrawbackClaim, amount: Money) -> DrawbackClaim:
    """Customs refunded `amount` (at most the refundable, in the claim's currency), credited to
    the party that paid the duties (the claim's credited_company)."""
    if amount.currency != claim.currency:
        raise InvalidInput(f"The refund is in {claim.currency}.", attr="amount")
    if not 0 <= amount.amount <= claim.refundable or amount.amount != quantize(amount.amount, amount.currency):
        raise InvalidInput(f"0 to {Money(claim.refundable, claim.currency)}, in minor units.", attr="amount")
    return _move(claim, actor, [S.SUBMITTED], S.REFUNDED, "refunded", refunded=amount.amount, decided_at=timezone.now())


@transaction.atomic
def drawback_claim_reject(*, actor, claim: DrawbackClaim, reason: str) -> DrawbackClaim:
    """Customs refused the claim; its units may be claimed again."""
    reason = str(reason or "").strip()
    if not reason:
        raise InvalidInput("Say why customs refused the claim.", attr="reason")
    return _move(
        claim, actor, [S.FILED, S.SUBMITTED], S.REJECTED, "rejected", note=reason[:2000], decided_at=timezone.now()
    )

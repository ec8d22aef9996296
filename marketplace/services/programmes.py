"""Support programmes and the vouchers they issue: a programme's budget, cap per company and
fee kinds; a voucher sets its amount aside from the budget at issue. Fees draw on both when
charged (marketplace.services.fees)."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from brands.models import Company
from core.errors import Conflict, InvalidInput
from core.models import User
from core.money import Money
from marketplace.models import FeeKind, SupportProgramme, Voucher
from marketplace.services.fees import programme_admits, programme_company_rows


def programme_create(*, actor: User, **fields) -> SupportProgramme:
    errors = {}
    unknown = sorted(set(fields.get("fee_kinds", [])) - set(FeeKind.values))
    if not fields.get("fee_kinds"):
        errors["fee_kinds"] = [("required", "Name at least one fee kind.")]
    elif unknown:
        errors["fee_kinds"] = [("invalid_choice", f"Unknown fee kinds: {', '.join(unknown)}.")]
    if fields["ends_on"] < fields["starts_on"]:
        errors["ends_on"] = [("invalid", "The programme ends before it starts.")]
    if fields["per_company_cap"] > fields["budget"]:
        errors["per_company_cap"] = [("invalid", "The cap per company exceeds the budget.")]
    if errors:
        raise InvalidInput("The programme is not valid.", fields=errors)
    return SupportProgramme.objects.create(**fields)


@transaction.atomic
def voucher_issue(
    *, programme: SupportProgramme, company: Company, amount: Money, fee_kinds: list[str], expires_on: date, actor
) -> Voucher:
    """Issues a voucher: its amount is set aside from the programme's budget and counts against
    the company's cap."""
    programme = SupportProgramme.objects.select_for_update().get(pk=programme.pk)
    if amount.currency != programme.currency:
        raise InvalidInput(f"Vouchers of this programme are in {programme.currency}.", attr="amount")
    if amount.amount <= 0:
        raise InvalidInput("A voucher has a positive amount.", attr="amount")
    outside = sorted(set(fee_kinds) - set(programme.fee_kinds))
    if not fee_kinds or outside:
        raise InvalidInput(
            f"A voucher covers some of the programme's fee kinds ({', '.join(programme.fee_kinds)}).", attr="fee_kinds"
        )
    if expires_on < timezone.localdate() or expires_on > programme.ends_on:
        raise InvalidInput("The voucher expires after today and within the programme's period.", attr="expires_on")
    admitted, reasons = programme_admits(programme=programme, company=company)
    if not admitted:
        raise InvalidInput(
            "The company is not eligible for this programme.",
            attr="company",
            reasons=[("not_eligible", r) for r in reasons],
        )
    row = programme_company_rows(company, {programme.pk})[programme.pk]
    if programme.spent + amount.amount > programme.budget:
        raise Conflict(f"Only {programme.remaining} is left in the programme's budget.", attr="amount")
    if row.spent + amount.amount > programme.per_company_cap:
        left = Money(programme.per_company_cap - row.spent, programme.currency)
        raise Conflict(f"Only {left} is left under the company's cap.", attr="amount")
    programme.spent += amount.amount
    programme.save(update_fields=["spent"])
    row.spent += amount.amount
    row.save(update_fields=["spent"])
    return Voucher.objects.create(
        programme=programme,
        company=company,
        amount=amount.amount,
        currency=amount.currency,
        fee_kinds=list(fee_kinds),
        expires_on=expires_on,
        issued_by=actor if actor is not None and actor.is_authenticated else None,
    )

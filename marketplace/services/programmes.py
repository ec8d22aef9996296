"""Support programmes and the vouchers they issue: a programme's budget, cap per company and
fee kinds; a voucher sets its amount aside from the budget at issue. Fees draw on both when
charged (marketplace.services.fees)."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from brands.models import Company
from core.errors import Conflict, InvalidInput
from core.models import User
from core.money import Money
from marketplace.models import FeeKind, SupportProgramme, Voucher
from marketplace.models.vouchers import SUB_GROUP_CHOICES
from marketplace.services.fees import programme_admits, programme_company_rows


def programme_create(*, actor: User, **fields) -> SupportProgramme:
    errors = {}
    unknown = sorted(set(fields.get("fee_kinds", [])) - set(FeeKind.values))
    if not fields.get("fee_kinds") and not fields.get("covers_services"):
        errors["fee_kinds"] = [("required", "Name at least one fee kind, or cover services.")]
    elif unknown:
        errors["fee_kinds"] = [("invalid_choice", f"Unknown fee kinds: {', '.join(unknown)}.")]
    elif FeeKind.SERVICE_CO_PAYMENT in fields.get("fee_kinds", []):
        errors["fee_kinds"] = [("invalid_choice", "The co-payment is the SME's own share; no programme covers it.")]
    if fields["ends_on"] < fields["starts_on"]:
        errors["ends_on"] = [("invalid", "The programme ends before it starts.")]
    if fields["per_company_cap"] > fields["budget"]:
        errors["per_company_cap"] = [("invalid", "The cap per company exceeds the budget.")]
    errors.update(_service_rule_errors(fields))
    if errors:
        raise InvalidInput("The programme is not valid.", fields=errors)
    return SupportProgramme.objects.create(**fields)


def _service_rule_errors(fields: dict) -> dict:
    """The rules for services: shares by year of participation, caps, stages and sub-groups."""
    errors = {}
    try:
        shares = [Decimal(str(share)) for share in fields.get("year_shares") or []]
    except (InvalidOperation, ValueError):
        shares = None
    if shares is None or not all(0 < share <= 1 for share in shares) or len(shares) > 10:
        errors["year_shares"] = [
            ("invalid", 'Shares by year are up to ten fractions above 0, at most 1: ["0.8", "0.5"].')
        ]
    if fields.get("max_uses") is not None and fields["max_uses"] < 1:
        errors["max_uses"] = [("invalid", "The cap on uses is at least 1.")]
    if fields.get("max_per_company_year") is not None and fields["max_per_company_year"] <= 0:
        errors["max_per_company_year"] = [("invalid", "The maximum per company per year is positive.")]
    unknown = sorted(set(fields.get("service_stages") or []) - set(Company.ExportStage.values))
    if unknown:
        errors["service_stages"] = [("invalid_choice", f"Unknown stages: {', '.join(unknown)}.")]
    unknown = sorted(set(fields.get("service_sub_groups") or []) - {code for code, _ in SUB_GROUP_CHOICES})
    if unknown:
        errors["service_sub_groups"] = [("invalid_choice", f"Unknown sub-groups: {', '.join(unknown)}.")]
    if shares and not errors.get("year_shares"):
        fields["year_shares"] = [str(share) for share in shares]
    return errors


@transaction.atomic
def voucher_issue(
    *,
    programme: SupportProgramme,
    company: Company,
    amount: Money,
    fee_kinds: list[str],
    expires_on: date,
    actor,
    participation_year: int = 1,
) -> Voucher:
    """Issues a voucher: its amount is set aside from the programme's budget and counts against
    the company's cap. A voucher of a programme that covers services may cover no fee kinds."""
    programme = SupportProgramme.objects.select_for_update().get(pk=programme.pk)
    if amount.currency != programme.currency:
        raise InvalidInput(f"Vouchers of this programme are in {programme.currency}.", attr="amount")
    if amount.amount <= 0:
        raise InvalidInput("A voucher has a positive amount.", attr="amount")
    outside = sorted(set(fee_kinds) - set(programme.fee_kinds))
    if (not fee_kinds and not programme.covers_services) or outside:
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
        participation_year=participation_year,
        issued_by=actor if actor is not None and actor.is_authenticated else None,
    )

"""The Export Voucher's catalogue and selection (reference report, section III.C (m) and the
annex's procedure: "apply to program -> pay for fee -> voucher issued by operating institution ->
enterprises select needed services -> process of the service by performing institution -> balance
account between operating and performing institution").

- Catalogue: providers and their services, each in one of the four stages and its sub-groups.
- Selection: an SME applies to a programme; an operator approves (issuing the voucher through
  `voucher_issue`, which sets its amount aside from the budget and the company's cap) or rejects,
  with reasons.
- Shares: the programme pays its share of a service's price by the company's year of
  participation (`SupportProgramme.year_shares`; the report's "20 % of the rent for the first
  year (50 % for the second year)").

Ordering services with the voucher and settling with the providers are in
`marketplace.services.service_orders`."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from brands.models import Company, CompanyStaff
from brands.selectors import user_has_company_role
from core.errors import Conflict, InvalidInput, NotPermitted, WrongState
from core.locales import validate_translations
from core.models import User
from core.money import Money
from core.permissions import is_operator
from marketplace.models import (
    ProgrammeApplication,
    ServiceProvider,
    SupportProgramme,
    SupportService,
    Voucher,
)
from marketplace.models.vouchers import SUB_GROUPS
from marketplace.services.fees import programme_admits
from marketplace.services.programmes import voucher_issue


def _require_operator(actor, what: str) -> None:
    if not is_operator(actor):
        raise NotPermitted(f"Only operators {what}.")


# Catalogue


def service_provider_create(*, actor: User, **fields) -> ServiceProvider:
    _require_operator(actor, "edit the service catalogue")
    return ServiceProvider.objects.create(**fields)


def support_service_create(
    *,
    actor: User,
    provider: ServiceProvider,
    code: str,
    name_translations: dict,
    stage: str,
    sub_group: str,
    price: Money,
    description: dict | None = None,
) -> SupportService:
    _require_operator(actor, "edit the service catalogue")
    errors = {}
    if sub_group not in {code for code, _ in SUB_GROUPS.get(stage, [])}:
        allowed = ", ".join(code for code, _ in SUB_GROUPS.get(stage, []))
        errors["sub_group"] = [("invalid_choice", f"The {stage} stage has the sub-groups {allowed}.")]
    if price.amount <= 0:
        errors["price"] = [("invalid", "A service has a positive price.")]
    if SupportService.objects.filter(provider=provider, code=code).exists():
        errors["code"] = [("unique", "The provider has a service with this code.")]
    for name, value in (("name_translations", name_translations), ("description", description or {})):
        try:
            validate_translations(value)
        except ValidationError as error:
            errors[name] = [("invalid", " ".join(error.messages))]
    if not name_translations.get("en") and not name_translations.get("ko"):
        errors.setdefault("name_translations", []).append(("required", "Name the service in Korean or English."))
    if errors:
        raise InvalidInput("The service is not valid.", fields=errors)
    return SupportService.objects.create(
        provider=provider,
        code=code,
        name_translations=name_translations,
        description=description or {},
        stage=stage,
        sub_group=sub_group,
        price=price.quantized().amount,
        currency=price.currency,
    )


# Selection: application, evaluation, voucher


def participation_year(*, programme: SupportProgramme, company: Company, on: date | None = None) -> int:
    """1 in the company's first calendar year with vouchers from the programme's sponsor, 2 in
    the next year it holds one, and so on."""
    year = (on or timezone.localdate()).year
    earlier = (
        Voucher.objects.filter(company=company, programme__sponsor=programme.sponsor, issued_at__year__lt=year)
        .dates("issued_at", "year")
        .count()
    )
    return earlier + 1


def programme_share(*, programme: SupportProgramme, year: int) -> Decimal:
    if not programme.year_shares:
        return programme.share
    return Decimal(str(programme.year_shares[min(year, len(programme.year_shares)) - 1]))


@transaction.atomic
def programme_application_submit(
    *, actor: User, programme: SupportProgramme, company: Company, amount: Money, plan: str, sub_groups: list[str]
) -> ProgrammeApplication:
    if not (is_operator(actor) or user_has_company_role(actor, company.pk, CompanyStaff.Role.EDITOR)):
        raise NotPermitted("Only the company's owners and editors apply to programmes.")
    programme = SupportProgramme.objects.select_for_update().get(pk=programme.pk)
    if not programme.is_active or programme.ends_on < timezone.localdate():
        raise Conflict("The programme does not take applications.", attr="programme")
    if amount.currency != programme.currency or amount.amount <= 0:
        raise InvalidInput(f"Ask for a positive amount in {programme.currency}.", attr="amount")
    known = {code for groups in SUB_GROUPS.values() for code, _ in groups}
    if set(sub_groups) - known:
        raise InvalidInput(f"Unknown sub-groups: {', '.join(sorted(set(sub_groups) - known))}.", attr="sub_groups")
    admitted, reasons = programme_admits(programme=programme, company=company)
    if not admitted:
        raise Conflict(
            "The company is not eligible for this programme.",
            attr="programme",
            reasons=[("not_eligible", reason) for reason in reasons],
        )
    if ProgrammeApplication.objects.filter(
        programme=programme, company=company, status=ProgrammeApplication.Status.SUBMITTED
    ).exists():
        raise Conflict("The company has an open application to this programme.", attr="programme")
    return ProgrammeApplication.objects.create(
        programme=programme,
        company=company,
        amount_requested=amount.quantized().amount,
        plan=plan,
        sub_groups=list(sub_groups),
        submitted_by=actor,
    )


@transaction.atomic
def programme_application_decide(
    *,
    actor: User,
    application: ProgrammeApplication,
    approve: bool,
    reasons: str,
    amount: Money | None = None,
    expires_on: date | None = None,
) -> ProgrammeApplication:
    """Approves (issuing a voucher for `amount`, by default what was asked, until `expires_on`,
    by default the programme's end) or rejects, with reasons."""
    _require_operator(actor, "decide programme applications")
    if not reasons.strip():
        raise InvalidInput("Give the reasons for the decision.", attr="reasons")
    application = (
        ProgrammeApplication.objects.select_for_update().select_related("programme", "company").get(pk=application.pk)
    )
    if application.status != ProgrammeApplication.Status.SUBMITTED:
        raise WrongState(f"The application is {application.status} already.")
    programme = application.programme
    if approve:
        amount = amount or Money(application.amount_requested, programme.currency)
        voucher = voucher_issue(
            programme=programme,
            company=application.company,
            amount=amount,
            fee_kinds=list(programme.fee_kinds),
            expires_on=expires_on or programme.ends_on,
            actor=actor,
            participation_year=participation_year(programme=programme, company=application.company),
        )
        application.voucher = voucher
    application.status = ProgrammeApplication.Status.APPROVED if approve else ProgrammeApplication.Status.REJECTED
    application.decision_reasons = reasons
    application.decided_by = actor
    application.decided_at = timezone.now()
    application.save()
    return application

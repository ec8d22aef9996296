"""Companies: registering and changing one (staff, invitations and API keys have their own modules)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from brands.models import Company, CompanyStaff
from brands.selectors import user_company_roles_forget, user_has_company_role
from core.errors import InvalidInput, NotPermitted
from core.models import User
from core.money import Money
from core.permissions import is_operator, require_verified_email

COMPANY_FIELDS = {
    "legal_name",
    "name_translations",
    "registration_number",
    "country",
    "sector",
    "employees",
    "is_large_enterprise_subsidiary",
    "export_stage",
    "kind",
}


def _save_company(company: Company) -> Company:
    try:
        company.full_clean()
    except ValidationError as error:
        attr, messages = next(iter(error.message_dict.items()))
        raise InvalidInput(messages[0], attr=None if attr == "__all__" else attr) from None
    try:
        with transaction.atomic():
            company.save()
    except IntegrityError:
        # Two requests racing for the same registration number: the constraint decides.
        raise InvalidInput(
            "A company with this registration number is already registered in this country.",
            attr="registration_number",
        ) from None
    return company


def _set_money(company: Company, name: str, money: Money | None) -> None:
    setattr(company, f"{name}_amount", None if money is None else money.amount)
    setattr(company, f"{name}_currency", "" if money is None else money.currency)


@transaction.atomic
def company_create(*, actor: User, annual_sales: Money, balance_sheet_total: Money | None = None, **fields) -> Company:
    """Registers a company; the caller becomes its owner."""
    require_verified_email(actor, "register a company")
    company = Company(**{name: value for name, value in fields.items() if name in COMPANY_FIELDS})
    _set_money(company, "annual_sales", annual_sales)
    _set_money(company, "balance_sheet_total", balance_sheet_total)
    if Company.objects.filter(country=company.country, registration_number=company.registration_number).exists():
        raise InvalidInput(
            "A company with this registration number is already registered in this country.",
            attr="registration_number",
        )
    _save_company(company)
    CompanyStaff.objects.create(company=company, user=actor, role=CompanyStaff.Role.OWNER)
    user_company_roles_forget(actor)
    return company


@transaction.atomic
def company_update(*, company: Company, actor: User, **changes) -> Company:
    if not (is_operator(actor) or user_has_company_role(actor, company.pk, CompanyStaff.Role.EDITOR)):
        raise NotPermitted("Only the company's owners and editors may change it.")
    company = Company.objects.select_for_update().get(pk=company.pk)
    before = company.figures()
    for name, value in changes.items():
        if name in ("annual_sales", "balance_sheet_total"):
            _set_money(company, name, value)
        elif name in COMPANY_FIELDS:
            setattr(company, name, value)
    duplicate = Company.objects.filter(
        country=company.country, registration_number=company.registration_number
    ).exclude(pk=company.pk)
    if duplicate.exists():
        raise InvalidInput(
            "A company with this registration number is already registered in this country.",
            attr="registration_number",
        )
    if company.figures() != before:
        company.figures_verified_at = None  # the operator checked other figures than these
    return _save_company(company)

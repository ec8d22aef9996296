from dataclasses import replace

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from brands.eligibility import Verdict, sme_eligibility_evaluate
from brands.models import Brand, Company, CompanyStaff, Membership, QualityStandard, SellerApplication
from core.models import User
from core.permissions import is_operator
from core.selectors import RateTable, exchange_rates_get

ROLE_RANK = {CompanyStaff.Role.VIEWER: 1, CompanyStaff.Role.EDITOR: 2, CompanyStaff.Role.OWNER: 3}


def user_company_roles(user) -> dict[int, str]:
    """{company_id: role} for the user, cached on the user for the request."""
    if not (user and user.is_authenticated):
        return {}
    if not hasattr(user, "_company_roles"):
        user._company_roles = dict(CompanyStaff.objects.filter(user=user).values_list("company_id", "role"))
    return user._company_roles


def user_company_roles_forget(user) -> None:
    """Drops the cached roles after the user's roles changed within the request."""
    user.__dict__.pop("_company_roles", None)


def user_is_company_staff(user) -> bool:
    return bool(user_company_roles(user))


def user_has_company_role(user, company_id: int, minimum: str) -> bool:
    role = user_company_roles(user).get(company_id)
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[minimum]


def user_company_ids(user, minimum: str = CompanyStaff.Role.VIEWER) -> list[int]:
    return [company_id for company_id in user_company_roles(user) if user_has_company_role(user, company_id, minimum)]


def company_list(*, user) -> QuerySet[Company]:
    companies = Company.objects.all()
    if not is_operator(user):
        companies = companies.filter(pk__in=user_company_ids(user))
    return companies.order_by("pk")


def company_get(*, user, pk) -> Company:
    """The company if the user may see it; another company's is a 404, never a 403."""
    company = company_list(user=user).filter(pk=pk).first()
    if company is None:
        raise Http404("No such company.")
    return company


def company_eligibility_get(*, company: Company, rates: RateTable | None = None) -> Verdict:
    verdict = sme_eligibility_evaluate(company.figures(), rates or exchange_rates_get())
    return replace(verdict, figures_verified=company.figures_verified_at is not None)


def _active_members():
    return Prefetch(
        "memberships",
        queryset=Membership.objects.filter(status=Membership.Status.ACTIVE).select_related("company").order_by("pk"),
        to_attr="active_memberships",
    )


def _current_standard():
    return Prefetch(
        "quality_standards",
        queryset=QualityStandard.objects.order_by("-version").prefetch_related("items"),
        to_attr="standards_newest_first",
    )


def brand_list() -> QuerySet[Brand]:
    return Brand.objects.select_related("lead_company").prefetch_related(_active_members(), _current_standard())


def brand_get(*, slug: str) -> Brand:
    brand = brand_list().filter(slug=slug).first()
    if brand is None:
        raise Http404("No such brand.")
    return brand


def brand_current_standard(brand: Brand) -> QualityStandard | None:
    if hasattr(brand, "standards_newest_first"):
        return brand.standards_newest_first[0] if brand.standards_newest_first else None
    return brand.quality_standards.order_by("-version").first()


def brand_is_led_by_user(*, brand: Brand, user) -> bool:
    return user_has_company_role(user, brand.lead_company_id, CompanyStaff.Role.OWNER)


def membership_list(*, user, brand: Brand) -> QuerySet[Membership]:
    """Operators and the lead company see every membership of the brand; others see the active
    members (public on the brand page) and their own companies' memberships."""
    memberships = Membership.objects.filter(brand=brand).select_related("company", "brand")
    if is_operator(user) or brand.lead_company_id in user_company_roles(user):
        return memberships
    return memberships.filter(Q(status=Membership.Status.ACTIVE) | Q(company_id__in=user_company_ids(user)))


def membership_get(*, user, brand: Brand, pk) -> Membership:
    membership = membership_list(user=user, brand=brand).filter(pk=pk).first()
    if membership is None:
        raise Http404("No such membership.")
    return membership


def user_company_roles_confine(user, roles: dict[int, str]) -> None:
    """For this request only: the user holds exactly these roles (an API key acting for its company)."""
    user._company_roles = roles


def seller_application_list(*, user) -> QuerySet[SellerApplication]:
    """Operators see every application; SME staff their companies' ones."""
    applications = SellerApplication.objects.select_related("company").prefetch_related("events")
    if not is_operator(user):
        applications = applications.filter(company_id__in=user_company_ids(user))
    return applications.order_by("pk")


def company_notified_staff(company_ids) -> list:
    """The owners and editors of the companies, who hear about their orders, listings and
    inspections by e-mail (each once, however many of the companies they work for)."""
    roles = [CompanyStaff.Role.OWNER, CompanyStaff.Role.EDITOR]
    staff = CompanyStaff.objects.filter(company_id__in=list(company_ids), role__in=roles, user__is_active=True)
    return list(User.objects.filter(pk__in=staff.values("user_id")).order_by("pk"))

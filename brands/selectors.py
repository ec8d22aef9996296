from dataclasses import replace
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from brands.eligibility import Verdict, sme_eligibility_evaluate
from brands.models import (
    Brand,
    Company,
    CompanyStaff,
    Mandate,
    MandateScope,
    Membership,
    QualityStandard,
    SellerApplication,
)
from core.models import User
from core.permissions import is_operator
from core.selectors import RateTable, exchange_rates_get

ROLE_RANK = {CompanyStaff.Role.VIEWER: 1, CompanyStaff.Role.EDITOR: 2, CompanyStaff.Role.OWNER: 3}


def user_company_roles(user, scope: str | None = None) -> dict[int, str]:
    """{company_id: role} for the user, cached on the user for the request. With a mandate
    `scope`, also the SMEs whose active mandates in that scope the user's trading companies
    hold (brands.models.Mandate), with the role the user holds at the agent, at most editor
    (read only for statements); the user's own role in a company wins over a mandated one."""
    if not (user and user.is_authenticated):
        return {}
    if not hasattr(user, "_company_roles"):
        user._company_roles = dict(CompanyStaff.objects.filter(user=user).values_list("company_id", "role"))
    if scope is None:
        return user._company_roles
    return {**{company: role for company, (role, _agent) in mandate_roles(user, scope).items()}, **user._company_roles}


def mandate_roles(user, scope: str) -> dict[int, tuple[str, int]]:
    """{SME id: (role, agent company id)} the user holds through mandates in `scope`, cached
    with the roles. Computed from the user's own roles, so an API key confined to an agent
    company acts for that agent's SMEs and no other's."""
    if not hasattr(user, "_mandate_roles"):
        own = user_company_roles(user)
        held: dict[str, dict[int, tuple[str, int]]] = {value: {} for value in MandateScope.values}
        mandates = Mandate.objects.filter(
            agent_id__in=list(own), agent__kind=Company.Kind.TRADING_COMPANY, status=Mandate.Status.ACTIVE
        ).order_by("pk")
        for company_id, agent_id, scopes in mandates.values_list("company_id", "agent_id", "scopes"):
            role = CompanyStaff.Role.EDITOR if own[agent_id] == CompanyStaff.Role.OWNER else own[agent_id]
            for value in scopes:
                if value in held:
                    capped = CompanyStaff.Role.VIEWER if value == MandateScope.STATEMENTS else role
                    held[value][company_id] = (capped, agent_id)
        user._mandate_roles = held
    return user._mandate_roles.get(scope, {})


def mandate_agent_id(user, company_id: int, scope: str) -> int | None:
    """The trading company the user acts through for the company in `scope`, or None when the
    user is the company's own staff (or holds no mandate): events record it as the agent."""
    if company_id in user_company_roles(user):
        return None
    held = mandate_roles(user, scope) if user and user.is_authenticated else {}
    return held[company_id][1] if company_id in held else None


def user_company_roles_forget(user) -> None:
    """Drops the cached roles after the user's roles changed within the request."""
    user.__dict__.pop("_company_roles", None)
    user.__dict__.pop("_mandate_roles", None)


def user_is_company_staff(user) -> bool:
    return bool(user_company_roles(user))


def user_has_company_role(user, company_id: int, minimum: str, scope: str | None = None) -> bool:
    """Whether the user holds at least `minimum` in the company; with a mandate `scope`, a
    trading company's staff hold it for the SMEs that mandated their company in that scope."""
    role = user_company_roles(user, scope).get(company_id)
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[minimum]


def user_company_ids(user, minimum: str = CompanyStaff.Role.VIEWER, scope: str | None = None) -> list[int]:
    roles = user_company_roles(user, scope)
    return [company_id for company_id, role in roles.items() if ROLE_RANK[role] >= ROLE_RANK[minimum]]


def company_list(*, user, scope: str | None = None) -> QuerySet[Company]:
    companies = Company.objects.all()
    if not is_operator(user):
        companies = companies.filter(pk__in=user_company_ids(user, scope=scope))
    return companies.order_by("pk")


def company_get(*, user, pk, scope: str | None = None) -> Company:
    """The company if the user may see it (with `scope`, also as its agent); another company's
    is a 404, never a 403."""
    company = company_list(user=user, scope=scope).filter(pk=pk).first()
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
    user.__dict__.pop("_mandate_roles", None)


def seller_application_list(*, user) -> QuerySet[SellerApplication]:
    """Operators see every application; SME staff their companies' ones."""
    applications = SellerApplication.objects.select_related("company").prefetch_related("events")
    if not is_operator(user):
        applications = applications.filter(company_id__in=user_company_ids(user))
    return applications.order_by("pk")


def company_notified_staff(company_ids, *, owners_only: bool = False) -> list:
    """The owners and editors of the companies, who hear about their orders, listings and
    inspections by e-mail (each once, however many of the companies they work for); only the
    owners for what concerns the company itself, such as its brand memberships."""
    roles = [CompanyStaff.Role.OWNER] if owners_only else [CompanyStaff.Role.OWNER, CompanyStaff.Role.EDITOR]
    staff = CompanyStaff.objects.filter(company_id__in=list(company_ids), role__in=roles, user__is_active=True)
    return list(User.objects.filter(pk__in=staff.values("user_id")).order_by("pk"))


def mandate_list(*, user) -> QuerySet[Mandate]:
    """Mandates the user's companies granted or hold; operators see all."""
    mandates = Mandate.objects.select_related("company", "agent", "granted_by")
    if not is_operator(user):
        ids = user_company_ids(user)
        mandates = mandates.filter(Q(company_id__in=ids) | Q(agent_id__in=ids))
    return mandates.order_by("-pk")


def mandate_get(*, user, pk) -> Mandate:
    mandate = mandate_list(user=user).filter(pk=pk).first()
    if mandate is None:
        raise Http404("No such mandate.")
    return mandate


def mandate_commission_rates(company_ids) -> dict[int, tuple[int, Decimal, int]]:
    """{SME id: (mandate id, commission rate, agent company id)} for the SMEs' active mandates
    with a commission (at most one each: a constraint on Mandate)."""
    mandates = Mandate.objects.filter(company_id__in=company_ids, status=Mandate.Status.ACTIVE, commission_rate__gt=0)
    return {m.company_id: (m.pk, m.commission_rate, m.agent_id) for m in mandates.order_by("pk")}

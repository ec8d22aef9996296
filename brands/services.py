"""Every write to companies, brands and memberships. A transition locks its rows (brand before
membership, always), checks the source state and the actor, writes, and records a BrandEvent."""

import re
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from brands.models import Brand, BrandEvent, Company, CompanyStaff, Membership, QualityStandard, QualityStandardItem
from brands.selectors import (
    brand_is_led_by_user,
    company_eligibility_get,
    user_company_roles_forget,
    user_has_company_role,
)
from brands.signals import brand_status_changed, membership_ended, quality_standard_published
from core.errors import Conflict, InvalidInput, NotPermitted, WrongState
from core.models import User
from core.money import Money
from core.permissions import is_operator

_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,50}")
COMPANY_FIELDS = {
    "legal_name",
    "name_translations",
    "registration_number",
    "country",
    "sector",
    "employees",
    "is_large_enterprise_subsidiary",
    "export_stage",
}


def _event(brand: Brand, kind: str, actor, *, membership=None, from_status="", to_status="", reason="") -> None:
    BrandEvent.objects.create(
        brand=brand,
        membership=membership,
        kind=kind,
        actor=actor if actor and actor.is_authenticated else None,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
    )


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
    return _save_company(company)


@transaction.atomic
def company_staff_set(*, company: Company, actor: User, email: str, role: str) -> CompanyStaff:
    """Adds a registered user to the company's staff, or changes their role."""
    if not (is_operator(actor) or user_has_company_role(actor, company.pk, CompanyStaff.Role.OWNER)):
        raise NotPermitted("Only the company's owners may manage its staff.")
    Company.objects.select_for_update().get(pk=company.pk)
    user = User.objects.filter(email=email.lower(), is_active=True).first()
    if user is None:
        raise InvalidInput("No registered user has this email; ask them to register first.", attr="email")
    staff = CompanyStaff.objects.filter(company=company, user=user).first()
    if staff and staff.role == CompanyStaff.Role.OWNER and role != CompanyStaff.Role.OWNER:
        other_owners = CompanyStaff.objects.filter(company=company, role=CompanyStaff.Role.OWNER).exclude(pk=staff.pk)
        if not other_owners.exists():
            raise Conflict("A company keeps at least one owner; make someone else owner first.", attr="role")
    if staff is None:
        staff = CompanyStaff(company=company, user=user)
    staff.role = role
    staff.save()
    return staff


def _require_lead_or_operator(brand: Brand, actor: User, action: str) -> None:
    if not (is_operator(actor) or brand_is_led_by_user(brand=brand, user=actor)):
        raise NotPermitted(f"Only the owners of the brand's lead company or an operator may {action}.")


def _require_eligible(company: Company, actor: User, override_reason: str, attr: str) -> str:
    """The company must be an SME under the rule set; an operator may override with a reason,
    which is returned so it is recorded."""
    verdict = company_eligibility_get(company=company)
    if verdict.eligible:
        return ""
    if override_reason:
        if not is_operator(actor):
            raise NotPermitted("Only an operator may override SME eligibility.")
        return override_reason
    raise Conflict(
        f"{company.legal_name} is not SME-eligible under {verdict.rule_set}.",
        attr=attr,
        reasons=[("not_sme_eligible", reason) for reason in verdict.reasons],
    )


def _unique_slug(name: str, name_translations: dict) -> str:
    base = slugify(name) or slugify(name_translations.get("en", "")) or "brand"
    slug, n = base, 1
    while Brand.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def brand_create(
    *,
    actor: User,
    name: str,
    lead_company: Company,
    story: dict | None = None,
    name_translations: dict | None = None,
    eligibility_override_reason: str = "",
) -> Brand:
    """A new brand in `forming`, its lead company as the first active member."""
    if not (is_operator(actor) or user_has_company_role(actor, lead_company.pk, CompanyStaff.Role.OWNER)):
        raise InvalidInput("Pick a company you own.", attr="lead_company")
    if Brand.objects.filter(name__iexact=name).exists():
        raise InvalidInput("A brand with this name already exists.", attr="name")
    override = _require_eligible(lead_company, actor, eligibility_override_reason, "lead_company")
    try:
        with transaction.atomic():
            brand = Brand.objects.create(
                name=name,
                slug=_unique_slug(name, name_translations or {}),
                name_translations=name_translations or {},
                story=story or {},
                lead_company=lead_company,
            )
    except IntegrityError:
        raise InvalidInput("A brand with this name already exists.", attr="name") from None
    lead = Membership.objects.create(
        brand=brand,
        company=lead_company,
        role=Membership.Role.LEAD,
        status=Membership.Status.ACTIVE,
        eligibility_override_reason=override,
    )
    _event(brand, BrandEvent.Kind.CREATED, actor, to_status=brand.status)
    _event(brand, BrandEvent.Kind.MEMBER_APPROVED, actor, membership=lead, to_status=lead.status, reason=override)
    return brand


@transaction.atomic
def membership_apply(*, brand: Brand, company: Company, actor: User) -> Membership:
    if not (is_operator(actor) or user_has_company_role(actor, company.pk, CompanyStaff.Role.OWNER)):
        raise InvalidInput("Pick a company you own.", attr="company")
    brand = Brand.objects.select_for_update().get(pk=brand.pk)
    if Membership.objects.filter(brand=brand, company=company, status__in=Membership.LIVE_STATUSES).exists():
        raise Conflict(f"{company.legal_name} already belongs or has applied to {brand.name}.", attr="company")
    membership = Membership.objects.create(brand=brand, company=company)
    _event(brand, BrandEvent.Kind.MEMBER_APPLIED, actor, membership=membership, to_status=membership.status)
    return membership


def _lock_membership(membership: Membership) -> tuple[Brand, Membership]:
    brand = Brand.objects.select_for_update().get(pk=membership.brand_id)
    return brand, Membership.objects.select_for_update().select_related("company").get(pk=membership.pk)


def _transition(membership: Membership, allowed: list[str], to_status: str) -> str:
    if membership.status not in allowed:
        raise WrongState(f"The membership is {membership.status}; it cannot become {to_status}.")
    from_status = membership.status
    membership.status = to_status
    membership.status_changed_at = timezone.now()
    return from_status


@transaction.atomic
def membership_approve(*, membership: Membership, actor: User, eligibility_override_reason: str = "") -> Membership:
    brand, membership = _lock_membership(membership)
    _require_lead_or_operator(brand, actor, "approve members")
    if membership.status != Membership.Status.APPLIED:
        raise WrongState(f"The membership is {membership.status}; only an application can be approved.")
    override = _require_eligible(membership.company, actor, eligibility_override_reason, "company")
    from_status = _transition(membership, [Membership.Status.APPLIED], Membership.Status.ACTIVE)
    membership.eligibility_override_reason = override
    membership.save()
    _event(
        brand,
        BrandEvent.Kind.MEMBER_APPROVED,
        actor,
        membership=membership,
        from_status=from_status,
        to_status=membership.status,
        reason=override,
    )
    _brand_check_minimum(brand, actor)
    return membership


@transaction.atomic
def membership_leave(*, membership: Membership, actor: User, reason: str = "") -> Membership:
    brand, membership = _lock_membership(membership)
    if not (is_operator(actor) or user_has_company_role(actor, membership.company_id, CompanyStaff.Role.OWNER)):
        raise NotPermitted("Only the member company's owners may leave the brand.")
    if membership.role == Membership.Role.LEAD:
        raise Conflict("The lead company cannot leave its brand.")
    from_status = _transition(membership, Membership.LIVE_STATUSES, Membership.Status.LEFT)
    membership.save()
    _event(
        brand,
        BrandEvent.Kind.MEMBER_LEFT,
        actor,
        membership=membership,
        from_status=from_status,
        to_status=membership.status,
        reason=reason,
    )
    _brand_check_minimum(brand, actor)
    if from_status != Membership.Status.APPLIED:
        membership_ended.send(
            sender=Membership, brand_id=brand.pk, company_id=membership.company_id, reason=f"Left {brand.name}."
        )
    return membership


@transaction.atomic
def membership_suspend(*, membership: Membership, actor: User, reason: str) -> Membership:
    brand, membership = _lock_membership(membership)
    _require_lead_or_operator(brand, actor, "suspend members")
    if membership.role == Membership.Role.LEAD:
        raise Conflict("The lead company cannot be suspended from its own brand; suspend the brand instead.")
    from_status = _transition(membership, [Membership.Status.ACTIVE], Membership.Status.SUSPENDED)
    membership.save()
    _event(
        brand,
        BrandEvent.Kind.MEMBER_SUSPENDED,
        actor,
        membership=membership,
        from_status=from_status,
        to_status=membership.status,
        reason=reason,
    )
    _brand_check_minimum(brand, actor)
    membership_ended.send(
        sender=Membership, brand_id=brand.pk, company_id=membership.company_id, reason=f"Suspended from {brand.name}."
    )
    return membership


@transaction.atomic
def quality_standard_publish(*, brand: Brand, actor: User, items: list[dict]) -> QualityStandard:
    """A new version of the brand's checklist; earlier versions stay as they were."""
    brand = Brand.objects.select_for_update().get(pk=brand.pk)
    _require_lead_or_operator(brand, actor, "change the quality standard")
    if not items:
        raise InvalidInput("A quality standard needs at least one item.", attr="items")
    for i, item in enumerate(items):
        code, text = item.get("code"), item.get("text")
        if not isinstance(code, str) or not _SLUG.fullmatch(code):
            raise InvalidInput("A code is 1 to 50 letters, digits, '-' or '_'.", attr=f"items.{i}.code")
        if not isinstance(text, str) or not text.strip():
            raise InvalidInput("Each item needs its text.", attr=f"items.{i}.text")
        if not isinstance(item.get("required", True), bool):
            raise InvalidInput("required is true or false.", attr=f"items.{i}.required")
    codes = [item["code"] for item in items]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise InvalidInput(f"Item codes must be unique; repeated: {', '.join(duplicates)}.", attr="items")
    last = brand.quality_standards.order_by("-version").first()
    standard = QualityStandard.objects.create(brand=brand, version=(last.version + 1) if last else 1, created_by=actor)
    QualityStandardItem.objects.bulk_create(
        QualityStandardItem(
            standard=standard, position=i, code=item["code"], text=item["text"], required=item["required"]
        )
        for i, item in enumerate(items)
    )
    _event(brand, BrandEvent.Kind.STANDARD_PUBLISHED, actor, reason=f"version {standard.version}")
    quality_standard_published.send(sender=QualityStandard, brand_id=brand.pk, version=standard.version)
    return standard


def _active_member_count(brand: Brand) -> int:
    return brand.memberships.filter(status=Membership.Status.ACTIVE).count()


@transaction.atomic
def brand_activate(*, brand: Brand, actor: User) -> Brand:
    brand = Brand.objects.select_for_update().get(pk=brand.pk)
    _require_lead_or_operator(brand, actor, "activate the brand")
    if brand.status == Brand.Status.ACTIVE:
        raise WrongState("The brand is already active.")
    if brand.status == Brand.Status.SUSPENDED and not is_operator(actor):
        raise NotPermitted("Only an operator lifts a brand's suspension.")
    missing = []
    members = _active_member_count(brand)
    if members < settings.BRAND_MIN_MEMBERS:
        missing.append(
            (
                "not_enough_members",
                f"The brand has {members} active members; it needs at least {settings.BRAND_MIN_MEMBERS}.",
            )
        )
    if not brand.quality_standards.exists():
        missing.append(("no_quality_standard", "The brand has no quality standard yet."))
    if missing:
        raise Conflict("The brand cannot be active yet.", reasons=missing)
    from_status = brand.status
    brand.status = Brand.Status.ACTIVE
    brand.activated_at = timezone.now()
    brand.below_minimum_since = None
    brand.save(update_fields=["status", "activated_at", "below_minimum_since"])
    _event(brand, BrandEvent.Kind.ACTIVATED, actor, from_status=from_status, to_status=brand.status)
    brand_status_changed.send(sender=Brand, brand_id=brand.pk)
    return brand


@transaction.atomic
def brand_suspend(*, brand: Brand, actor: User | None, reason: str) -> Brand:
    """Operators suspend by hand; the minimum-members rule suspends with no actor."""
    if actor is not None and not is_operator(actor):
        raise NotPermitted("Only an operator may suspend a brand.")
    brand = Brand.objects.select_for_update().get(pk=brand.pk)
    if brand.status != Brand.Status.ACTIVE:
        raise WrongState(f"The brand is {brand.status}; only an active brand can be suspended.")
    brand.status = Brand.Status.SUSPENDED
    brand.save(update_fields=["status"])
    _event(
        brand, BrandEvent.Kind.SUSPENDED, actor, from_status=Brand.Status.ACTIVE, to_status=brand.status, reason=reason
    )
    brand_status_changed.send(sender=Brand, brand_id=brand.pk)
    return brand


def _brand_check_minimum(brand: Brand, actor) -> None:
    """Starts or stops the grace period of an active brand (the brand row is locked)."""
    if brand.status != Brand.Status.ACTIVE:
        return
    members = _active_member_count(brand)
    if members < settings.BRAND_MIN_MEMBERS and brand.below_minimum_since is None:
        brand.below_minimum_since = timezone.now()
        brand.save(update_fields=["below_minimum_since"])
        _event(
            brand,
            BrandEvent.Kind.BELOW_MINIMUM,
            actor,
            reason=f"{members} active members, minimum {settings.BRAND_MIN_MEMBERS}; "
            f"suspended after {settings.BRAND_GRACE_DAYS} days unless restored.",
        )
    elif members >= settings.BRAND_MIN_MEMBERS and brand.below_minimum_since is not None:
        brand.below_minimum_since = None
        brand.save(update_fields=["below_minimum_since"])
        _event(brand, BrandEvent.Kind.MINIMUM_RESTORED, actor, reason=f"{members} active members.")


def brands_enforce_minimum_members(*, now: datetime | None = None) -> list[int]:
    """Suspends active brands whose grace period below the minimum has run out."""
    deadline = (now or timezone.now()) - timedelta(days=settings.BRAND_GRACE_DAYS)
    suspended = []
    overdue = Brand.objects.filter(status=Brand.Status.ACTIVE, below_minimum_since__lte=deadline)
    for brand_id in overdue.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            brand = Brand.objects.select_for_update().get(pk=brand_id)
            # Re-checked under the lock: a member may have been approved meanwhile.
            if brand.status != Brand.Status.ACTIVE or brand.below_minimum_since is None:
                continue
            if brand.below_minimum_since > deadline:
                continue
            brand_suspend(
                brand=brand,
                actor=None,
                reason=f"Fewer than {settings.BRAND_MIN_MEMBERS} active members for {settings.BRAND_GRACE_DAYS} days.",
            )
            suspended.append(brand_id)
    return suspended

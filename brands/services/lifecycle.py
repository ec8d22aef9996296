"""Brands: creating, activating and suspending one, its quality standard, and the minimum of
members. A transition locks the brand row, checks the source state and the actor, writes, and
records a BrandEvent."""

import re
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from brands.models import Brand, BrandEvent, Company, CompanyStaff, Membership, QualityStandard, QualityStandardItem
from brands.selectors import brand_is_led_by_user, company_eligibility_get, user_has_company_role
from brands.services.onboarding import company_require_approved_seller
from brands.signals import brand_status_changed, quality_standard_published
from core.errors import Conflict, InvalidInput, NotPermitted, WrongState
from core.events import EventType
from core.models import User
from core.permissions import is_operator
from core.services import event_record

_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,50}")


def brand_event_record(
    brand: Brand, kind: str, actor, *, membership=None, from_status="", to_status="", reason=""
) -> None:
    BrandEvent.objects.create(
        brand=brand,
        membership=membership,
        kind=kind,
        actor=actor if actor and actor.is_authenticated else None,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
    )
    if kind in PUBLISHED:
        brand_event_publish(brand, PUBLISHED[kind], membership=membership, reason=reason)


# The brand events in the event catalogue (docs/events.md).
PUBLISHED = {
    BrandEvent.Kind.ACTIVATED: EventType.BRAND_ACTIVATED,
    BrandEvent.Kind.SUSPENDED: EventType.BRAND_SUSPENDED,
    BrandEvent.Kind.MEMBER_APPROVED: EventType.MEMBERSHIP_APPROVED,
    BrandEvent.Kind.MEMBER_REJECTED: EventType.MEMBERSHIP_REJECTED,
}


def brand_event_publish(brand: Brand, type: str, *, membership=None, reason: str = "") -> None:
    """brand.* concern the brand's active members (the lead among them); membership.approved
    and membership.rejected concern the applicant and the lead company."""
    data = {"brand": {"id": brand.pk, "slug": brand.slug, "name": brand.name, "status": brand.status}}
    if membership is not None:
        data["membership"] = {"id": membership.pk, "company": membership.company_id, "role": membership.role}
        companies = {membership.company_id, brand.lead_company_id}
    else:
        active = brand.memberships.filter(status=Membership.Status.ACTIVE).values_list("company_id", flat=True)
        companies = {*active, brand.lead_company_id}
    if reason:
        data["reason"] = reason
    event_record(type=type, data=data, company_ids=companies)


def brand_require_lead_or_operator(brand: Brand, actor: User, action: str) -> None:
    if not (is_operator(actor) or brand_is_led_by_user(brand=brand, user=actor)):
        raise NotPermitted(f"Only the owners of the brand's lead company or an operator may {action}.")


def company_require_eligible(company: Company, actor: User, override_reason: str, attr: str) -> str:
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
    company_require_approved_seller(lead_company, "lead a brand", attr="lead_company")
    override = company_require_eligible(lead_company, actor, eligibility_override_reason, "lead_company")
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
    brand_event_record(brand, BrandEvent.Kind.CREATED, actor, to_status=brand.status)
    brand_event_record(
        brand, BrandEvent.Kind.MEMBER_APPROVED, actor, membership=lead, to_status=lead.status, reason=override
    )
    return brand


@transaction.atomic
def quality_standard_publish(*, brand: Brand, actor: User, items: list[dict]) -> QualityStandard:
    """A new version of the brand's checklist; earlier versions stay as they were."""
    brand = Brand.objects.select_for_update().get(pk=brand.pk)
    brand_require_lead_or_operator(brand, actor, "change the quality standard")
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
    brand_event_record(brand, BrandEvent.Kind.STANDARD_PUBLISHED, actor, reason=f"version {standard.version}")
    quality_standard_published.send(sender=QualityStandard, brand_id=brand.pk, version=standard.version)
    return standard


def _active_member_count(brand: Brand) -> int:
    return brand.memberships.filter(status=Membership.Status.ACTIVE).count()


@transaction.atomic
def brand_activate(*, brand: Brand, actor: User) -> Brand:
    brand = Brand.objects.select_for_update().get(pk=brand.pk)
    brand_require_lead_or_operator(brand, actor, "activate the brand")
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
    brand_event_record(brand, BrandEvent.Kind.ACTIVATED, actor, from_status=from_status, to_status=brand.status)
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
    brand_event_record(
        brand, BrandEvent.Kind.SUSPENDED, actor, from_status=Brand.Status.ACTIVE, to_status=brand.status, reason=reason
    )
    brand_status_changed.send(sender=Brand, brand_id=brand.pk)
    return brand


def brand_check_minimum(brand: Brand, actor) -> None:
    """Starts or stops the grace period of an active brand (the brand row is locked)."""
    if brand.status != Brand.Status.ACTIVE:
        return
    members = _active_member_count(brand)
    if members < settings.BRAND_MIN_MEMBERS and brand.below_minimum_since is None:
        brand.below_minimum_since = timezone.now()
        brand.save(update_fields=["below_minimum_since"])
        brand_event_record(
            brand,
            BrandEvent.Kind.BELOW_MINIMUM,
            actor,
            reason=f"{members} active members, minimum {settings.BRAND_MIN_MEMBERS}; "
            f"suspended after {settings.BRAND_GRACE_DAYS} days unless restored.",
        )
    elif members >= settings.BRAND_MIN_MEMBERS and brand.below_minimum_since is not None:
        brand.below_minimum_since = None
        brand.save(update_fields=["below_minimum_since"])
        brand_event_record(brand, BrandEvent.Kind.MINIMUM_RESTORED, actor, reason=f"{members} active members.")


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

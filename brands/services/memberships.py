"""Memberships of companies in brands: apply, approve or reject, leave, suspend. Locks the brand before
the membership, always."""

from django.db import transaction
from django.utils import timezone

from brands.models import Brand, BrandEvent, Company, CompanyStaff, Membership
from brands.selectors import user_has_company_role
from brands.services.lifecycle import (
    brand_check_minimum,
    brand_event_record,
    brand_require_lead_or_operator,
    company_require_eligible,
)
from brands.services.onboarding import company_require_approved_seller
from brands.signals import membership_ended
from core.errors import Conflict, InvalidInput, NotPermitted, WrongState
from core.models import User
from core.permissions import is_operator


@transaction.atomic
def membership_apply(*, brand: Brand, company: Company, actor: User) -> Membership:
    if not (is_operator(actor) or user_has_company_role(actor, company.pk, CompanyStaff.Role.OWNER)):
        raise InvalidInput("Pick a company you own.", attr="company")
    brand = Brand.objects.select_for_update().get(pk=brand.pk)
    if Membership.objects.filter(brand=brand, company=company, status__in=Membership.LIVE_STATUSES).exists():
        raise Conflict(f"{company.legal_name} already belongs or has applied to {brand.name}.", attr="company")
    membership = Membership.objects.create(brand=brand, company=company)
    brand_event_record(brand, BrandEvent.Kind.MEMBER_APPLIED, actor, membership=membership, to_status=membership.status)
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
    brand_require_lead_or_operator(brand, actor, "approve members")
    if membership.status != Membership.Status.APPLIED:
        raise WrongState(f"The membership is {membership.status}; only an application can be approved.")
    company_require_approved_seller(membership.company, "become an active member")
    override = company_require_eligible(membership.company, actor, eligibility_override_reason, "company")
    from_status = _transition(membership, [Membership.Status.APPLIED], Membership.Status.ACTIVE)
    membership.eligibility_override_reason = override
    membership.save()
    brand_event_record(
        brand,
        BrandEvent.Kind.MEMBER_APPROVED,
        actor,
        membership=membership,
        from_status=from_status,
        to_status=membership.status,
        reason=override,
    )
    brand_check_minimum(brand, actor)
    return membership


@transaction.atomic
def membership_reject(*, membership: Membership, actor: User, reason: str) -> Membership:
    """The brand's lead or an operator turns an application down, saying why; the applicant's
    owners are told (membership.rejected) and the company may apply again later."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("Say why the application is rejected; the applicant is told.", attr="reason")
    brand, membership = _lock_membership(membership)
    brand_require_lead_or_operator(brand, actor, "reject applications")
    from_status = _transition(membership, [Membership.Status.APPLIED], Membership.Status.REJECTED)
    membership.save()
    brand_event_record(
        brand,
        BrandEvent.Kind.MEMBER_REJECTED,
        actor,
        membership=membership,
        from_status=from_status,
        to_status=membership.status,
        reason=reason,
    )
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
    brand_event_record(
        brand,
        BrandEvent.Kind.MEMBER_LEFT,
        actor,
        membership=membership,
        from_status=from_status,
        to_status=membership.status,
        reason=reason,
    )
    brand_check_minimum(brand, actor)
    if from_status != Membership.Status.APPLIED:
        membership_ended.send(
            sender=Membership, brand_id=brand.pk, company_id=membership.company_id, reason=f"Left {brand.name}."
        )
    return membership


@transaction.atomic
def membership_suspend(*, membership: Membership, actor: User, reason: str) -> Membership:
    brand, membership = _lock_membership(membership)
    brand_require_lead_or_operator(brand, actor, "suspend members")
    if membership.role == Membership.Role.LEAD:
        raise Conflict("The lead company cannot be suspended from its own brand; suspend the brand instead.")
    from_status = _transition(membership, [Membership.Status.ACTIVE], Membership.Status.SUSPENDED)
    membership.save()
    brand_event_record(
        brand,
        BrandEvent.Kind.MEMBER_SUSPENDED,
        actor,
        membership=membership,
        from_status=from_status,
        to_status=membership.status,
        reason=reason,
    )
    brand_check_minimum(brand, actor)
    membership_ended.send(
        sender=Membership, brand_id=brand.pk, company_id=membership.company_id, reason=f"Suspended from {brand.name}."
    )
    return membership

from datetime import timedelta

import pytest
from django.utils import timezone

from brands import services
from brands.models import Brand, BrandEvent, Membership
from brands.tasks import brands_enforce_minimum_members_task
from core.errors import Conflict, InvalidInput, NotPermitted, WrongState
from tests.factories import active_brand, brand_with_members, company_with_owner, owner_of, publish_standard

pytestmark = pytest.mark.django_db


def test_a_new_brand_is_forming_with_its_lead_as_active_member():
    brand = brand_with_members(0)
    assert brand.status == Brand.Status.FORMING
    lead = brand.memberships.get()
    assert (lead.role, lead.status, lead.company_id) == ("lead", "active", brand.lead_company_id)
    assert list(brand.events.values_list("kind", flat=True)) == ["created", "member_approved"]


def test_activation_needs_the_minimum_of_members_and_a_standard_and_names_both():
    brand = brand_with_members(3)
    with pytest.raises(Conflict) as refused:
        services.brand_activate(brand=brand, actor=owner_of(brand.lead_company))
    assert [code for code, _ in refused.value.reasons] == ["not_enough_members", "no_quality_standard"]
    assert "4 active members" in refused.value.reasons[0][1]
    assert Brand.objects.get(pk=brand.pk).status == Brand.Status.FORMING


def test_activation_succeeds_at_exactly_the_minimum(settings):
    assert settings.BRAND_MIN_MEMBERS == 5
    brand = brand_with_members(4)
    publish_standard(brand)
    brand = services.brand_activate(brand=brand, actor=owner_of(brand.lead_company))
    assert brand.status == Brand.Status.ACTIVE and brand.activated_at
    with pytest.raises(WrongState):
        services.brand_activate(brand=brand, actor=owner_of(brand.lead_company))


def test_only_the_lead_or_an_operator_activates(operator):
    brand = brand_with_members(4)
    publish_standard(brand)
    member = brand.memberships.exclude(role="lead").first().company
    with pytest.raises(NotPermitted):
        services.brand_activate(brand=brand, actor=owner_of(member))
    assert services.brand_activate(brand=brand, actor=operator).status == Brand.Status.ACTIVE


def test_an_ineligible_company_cannot_join_but_an_operator_may_override_with_a_reason(operator):
    brand = brand_with_members(0)
    big = company_with_owner(is_large_enterprise_subsidiary=True)
    membership = services.membership_apply(brand=brand, company=big, actor=owner_of(big))
    with pytest.raises(Conflict) as refused:
        services.membership_approve(membership=membership, actor=owner_of(brand.lead_company))
    assert any("subsidiary" in message for _, message in refused.value.reasons)
    with pytest.raises(NotPermitted):
        services.membership_approve(
            membership=membership, actor=owner_of(brand.lead_company), eligibility_override_reason="trust me"
        )
    approved = services.membership_approve(
        membership=membership, actor=operator, eligibility_override_reason="Spun off in 2026; paperwork pending."
    )
    assert approved.status == Membership.Status.ACTIVE
    assert approved.eligibility_override_reason.startswith("Spun off")
    assert brand.events.filter(kind="member_approved", membership=membership, reason__startswith="Spun off").exists()


def test_membership_transitions_from_wrong_states_are_refused():
    brand = brand_with_members(1)
    member = brand.memberships.get(role="member")
    with pytest.raises(WrongState):
        services.membership_approve(membership=member, actor=owner_of(brand.lead_company))
    services.membership_leave(membership=member, actor=owner_of(member.company))
    with pytest.raises(WrongState):
        services.membership_leave(membership=member, actor=owner_of(member.company))
    with pytest.raises(WrongState):
        services.membership_suspend(membership=member, actor=owner_of(brand.lead_company), reason="x")


def test_a_company_applies_once_but_may_reapply_after_leaving():
    brand = brand_with_members(1)
    member = brand.memberships.get(role="member")
    with pytest.raises(Conflict):
        services.membership_apply(brand=brand, company=member.company, actor=owner_of(member.company))
    services.membership_leave(membership=member, actor=owner_of(member.company))
    again = services.membership_apply(brand=brand, company=member.company, actor=owner_of(member.company))
    assert again.status == Membership.Status.APPLIED


def test_the_lead_company_cannot_leave_and_only_a_company_owner_applies():
    brand = brand_with_members(0)
    with pytest.raises(Conflict):
        services.membership_leave(membership=brand.memberships.get(), actor=owner_of(brand.lead_company))
    stranger_company = company_with_owner()
    with pytest.raises(InvalidInput):
        services.membership_apply(brand=brand, company=stranger_company, actor=owner_of(brand.lead_company))


def test_a_standard_gets_a_new_version_each_time_and_old_ones_stay():
    brand = brand_with_members(0)
    first = publish_standard(brand)
    second = services.quality_standard_publish(
        brand=brand,
        actor=owner_of(brand.lead_company),
        items=[{"code": "colour", "text": "Matches.", "required": True}],
    )
    assert (first.version, second.version) == (1, 2)
    assert list(first.items.values_list("code", flat=True)) == ["stitching", "label"]
    with pytest.raises(InvalidInput):
        services.quality_standard_publish(
            brand=brand,
            actor=owner_of(brand.lead_company),
            items=[{"code": "a", "text": "x", "required": True}, {"code": "a", "text": "y", "required": False}],
        )


def test_an_active_brand_below_the_minimum_gets_a_grace_period_then_is_suspended(settings):
    brand = active_brand(4)
    leaving = brand.memberships.filter(role="member").first()
    services.membership_leave(membership=leaving, actor=owner_of(leaving.company))
    brand.refresh_from_db()
    assert brand.status == Brand.Status.ACTIVE and brand.below_minimum_since is not None
    assert brand.events.filter(kind=BrandEvent.Kind.BELOW_MINIMUM).exists()

    # Within the grace period nothing happens.
    assert (
        services.brands_enforce_minimum_members(now=timezone.now() + timedelta(days=settings.BRAND_GRACE_DAYS - 1))
        == []
    )
    # After it, the beat task suspends the brand.
    Brand.objects.filter(pk=brand.pk).update(
        below_minimum_since=timezone.now() - timedelta(days=settings.BRAND_GRACE_DAYS, seconds=1)
    )
    assert brands_enforce_minimum_members_task.apply().get() == [brand.pk]
    brand.refresh_from_db()
    assert brand.status == Brand.Status.SUSPENDED
    assert brand.events.filter(kind=BrandEvent.Kind.SUSPENDED, actor=None).exists()


def test_restoring_the_minimum_within_the_grace_period_clears_it():
    brand = active_brand(4)
    leaving = brand.memberships.filter(role="member").first()
    services.membership_leave(membership=leaving, actor=owner_of(leaving.company))
    newcomer = company_with_owner()
    membership = services.membership_apply(brand=brand, company=newcomer, actor=owner_of(newcomer))
    services.membership_approve(membership=membership, actor=owner_of(brand.lead_company))
    brand.refresh_from_db()
    assert brand.below_minimum_since is None
    assert brand.events.filter(kind=BrandEvent.Kind.MINIMUM_RESTORED).exists()
    assert services.brands_enforce_minimum_members(now=timezone.now() + timedelta(days=365)) == []


def test_only_an_operator_lifts_a_suspension(operator):
    brand = active_brand(4)
    services.brand_suspend(brand=brand, actor=operator, reason="Complaint under review.")
    with pytest.raises(NotPermitted):
        services.brand_activate(brand=brand, actor=owner_of(brand.lead_company))
    assert services.brand_activate(brand=brand, actor=operator).status == Brand.Status.ACTIVE


def test_quality_items_are_validated_by_the_service_too():
    brand = brand_with_members(0)
    for items, attr in [
        ([{"text": "no code"}], "items.0.code"),
        ([{"code": "x" * 51, "text": "long"}], "items.0.code"),
        ([{"code": "ok", "text": "  "}], "items.0.text"),
        ([{"code": "ok", "text": "fine", "required": "yes"}], "items.0.required"),
    ]:
        with pytest.raises(InvalidInput) as refused:
            services.quality_standard_publish(brand=brand, actor=owner_of(brand.lead_company), items=items)
        assert refused.value.attr == attr
    assert not brand.quality_standards.exists()


def test_only_an_operator_suspends_a_brand():
    brand = active_brand(4)
    with pytest.raises(NotPermitted):
        services.brand_suspend(brand=brand, actor=owner_of(brand.lead_company), reason="no")


def test_the_last_owner_cannot_be_demoted(operator):
    company = company_with_owner()
    owner = owner_of(company)
    with pytest.raises(Conflict):
        services.company_staff_set(company=company, actor=owner, email=owner.email, role="viewer")

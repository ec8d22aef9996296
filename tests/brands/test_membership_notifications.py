"""Membership decisions through the brand's endpoints: the lead approves or rejects an
application (a rejection needs a reason), and the applicant's owners, not its editors nor the
lead company, are told in their own language."""

import pytest

from brands.models import BrandEvent, Membership
from core.models import Event, Message
from tests.factories import brand_with_members, company_with_owner, events_dispatch, owner_of, staff

pytestmark = pytest.mark.django_db


def applied(api, brand):
    applicant = company_with_owner(legal_name="Jeonju Paper Co.")
    response = api.as_user(owner_of(applicant)).post(
        f"/api/v1/brands/{brand.slug}/memberships/", {"company": applicant.pk}
    )
    assert response.status_code == 201, response.content
    return applicant, f"/api/v1/brands/{brand.slug}/memberships/{response.json()['id']}"


def test_an_approval_is_mailed_to_the_applicants_owners_in_their_language(api):
    brand = brand_with_members(0, name="K-Craft")
    events_dispatch("membership.approved")  # the lead's own membership: no e-mail
    assert not Message.objects.exists()
    applicant, path = applied(api, brand)
    owner, editor = owner_of(applicant), staff(applicant, "editor")
    owner.locale = "zh-hans"
    owner.save(update_fields=["locale"])
    approved = api.as_user(owner_of(brand.lead_company)).post(f"{path}/approve/", {})
    assert approved.status_code == 200 and approved.json()["status"] == "active"
    events_dispatch("membership.approved")
    [message] = Message.objects.filter(template="emails/membership_approved")
    assert (message.recipient, message.locale, message.status) == (owner.email, "zh-hans", "pending")
    assert message.subject == "已加入 K-Craft"
    assert "Jeonju Paper Co. 加入共同品牌 K-Craft 的申请已获批准。" in message.body_text
    assert not Message.objects.filter(recipient__in=[editor.email, owner_of(brand.lead_company).email]).exists()


def test_a_rejection_names_the_reason_and_the_applicant_may_apply_again(api):
    brand = brand_with_members(0, name="K-Craft")
    applicant, path = applied(api, brand)
    owner = owner_of(applicant)
    lead = owner_of(brand.lead_company)

    assert api.as_user(owner).post(f"{path}/reject/", {"reason": "No."}).status_code == 403
    missing = api.as_user(lead).post(f"{path}/reject/", {"reason": "  "})
    assert missing.status_code == 400 and [e["attr"] for e in missing.json()["errors"]] == ["reason"]
    reason = "Your lamps use imported paper; the brand's standard asks for Korean hanji."
    rejected = api.post(f"{path}/reject/", {"reason": reason})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert api.post(f"{path}/reject/", {"reason": reason}).status_code == 409  # decided once
    assert api.post(f"{path}/approve/", {}).status_code == 409

    [event] = Event.objects.filter(type="membership.rejected")
    assert sorted(event.company_ids) == sorted([applicant.pk, brand.lead_company_id])
    assert event.data["reason"] == reason and event.data["membership"]["company"] == applicant.pk
    assert BrandEvent.objects.filter(kind="member_rejected", reason=reason).count() == 1
    events_dispatch("membership.rejected")
    [message] = Message.objects.filter(template="emails/membership_rejected")
    assert (message.recipient, message.locale) == (owner.email, "ko")
    assert message.subject == "K-Craft 가입 신청 거절"
    assert f"사유: {reason}" in message.body_text

    again = api.as_user(owner).post(f"/api/v1/brands/{brand.slug}/memberships/", {"company": applicant.pk})
    assert again.status_code == 201 and Membership.objects.filter(company=applicant).count() == 2

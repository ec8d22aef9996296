"""Staff invitations, API keys with scopes and the company's security log, through the API."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from brands.models import ApiKey, CompanyStaff, StaffInvitation
from core.models import SecurityEvent
from tests.factories import OperatorFactory, UserFactory, company_with_owner, owner_of, product, staff

pytestmark = pytest.mark.django_db


def _invite(api, company, email, role, capture):
    with capture(execute=True):
        response = api.post(f"/api/v1/companies/{company.pk}/staff/", {"email": email, "role": role})
    return response


def test_an_invitation_creates_the_account_with_its_role(api, django_capture_on_commit_callbacks):
    company = company_with_owner()
    api.as_user(owner_of(company))
    response = _invite(api, company, "New.Hire@example.com", "editor", django_capture_on_commit_callbacks)
    assert response.status_code == 202 and response.json()["status"] == "pending"
    assert mail.outbox[-1].to == ["new.hire@example.com"] and company.legal_name in mail.outbox[-1].subject
    listed = api.get(f"/api/v1/companies/{company.pk}/invitations/").json()
    assert [(i["email"], i["role"], i["expired"]) for i in listed] == [("new.hire@example.com", "editor", False)]
    link_token = re.search(r"token=(\S+)", mail.outbox[-1].body).group(1)

    api.credentials()
    response = api.post("/api/v1/auth/invitations/accept/", {"token": link_token})
    assert response.status_code == 400 and {e["attr"] for e in response.json()["errors"]} == {"full_name", "password"}
    body = {"token": link_token, "full_name": "New Hire", "password": "hanji-lamp-2026"}
    response = api.post("/api/v1/auth/invitations/accept/", body)
    assert response.status_code == 200 and response.json()["role"] == "editor"
    user = CompanyStaff.objects.get(company=company, role="editor").user
    assert user.email == "new.hire@example.com" and user.is_email_verified
    assert api.post("/api/v1/auth/invitations/accept/", body).status_code == 409  # once
    login = api.post("/api/v1/auth/token/", {"email": user.email, "password": "hanji-lamp-2026"})
    assert login.status_code == 200
    kinds = set(SecurityEvent.objects.filter(company_id=company.pk).values_list("kind", flat=True))
    assert kinds >= {"staff_invited", "staff_invitation_accepted", "staff_changed"}


def test_a_revoked_or_expired_invitation_cannot_be_accepted(api, django_capture_on_commit_callbacks):
    company = company_with_owner()
    api.as_user(owner_of(company))
    _invite(api, company, "late@example.com", "viewer", django_capture_on_commit_callbacks)
    invitation = StaffInvitation.objects.get(email="late@example.com")
    link_token = re.search(r"token=(\S+)", mail.outbox[-1].body).group(1)
    body = {"token": link_token, "full_name": "Late", "password": "hanji-lamp-2026"}
    StaffInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = api.post("/api/v1/auth/invitations/accept/", body)
    assert response.status_code == 409 and "expired" in response.json()["errors"][0]["detail"]
    assert api.get(f"/api/v1/companies/{company.pk}/invitations/").json()[0]["expired"] is True

    # Inviting again renews the same invitation; revoking it ends it.
    _invite(api, company, "late@example.com", "viewer", django_capture_on_commit_callbacks)
    assert StaffInvitation.objects.filter(email="late@example.com").count() == 1
    assert api.delete(f"/api/v1/companies/{company.pk}/invitations/{invitation.pk}/").status_code == 200
    assert api.delete(f"/api/v1/companies/{company.pk}/invitations/{invitation.pk}/").status_code == 409
    response = api.post("/api/v1/auth/invitations/accept/", body)
    assert response.status_code == 409 and "revoked" in response.json()["errors"][0]["detail"]
    assert not CompanyStaff.objects.filter(user__email="late@example.com").exists()


def test_an_unverified_user_may_only_be_added_as_viewer(api):
    company = company_with_owner()
    newcomer = UserFactory(email_verified_at=None)
    api.as_user(owner_of(company))
    response = api.post(f"/api/v1/companies/{company.pk}/staff/", {"email": newcomer.email, "role": "editor"})
    assert response.status_code == 409 and response.json()["errors"][0]["attr"] == "role"
    response = api.post(f"/api/v1/companies/{company.pk}/staff/", {"email": newcomer.email, "role": "viewer"})
    assert response.status_code == 200


def _key(api, company, scopes, name="ERP"):
    response = api.post(f"/api/v1/companies/{company.pk}/api-keys/", {"name": name, "scopes": scopes})
    assert response.status_code == 201, response.content
    return response.json()


def test_an_api_key_acts_only_within_its_company_and_scopes(api):
    company, other = company_with_owner(), company_with_owner()
    mine, theirs = product(company), product(other)
    owner = owner_of(company)
    api.as_user(owner)
    created = _key(api, company, ["listings:read"])
    assert created["key"].startswith("key_") and created["prefix"] == created["key"][: len(created["prefix"])]
    assert "key" not in api.get(f"/api/v1/companies/{company.pk}/api-keys/").json()[0]
    stored = ApiKey.objects.get(pk=created["id"])
    assert created["key"] not in (stored.digest, stored.token_key)

    api.credentials(HTTP_AUTHORIZATION=f"Bearer {created['key']}")
    listed = api.get("/api/v1/products/").json()["results"]
    assert [p["id"] for p in listed] == [mine.pk]
    assert api.get(f"/api/v1/products/{theirs.pk}/").status_code == 404
    response = api.patch(f"/api/v1/products/{mine.pk}/", {"material": "Oak"})
    assert response.status_code == 403 and "listings:write" in response.json()["errors"][0]["detail"]
    response = api.get("/api/v1/companies/")
    assert response.status_code == 403 and "API keys cannot" in response.json()["errors"][0]["detail"]
    stored.refresh_from_db()
    assert stored.last_used_at is not None

    # The digest of the table does not authenticate; a revoked key is a 401.
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {ApiKey.PREFIX}{stored.digest}")
    assert api.get("/api/v1/products/").status_code == 401
    api.as_user(owner)
    assert api.delete(f"/api/v1/companies/{company.pk}/api-keys/{stored.pk}/").status_code == 204
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {created['key']}")
    assert api.get("/api/v1/products/").status_code == 401


def test_a_key_with_write_scope_writes_and_stops_when_its_creator_is_no_longer_owner(api):
    company = company_with_owner()
    item = product(company)
    creator = owner_of(company)
    api.as_user(creator)
    secret = _key(api, company, ["listings:read", "listings:write"])["key"]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.patch(f"/api/v1/products/{item.pk}/", {"material": "Oak"}).status_code == 200
    second_owner = staff(company, "owner")
    CompanyStaff.objects.filter(company=company, user=creator).update(role="viewer")
    assert api.get("/api/v1/products/").status_code == 401
    assert second_owner  # the company still has an owner


def test_api_keys_are_for_owners_and_scopes_must_be_known(api):
    company = company_with_owner()
    api.as_user(staff(company, "editor"))
    assert (
        api.post(f"/api/v1/companies/{company.pk}/api-keys/", {"name": "x", "scopes": ["orders:read"]}).status_code
        == 403
    )
    api.as_user(owner_of(company))
    for scopes in ([], ["orders:delete"]):
        response = api.post(f"/api/v1/companies/{company.pk}/api-keys/", {"name": "x", "scopes": scopes})
        assert response.status_code == 400 and response.json()["errors"][0]["attr"].startswith("scopes")
    assert not ApiKey.objects.exists()


def test_an_operators_platform_key_acts_platform_wide_within_its_scopes(api):
    operator = OperatorFactory()
    item = product(company_with_owner())
    api.as_user(operator)
    response = api.post("/api/v1/api-keys/", {"name": "BI", "scopes": ["listings:read"]})
    assert response.status_code == 201
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['key']}")
    assert api.get(f"/api/v1/products/{item.pk}/").status_code == 200
    assert api.get("/api/v1/programmes/").status_code == 403  # finance:read not granted
    api.as_user(company_with_owner().staff.get().user)
    assert api.post("/api/v1/api-keys/", {"name": "x", "scopes": ["listings:read"]}).status_code == 403


def test_owners_read_their_companys_security_log(api):
    company = company_with_owner()
    owner = owner_of(company)
    api.as_user(owner)
    viewer = UserFactory()
    api.post(f"/api/v1/companies/{company.pk}/staff/", {"email": viewer.email, "role": "viewer"})
    _key(api, company, ["orders:read"])
    events = api.get(f"/api/v1/companies/{company.pk}/security-events/").json()["results"]
    assert [e["kind"] for e in events] == ["api_key_created", "staff_changed"]
    assert events[1]["user"] == viewer.email and events[1]["actor"] == owner.email
    api.as_user(viewer)
    assert api.get(f"/api/v1/companies/{company.pk}/security-events/").status_code == 403
    api.as_user(UserFactory())
    assert api.get(f"/api/v1/companies/{company.pk}/security-events/").status_code == 404


def test_every_scope_a_view_requires_is_one_a_key_can_hold():
    from django.urls import get_resolver

    from core.permissions import API_KEY_SCOPES

    def views(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from views(pattern.url_patterns)
            elif getattr(pattern.callback, "cls", None):
                yield pattern.callback.cls

    required = {
        scope for view in views(get_resolver().url_patterns) for scope in getattr(view, "required_scopes", {}).values()
    }
    assert required and required <= set(API_KEY_SCOPES), sorted(required - set(API_KEY_SCOPES))

import pytest

from brands.models import Brand, Company, CompanyStaff, Membership
from tests.factories import (
    UserFactory,
    active_brand,
    brand_with_members,
    company_with_owner,
    owner_of,
    publish_standard,
    staff,
)

pytestmark = pytest.mark.django_db

COMPANY = {
    "legal_name": "주식회사 한지리빙",
    "name_translations": {"ko": "한지리빙", "en": "Hanji Living Co., Ltd."},
    "registration_number": "214-86-12345",
    "country": "KR",
    "sector": "mfg_furniture",
    "annual_sales": {"amount": "12000000000", "currency": "KRW"},
    "employees": 48,
    "export_stage": "beginning",
}


def attrs(response) -> set:
    return {error["attr"] for error in response.json()["errors"]}


def test_create_company_makes_the_caller_owner_and_reports_eligibility(api):
    user = UserFactory()
    response = api.as_user(user).post("/api/v1/companies/", COMPANY)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["my_role"] == "owner"
    assert body["annual_sales"] == {"amount": "12000000000", "currency": "KRW"}
    assert body["sme_eligibility"]["eligible"] is True
    assert body["sme_eligibility"]["rule_set"] == "kr2015"
    assert len(body["sme_eligibility"]["reasons"]) == 2
    assert CompanyStaff.objects.get(user=user).role == "owner"
    me = api.get("/api/v1/auth/me/").json()
    assert me["companies"] == [{"id": body["id"], "legal_name": COMPANY["legal_name"], "role": "owner"}]


@pytest.mark.parametrize(
    ("change", "attr"),
    [
        ({"country": "XX"}, "country"),
        ({"sector": "spaceflight"}, "sector"),
        ({"annual_sales": {"amount": "100.5", "currency": "KRW"}}, "annual_sales"),
        ({"annual_sales": {"amount": 100.5, "currency": "USD"}}, "annual_sales"),
        ({"annual_sales": {"amount": "100", "currency": "XYZ"}}, "annual_sales"),
        ({"annual_sales": {"amount": "-1", "currency": "KRW"}}, "annual_sales"),
        ({"annual_sales": "lots"}, "annual_sales"),
        ({"employees": -3}, "employees"),
        ({"export_stage": "retired"}, "export_stage"),
        ({"name_translations": {"klingon": "x"}}, "name_translations"),
        ({"status": "active"}, "status"),
    ],
)
def test_create_company_rejects_bad_fields_by_name_and_writes_nothing(api, change, attr):
    response = api.as_user(UserFactory()).post("/api/v1/companies/", {**COMPANY, **change})
    assert response.status_code == 400
    assert attr in attrs(response)
    assert not Company.objects.exists() and not CompanyStaff.objects.exists()


def test_registration_number_is_unique_per_country(api):
    api.as_user(UserFactory()).post("/api/v1/companies/", COMPANY)
    duplicate = api.as_user(UserFactory()).post("/api/v1/companies/", COMPANY)
    assert duplicate.status_code == 400 and attrs(duplicate) == {"registration_number"}
    elsewhere = api.post("/api/v1/companies/", {**COMPANY, "country": "JP"})
    assert elsewhere.status_code == 201


def test_patch_company_updates_and_recomputes_eligibility(api):
    company = company_with_owner()
    response = api.as_user(owner_of(company)).patch(
        f"/api/v1/companies/{company.pk}/", {"is_large_enterprise_subsidiary": True}
    )
    assert response.status_code == 200
    assert response.json()["sme_eligibility"]["eligible"] is False


def test_company_list_holds_only_the_callers_companies(api, operator):
    mine, theirs = company_with_owner(), company_with_owner()
    ids = [c["id"] for c in api.as_user(owner_of(mine)).get("/api/v1/companies/").json()["results"]]
    assert ids == [mine.pk]
    ids = [c["id"] for c in api.as_user(operator).get("/api/v1/companies/").json()["results"]]
    assert set(ids) == {mine.pk, theirs.pk}


def test_company_list_makes_the_same_number_of_queries_at_any_page_size(api, django_assert_max_num_queries, operator):
    for _ in range(25):
        company_with_owner()
    api.as_user(operator)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (1, 20):
        with CaptureQueriesContext(connection) as captured:
            assert api.get("/api/v1/companies/", {"page_size": size}).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_owner_adds_staff_and_changes_roles(api):
    company = company_with_owner()
    colleague = UserFactory()
    api.as_user(owner_of(company))
    response = api.post(f"/api/v1/companies/{company.pk}/staff/", {"email": colleague.email, "role": "editor"})
    assert response.status_code == 200 and response.json()["role"] == "editor"
    api.post(f"/api/v1/companies/{company.pk}/staff/", {"email": colleague.email, "role": "viewer"})
    assert CompanyStaff.objects.get(user=colleague).role == "viewer"
    listed = api.get(f"/api/v1/companies/{company.pk}/staff/").json()
    assert {row["user"]["email"] for row in listed} == {colleague.email, owner_of(company).email}


def test_staff_with_a_bad_role_is_a_400(api):
    company = company_with_owner()
    api.as_user(owner_of(company))
    response = api.post(f"/api/v1/companies/{company.pk}/staff/", {"email": owner_of(company).email, "role": "boss"})
    assert response.status_code == 400 and attrs(response) == {"role"}


def test_create_brand_then_apply_approve_standard_activate(api):
    lead = company_with_owner()
    api.as_user(owner_of(lead))
    response = api.post(
        "/api/v1/brands/",
        {
            "name": "Hanji Living",
            "lead_company": lead.pk,
            "story": {"ko": "한지로 만든 생활용품", "en": "Everyday goods made of hanji."},
            "name_translations": {"ko": "한지리빙", "en": "Hanji Living"},
        },
    )
    assert response.status_code == 201, response.json()
    brand = response.json()
    assert (brand["slug"], brand["status"], len(brand["members"])) == ("hanji-living", "forming", 1)

    for _ in range(4):
        member = company_with_owner()
        applied = api.as_user(owner_of(member)).post("/api/v1/brands/hanji-living/memberships/", {"company": member.pk})
        assert applied.status_code == 201 and applied.json()["status"] == "applied"
        approved = api.as_user(owner_of(lead)).post(
            f"/api/v1/brands/hanji-living/memberships/{applied.json()['id']}/approve/", {}
        )
        assert approved.status_code == 200 and approved.json()["status"] == "active"

    refused = api.post("/api/v1/brands/hanji-living/activate/")
    assert refused.status_code == 409
    assert [e["code"] for e in refused.json()["errors"]] == ["no_quality_standard"]

    standard = api.put(
        "/api/v1/brands/hanji-living/quality-standard/",
        {"items": [{"code": "paper-weight", "text": "Hanji of 60 g/m2 or more.", "required": True}]},
    )
    assert standard.status_code == 200 and standard.json()["version"] == 1
    activated = api.post("/api/v1/brands/hanji-living/activate/")
    assert activated.status_code == 200 and activated.json()["status"] == "active"
    detail = api.get("/api/v1/brands/hanji-living/").json()
    assert len(detail["members"]) == 5 and detail["quality_standard"]["version"] == 1


def test_activate_reports_every_missing_requirement(api):
    brand = brand_with_members(1)
    response = api.as_user(owner_of(brand.lead_company)).post(f"/api/v1/brands/{brand.slug}/activate/")
    assert response.status_code == 409
    assert [e["code"] for e in response.json()["errors"]] == ["not_enough_members", "no_quality_standard"]


def test_approving_an_ineligible_company_is_a_409_with_the_reasons(api):
    brand = brand_with_members(0)
    big = company_with_owner(annual_sales_amount=200_000_000_000)
    membership = Membership.objects.create(brand=brand, company=big)
    response = api.as_user(owner_of(brand.lead_company)).post(
        f"/api/v1/brands/{brand.slug}/memberships/{membership.pk}/approve/", {}
    )
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "not_sme_eligible"
    assert "ceiling" in response.json()["errors"][0]["detail"]


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"items": []}, "items"),
        ({"items": [{"code": "has space", "text": "x"}]}, "items.0.code"),
        ({"items": [{"code": "a", "text": "x", "extra": 1}]}, "items.0.extra"),
        ({"items": "not a list"}, "items"),
        ({}, "items"),
    ],
)
def test_quality_standard_bad_input_is_a_400_and_publishes_nothing(api, body, attr):
    brand = brand_with_members(0)
    response = api.as_user(owner_of(brand.lead_company)).put(f"/api/v1/brands/{brand.slug}/quality-standard/", body)
    assert response.status_code == 400
    assert any(a.startswith(attr) for a in attrs(response))
    assert not brand.quality_standards.exists()


def test_quality_standard_get_is_a_404_before_the_first_version(api):
    brand = brand_with_members(0)
    api.as_user(UserFactory())
    assert api.get(f"/api/v1/brands/{brand.slug}/quality-standard/").status_code == 404
    publish_standard(brand)
    assert api.get(f"/api/v1/brands/{brand.slug}/quality-standard/").json()["items"][0]["code"] == "stitching"


def test_brand_names_are_unique_and_the_lead_must_be_owned(api):
    brand = brand_with_members(0)
    mine = company_with_owner()
    api.as_user(owner_of(mine))
    taken = api.post("/api/v1/brands/", {"name": brand.name.upper(), "lead_company": mine.pk})
    assert taken.status_code == 400 and attrs(taken) == {"name"}
    not_mine = api.post("/api/v1/brands/", {"name": "Another", "lead_company": brand.lead_company_id})
    missing = api.post("/api/v1/brands/", {"name": "Another", "lead_company": 999999})
    assert not_mine.status_code == missing.status_code == 400
    assert not_mine.json() == missing.json()
    assert Brand.objects.count() == 1


def test_leaving_moves_an_active_brand_into_its_grace_period(api):
    brand = active_brand(4)
    member = brand.memberships.filter(role="member").first()
    response = api.as_user(owner_of(member.company)).post(
        f"/api/v1/brands/{brand.slug}/memberships/{member.pk}/leave/", {"reason": "Focusing on domestic sales."}
    )
    assert response.status_code == 200 and response.json()["status"] == "left"
    assert api.get(f"/api/v1/brands/{brand.slug}/").json()["below_minimum_since"] is not None


def test_membership_list_hides_other_companies_applications(api):
    brand = brand_with_members(1)
    applicant = company_with_owner()
    Membership.objects.create(brand=brand, company=applicant)
    outsider = company_with_owner()
    seen = {
        m["company"]["id"]
        for m in api.as_user(owner_of(outsider)).get(f"/api/v1/brands/{brand.slug}/memberships/").json()["results"]
    }
    assert applicant.pk not in seen and len(seen) == 2
    seen = {
        m["company"]["id"]
        for m in api.as_user(staff(brand.lead_company, "viewer"))
        .get(f"/api/v1/brands/{brand.slug}/memberships/")
        .json()["results"]
    }
    assert applicant.pk in seen


def test_brand_list_queries_do_not_grow_with_page_size(api):
    for _ in range(5):
        brand = brand_with_members(1)
        publish_standard(brand)
    api.as_user(UserFactory())
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (1, 5):
        with CaptureQueriesContext(connection) as captured:
            assert api.get("/api/v1/brands/", {"page_size": size}).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_a_path_segment_that_is_no_number_is_a_404(api):
    assert api.as_user(UserFactory()).get("/api/v1/companies/abc/").status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/companies/99999999999999999999/", "/api/v1/companies/0/"])
def test_a_number_no_id_can_be_is_a_400_naming_it(api, path):
    response = api.as_user(UserFactory()).get(path)
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "id"

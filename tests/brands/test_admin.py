import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from brands.admin.companies import MembershipAdmin
from brands.models import Brand, Membership
from tests.factories import UserFactory, brand_with_members, company_with_owner, owner_of, publish_standard, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_companies():
    return company_with_owner(legal_name="Mine Co."), company_with_owner(legal_name="Theirs Co.")


def test_sme_staff_log_in_and_see_only_their_models(client, two_companies):
    mine, _ = two_companies
    client.force_login(owner_of(mine))
    index = client.get("/admin/")
    assert index.status_code == 200
    content = index.content.decode()
    assert "/admin/brands/company/" in content
    assert "/admin/core/user/" not in content and "/admin/core/exchangerate/" not in content
    assert client.get("/admin/core/user/").status_code == 403


def test_sme_staff_see_and_change_only_their_own_companies(client, two_companies):
    mine, theirs = two_companies
    client.force_login(owner_of(mine))
    listing = client.get("/admin/brands/company/").content.decode()
    assert "Mine Co." in listing and "Theirs Co." not in listing
    assert client.get(f"/admin/brands/company/{mine.pk}/change/").status_code == 200
    # The same answer as an id that does not exist.
    assert client.get(f"/admin/brands/company/{theirs.pk}/change/").status_code == 404


def test_a_viewer_cannot_change_in_the_admin(client, two_companies):
    mine, _ = two_companies
    client.force_login(staff(mine, "viewer"))
    assert client.get(f"/admin/brands/company/{mine.pk}/change/").status_code == 200
    response = client.post(f"/admin/brands/company/{mine.pk}/change/", {"legal_name": "Renamed"})
    assert response.status_code == 403
    mine.refresh_from_db()
    assert mine.legal_name == "Mine Co."


def test_an_editor_changes_their_company_through_the_service(client, two_companies):
    mine, _ = two_companies
    client.force_login(owner_of(mine))
    form = {
        "legal_name": "Mine Renamed Co.",
        "name_translations": "{}",
        "registration_number": mine.registration_number,
        "country": "KR",
        "sector": "mfg_food",
        "annual_sales_amount": "6000000000",
        "annual_sales_currency": "KRW",
        "balance_sheet_total_amount": "",
        "balance_sheet_total_currency": "",
        "employees": "41",
        "export_stage": "contract",
        "staff-TOTAL_FORMS": "1",
        "staff-INITIAL_FORMS": "1",
        "staff-MIN_NUM_FORMS": "0",
        "staff-MAX_NUM_FORMS": "1000",
    }
    response = client.post(f"/admin/brands/company/{mine.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    mine.refresh_from_db()
    assert (mine.legal_name, mine.employees, mine.annual_sales_amount) == ("Mine Renamed Co.", 41, 6000000000)


def test_users_without_a_company_cannot_enter_the_admin(client):
    client.force_login(UserFactory())
    assert client.get("/admin/").status_code == 302


def test_operators_see_every_company(client, operator, two_companies):
    client.force_login(operator)
    listing = client.get("/admin/brands/company/").content.decode()
    assert "Mine Co." in listing and "Theirs Co." in listing


def test_foreign_key_choices_offer_only_the_users_companies(two_companies, operator):
    mine, theirs = two_companies
    request = RequestFactory().get("/")
    request.user = owner_of(mine)
    field = MembershipAdmin(Membership, site).formfield_for_foreignkey(Membership._meta.get_field("company"), request)
    assert list(field.queryset) == [mine]
    request.user = operator
    field = MembershipAdmin(Membership, site).formfield_for_foreignkey(Membership._meta.get_field("company"), request)
    assert set(field.queryset) == {mine, theirs}


def test_admin_actions_go_through_services_and_report_refusals(client):
    brand = brand_with_members(4)
    publish_standard(brand)
    member_owner = owner_of(brand.memberships.filter(role="member").first().company)

    client.force_login(member_owner)
    client.post("/admin/brands/brand/", {"action": "activate", "_selected_action": [brand.pk]}, follow=True)
    assert Brand.objects.get(pk=brand.pk).status == Brand.Status.FORMING

    client.force_login(owner_of(brand.lead_company))
    response = client.post("/admin/brands/brand/", {"action": "activate", "_selected_action": [brand.pk]}, follow=True)
    assert "1 activated" in response.content.decode()
    brand.refresh_from_db()
    assert brand.status == Brand.Status.ACTIVE
    assert brand.events.filter(kind="activated", actor=owner_of(brand.lead_company)).exists()


def test_admin_actions_cannot_reach_other_companies_rows(client):
    brand = brand_with_members(0)
    applicant = company_with_owner()
    application = Membership.objects.create(brand=brand, company=applicant)
    outsider = company_with_owner()
    client.force_login(owner_of(outsider))
    client.post("/admin/brands/membership/", {"action": "approve", "_selected_action": [application.pk]}, follow=True)
    application.refresh_from_db()
    assert application.status == Membership.Status.APPLIED

"""The trade desk's endpoints: who sees which RFQ and quote, bad input named by field with
nothing written, and list queries that do not grow with the page."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marketplace.models import RFQ, BuyerCompany, Quote
from tests.factories import UserFactory, category, company_with_owner, owner_of
from tests.marketplace.trade_helpers import b2b_product, buyer, quote, rfq

pytestmark = pytest.mark.django_db


def quote_body(item, **overrides):
    return {
        "product": item.pk,
        "quantity": 500,
        "incoterm": "DDP",
        "valid_until": str(timezone.localdate() + timedelta(days=10)),
        "lead_time_days": 20,
        **overrides,
    }


def test_buyer_posts_an_rfq_and_sees_it(api):
    company, user = buyer()
    api.as_user(user)
    response = api.post(
        "/api/v1/rfqs/",
        {
            "buyer_company": company.pk,
            "title": "Lamps",
            "description": "Paper lamps",
            "category": category("home/lighting").pk,
            "quantity": 500,
            "unit": "pieces",
            "target_unit_price": {"amount": "6.00", "currency": "USD"},
            "currency": "USD",
            "destination_country": "JP",
            "incoterm": "DDP",
            "deadline": (timezone.now() + timedelta(days=5)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["target_unit_price"] == {"amount": "6.00", "currency": "USD"}
    assert [r["id"] for r in api.get("/api/v1/rfqs/").json()["results"]] == [response.json()["id"]]


@pytest.mark.parametrize(
    ("change", "attr"),
    [
        ({"deadline": "2001-01-01T00:00:00Z"}, "deadline"),
        ({"target_unit_price": {"amount": "6.00", "currency": "EUR"}}, "target_unit_price"),
        ({"category": 2**62}, "category"),
        ({"quantity": 0}, "quantity"),
        ({"status": "awarded"}, "status"),
        ({"destination_country": "XX"}, "destination_country"),
        ({"currency": "XYZ"}, "currency"),
        ({"target_unit_price": {"amount": "99999999999999", "currency": "USD"}}, "target_unit_price"),
    ],
)
def test_bad_rfq_input_is_a_400_naming_the_field_and_writes_nothing(api, change, attr):
    company, user = buyer()
    api.as_user(user)
    body = {
        "buyer_company": company.pk,
        "title": "Lamps",
        "description": "Paper lamps",
        "category": category("home/lighting").pk,
        "quantity": 500,
        "currency": "USD",
        "destination_country": "JP",
        "deadline": (timezone.now() + timedelta(days=5)).isoformat(),
        **change,
    }
    response = api.post("/api/v1/rfqs/", body, format="json")
    assert response.status_code == 400, response.json()
    assert attr in {error["attr"] for error in response.json()["errors"]}
    assert not RFQ.objects.exists()


def test_an_rfq_for_someone_elses_buyer_company_is_refused(api):
    company, _ = buyer()
    api.as_user(UserFactory())
    body = {
        "buyer_company": company.pk,
        "title": "Lamps",
        "description": "x",
        "category": category().pk,
        "quantity": 5,
        "currency": "USD",
        "destination_country": "JP",
        "deadline": (timezone.now() + timedelta(days=5)).isoformat(),
    }
    response = api.post("/api/v1/rfqs/", body, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "buyer_company"


def test_smes_see_open_rfqs_in_their_categories_only(api, network):
    offer = rfq()
    near = b2b_product()
    elsewhere = company_with_owner()
    api.as_user(owner_of(near.company))
    assert [r["id"] for r in api.get("/api/v1/rfqs/").json()["results"]] == [offer.pk]
    api.as_user(owner_of(elsewhere))
    assert api.get("/api/v1/rfqs/").json()["results"] == []
    assert api.get(f"/api/v1/rfqs/{offer.pk}/").status_code == 404


def test_buyer_sees_every_quote_an_sme_only_its_own_and_a_competitor_never_anothers(api, network):
    offer = rfq()
    mine, theirs = b2b_product(), b2b_product()
    q1, q2 = quote(offer, mine), quote(offer, theirs)
    api.as_user(offer.created_by)
    assert {q["id"] for q in api.get(f"/api/v1/rfqs/{offer.pk}/quotes/").json()["results"]} == {q1.pk, q2.pk}
    api.as_user(owner_of(mine.company))
    assert [q["id"] for q in api.get(f"/api/v1/rfqs/{offer.pk}/quotes/").json()["results"]] == [q1.pk]
    assert [q["id"] for q in api.get("/api/v1/quotes/").json()["results"]] == [q1.pk]
    assert api.get(f"/api/v1/quotes/{q2.pk}/").status_code == 404
    assert api.post(f"/api/v1/quotes/{q2.pk}/withdraw/").status_code == 404
    # The buyer cannot withdraw, the seller cannot accept or decline.
    assert api.post(f"/api/v1/quotes/{q1.pk}/decline/", {}, format="json").status_code == 403
    api.as_user(offer.created_by)
    assert api.post(f"/api/v1/quotes/{q1.pk}/withdraw/").status_code == 403


def test_quote_endpoint_names_the_broken_rule_and_writes_nothing(api, network):
    offer, item = rfq(), b2b_product()
    api.as_user(owner_of(item.company))
    path = f"/api/v1/rfqs/{offer.pk}/quotes/"
    for change, attr in [
        ({"quantity": 50}, "quantity"),
        ({"quantity": 130}, "quantity"),
        ({"unit_price": {"amount": "5.00", "currency": "USD"}}, "price_override_reason"),
        ({"unit_price": {"amount": "5.00", "currency": "EUR"}, "price_override_reason": "x"}, "unit_price"),
        ({"product": 2**62}, "product"),
        ({"valid_until": "2001-01-01"}, "valid_until"),
        ({"incoterm": "CPT"}, "incoterm"),
        ({"company": 1}, "company"),
        ({"unit_price": {"amount": "99999999999", "currency": "USD"}, "price_override_reason": "x"}, "unit_price"),
        (
            {"quantity": 10_000_000, "unit_price": {"amount": "999", "currency": "USD"}, "price_override_reason": "x"},
            "quantity",
        ),
    ]:
        response = api.post(path, quote_body(item, **change), format="json")
        assert response.status_code == 400, (change, response.json())
        assert attr in {error["attr"] for error in response.json()["errors"]}, (change, response.json())
    assert not Quote.objects.exists()
    response = api.post(path, quote_body(item), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["totals"]["total"]["currency"] == "USD" and body["lines"][0]["unit_price"]["amount"] == "5.80"
    assert api.post(f"/api/v1/quotes/{body['id']}/withdraw/").json()["status"] == "withdrawn"
    assert api.post(f"/api/v1/quotes/{body['id']}/withdraw/").status_code == 409


def test_brand_quote_endpoint_is_the_lead_companys(api, network):
    from tests.factories import active_brand

    brand = active_brand(members=4)
    member = brand.memberships.filter(role="member").first().company
    item = b2b_product(member, brand=brand)
    offer = rfq()
    body = {
        "brand": brand.slug,
        "lines": [{"product": item.pk, "quantity": 500}],
        "incoterm": "DAP",
        "valid_until": str(timezone.localdate() + timedelta(days=10)),
        "lead_time_days": 30,
    }
    api.as_user(owner_of(member))
    assert api.post(f"/api/v1/rfqs/{offer.pk}/brand-quotes/", body, format="json").status_code == 403
    api.as_user(owner_of(brand.lead_company))
    assert (
        api.post(f"/api/v1/rfqs/{offer.pk}/brand-quotes/", {**body, "brand": "nope"}, format="json").json()["errors"][
            0
        ]["attr"]
        == "brand"
    )
    response = api.post(f"/api/v1/rfqs/{offer.pk}/brand-quotes/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["brand"] == brand.slug and response.json()["lines"][0]["seller"] == member.pk


def test_buyer_company_profile_and_staff(api):
    user, colleague = UserFactory(), UserFactory()
    api.as_user(user)
    response = api.post(
        "/api/v1/buyer-companies/", {"name": "Berlin Paper GmbH", "country": "DE", "profile": "Stationery"}
    )
    assert response.status_code == 201 and response.json()["verified"] is False
    company_id = response.json()["id"]
    added = api.post(f"/api/v1/buyer-companies/{company_id}/staff/", {"email": colleague.email, "role": "buyer"})
    assert added.status_code == 201
    assert api.post(f"/api/v1/buyer-companies/{company_id}/staff/", {"email": "x@nowhere.example"}).status_code == 400
    api.as_user(colleague)
    assert [c["id"] for c in api.get("/api/v1/buyer-companies/").json()["results"]] == [company_id]
    assert api.post(f"/api/v1/buyer-companies/{company_id}/staff/", {"email": user.email}).status_code == 403
    api.as_user(UserFactory())
    assert api.get(f"/api/v1/buyer-companies/{company_id}/").status_code == 404
    assert BuyerCompany.objects.count() == 1


def _queries(api, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api.get(path)
    assert response.status_code == 200
    return len(queries)


def test_list_queries_do_not_grow_with_the_page(api, network, operator):
    company, user = buyer()
    item = b2b_product()
    offer = rfq(company, user)
    quote(offer, item)
    api.as_user(user)
    small = {path: _queries(api, path) for path in ("/api/v1/rfqs/", "/api/v1/quotes/", "/api/v1/buyer-companies/")}
    for _ in range(4):
        quote(rfq(company, user), b2b_product())
    big = {path: _queries(api, path) for path in small}
    assert big == small
    api.as_user(operator)
    assert _queries(api, "/api/v1/quotes/") == _queries(api, "/api/v1/quotes/")


def test_the_price_for_a_quantity_honours_moq_multiples_and_tiers_as_quotes_do(api, network):
    item = b2b_product()
    path = f"/api/v1/storefront/products/{item.slug}/price/"
    for quantity in (50, 120):
        response = api.get(path, {"quantity": quantity, "currency": "USD"})
        assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "quantity"
    small = api.get(path, {"quantity": 100, "currency": "USD"}).json()
    large = api.get(path, {"quantity": 500, "currency": "USD"}).json()
    assert small["unit_price"] == {"amount": "6.52", "currency": "USD"}
    assert large["unit_price"] == {"amount": "5.80", "currency": "USD"}
    # A quote for the same quantity starts from the same unit price.
    assert quote(rfq(), item, quantity=500).lines.get().unit_price == Decimal("5.80")

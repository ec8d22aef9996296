"""Edits after publishing: material edits wait in a revision while the live version stays on sale,
prices change at once and are recorded (issue 19)."""

from decimal import Decimal

import pytest

from listings.models import Product, ProductEvent, ProductRevision
from listings.services import inspection_record, product_update
from tests.factories import OperatorFactory, active_brand, company_with_owner, owner_of, product, published

pytestmark = pytest.mark.django_db

R = ProductRevision.Status


def live_lamp(**overrides):
    return published(product(**overrides))


def patch(api, user, item, body):
    return api.as_user(user).patch(f"/api/v1/products/{item.pk}/", body, format="json")


def storefront(api, item):
    api.credentials()
    response = api.get(f"/api/v1/storefront/products/{item.slug}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.content
    return response.json()


def new_texts(item, title="Hanji mood lamp, oak base"):
    return {locale: {"title": f"{title} ({locale})", "description": "Re-shot."} for locale in ("ko", "en")}


def test_a_material_edit_is_held_while_the_live_version_and_a_new_price_go_on(api):
    item = live_lamp()
    owner = owner_of(item.company)
    live_title = storefront(api, item)["text"]["title"]

    response = patch(
        api,
        owner,
        item,
        {
            "translations": new_texts(item),
            "hs_code": "940549",
            "retail_price": {"amount": "39000", "currency": "KRW"},
        },
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "published" and body["hs_code"] == "940540"  # the live version
    assert body["retail_price"] == {"amount": "39000", "currency": "KRW"}  # prices apply at once
    assert sorted(body["pending_revision"]["changes"]) == ["hs_code", "translations"]
    assert body["pending_revision"]["changes"]["hs_code"] == "940549"
    seen = storefront(api, item)
    assert seen["text"]["title"] == live_title
    kinds = list(item.events.values_list("kind", flat=True))
    assert ProductEvent.Kind.PRICE_CHANGED in kinds and ProductEvent.Kind.REVISION_SUBMITTED in kinds


def test_an_operator_approves_and_the_edits_go_live_in_the_storefront_and_its_search(api):
    item = live_lamp()
    patch(api, owner_of(item.company), item, {"translations": new_texts(item, "Oak hanji lamp")})
    revision = item.revisions.get()
    operator = OperatorFactory()

    response = api.as_user(operator).post(
        f"/api/v1/products/{item.pk}/revisions/{revision.pk}/approve/", {"reason": "Checked"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    assert storefront(api, item)["text"]["title"] == "Oak hanji lamp (en)"
    found = api.get("/api/v1/storefront/products/", {"q": "Oak hanji"}).json()["results"]
    assert [p["slug"] for p in found] == [item.slug]
    item.refresh_from_db()
    assert item.status == Product.Status.PUBLISHED
    assert item.events.filter(kind=ProductEvent.Kind.REVISION_APPROVED, actor=operator).exists()
    detail = api.as_user(owner_of(item.company)).get(f"/api/v1/products/{item.pk}/").json()
    assert detail["pending_revision"] is None


def test_the_owner_cannot_approve_its_own_edits_and_a_rejection_needs_a_reason(api):
    item = live_lamp()
    owner = owner_of(item.company)
    patch(api, owner, item, {"material": "Mulberry bark"})
    revision = item.revisions.get()
    url = f"/api/v1/products/{item.pk}/revisions/{revision.pk}"

    assert api.as_user(owner).post(f"{url}/approve/", {}, format="json").status_code == 403
    operator = OperatorFactory()
    blank = api.as_user(operator).post(f"{url}/reject/", {"reason": " "}, format="json")
    assert blank.status_code == 400 and blank.json()["errors"][0]["attr"] == "reason"
    revision.refresh_from_db()
    assert revision.status == R.PENDING

    rejected = api.as_user(operator).post(f"{url}/reject/", {"reason": "Not what the lab tested"}, format="json")
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    item.refresh_from_db()
    assert item.material == "Hanji paper, oak"
    again = api.as_user(operator).post(f"{url}/approve/", {}, format="json")
    assert again.status_code == 409


def test_revisions_of_another_company_are_the_same_404_as_ids_that_do_not_exist(api):
    item = live_lamp()
    patch(api, owner_of(item.company), item, {"material": "Mulberry bark"})
    revision = item.revisions.get()
    other = live_lamp()
    outsider = owner_of(company_with_owner())
    operator = OperatorFactory()

    assert api.as_user(outsider).get(f"/api/v1/products/{item.pk}/revisions/").status_code == 404
    wrong_product = api.as_user(operator).post(
        f"/api/v1/products/{other.pk}/revisions/{revision.pk}/approve/", {}, format="json"
    )
    unknown = api.as_user(operator).post(
        f"/api/v1/products/{other.pk}/revisions/{revision.pk + 1000}/approve/", {}, format="json"
    )
    assert wrong_product.status_code == unknown.status_code == 404
    assert wrong_product.json() == unknown.json()
    listed = api.as_user(owner_of(item.company)).get(f"/api/v1/products/{item.pk}/revisions/").json()
    assert [r["id"] for r in listed["results"]] == [revision.pk]


def test_a_bad_held_edit_is_a_400_and_nothing_is_held_nor_repriced(api):
    item = live_lamp()
    response = patch(
        api,
        owner_of(item.company),
        item,
        {
            "retail_price": {"amount": "1000", "currency": "KRW"},
            "variants": [{"sku": item.variants.get().sku, "gtin": "1234567890123"}],
        },
    )
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["attr"] == "variants.0.gtin"
    item.refresh_from_db()
    assert item.retail_price_amount == 45000 and not item.revisions.exists()


def test_sending_the_live_values_holds_nothing_and_editing_back_withdraws_the_revision(api):
    item = live_lamp()
    owner = owner_of(item.company)
    live = api.as_user(owner).get(f"/api/v1/products/{item.pk}/").json()
    same = {"translations": live["translations"], "hs_code": live["hs_code"], "origin_country": "KR"}
    assert patch(api, owner, item, same).json()["pending_revision"] is None

    patch(api, owner, item, {"hs_code": "940549"})
    assert item.revisions.get().status == R.PENDING
    assert patch(api, owner, item, {"hs_code": "940540"}).json()["pending_revision"] is None
    assert item.revisions.get().status == R.WITHDRAWN


def test_approval_checks_the_edits_again_and_a_sku_taken_meanwhile_keeps_them_pending(api):
    item = live_lamp()
    owner = owner_of(item.company)
    patch(api, owner, item, {"variants": [{"sku": "HJ-NEW-1", "weight_kg": "0.8"}]})
    revision = item.revisions.get()
    product(company_with_owner(), variants=[{"sku": "HJ-NEW-1", "weight_kg": Decimal("1.0")}])

    response = api.as_user(OperatorFactory()).post(
        f"/api/v1/products/{item.pk}/revisions/{revision.pk}/approve/", {}, format="json"
    )

    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["attr"] == "variants.0.sku"
    revision.refresh_from_db()
    assert revision.status == R.PENDING


def test_the_brand_lead_approves_after_a_fresh_inspection_when_the_brand_asks_for_one(api):
    brand = active_brand()
    brand.reinspect_on_new_standard = True
    brand.save(update_fields=["reinspect_on_new_standard"])
    member = brand.memberships.filter(role="member").first().company
    item = live_lamp(company=member, brand=brand)
    product_update(actor=owner_of(member), product=item, material="Mulberry bark")
    revision = item.revisions.get()
    lead = owner_of(brand.lead_company)
    url = f"/api/v1/products/{item.pk}/revisions/{revision.pk}/approve/"

    refused = api.as_user(lead).post(url, {}, format="json")
    assert refused.status_code == 409, refused.content
    assert refused.json()["errors"][0]["code"] == "inspection_required"

    standard = brand.quality_standards.order_by("-version").first()
    inspection_record(
        actor=lead, product=item, results=[{"code": i.code, "passed": True} for i in standard.items.all()]
    )
    approved = api.as_user(lead).post(url, {}, format="json")
    assert approved.status_code == 200, approved.content
    item.refresh_from_db()
    assert item.material == "Mulberry bark"

"""Edits after publishing: material edits wait in a revision while the live version stays on sale,
prices change at once and are recorded (issue 19)."""

import hashlib
import json
from decimal import Decimal

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile

from listings.models import Product, ProductEvent, ProductRevision
from listings.services import inspection_record, product_update
from tests.factories import (
    OperatorFactory,
    active_brand,
    company_with_owner,
    owner_of,
    png_bytes,
    product,
    published,
)

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


def upload(api, user, item, content: bytes, **fields):
    return api.as_user(user).post(
        f"/api/v1/products/{item.pk}/media/",
        {"image": SimpleUploadedFile("new.png", content), **fields},
        format="multipart",
    )


def live_images(api, item) -> list[str]:
    return [image["url"].rsplit("/", 1)[-1] for image in storefront(api, item)["images"]]


def name(media) -> str:
    return media.image.name.rsplit("/", 1)[-1]


def test_an_image_added_to_a_published_product_waits_for_approval_then_goes_live_at_its_place(api):
    item = live_lamp()
    owner = owner_of(item.company)
    old = item.media.get()
    content = png_bytes(colour=(10, 90, 200))
    sha = hashlib.sha256(content).hexdigest()
    hash_before = Product.objects.get(pk=item.pk).content_hash

    response = upload(api, owner, item, content, position=0, alt_text=json.dumps({"en": "Lamp, lit"}))

    assert response.status_code == 202, response.content
    held = response.json()["changes"]["images"]
    assert held["removed"] == [] and [entry["sha256"] for entry in held["added"]] == [sha]
    assert held["added"][0]["position"] == 0 and held["added"][0]["alt_text"] == {"en": "Lamp, lit"}
    assert list(item.media.values_list("pk", flat=True)) == [old.pk]  # the live product keeps its image
    assert live_images(api, item) == [name(old)]
    assert Product.objects.get(pk=item.pk).content_hash == hash_before  # channels resend nothing yet
    assert storages["public"].exists(held["added"][0]["image"])
    detail = api.as_user(owner).get(f"/api/v1/products/{item.pk}/").json()
    assert [m["id"] for m in detail["media"]] == [old.pk] and "images" in detail["pending_revision"]["changes"]

    revision = item.revisions.get(status=R.PENDING)
    approved = api.as_user(OperatorFactory()).post(
        f"/api/v1/products/{item.pk}/revisions/{revision.pk}/approve/", {}, format="json"
    )

    assert approved.status_code == 200, approved.content
    assert list(item.media.order_by("position").values_list("sha256", "position")) == [(sha, 0), (old.sha256, 1)]
    assert live_images(api, item) == [f"{sha}.png", name(old)]
    assert Product.objects.get(pk=item.pk).content_hash != hash_before


def test_removing_an_image_of_a_published_product_is_held_and_the_rejection_keeps_it_and_drops_the_upload(
    api, django_capture_on_commit_callbacks
):
    item = live_lamp()
    owner = owner_of(item.company)
    old = item.media.get()
    added = upload(api, owner, item, png_bytes(colour=(0, 160, 60))).json()["changes"]["images"]["added"][0]

    removed = api.as_user(owner).delete(f"/api/v1/products/{item.pk}/media/{old.pk}/")

    assert removed.status_code == 202, removed.content
    assert removed.json()["changes"]["images"]["removed"] == [old.pk]
    assert live_images(api, item) == [name(old)]
    revision = item.revisions.get(status=R.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        rejected = api.as_user(OperatorFactory()).post(
            f"/api/v1/products/{item.pk}/revisions/{revision.pk}/reject/", {"reason": "Blurred"}, format="json"
        )

    assert rejected.status_code == 200, rejected.content
    assert list(item.media.values_list("pk", flat=True)) == [old.pk] and live_images(api, item) == [name(old)]
    assert not storages["public"].exists(added["image"]) and not storages["public"].exists(added["thumbnail"])
    assert storages["public"].exists(old.image.name)


def test_a_replacement_goes_live_whole_and_the_old_file_leaves_storage(api, django_capture_on_commit_callbacks):
    item = live_lamp()
    owner = owner_of(item.company)
    old = item.media.get()
    content = png_bytes(colour=(250, 250, 0))
    upload(api, owner, item, content)
    api.as_user(owner).delete(f"/api/v1/products/{item.pk}/media/{old.pk}/")
    revision = item.revisions.get(status=R.PENDING)

    with django_capture_on_commit_callbacks(execute=True):
        response = api.as_user(OperatorFactory()).post(
            f"/api/v1/products/{item.pk}/revisions/{revision.pk}/approve/", {}, format="json"
        )

    assert response.status_code == 200, response.content
    assert list(item.media.values_list("sha256", flat=True)) == [hashlib.sha256(content).hexdigest()]
    assert not storages["public"].exists(old.image.name)


def test_a_published_product_keeps_one_image_and_the_same_image_is_not_held_twice(api):
    item = live_lamp()
    owner = owner_of(item.company)
    only = item.media.get()

    last = api.as_user(owner).delete(f"/api/v1/products/{item.pk}/media/{only.pk}/")
    assert last.status_code == 400, last.content
    assert last.json()["errors"][0]["attr"] == "image"
    assert not item.revisions.exists()

    content = png_bytes(colour=(1, 2, 3))
    assert upload(api, owner, item, content).status_code == 202
    again = upload(api, owner, item, content)
    assert again.status_code == 400 and again.json()["errors"][0]["code"] == "duplicate"
    assert len(item.revisions.get().changes["images"]["added"]) == 1

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from listings.models import Product
from tests.factories import active_brand, category, company_with_owner, owner_of, product, staff

pytestmark = pytest.mark.django_db


def body(company, cat, **extra):
    data = {
        "company": company.pk,
        "category": cat.pk,
        "mode": "both",
        "hs_code": "940540",
        "origin_country": "KR",
        "translations": {
            "ko": {"title": "한지 무드등", "description": "손으로 뜬 한지"},
            "en": {"title": "Hanji mood lamp", "description": "Hand-made hanji."},
            "ja": {"title": "韓紙ムードランプ", "description": "手漉きの韓紙"},
        },
        "retail_price": {"amount": "45000", "currency": "KRW"},
        "b2c_prices": [{"amount": "32.00", "currency": "USD"}, {"amount": "4800", "currency": "JPY"}],
        "moq": 100,
        "order_multiple": 10,
        "lead_time_days": 21,
        "sample_policy": "paid",
        "incoterms": ["FOB", "CIF"],
        "price_tiers": [
            {"min_quantity": 100, "unit_price": {"amount": "30000", "currency": "KRW"}},
            {"min_quantity": 500, "unit_price": {"amount": "27000", "currency": "KRW"}},
        ],
        "variants": [
            {"sku": "HJ-L-S", "gtin": "8801234567893", "options": {"size": "S"}, "weight_kg": "0.8"},
            {"sku": "HJ-L-M", "options": {"size": "M"}, "weight_kg": "1.2", "length_cm": "30"},
        ],
    }
    data.update(extra)
    return data


def test_create_read_and_patch_a_product_with_everything_nested(api):
    company, cat = company_with_owner(), category()
    api.as_user(owner_of(company))
    response = api.post("/api/v1/products/", body(company, cat))
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["status"] == "draft" and created["company"] == company.pk
    assert created["price_tiers"][1] == {"min_quantity": 500, "unit_price": {"amount": "27000", "currency": "KRW"}}
    assert {p["currency"] for p in created["b2c_prices"]} == {"USD", "JPY"}
    assert [v["sku"] for v in created["variants"]] == ["HJ-L-S", "HJ-L-M"]
    assert [m["attr"] for m in created["missing"]] == ["media"]

    patched = api.patch(
        f"/api/v1/products/{created['id']}/",
        {"variants": [{"sku": "HJ-L-M", "weight_kg": "1.25"}], "translations": {"en": {"title": "Lamp"}}},
    ).json()
    assert [v["sku"] for v in patched["variants"]] == ["HJ-L-M"]
    assert patched["variants"][0]["weight_kg"] == "1.250"
    assert set(patched["translations"]) == {"en"}
    assert patched["content_hash"] != created["content_hash"]


def test_text_falls_back_and_says_which_locale_it_came_from(api):
    company, cat = company_with_owner(), category()
    api.as_user(owner_of(company))
    product_id = api.post("/api/v1/products/", body(company, cat)).json()["id"]
    ja = api.get(f"/api/v1/products/{product_id}/", {"lang": "ja"}).json()["text"]
    assert (ja["title"], ja["locale"]) == ("韓紙ムードランプ", "ja")
    es = api.get(f"/api/v1/products/{product_id}/", {"lang": "es"}).json()["text"]
    assert (es["title"], es["locale"]) == ("한지 무드등", "ko")
    zh = api.get(f"/api/v1/products/{product_id}/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5").json()["text"]
    assert zh["locale"] == "ko"


@pytest.mark.parametrize(
    ("change", "attr"),
    [
        ({"retail_price": {"amount": "45000", "currency": "USD"}}, "retail_price"),
        ({"retail_price": {"amount": "45000.50", "currency": "KRW"}}, "retail_price"),
        ({"variants": [{"sku": "bad sku!", "weight_kg": "1"}]}, "variants.0.sku"),
        ({"variants": [{"sku": "OK-1", "gtin": "8801234567890", "weight_kg": "1"}]}, "variants.0.gtin"),
        ({"hs_code": "94054"}, "hs_code"),
        ({"origin_country": "ZZ"}, "origin_country"),
        ({"incoterms": ["FOB", "FOO"]}, "incoterms"),
        ({"translations": {"fr": {"title": "Lampe"}}}, "translations.fr"),
        ({"status": "published"}, "status"),
        ({"category": 999999}, "category"),
        ({"brand": "no-such-brand"}, "brand"),
        (
            {
                "price_tiers": [
                    {"min_quantity": 100, "unit_price": {"amount": "30000", "currency": "KRW"}},
                    {"min_quantity": 50, "unit_price": {"amount": "29000", "currency": "KRW"}},
                ]
            },
            "price_tiers.1.min_quantity",
        ),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(api, change, attr):
    company, cat = company_with_owner(), category()
    response = api.as_user(owner_of(company)).post("/api/v1/products/", body(company, cat, **change))
    assert response.status_code == 400, response.json()
    assert attr in {e["attr"] for e in response.json()["errors"]}
    assert not Product.objects.exists()


def test_submit_answers_400_listing_every_missing_item(api):
    company, cat = company_with_owner(), category()
    api.as_user(owner_of(company))
    draft = api.post("/api/v1/products/", {"company": company.pk, "category": cat.pk, "mode": "b2c"}).json()
    response = api.post(f"/api/v1/products/{draft['id']}/submit/")
    assert response.status_code == 400
    attrs = {e["attr"] for e in response.json()["errors"]}
    assert {"translations.ko.title", "translations.en.description", "retail_price", "media", "variants"} <= attrs


def test_lifecycle_through_the_api_with_409_from_wrong_states(api, operator):
    item = product()
    owner = owner_of(item.company)
    api.as_user(owner)
    assert api.post(f"/api/v1/products/{item.pk}/publish/").status_code == 409
    assert api.post(f"/api/v1/products/{item.pk}/submit/").json()["status"] == "in_review"
    assert api.post(f"/api/v1/products/{item.pk}/submit/").status_code == 409
    api.as_user(operator)
    assert api.post(f"/api/v1/products/{item.pk}/approve/", {"reason": "Looks right."}).json()["status"] == "approved"
    api.as_user(owner)
    assert api.post(f"/api/v1/products/{item.pk}/publish/").json()["status"] == "published"
    assert api.delete(f"/api/v1/products/{item.pk}/").status_code == 409
    assert api.post(f"/api/v1/products/{item.pk}/unpublish/").json()["status"] == "approved"
    assert api.post(f"/api/v1/products/{item.pk}/archive/").json()["status"] == "archived"
    assert api.patch(f"/api/v1/products/{item.pk}/", {"material": "x"}).status_code == 409


def test_the_product_list_makes_the_same_queries_at_page_sizes_1_20_and_100(api):
    company = company_with_owner()
    for _ in range(100):
        product(company)
    api.as_user(owner_of(company))
    counts = []
    for size in (1, 20, 100):
        with CaptureQueriesContext(connection) as captured:
            response = api.get("/api/v1/products/", {"page_size": size})
        assert len(response.json()["results"]) == size
        counts.append(len(captured))
    assert counts[0] == counts[1] == counts[2], counts


def test_filters_by_status_brand_and_search_by_sku_or_title(api):
    brand = active_brand(4)
    member = brand.memberships.filter(role="member").first().company
    branded = product(member, brand=brand)
    plain = product(member)
    api.as_user(owner_of(member))
    ids = lambda **q: [p["id"] for p in api.get("/api/v1/products/", q).json()["results"]]  # noqa: E731
    assert ids(brand=brand.slug) == [branded.pk]
    assert ids(q=plain.variants.get().sku.lower()) == [plain.pk]
    assert ids(q="mood lamp") == [branded.pk, plain.pk]
    assert ids(status="published") == []


def test_the_brand_lead_sees_member_products_but_cannot_edit_them(api):
    brand = active_brand(4)
    member = brand.memberships.filter(role="member").first().company
    item = product(member, brand=brand)
    api.as_user(owner_of(brand.lead_company))
    assert api.get(f"/api/v1/products/{item.pk}/").status_code == 200
    assert api.patch(f"/api/v1/products/{item.pk}/", {"material": "x"}).status_code == 403
    api.as_user(staff(member, "viewer"))
    assert api.get(f"/api/v1/products/{item.pk}/").status_code == 200


def test_a_refused_patch_reads_the_product_row_and_none_of_its_details(api):
    brand = active_brand(4)
    member = brand.memberships.filter(role="member").first().company
    item = product(member, brand=brand)
    api.as_user(owner_of(brand.lead_company))
    with CaptureQueriesContext(connection) as captured:
        assert api.patch(f"/api/v1/products/{item.pk}/", {"material": "x"}).status_code == 403
    read = " ".join(q["sql"] for q in captured)
    assert "listings_product" in read
    for details in ("listings_producttranslation", "listings_variant", "listings_b2cprice", "listings_productmedia"):
        assert details not in read, details


def test_categories_are_public_and_nested():
    from rest_framework.test import APIClient

    category("home/lighting/lamps", schema=[{"code": "wattage", "type": "integer", "required": True}])
    category("beauty/skincare")
    tree = APIClient().get("/api/v1/categories/").json()
    assert [c["path"] for c in tree] == ["beauty", "home"]
    lamps = tree[1]["children"][0]["children"][0]
    assert lamps["path"] == "home/lighting/lamps" and lamps["attribute_schema"][0]["code"] == "wattage"


def test_record_an_inspection_through_the_api(api):
    brand = active_brand(4)
    member = brand.memberships.filter(role="member").first().company
    item = product(member, brand=brand)
    api.as_user(owner_of(brand.lead_company))
    response = api.post(
        "/api/v1/inspections/",
        {
            "product": item.pk,
            "lot_number": "LOT-2026-11",
            "sample_size": 20,
            "units_inspected": 20,
            "results": [
                {"code": "stitching", "passed": False, "note": "2 of 20 split"},
                {"code": "label", "passed": True},
            ],
            "defects": [{"code": "seam-split", "quantity": 2}],
        },
    )
    assert response.status_code == 201, response.json()
    assert response.json()["outcome"] == "failed" and response.json()["standard_version"] == 1
    incomplete = api.post(
        "/api/v1/inspections/", {"product": item.pk, "results": [{"code": "stitching", "passed": True}]}
    )
    assert incomplete.status_code == 400 and incomplete.json()["errors"][0]["attr"] == "results"
    too_many = api.post(
        "/api/v1/inspections/",
        {
            "product": item.pk,
            "sample_size": 5,
            "units_inspected": 6,
            "results": [{"code": "stitching", "passed": True}, {"code": "label", "passed": True}],
        },
    )
    assert too_many.status_code == 400

"""The batch path of the CSV import (listings.services.products_create_bulk): the same rules and
messages as product_create across a batch and across batches, a write per table per batch, the
content hash of what was written, and a refused write that loses neither good batches nor
leaves half a product."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from listings import imports
from listings.models import Product, ProductEvent, Variant
from listings.services import bulk, product_content, product_create, product_refresh_content_hash
from listings.services.content import content_digest
from marketplace.models import FacetCount
from marketplace.selectors import storefront_visible
from tests.factories import brand_with_members, category, company_with_owner, owner_of, product, published
from tests.listings.test_import_export import csv_bytes, lamp, run_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def categories():
    return {"lighting": category("home/lighting"), "kitchen": category("home/kitchen")}


def statements_of_import(company, rows: list[dict]) -> int:
    with CaptureQueriesContext(connection) as queries:
        job = run_import(company, csv_bytes(rows))
    assert job.status == "succeeded", job.errors
    return len(queries)


def test_a_batch_is_written_with_the_same_statements_whatever_its_number_of_products(categories):
    def rows(prefix: str, products: int) -> list[dict]:
        return [
            lamp(
                f"{prefix}{n}",
                sku=f"{prefix}{n}-{size}",
                b2c_prices="USD:32.00|JPY:4800",
                options=f'{{"size": "{size}"}}',
            )
            for n in range(products)
            for size in ("S", "L")
        ]

    few = statements_of_import(company_with_owner(), rows("F", 3))
    many = statements_of_import(company_with_owner(), rows("M", 30))

    assert many == few  # 3 or 30 products: one INSERT per table, not one per product or variant


def test_the_stored_content_hash_is_the_hash_of_what_was_written(categories):
    company = company_with_owner()
    rows = [
        lamp("H1", sku="H1-S", b2c_prices="USD:32.00|JPY:4800", options='{"size": "S"}', length_cm="20.5"),
        lamp("H1", sku="H1-L", weight_kg="1.250", variant_hs_code="94054000", variant_origin_country="vn"),
        lamp(
            "H2",
            mode="both",
            moq="100",
            order_multiple="50",
            incoterms="FOB|CIF",
            price_tiers="100:40000|500:38000",
            retail_price="45000.0000",
        ),
    ]

    job = run_import(company, csv_bytes(rows))

    assert job.counts["products_created"] == 2, job.errors
    for item in Product.objects.filter(company=company):
        assert item.content_hash == content_digest(product_content(item))
        assert product_refresh_content_hash(product=item) is False
        assert item.events.get().kind == ProductEvent.Kind.CREATED


def test_skus_and_slugs_are_unique_against_the_database_and_within_the_file_across_batches(categories, monkeypatch):
    monkeypatch.setattr(imports, "BATCH_ROWS", 2)
    company = company_with_owner()
    product(
        company, variants=[{"sku": "OLD-1", "weight_kg": Decimal("1")}], translations={"en": {"title": "Moon lamp"}}
    )
    assert Product.objects.get().slug == "moon-lamp"
    rows = [
        lamp("A", sku="OLD-1", title_en="Apple"),  # row 2: taken in the database
        lamp("B", sku="NEW-1", title_en="Moon lamp"),  # row 3: slug moon-lamp-2
        lamp("C", sku="C-1", title_en="Moon lamp"),  # row 4, next batch: moon-lamp-3
        lamp("D", sku="NEW-1", title_en="Daisy"),  # row 5: taken by B, an earlier batch
        lamp("E", sku="E-1", title_en="Eel"),  # row 6
        lamp("E", sku="E-1", title_en="Eel"),  # row 7: twice in one product
        lamp("F", sku="F-1", title_en="Fig"),  # row 8
        lamp("G", sku="F-1", title_en="Moon lamp"),  # row 9: taken by F in the same batch
    ]

    job = run_import(company, csv_bytes(rows))

    assert job.counts == {"products_created": 3, "products_failed": 4, "rows": 8}
    assert [(e["row"], e["column"], e["item"], e["message"]) for e in job.errors] == [
        (2, "sku", "A", "Another product already uses this SKU."),
        (5, "sku", "D", "Another product already uses this SKU."),
        (6, "sku", "E", "The SKU appears twice in this product."),
        (7, "sku", "E", "The SKU appears twice in this product."),
        (9, "sku", "G", "Another product already uses this SKU."),
    ]
    by_sku = dict(Variant.objects.values_list("sku", "product__slug"))
    assert by_sku == {"OLD-1": "moon-lamp", "NEW-1": "moon-lamp-2", "C-1": "moon-lamp-3", "F-1": "fig"}


def test_a_brand_the_company_is_not_an_active_member_of_is_refused_like_the_api_does(categories):
    brand = brand_with_members(2)
    member = brand.memberships.filter(role="member").first().company
    outsider = company_with_owner()
    rows = [lamp("IN", brand=brand.slug)]

    inside = run_import(member, csv_bytes(rows))
    outside = run_import(outsider, csv_bytes([lamp("OUT", brand=brand.slug)]))

    assert inside.counts["products_created"] == 1, inside.errors
    assert Product.objects.get(company=member).brand == brand
    assert [(e["row"], e["column"], e["message"]) for e in outside.errors] == [
        (2, "brand", "The company is not an active member of this brand.")
    ]


def test_a_batch_the_database_refuses_is_written_product_by_product_and_earlier_batches_stay(categories, monkeypatch):
    """A concurrent writer takes a SKU between the batch's check and its INSERT: the batch's write
    is refused and undone, its products go through product_create one by one, and the earlier batch stays."""
    monkeypatch.setattr(imports, "BATCH_ROWS", 2)
    company, rival = company_with_owner(), company_with_owner()
    product_create(actor=owner_of(rival), company=rival, category=categories["lighting"], variants=[{"sku": "R-2"}])
    real_check = bulk.product_payload_check

    def check_missing_the_rival(item, data, errors, *, taken_skus, member_of):
        # The rival's row is not yet visible when the batch is checked (it commits meanwhile).
        real_check(item, data, errors, taken_skus=taken_skus - {"R-2"}, member_of=member_of)

    monkeypatch.setattr(bulk, "product_payload_check", check_missing_the_rival)
    rows = [lamp("R0", sku="R-0"), lamp("R1", sku="R-1"), lamp("R2", sku="R-2"), lamp("R3", sku="R-3")]

    job = run_import(company, csv_bytes(rows))

    assert job.counts == {"products_created": 3, "products_failed": 1, "rows": 4}
    assert [(e["row"], e["column"], e["message"]) for e in job.errors] == [
        (4, "sku", "Another product already uses this SKU.")
    ]
    mine = Product.objects.filter(company=company).annotate(
        n=Count("variants", distinct=True), t=Count("translations", distinct=True)
    )
    assert sorted((p.variants.get().sku, p.n, p.t) for p in mine) == [("R-0", 1, 2), ("R-1", 1, 2), ("R-3", 1, 2)]


def test_an_import_leaves_the_storefront_facet_counts_equal_to_a_recount(categories):
    listed = published(product(company_with_owner(), category=categories["lighting"]))
    before = list(FacetCount.objects.values_list("cell", "count"))

    job = run_import(listed.company, csv_bytes([lamp(f"F{n}") for n in range(5)]))

    assert job.counts["products_created"] == 5
    recount = Product.objects.filter(storefront_visible()).values("brand", "category", "mode").annotate(n=Count("pk"))
    assert [(r["category"], r["mode"], r["n"]) for r in recount] == [(categories["lighting"].pk, "b2c", 1)]
    assert (
        list(FacetCount.objects.values_list("cell", "count")) == before == [(f"-:{categories['lighting'].pk}:b2c", 1)]
    )


def test_many_products_with_one_title_get_the_next_suffixes_with_a_probe_per_batch(categories, monkeypatch):
    """The slug search resumes where the previous batch left off instead of walking the suffixes
    from -2 again, which made a file of many same-titled products cost more per row as it grew."""
    monkeypatch.setattr(imports, "BATCH_ROWS", 2)
    monkeypatch.setattr(bulk, "SLUG_PROBE", 2)
    company = company_with_owner()
    rows = [lamp(f"T{n}", sku=f"T{n}-1", title_en="Moon lamp") for n in range(12)]

    with CaptureQueriesContext(connection) as queries:
        job = run_import(company, csv_bytes(rows))

    assert job.counts == {"products_created": 12, "products_failed": 0, "rows": 12}, job.errors
    slugs = list(Product.objects.filter(company=company).order_by("pk").values_list("slug", flat=True))
    assert slugs == ["moon-lamp", *(f"moon-lamp-{n}" for n in range(2, 13))]
    # Per batch of two: the bases' lookup and one probe of the next SLUG_PROBE suffixes.
    slug_lookups = [query for query in queries.captured_queries if '"listings_product"."slug" = ANY' in query["sql"]]
    assert len(slug_lookups) == 6 * 2

from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from brands.services import brand_suspend
from listings.services import product_unpublish, product_update
from tests.factories import (
    OperatorFactory,
    active_brand,
    category,
    company_with_owner,
    owner_of,
    product,
    published,
)
from tests.logistics.helpers import network, receive

pytestmark = pytest.mark.django_db
URL = "/api/v1/storefront/products/"


@pytest.fixture
def shop():
    return APIClient()


def slugs(response):
    assert response.status_code == 200, response.json()
    return [p["slug"] for p in response.json()["results"]]


def lamp(company=None, **overrides):
    texts = {
        "ko": {"title": "한지 달 무드등", "description": "손으로 뜬 닥나무 한지로 만든 무드등"},
        "en": {"title": "Hanji moon lamp", "description": "A mood lamp of hand-made mulberry paper."},
        "zh-hans": {"title": "韩纸月亮灯", "description": "手工桑皮纸制成的氛围灯"},
    }
    return published(product(company, translations=overrides.pop("translations", texts), **overrides))


def test_only_published_products_of_active_brands_and_independents_are_listed(shop):
    independent = lamp()
    brand = active_brand(4)
    member = brand.memberships.filter(role="member").first().company
    branded = lamp(member, brand=brand)
    product()  # a draft
    assert set(slugs(shop.get(URL))) == {independent.slug, branded.slug}
    brand_suspend(brand=brand, actor=OperatorFactory(), reason="audit")
    assert slugs(shop.get(URL)) == [independent.slug]
    product_unpublish(actor=owner_of(independent.company), product=independent)
    assert slugs(shop.get(URL)) == []


@pytest.mark.parametrize("q", ["moon lamp", "무드등", "韩纸", "mulberry", "moon lanp"])
def test_search_finds_by_title_description_company_in_any_locale_and_with_typos(shop, q):
    item = lamp()
    lamp(
        translations={
            "ko": {"title": "도자기 찻잔", "description": "이천 백자"},
            "en": {"title": "Celadon teacup", "description": "Icheon white porcelain."},
        }
    )
    found = slugs(shop.get(URL, {"q": q}))
    assert found[0] == item.slug and len(found) == 1


def test_search_by_company_name(shop):
    item = lamp(company_with_owner(legal_name="주식회사 달빛공방", name_translations={"en": "Moonlight Workshop"}))
    assert slugs(shop.get(URL, {"q": "Moonlight Workshop"})) == [item.slug]


def test_text_in_the_buyers_language_with_fallback_and_prices_in_their_currency(shop):
    item = lamp(retail_price=Decimal("45000"), b2c_prices={"USD": Decimal("32.50")})
    card = shop.get(URL, {"lang": "zh-hans", "currency": "JPY"}).json()["results"][0]
    assert card["text"] == {"title": "韩纸月亮灯", "description": "手工桑皮纸制成的氛围灯", "locale": "zh-hans"}
    # 45,000 KRW at 1,380 KRW and 150 JPY per USD = 4,891.30 JPY, rounded to whole yen.
    assert card["price"] == {"amount": "4891", "currency": "JPY"}
    assert shop.get(URL, {"currency": "USD"}).json()["results"][0]["price"] == {"amount": "32.50", "currency": "USD"}
    ja = shop.get(f"{URL}{item.slug}/", HTTP_ACCEPT_LANGUAGE="ja-JP,ja;q=0.9").json()
    assert ja["text"]["locale"] == "ko"


def test_filters_and_facets(shop):
    brand = active_brand(4)
    member = brand.memberships.filter(role="member").first().company
    cheap = lamp(retail_price=Decimal("13800"))  # 10 USD
    dear = lamp(member, brand=brand, retail_price=Decimal("138000"))  # 100 USD
    tea = lamp(
        category=category("food/tea"),
        mode="both",
        moq=10,
        price_tiers=[{"min_quantity": 10, "unit_price": Decimal("6900")}],
        retail_price=Decimal("69000"),
    )
    assert slugs(shop.get(URL, {"brand": brand.slug})) == [dear.slug]
    assert set(slugs(shop.get(URL, {"category": "home"}))) == {cheap.slug, dear.slug}
    assert slugs(shop.get(URL, {"mode": "b2b"})) == [tea.slug]
    assert set(slugs(shop.get(URL, {"price_min": "20", "price_max": "60", "currency": "USD"}))) == {tea.slug}
    assert slugs(shop.get(URL, {"ordering": "price", "currency": "USD"})) == [cheap.slug, tea.slug, dear.slug]
    assert slugs(shop.get(URL, {"ordering": "-price", "currency": "USD"}))[0] == dear.slug
    facets = shop.get(URL).json()["facets"]
    assert facets["brand"] == [{"slug": brand.slug, "name": brand.name, "count": 1}]
    assert facets["category"] == [{"path": "food", "count": 1}, {"path": "home", "count": 2}]
    assert facets["mode"] == [{"mode": "b2c", "count": 2}, {"mode": "both", "count": 1}]


@pytest.mark.parametrize(
    ("params", "attr"),
    [
        ({"currency": "XYZ"}, "currency"),
        ({"price_min": "abc"}, "price_min"),
        ({"mode": "retail"}, "mode"),
        ({"category": "no/such"}, "category"),
        ({"ordering": "random"}, "ordering"),
        ({"price_min": "50", "price_max": "10"}, "price_max"),
        ({"page_size": "500"}, "page_size"),
    ],
)
def test_bad_query_parameters_are_400s_naming_them(shop, params, attr):
    response = shop.get(URL, params)
    assert response.status_code == 400
    assert attr in {e["attr"] for e in response.json()["errors"]}


def test_availability_comes_from_stock_without_counts(shop, settings):
    net = network()
    plenty, few, none = lamp(), lamp(), lamp()
    receive(plenty.variants.get(), net["lax"], 50)
    receive(few.variants.get(), net["icn"], settings.STOCK_LOW_THRESHOLD)
    states = {p["slug"]: p["availability"] for p in shop.get(URL).json()["results"]}
    assert states == {plenty.slug: "in_stock", few.slug: "low_stock", none.slug: "out_of_stock"}
    assert slugs(shop.get(URL, {"in_stock": "true"})) == [few.slug, plenty.slug] or set(
        slugs(shop.get(URL, {"in_stock": "true"}))
    ) == {few.slug, plenty.slug}
    detail = shop.get(f"{URL}{plenty.slug}/").json()
    assert detail["variants"][0]["availability"] == "in_stock" and "on_hand" not in str(detail)


@pytest.mark.parametrize("search", [{}, {"q": "lamp"}])
def test_list_and_search_queries_do_not_grow_with_page_size(shop, search):
    for _ in range(30):
        lamp()
    counts = []
    for size in (1, 20, 30):
        from django.core.cache import cache

        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert len(shop.get(URL, {"page_size": size, **search}).json()["results"]) == size
        counts.append(len(captured))
    assert counts[0] == counts[1] == counts[2], counts


def test_reads_are_cached_and_a_reprice_or_publish_shows_at_once(shop):
    item = lamp(retail_price=Decimal("13800"))
    assert shop.get(URL, {"currency": "USD"}).json()["results"][0]["price"]["amount"] == "10.00"
    with CaptureQueriesContext(connection) as captured:
        shop.get(URL, {"currency": "USD"})
    assert len(captured) <= 2  # the cache answered (a rate table read at most)
    product_update(actor=owner_of(item.company), product=item, retail_price=Decimal("27600"))
    assert shop.get(URL, {"currency": "USD"}).json()["results"][0]["price"]["amount"] == "20.00"
    newcomer = lamp()
    assert newcomer.slug in slugs(shop.get(URL, {"currency": "USD"}))


def test_price_for_a_quantity_follows_tiers_moq_and_multiples(shop):
    item = lamp(
        mode="both",
        moq=100,
        order_multiple=10,
        retail_price=Decimal("45000"),
        price_tiers=[
            {"min_quantity": 100, "unit_price": Decimal("30000")},
            {"min_quantity": 500, "unit_price": Decimal("27600")},
        ],
    )
    url = f"{URL}{item.slug}/price/"
    assert shop.get(url, {"quantity": 500, "currency": "USD"}).json() == {
        "quantity": 500,
        "unit_price": {"amount": "20.00", "currency": "USD"},
        "total": {"amount": "10000.00", "currency": "USD"},
        "tier_min_quantity": 500,
        # No negotiated price for an anonymous caller (tests/marketplace/test_b2b_terms.py).
        "list_unit_price": None,
        "price_list": None,
    }
    assert shop.get(url, {"quantity": 2, "currency": "KRW"}).json()["total"] == {"amount": "90000", "currency": "KRW"}
    assert shop.get(url, {"quantity": 105}).status_code == 400
    assert shop.get(url, {"quantity": 0}).status_code == 400


def test_unknown_products_and_brands_are_404(shop):
    assert shop.get(f"{URL}no-such-thing/").status_code == 404
    assert shop.get("/api/v1/storefront/brands/no-such-brand/").status_code == 404


def test_brands_list_active_brands_with_members(shop):
    brand = active_brand(4)
    member = brand.memberships.filter(role="member").first().company
    lamp(member, brand=brand)
    rows = shop.get("/api/v1/storefront/brands/", {"lang": "en"}).json()["results"]
    assert [(r["slug"], r["product_count"], len(r["members"])) for r in rows] == [(brand.slug, 1, 5)]
    assert shop.get(f"/api/v1/storefront/brands/{brand.slug}/").json()["story"]["description"] == "Made together."


def test_a_currency_without_an_exchange_rate_is_a_400_naming_currency(api):
    """TOP is ISO 4217, but the platform has no rate for it: a 400, not a server-side 422."""
    item = published(product(company_with_owner()))
    for path in (f"/api/v1/storefront/products/{item.slug}/", "/api/v1/storefront/products/"):
        response = api.get(path, {"currency": "TOP"})
        assert response.status_code == 400, response.content
        assert [e["attr"] for e in response.json()["errors"]] == ["currency"]
    response = api.get(f"/api/v1/storefront/products/{item.slug}/price/", {"currency": "TOP", "quantity": 2})
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "currency"


def _facets_from_cells(query=None):
    from core.selectors import exchange_rates_get
    from marketplace.selectors import StorefrontQuery, storefront_facets, storefront_product_list

    query = query or StorefrontQuery()
    products = storefront_product_list(query=query, currency="USD", rates=exchange_rates_get())
    return storefront_facets(query=query, products=products)


def _facets_recounted(query=None):
    """The same facets counted over the storefront's products themselves."""
    from django.db.models import Count

    from listings.models import Product
    from marketplace.selectors import FACET_CELL, storefront_visible

    cells = Product.objects.filter(storefront_visible()).values(*FACET_CELL).annotate(n=Count("pk")).order_by()
    brands, roots, modes = {}, {}, {}
    for cell in cells:
        if cell["brand__slug"]:
            key = (cell["brand__slug"], cell["brand__name"])
            brands[key] = brands.get(key, 0) + cell["n"]
        root = cell["category__path"].split("/")[0]
        roots[root] = roots.get(root, 0) + cell["n"]
        modes[cell["mode"]] = modes.get(cell["mode"], 0) + cell["n"]
    return {
        "brand": sorted(
            ({"slug": s, "name": n, "count": c} for (s, n), c in brands.items()), key=lambda r: (-r["count"], r["slug"])
        ),
        "category": [{"path": p, "count": c} for p, c in sorted(roots.items())],
        "mode": [{"mode": m, "count": c} for m, c in sorted(modes.items())],
    }, sum(modes.values())


def live_edit(owner, item, **changes):
    """An edit to a published product, held for review, then approved: live."""
    from listings.services import product_revision_approve

    product_update(actor=owner, product=item, **changes)
    product_revision_approve(actor=OperatorFactory(), revision=item.revisions.get(status="pending"))


def test_facet_counts_equal_a_recount_after_every_kind_of_product_change(shop):
    from brands.services import brand_activate
    from listings.services import product_publish

    brand = active_brand(4)
    member = brand.memberships.filter(role="member").first().company
    owner = owner_of(member)
    item = lamp(member)
    other = lamp(member, brand=brand)
    steps = [
        ("published", lambda: lamp(member, brand=brand)),
        ("repriced", lambda: product_update(actor=owner, product=item, retail_price=Decimal("27600"))),
        ("brand joined", lambda: live_edit(owner, item, brand=brand)),
        ("category moved", lambda: live_edit(owner, item, category=category("food/tea"))),
        (
            "mode changed",
            lambda: product_update(
                actor=owner,
                product=other,
                mode="both",
                moq=2,
                price_tiers=[{"min_quantity": 2, "unit_price": Decimal("40000")}],
            ),
        ),
        ("unpublished", lambda: product_unpublish(actor=owner, product=other)),
        ("republished", lambda: product_publish(actor=owner, product=other)),
        ("brand suspended", lambda: brand_suspend(brand=brand, actor=OperatorFactory(), reason="audit")),
        ("brand reinstated", lambda: brand_activate(brand=brand, actor=OperatorFactory())),
    ]
    for change, apply in steps:
        apply()
        assert _facets_from_cells() == _facets_recounted(), change
    facets, total = _facets_from_cells()
    assert total == 3 and facets["category"] == [{"path": "food", "count": 1}, {"path": "home", "count": 2}]
    body = shop.get(URL).json()
    assert (body["count"], body["facets"]) == (total, facets)


@pytest.mark.parametrize(
    ("params", "most"),
    [
        # rates, facet cells (and the total), the page, its translations, media, prices, tiers, variants
        ({}, 8),
        # the same, the facets and total grouped over the matches
        ({"q": "lamp"}, 8),
    ],
)
def test_list_and_search_cost_a_fixed_number_of_queries(shop, params, most):
    from django.core.cache import cache

    for _ in range(3):
        lamp()
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        body = shop.get(URL, {"currency": "USD", **params}).json()
    assert body["count"] == 3 and len(captured) <= most, [q["sql"][:80] for q in captured.captured_queries]
    with CaptureQueriesContext(connection) as cached:
        shop.get(URL, {"currency": "USD", **params})
    assert len(cached) == 0  # a cache hit reads nothing from the database


@pytest.mark.skipif(
    connection.vendor != "postgresql" or django_settings.DB_PREPARE_THRESHOLD is None,
    reason="prepared statements are PostgreSQL's, and DB_PREPARED_STATEMENTS=false turns them off",
)
def test_list_and_search_statements_are_prepared_once_repeated(shop):
    """psycopg prepares a storefront statement its connection has run `prepare_threshold` times
    (docs/decisions/0041); the answers stay the same."""
    from django.core.cache import cache

    lamp()
    answers = []
    for _ in range(django_settings.DB_PREPARE_THRESHOLD + 1):
        for params in ({}, {"q": "lamp"}):
            cache.clear()
            answers.append(shop.get(URL, {"currency": "USD", **params}).json())
    assert answers[::2] == [answers[0]] * len(answers[::2]) and answers[1::2] == [answers[1]] * len(answers[1::2])
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert any("ts_rank" in statement for statement in prepared)  # the search's page
    assert any("p.published_at AS o0" in statement for statement in prepared)  # the list's page, newest first


def test_detail_costs_a_fixed_number_of_queries(shop):
    from django.core.cache import cache

    item = lamp()
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert shop.get(f"{URL}{item.slug}/", {"currency": "USD"}).status_code == 200
    # rates, the product, its translations, media, prices, tiers and variants with their units
    assert len(captured) <= 7, [q["sql"][:80] for q in captured.captured_queries]


# Parameters, and the queries they cost: rates, facets and total, the page with its prices,
# availability, image and texts; a category is looked up when validated; a search no word
# matches counts again by trigram similarity.
LISTINGS = {
    "list": ({}, 3),
    "search": ({"q": "lamp"}, 3),
    "search, typo (trigram fallback)": ({"q": "moon lanp"}, 4),
    "search, CJK substring": ({"q": "韩纸"}, 3),
    "search by price, narrowed by price and stock": (
        {"q": "lamp", "price_min": "1", "in_stock": "false", "ordering": "price"},
        3,
    ),
    "mode and category": ({"mode": "b2c", "category": "home"}, 4),
}


@pytest.mark.parametrize(("params", "most"), LISTINGS.values(), ids=LISTINGS.keys())
def test_list_and_search_queries_do_not_grow_with_the_catalogue_or_the_page(shop, params, most):
    """As many queries for 2 products as for 12, for a page of 1 as of 12 (docs/decisions/0037)."""
    from django.core.cache import cache

    def queries(size):
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            body = shop.get(URL, {"currency": "USD", "page_size": size, **params}).json()
        assert len(body["results"]) == min(size, body["count"]) and body["count"] > 0, body
        return len(captured)

    for _ in range(2):
        lamp()
    small = [queries(1), queries(12)]
    for _ in range(10):
        lamp()
    large = [queries(1), queries(12)]
    assert small == large and len(set(small)) == 1, (small, large)
    assert small[0] == most


def test_typos_match_only_when_no_word_does(shop):
    def cup(title):
        texts = {"ko": {"title": "찻잔", "description": "백자"}, "en": {"title": title, "description": "Celadon."}}
        return lamp(translations=texts)

    teacup, teacups = cup("Porcelain teacup"), cup("Porcelain teacups")
    assert slugs(shop.get(URL, {"q": "teacup"})) == [teacup.slug]  # the word matches: not the near "teacups"
    assert set(slugs(shop.get(URL, {"q": "teacupz"}))) == {teacup.slug, teacups.slug}  # no word does: both near


def test_a_search_narrowed_by_price_stock_and_origin_orders_by_price(shop):
    dear = lamp(retail_price=Decimal("138000"))  # 100 USD
    cheap = lamp(retail_price=Decimal("13800"))  # 10 USD
    tea = {"ko": {"title": "찻사발", "description": "청자"}, "en": {"title": "Tea bowl", "description": "Celadon."}}
    lamp(retail_price=Decimal("1380"), translations=tea)
    params = {"q": "moon", "currency": "USD", "in_stock": "false", "origin": "KR", "ordering": "price"}
    body = shop.get(URL, params).json()
    assert [p["slug"] for p in body["results"]] == [cheap.slug, dear.slug] and body["count"] == 2
    assert slugs(shop.get(URL, {**params, "price_min": "50"})) == [dear.slug]
    assert slugs(shop.get(URL, {**params, "ordering": "-price"})) == [dear.slug, cheap.slug]


def test_the_search_document_keeps_the_publishing_time(shop):
    from listings.services import product_publish
    from marketplace.models import SearchDocument

    item = lamp()
    assert SearchDocument.objects.get(product=item).published_at == item.published_at
    product_unpublish(actor=owner_of(item.company), product=item)
    item = product_publish(actor=owner_of(item.company), product=item)
    assert SearchDocument.objects.get(product=item).published_at == item.published_at


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TOAST compression is PostgreSQL's")
@pytest.mark.django_db
def test_search_vectors_are_compressed_with_lz4_where_the_server_has_it():
    """ts_rank decompresses every match's vector: lz4 took 0.6-0.9 ms for 2,000 where pglz took 10
    (marketplace migration 0031)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
        (available,) = cursor.fetchone()
        cursor.execute(
            "SELECT attcompression FROM pg_attribute "
            "WHERE attrelid = 'marketplace_searchdocument'::regclass AND attname = 'search_vector'"
        )
        (method,) = cursor.fetchone()
    assert method == ("l" if available else "")

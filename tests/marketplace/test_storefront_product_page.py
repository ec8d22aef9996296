"""The product page (marketplace.product_page, a read model over plain rows) is exactly what the
detail serializer gives for the same product, in a fixed number of queries."""

import itertools
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from brands.models import Brand, Company
from brands.services import brand_suspend
from core.selectors import exchange_rates_get
from listings.models import ProductMedia, Variant
from listings.services import product_unpublish
from logistics.models import Backorder
from marketplace.api.serializers import StorefrontProductDetailSerializer
from marketplace.models import PlatformMark
from marketplace.selectors import storefront_product_get
from tests.core.test_media import upload_image
from tests.factories import OperatorFactory, active_brand, add_image, category, owner_of, product, published
from tests.logistics.helpers import network, receive

pytestmark = pytest.mark.django_db
URL = "/api/v1/storefront/products/"
SKUS = itertools.count()
LOCALES = ("ko", "en", "zh-hans", "ja", "es")
TEXTS = {
    "ko": {"title": "한지 달 무드등", "description": "손으로 뜬 닥나무 한지로 만든 무드등"},
    "en": {"title": "Hanji moon lamp", "description": "A mood lamp of hand-made mulberry paper."},
    "zh-hans": {"title": "韩纸月亮灯", "description": "手工桑皮纸制成的氛围灯"},
    "ja": {"title": "韓紙の月ランプ", "description": "手漉き韓紙のムードランプ"},
    "es": {"title": "Lámpara luna de hanji", "description": "Lámpara de papel de morera hecho a mano."},
}


def rich_product(api, *, variants: int = 5, images: int = 2, locales=LOCALES, tiers: int = 3):
    """A published product of an active brand's member, sold B2B and B2C, in `locales`, with an
    explicit USD price, `tiers` price tiers, `images` images (the first uploaded, so with a
    thumbnail and alt texts) and `variants` variants: low, plenty and no stock, then (from the
    fourth) sold beyond stock as preorders and made to order."""
    brand = active_brand()
    Brand.objects.filter(pk=brand.pk).update(name_translations={"ja": "月の工房", "en": "Moon Workshop"})
    member = brand.memberships.filter(role="member").first().company
    Company.objects.filter(pk=member.pk).update(name_translations={"en": "Moonlight Workshop"})
    member.refresh_from_db()
    schema = [{"code": "wattage", "type": "integer", "required": False}]
    item = product(
        member,
        with_image=False,
        brand=brand,
        category=category("home/lighting", schema=schema),
        mode="both",
        moq=10,
        order_multiple=5,
        lead_time_days=14,
        sample_policy="paid",
        incoterms=["FOB", "DAP"],
        attributes={"wattage": 5},
        translations={locale: TEXTS[locale] for locale in locales},
        retail_price=Decimal("69000"),
        b2c_prices={"USD": Decimal("49.90")},
        price_tiers=[{"min_quantity": 10 * (n + 1), "unit_price": Decimal(6900 - 500 * n)} for n in range(tiers)],
        variants=[
            {"sku": f"MOON-{next(SKUS)}", "weight_kg": Decimal("0.800") + n, "options": {"size": str(n)}}
            for n in range(variants)
        ],
    )
    if images:
        upload_image(api, item)  # as the owner: the reader is anonymous again below
        api.credentials()
        ProductMedia.objects.filter(product=item).update(alt_text={"en": "The lamp, lit", "ja": "灯したランプ"})
    for _ in range(images - 1):
        add_image(item)
    published(item)
    net = network()
    stock = dict(enumerate(item.variants.order_by("position", "pk")))
    receive(stock[0], net["icn"], settings.STOCK_LOW_THRESHOLD)
    if 1 in stock:
        receive(stock[1], net["lax"], 40)
    for n, variant in stock.items():
        if n >= 3:  # out of stock, sold beyond it: preorders with a date, made to order after its lead time
            preorder = n % 2
            Variant.objects.filter(pk=variant.pk).update(
                availability="preorder" if preorder else "made_to_order",
                preorder_cap=3 + n,
                lead_time_days=20 + n,
                expected_on=timezone.localdate() + timedelta(days=n) if preorder else None,
            )
    if 4 in stock:  # its cap used up by what waits for goods: out of stock again
        Backorder.objects.create(
            reference="test:full",
            variant=stock[4],
            kind="made_to_order",
            quantity=7,
            expected_on=timezone.localdate() + timedelta(days=24),
        )
    PlatformMark.objects.create(
        product=item,
        content_hash=item.content_hash,
        expires_at=timezone.now() + timedelta(days=30),
        awarded_by=OperatorFactory(),
    )
    cache.clear()
    return item


def serialized(item, lang: str, currency: str) -> bytes:
    """What the detail serializer gives for the product, rendered as the API renders it."""
    context = {"locale": lang, "currency": currency, "rates": exchange_rates_get()}
    data = StorefrontProductDetailSerializer(storefront_product_get(slug=item.slug), context=context).data
    return JSONRenderer().render(data)


@pytest.mark.parametrize(("lang", "currency"), [("ja", "JPY"), ("en", "KRW"), ("zh-hans", "USD"), ("es", "JPY")])
def test_product_page_equals_the_detail_serializer(api, lang, currency):
    item = rich_product(api, variants=6)
    response = api.get(f"{URL}{item.slug}/", {"lang": lang, "currency": currency})
    assert response.status_code == 200, response.json()
    expected = serialized(item, lang, currency)
    assert response.content == expected  # the same fields in the same order, the same lists, the same figures
    body = json.loads(response.content)
    # The figures themselves, so the two paths cannot agree on a wrong answer.
    assert [v["availability"] for v in body["variants"]] == [
        "low_stock",
        "in_stock",
        "out_of_stock",
        "preorder",
        "out_of_stock",  # made to order, its cap used up
        "preorder",
    ]
    today = timezone.localdate()
    assert [v["ships_on"] for v in body["variants"]][3:] == [
        str(today + timedelta(days=3)),
        None,
        str(today + timedelta(days=5)),
    ]
    assert body["variants"][1]["weight_kg"] == "1.800" and body["availability"] == "in_stock"
    assert (
        len(body["images"]) == 2 and body["images"][0]["thumbnail_url"] and body["images"][1]["thumbnail_url"] is None
    )
    assert body["image"] == body["images"][0]["thumbnail_url"]
    assert body["platform_mark"]["valid_until"] and body["origin_country"] == "KR"
    assert body["text"]["locale"] == lang and body["text"]["title"] == TEXTS[lang]["title"]
    if currency == "KRW":
        assert body["price"] == {"amount": "69000", "currency": "KRW"}
        assert [t["unit_price"]["amount"] for t in body["price_tiers"]] == ["6900", "6400", "5900"]
    if currency == "JPY":
        # 69,000 KRW at 1,380 KRW and 150 JPY per USD = 7,500 JPY; 6,900 KRW = 750 JPY.
        assert body["price"] == {"amount": "7500", "currency": "JPY"}
        assert body["price_tiers"][0]["unit_price"] == {"amount": "750", "currency": "JPY"}
    if currency == "USD":
        assert body["price"] == {"amount": "49.90", "currency": "USD"}
    if lang == "ja":
        assert body["brand"]["name"] == "月の工房" and body["images"][0]["alt"] == "灯したランプ"
    if lang == "en":
        assert body["company"]["name"] == "Moonlight Workshop"


def test_product_page_of_a_plain_product_equals_the_detail_serializer(api):
    """An independent B2C product with one image and no thumbnail, no tier, no stock, no mark and
    texts in Korean and English only."""
    item = published(product(translations={"ko": TEXTS["ko"], "en": TEXTS["en"]}))
    cache.clear()
    response = api.get(f"{URL}{item.slug}/", {"lang": "ja", "currency": "JPY"})
    assert response.content == serialized(item, "ja", "JPY")
    body = response.json()
    assert (body["brand"], body["price_tiers"], body["platform_mark"], body["images"][0]["thumbnail_url"]) == (
        None,
        [],
        None,
        None,
    )
    assert body["image"] == body["images"][0]["url"] and body["images"][0]["alt"] == ""
    assert body["text"]["locale"] == "ko" and body["availability"] == "out_of_stock"


def test_product_page_queries_do_not_grow_with_variants_images_tiers_and_texts(api):
    small = rich_product(api, variants=4, images=1, locales=("ko", "en"), tiers=1)
    large = rich_product(api, variants=8, images=4, locales=LOCALES, tiers=5)
    counts = []
    for item in (small, large):
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert api.get(f"{URL}{item.slug}/", {"currency": "USD", "lang": "es"}).status_code == 200
        counts.append(len(captured))
    # rates, the product with its texts, variants with their units, images, tiers; for the variants sold
    # beyond stock, their backorders and their preorders' inbound shipments
    assert counts[0] == counts[1] <= 7, counts


def test_product_page_is_404_unless_the_storefront_shows_the_product(api):
    item = rich_product(api, variants=1)
    assert api.get(f"{URL}{item.slug}/").status_code == 200
    product_unpublish(actor=owner_of(item.company), product=item)
    cache.clear()
    missing = api.get(f"{URL}{item.slug}/")
    assert missing.status_code == 404 and api.get(f"{URL}no-such-thing/").json() == missing.json()

    branded = rich_product(api, variants=1)
    brand_suspend(brand=branded.brand, actor=OperatorFactory(), reason="Quality complaints")
    cache.clear()
    assert api.get(f"{URL}{branded.slug}/").status_code == 404

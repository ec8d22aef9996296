"""The list's cards (marketplace.cards, a read model over plain rows) are exactly what the
product serializer gives for the same products."""

import json
from decimal import Decimal

import pytest
from rest_framework.renderers import JSONRenderer

from brands.models import Brand, Company
from core.selectors import exchange_rates_get
from listings.models import Product
from marketplace.api.serializers import StorefrontProductSerializer
from marketplace.selectors import storefront_with_details
from tests.core.test_media import upload_image
from tests.factories import active_brand, add_image, category, product, published
from tests.logistics.helpers import network, receive

pytestmark = pytest.mark.django_db
URL = "/api/v1/storefront/products/"
TEXTS = {
    "ko": {"title": "한지 달 무드등", "description": "손으로 뜬 닥나무 한지로 만든 무드등"},
    "en": {"title": "Hanji moon lamp", "description": "A mood lamp of hand-made mulberry paper."},
    "zh-hans": {"title": "韩纸月亮灯", "description": "手工桑皮纸制成的氛围灯"},
    "ja": {"title": "韓紙の月ランプ", "description": "手漉き韓紙のムードランプ"},
    "es": {"title": "Lámpara luna de hanji", "description": "Lámpara de papel de morera hecho a mano."},
}


@pytest.fixture
def catalogue(api, settings):
    """A branded B2B/B2C product in five locales with tiers, an explicit USD price, three
    variants (low, plenty and no stock) and a thumbnailed first image; a B2B-only product with
    Korean and English text only, no retail price and no stock; an independent B2C one in stock."""
    brand = active_brand(4)
    Brand.objects.filter(pk=brand.pk).update(name_translations={"ja": "月の工房"})
    member = brand.memberships.filter(role="member").first().company
    Company.objects.filter(pk=member.pk).update(name_translations={"en": "Moonlight Workshop"})
    member.refresh_from_db()
    both = product(
        member,
        with_image=False,
        brand=brand,
        mode="both",
        moq=10,
        translations=TEXTS,
        retail_price=Decimal("69000"),
        b2c_prices={"USD": Decimal("49.90")},
        price_tiers=[
            {"min_quantity": 10, "unit_price": Decimal("6900")},
            {"min_quantity": 50, "unit_price": Decimal("5900")},
        ],
        variants=[
            {"sku": "MOON-S", "weight_kg": Decimal("0.800"), "options": {"size": "S"}},
            {"sku": "MOON-M", "weight_kg": Decimal("1.200"), "options": {"size": "M"}},
            {"sku": "MOON-L", "weight_kg": Decimal("0.500"), "options": {"size": "L"}},
        ],
    )
    upload_image(api, both)  # with a thumbnail: the card shows it
    add_image(both)
    b2b = product(
        category=category("food/tea"),
        mode="b2b",
        moq=5,
        retail_price=None,
        translations={"ko": TEXTS["ko"], "en": TEXTS["en"]},
        price_tiers=[{"min_quantity": 5, "unit_price": Decimal("12345")}],
    )
    plain = product()
    for item in (both, b2b, plain):
        published(item)
    net = network()
    low, plenty, _ = both.variants.order_by("sku")
    receive(low, net["icn"], settings.STOCK_LOW_THRESHOLD)
    receive(plenty, net["lax"], 40)
    receive(plain.variants.get(), net["icn"], settings.STOCK_LOW_THRESHOLD)
    return [both, b2b, plain]


@pytest.mark.parametrize(
    ("lang", "currency"), [("en", "USD"), ("ja", "JPY"), ("zh-hans", "KRW"), ("es", "USD"), ("ko", "JPY")]
)
def test_list_cards_equal_the_product_serializer(api, catalogue, lang, currency):
    api.credentials()
    body = api.get(URL, {"lang": lang, "currency": currency}).json()
    context = {"locale": lang, "currency": currency, "rates": exchange_rates_get()}
    products = storefront_with_details(Product.objects.filter(pk__in=[p.pk for p in catalogue])).order_by(
        "-published_at", "-pk"
    )
    expected = json.loads(JSONRenderer().render(StorefrontProductSerializer(products, many=True, context=context).data))
    assert body["results"] == expected
    cards = {card["slug"]: card for card in body["results"]}
    both, b2b, plain = (cards[item.slug] for item in catalogue)
    # The figures themselves, so the two paths cannot agree on a wrong answer.
    assert (both["availability"], b2b["availability"], plain["availability"]) == (
        "in_stock",
        "out_of_stock",
        "low_stock",
    )
    assert b2b["text"]["locale"] == ("en" if lang == "en" else "ko") and b2b["brand"] is None
    first_image = catalogue[0].media.order_by("position", "pk").first()
    assert first_image.thumbnail and both["image"] == first_image.thumbnail.url
    assert both["text"]["locale"] == lang
    if currency == "USD":
        assert both["price"] == {"amount": "49.90", "currency": "USD"}
    if currency == "JPY":
        # 69,000 KRW at 1,380 KRW and 150 JPY per USD = 7,500 JPY; tiers only: 12,345 KRW = 1,342 JPY.
        assert both["price"] == {"amount": "7500", "currency": "JPY"}
        assert b2b["price"] == {"amount": "1342", "currency": "JPY"}
    if lang == "ja":
        assert both["brand"]["name"] == "月の工房"
    if lang == "en":
        assert both["company"]["name"] == "Moonlight Workshop"

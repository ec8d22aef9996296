"""The demo catalogue (listings/demo.py) as `load_demo` builds it: idempotent, and showing every
part of the listings app: both brands, B2C, B2B and both, five locales, the lifecycle with
inspections, and drafts that the completeness report explains.
tests/test_demo.py runs these checks on its one load of the whole demo (a load takes half a minute).
"""

from decimal import Decimal

from django.conf import settings
from stdnum import ean

from brands.models import Brand
from listings.demo.catalogue import ITEMS
from listings.models import (
    Category,
    Inspection,
    Product,
    ProductEvent,
    ProductMedia,
    ProductRevision,
    ProductTranslation,
    Variant,
)
from listings.services import product_missing_items, product_passed_inspection

MODELS = [Category, Product, Variant, ProductMedia, ProductTranslation, ProductEvent, Inspection]
S = Product.Status


def after_first_load(first: str):
    assert f"products: {len(ITEMS)} created" in first
    check_the_catalogue_shows_every_part_of_listings()
    return None


def after_second_load(second: str, state) -> None:
    assert f"products: 0 created, {len(ITEMS)} already there" in second
    assert "categories: 0 created" in second
    assert "nothing changed" in second


def check_the_catalogue_shows_every_part_of_listings():
    products = Product.objects.prefetch_related("translations", "variants", "price_tiers", "media")
    assert products.count() >= 55
    published = products.filter(status=S.PUBLISHED)
    assert published.count() >= 40

    # A published product with an edit held for review.
    assert ProductRevision.objects.filter(status="pending", product__status=S.PUBLISHED).count() == 1

    # Both active brands have products; the forming brand's companies sell on their own.
    for name in ("Hanji Living", "Seoul Beauty Lab"):
        assert published.filter(brand__name=name).count() >= 15
    assert not products.filter(brand__status=Brand.Status.FORMING).exists()
    assert products.filter(brand__isnull=True, status=S.PUBLISHED).count() >= 3

    # Sale modes: B2B terms with tiers starting at the MOQ and falling, and some sold both ways.
    b2b = [p for p in products.filter(mode=Product.Mode.B2B) if p.price_tiers.all()]
    both = list(products.filter(mode=Product.Mode.BOTH))
    assert len(b2b) >= 3 and len(both) >= 5
    for product in b2b + both:
        tiers = list(product.price_tiers.all())
        assert 2 <= len(tiers) <= 3
        assert tiers[0].min_quantity == product.moq
        assert [t.unit_price_amount for t in tiers] == sorted((t.unit_price_amount for t in tiers), reverse=True)
        assert product.moq % product.order_multiple == 0
        assert set(product.incoterms) <= {"FOB", "CIF", "EXW"}
    for product in products.filter(mode=Product.Mode.BOTH):
        assert (
            product.retail_price_amount and product.retail_price_amount > product.price_tiers.first().unit_price_amount
        )

    # Five locales for at least 80% of the products.
    full = [p for p in products if {t.locale for t in p.translations.all()} == set(settings.CONTENT_LOCALES)]
    assert len(full) >= 0.8 * products.count()

    # Prices in whole won; USD and JPY overrides in their own minor units.
    for product in products.exclude(retail_price_amount=None):
        assert product.retail_price_amount == product.retail_price_amount.to_integral_value()
        for price in product.b2c_prices.all():
            places = {"USD": Decimal("0.01"), "JPY": Decimal(1)}[price.currency]
            assert price.amount == price.amount.quantize(places)
    assert products.filter(b2c_prices__currency="USD").distinct().count() >= 20

    # Variants: 1 to 3 each, weight and dimensions on every one, valid GTINs where given.
    for product in products:
        assert 1 <= len(product.variants.all()) <= 3
    assert not Variant.objects.filter(weight_kg=None).exists()
    assert not Variant.objects.filter(length_cm=None).exists()
    gtins = list(Variant.objects.exclude(gtin="").values_list("gtin", flat=True))
    assert len(gtins) >= 20 and all(len(g) == 13 and ean.is_valid(g) for g in gtins)
    assert len(set(gtins)) == len(gtins)

    # Published products are complete, have images with Korean and English alt text, and the
    # brand ones passed an inspection against their brand's current standard.
    for product in published:
        assert not product_missing_items(product)
        assert all({"ko", "en"} <= set(m.alt_text) for m in product.media.all())
        if product.brand_id:
            assert product_passed_inspection(product) is not None
        kinds = list(product.events.values_list("kind", flat=True))
        assert kinds[0] == "created" and kinds[-1] == "published"
        assert {"submitted", "approved"} <= set(kinds)
    assert ProductMedia.objects.filter(width=800, height=800).count() == ProductMedia.objects.count() >= 60

    # Drafts left unfinished on purpose: each says what is missing.
    drafts = products.filter(status=S.DRAFT)
    assert drafts.count() >= 4
    missing = {}
    for product in drafts:
        items = product_missing_items(product)
        assert items, product.slug
        missing.update(items)
    assert {"media", "translations.en.description", "attributes.wattage", "price_tiers"} <= set(missing)

    # Two products wait in review after a failed inspection; one failed, was fixed and passed.
    failed = Inspection.objects.filter(outcome=Inspection.Outcome.FAILED)
    assert failed.count() == 3
    waiting = {i.product_id for i in failed if i.product.status == S.IN_REVIEW}
    assert len(waiting) == 2
    assert all(i.results.filter(passed=False).exists() and i.defects.exists() for i in failed)
    assert products.filter(status=S.IN_REVIEW).count() >= 3
    assert products.filter(status=S.APPROVED).exists()

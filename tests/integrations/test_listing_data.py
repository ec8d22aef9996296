"""The one ListingData builder (plain rows, no model instances) against the model-based reading it
replaced, over a varied catalogue, and its image URLs against what the storage itself gives."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.storage import FileSystemStorage, InMemoryStorage

from integrations.connectors.base import CompanyProfile, ListingData, VariantData
from integrations.readiness import listing_missing_items
from integrations.selectors import _image_urls_maker, listing_data_for, listing_data_list, products_for_listing
from listings.models import PriceTier, Product, ProductMedia, Variant
from listings.services import product_missing_items
from logistics.models import Stock
from logistics.selectors import variant_available_units
from tests.factories import active_brand, add_image, category, company_with_owner, product
from tests.integrations.syndication_helpers import listable, texts
from tests.logistics.helpers import warehouse

pytestmark = pytest.mark.django_db


def _reference(product_ids) -> list[ListingData]:
    """The model-based reading (what integrations.selectors did before): prefetched instances,
    FieldFile.url for images."""

    def url(media):
        found = media.image.url
        return settings.PUBLIC_BASE_URL.rstrip("/") + found if found.startswith("/") else found

    products = list(products_for_listing(product_ids))
    available = variant_available_units([v.pk for p in products for v in p.variants.all()])
    return [
        ListingData(
            product_id=p.pk,
            reference=p.slug,
            content_hash=p.content_hash,
            mode=p.mode,
            category_path=p.category.path,
            hs_code=p.hs_code,
            origin_country=str(p.origin_country or ""),
            material=p.material,
            attributes=dict(p.attributes or {}),
            titles={t.locale: t.title for t in p.translations.all()},
            descriptions={t.locale: t.description for t in p.translations.all()},
            image_urls=tuple(url(m) for m in p.media.all()),
            base_currency=p.base_currency,
            retail_price=p.retail_price_amount,
            prices={b.currency: b.amount for b in p.b2c_prices.all()},
            moq=p.moq,
            order_multiple=p.order_multiple,
            lead_time_days=p.lead_time_days,
            incoterms=tuple(p.incoterms or ()),
            tiers=tuple((t.min_quantity, t.unit_price_amount) for t in p.price_tiers.all()),
            variants=tuple(
                VariantData(
                    sku=v.sku,
                    gtin=v.gtin,
                    options=dict(v.options or {}),
                    weight_kg=v.weight_kg,
                    dimensions_cm=(v.length_cm, v.width_cm, v.height_cm),
                    available=available.get(v.pk, 0),
                )
                for v in p.variants.all()
            ),
            company=CompanyProfile(
                id=p.company_id,
                legal_name=p.company.legal_name,
                country=str(p.company.country),
                sector=p.company.sector,
            ),
            brand=p.brand.name if p.brand_id else None,
        )
        for p in products
    ]


def _catalogue() -> list[int]:
    company = company_with_owner()
    plain = listable(company)  # four locales, two images, one variant, no stock
    brand = active_brand()
    branded = listable(brand.lead_company, brand=brand, locales=("ko", "en"), images=3)
    both = product(
        company,
        category=category("home/tableware"),
        mode="both",
        moq=10,
        order_multiple=5,
        lead_time_days=21,
        incoterms=["FOB", "EXW"],
        translations=texts(7, locales=("ja", "ko", "en", "zh-hans")),
        b2c_prices={"USD": Decimal("24.5000"), "JPY": Decimal("3600")},
        price_tiers=[
            {"min_quantity": 10, "unit_price": Decimal("18000")},
            {"min_quantity": 100, "unit_price": Decimal("15000")},
        ],
        variants=[
            {"sku": "BOTH-L", "weight_kg": Decimal("1.200"), "options": {"size": "L", "glaze": "celadon"}},
            {"sku": "BOTH-S", "weight_kg": None, "gtin": "8801234567893", "length_cm": Decimal("12.5")},
            {"sku": "BOTH-M", "weight_kg": Decimal("0.700"), "options": {}},
        ],
    )
    # Images whose stored names the storage quotes (space, Hangul) next to a plain one.
    for name in ("glazed bowl.png", "청자.png"):  # stored as given (uploads get cleaned names)
        ProductMedia.objects.filter(pk=add_image(both).pk).update(image=f"products/{both.pk}/{name}")
    # Tiers and image positions against creation order: tiers by quantity, images by position, then id.
    PriceTier.objects.filter(product=both, min_quantity=10).update(min_quantity=500)
    first, second, *_ = both.media.order_by("pk")
    ProductMedia.objects.filter(pk=first.pk).update(position=5)
    ProductMedia.objects.filter(pk=second.pk).update(position=1)
    bare = product(company, with_image=False, origin_country="", variants=[])  # a draft: no image, no variant
    hub, dc = warehouse("kr-hub", country="KR"), warehouse("us-dc")
    large, medium, _small = Variant.objects.filter(product=both).order_by("sku").values_list("pk", flat=True)[:3]
    Stock.objects.create(variant_id=large, warehouse=hub, on_hand=30, reserved=4)
    Stock.objects.create(variant_id=large, warehouse=dc, on_hand=7)
    Stock.objects.create(variant_id=medium, warehouse=dc, on_hand=5, reserved=5)  # all promised: 0
    return [bare.pk, both.pk, branded.pk, plain.pk, 999_999_999]  # unordered, with an unknown id


def test_rows_builder_gives_the_same_listing_data_as_the_model_reading(django_assert_max_num_queries):
    ids = _catalogue()
    expected = _reference(ids)
    with django_assert_max_num_queries(7):
        built = listing_data_for(ids)
    assert built == expected
    assert [d.product_id for d in built] == sorted(ids)[:4]  # id order; unknown ids left out
    # The catalogue really is varied (else the comparison proves little).
    both = next(d for d in built if d.tiers)
    assert both.tiers == ((100, Decimal("15000.0000")), (500, Decimal("18000.0000")))
    assert both.prices == {"JPY": Decimal("3600.0000"), "USD": Decimal("24.5000")}
    assert list(both.titles) == ["en", "ja", "ko", "zh-hans"]
    assert sorted(v.available for v in both.variants) == [0, 0, 33]
    assert any("%20" in u for u in both.image_urls) and any("%EC%B2%AD" in u for u in both.image_urls)
    assert {d.brand is None for d in built} == {True, False}
    assert any(not d.image_urls and not d.variants for d in built)
    assert [pair[1] for pair in listing_data_list(ids)] == expected


@pytest.mark.parametrize(
    "base_url",
    [
        None,  # InMemoryStorage on MEDIA_URL
        "/media/",
        "media",
        "https://cdn.example.com/m/",
        "https://cdn.example.com",
        "https://cdn.example.com/a//b/./c/../",
        "https://cdn.example.com/m/?v=1",
        "",
        "s3://bucket/",
    ],
)
def test_image_urls_are_the_storages_own(base_url, monkeypatch):
    storage = InMemoryStorage() if base_url is None else FileSystemStorage(base_url=base_url)
    monkeypatch.setattr(ProductMedia._meta.get_field("image"), "storage", storage)
    url = _image_urls_maker()
    public = settings.PUBLIC_BASE_URL.rstrip("/")
    names = [
        "products/1/lamp.png",
        "products/1/lamp_AbC-9~(1)!*'.png",
        "products/1/a b.png",
        "products/1/청자.png",
        "products/1/../2/x.png",
        "products/1/./x.png",
        "products//1/x.png",
        "/products/1/x.png",
        "products/1/.hidden",
        "products/1/x:y.png",
        "products/1/x?y#z.png",
        "products\\1\\x.png",
        "products/1/",
    ]
    for name in names:
        own = storage.url(name)
        assert url(name) == (public + own if own.startswith("/") else own), name
    with pytest.raises(ValueError):
        url("")


def test_readiness_from_the_rows_names_what_the_product_itself_misses():
    ids = _catalogue()
    # Items the rows must catch too: a B2B product without tiers or MOQ, one missing a required
    # attribute, a variant without a weight and customs set on the variants only.
    company = company_with_owner()
    schema = [{"code": "glaze", "type": "text", "required": True}]
    b2b = product(company, category=category("home/glazed", schema=schema), mode="b2b", moq=None)
    Variant.objects.filter(product=b2b).update(weight_kg=None, hs_code="691200", origin_country="KR")
    Product.objects.filter(pk=b2b.pk).update(hs_code="", origin_country="")
    ids.append(b2b.pk)

    pairs = listing_data_list(ids)

    assert len(pairs) == 5
    for facts, data in pairs:
        expected = product_missing_items(Product.objects.get(pk=facts.pk))
        assert dict(listing_missing_items(facts, data)) == dict(expected)
    found = dict(listing_missing_items(*pairs[-1]))
    assert {"moq", "price_tiers", "attributes.glaze", "variants.0.weight_kg"} <= set(found)
    assert "hs_code" not in found and "origin_country" not in found  # the variants carry them
    assert any("media" in dict(listing_missing_items(f, d)) for f, d in pairs)  # the bare draft

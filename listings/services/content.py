"""Product content: what still stops a product from going live, and the hash of what outside
channels see (syndication compares it to find what changed)."""

import hashlib
import json

from django.conf import settings

from listings.models import (
    Product,
)
from listings.signals import product_changed
from listings.validation import (
    FieldErrors,
    check_attributes,
)

S = Product.Status
M = Product.Mode


def product_missing_items(product: Product) -> FieldErrors:
    """What still stops the product from being submitted or published, every item named."""
    return missing_items_of(
        mode=product.mode,
        retail_price=product.retail_price_amount,
        moq=product.moq,
        hs_code=product.hs_code,
        origin_country=product.origin_country,
        attributes=product.attributes,
        attribute_schema=product.category.attribute_schema,
        texts={t.locale: (t.title, t.description) for t in product.translations.all()},
        price_tiers=product.price_tiers.all(),
        media=product.media.all(),
        variants=[(v.sku, v.weight_kg, v.hs_code, v.origin_country) for v in product.variants.all()],
    )


def missing_items_of(
    *,
    mode: str,
    retail_price,
    moq,
    hs_code: str,
    origin_country,
    attributes: dict,
    attribute_schema: list,
    texts: dict[str, tuple[str, str]],
    price_tiers,
    media,
    variants: list[tuple],
) -> FieldErrors:
    """product_missing_items from plain values, so syndication's readiness checks the rows it
    already read: texts are locale -> (title, description), variants (sku, weight_kg, hs_code,
    origin_country); price_tiers and media are only tested for emptiness (a lazy queryset is
    read only for a B2B product's tiers)."""
    missing = FieldErrors()
    for locale in dict.fromkeys([settings.CONTENT_DEFAULT_LOCALE, "en"]):
        title, description = texts.get(locale, ("", ""))
        if not title.strip():
            missing.add(f"translations.{locale}.title", "missing", f"A title in {locale} is required.")
        if not description.strip():
            missing.add(f"translations.{locale}.description", "missing", f"A description in {locale} is required.")
    if mode in (M.B2C, M.BOTH) and retail_price is None:
        missing.add("retail_price", "missing", "A B2C product needs a retail price.")
    if mode in (M.B2B, M.BOTH):
        if not moq:
            missing.add("moq", "missing", "A B2B product needs a minimum order quantity.")
        if not price_tiers:
            missing.add("price_tiers", "missing", "A B2B product needs at least one price tier.")
    if not variants:
        missing.add("variants", "missing", "At least one variant (SKU) is required.")
    if not hs_code and not (variants and all(v[2] for v in variants)):
        missing.add("hs_code", "missing", "An HS code is required for customs.")
    if not origin_country and not (variants and all(v[3] for v in variants)):
        missing.add("origin_country", "missing", "The country of origin is required for customs.")
    for i, (sku, weight_kg, _, _) in enumerate(variants):
        if weight_kg is None:
            missing.add(f"variants.{i}.weight_kg", "missing", f"Variant {sku} needs a weight.")
    if not media:
        missing.add("media", "missing", "At least one image is required.")
    check_attributes(attributes, attribute_schema, missing, complete=True)
    return missing


# --- content hash -------------------------------------------------------------------------


def _num(value) -> str | None:
    """Decimals in one spelling, so 45000 and 45000.0000 hash alike."""
    return None if value is None else format(value.normalize(), "f")


def product_content(product: Product) -> dict:
    """Everything an outside channel sees, in a canonical shape."""
    return product_content_of(
        product,
        b2c_prices=product.b2c_prices.all(),
        price_tiers=product.price_tiers.all(),
        translations=product.translations.all(),
        media=product.media.all(),
        variants=product.variants.all(),
    )


def product_content_of(product: Product, *, b2c_prices, price_tiers, translations, media, variants) -> dict:
    """product_content from given rows, so the bulk import hashes what it is about to write
    without reading it back; tiers and variants in their model ordering."""
    return {
        "category": product.category.path,
        "brand": product.brand.slug if product.brand_id else None,
        "mode": product.mode,
        "currency": product.base_currency,
        "customs": [product.hs_code, str(product.origin_country), product.material],
        "attributes": product.attributes,
        "retail_price": _num(product.retail_price_amount),
        "b2c_prices": {p.currency: _num(p.amount) for p in b2c_prices},
        "b2b": [product.moq, product.order_multiple, product.lead_time_days, product.sample_policy, product.incoterms],
        "tiers": [[t.min_quantity, _num(t.unit_price_amount)] for t in price_tiers],
        "texts": {t.locale: [t.title, t.description] for t in translations},
        "images": [[m.sha256, m.alt_text] for m in media],
        "variants": [
            [v.sku, v.gtin, v.options, str(v.hs_code), str(v.origin_country)]
            + [_num(getattr(v, f)) for f in ("weight_kg", "length_cm", "width_cm", "height_cm")]
            for v in variants
        ],
    }


def content_digest(content: dict) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def product_refresh_content_hash(*, product: Product) -> bool:
    """Recomputes the hash; True when the content channels see has changed."""
    digest = content_digest(product_content(product))
    if digest == product.content_hash:
        return False
    product.content_hash = digest
    Product.objects.filter(pk=product.pk).update(content_hash=digest)
    if product.status == S.PUBLISHED:
        # Only published content is seen outside; status changes announce themselves in _move.
        product_changed.send(sender=Product, product_id=product.pk)
    return True


# --- create and edit ----------------------------------------------------------------------

"""The storefront's product page as a read model: the product and what its page shows from four
plain SQL queries over the product's own rows, whatever the size of the catalogue and however
many variants, images, tiers and texts it has, rendered by a plain function with no model
instance and no serializer (docs/decisions/0038). The JSON is exactly what
`StorefrontProductDetailSerializer` gives for the same product; that serializer stays the
page's OpenAPI schema and the reference a test compares this with."""

from django.db import connections, router
from django.http import Http404
from django.utils import timezone

from brands.models import Brand, Company
from core.api.fields import CountryField
from core.locales import fallback_chain, localized
from core.money import Money
from core.selectors import RateTable
from core.sql import table, typed_rows
from listings.models import B2CPrice, Category, PriceTier, Product, ProductMedia, ProductTranslation, Variant
from logistics.backorder_selectors import backorder_units_left, variant_ship_dates
from logistics.models import Stock
from marketplace.cards import PUBLISHED_AT
from marketplace.models import PlatformMark
from marketplace.selectors import (
    EXPLICIT_PRICE_SQL,
    STOREFRONT_VISIBLE_PARAMS,
    STOREFRONT_VISIBLE_SQL,
    price_shown,
    stock_availability,
)

# The serializer's own field, so the country is written exactly as the API writes it elsewhere.
ORIGIN_COUNTRY = CountryField()


def _field(model, name: str):
    return model._meta.get_field(name)


# Each query's columns as the model fields they come from (core.sql.typed_rows).
PRODUCT_FIELDS = (
    _field(Product, "id"),
    _field(Product, "slug"),
    _field(Product, "mode"),
    _field(Product, "moq"),
    _field(Product, "published_at"),
    _field(Product, "retail_price_amount"),
    _field(Product, "base_currency"),
    _field(Product, "origin_country"),
    _field(Product, "material"),
    _field(Product, "attributes"),
    _field(Product, "order_multiple"),
    _field(Product, "lead_time_days"),
    _field(Product, "sample_policy"),
    _field(Product, "incoterms"),
    _field(Category, "path"),
    _field(Product, "company"),
    _field(Company, "legal_name"),
    _field(Company, "name_translations"),
    _field(Brand, "slug"),
    _field(Brand, "name"),
    _field(Brand, "name_translations"),
    _field(B2CPrice, "amount"),  # the explicit price in the reader's currency
    _field(PlatformMark, "expires_at"),  # the mark that holds, if any
)
VARIANT_FIELDS = (
    _field(Variant, "id"),
    _field(Variant, "sku"),
    _field(Variant, "options"),
    _field(Variant, "weight_kg"),
    _field(Variant, "availability"),
    _field(Variant, "preorder_cap"),
    _field(Variant, "lead_time_days"),
    _field(Variant, "expected_on"),
    _field(Stock, "on_hand"),  # the units available over every warehouse
)
MEDIA_FIELDS = tuple(_field(ProductMedia, name) for name in ("image", "thumbnail", "alt_text", "width", "height"))
TIER_FIELDS = (_field(PriceTier, "min_quantity"), _field(PriceTier, "unit_price_amount"))
TEXT_FIELDS = (_field(ProductTranslation, "title"), _field(ProductTranslation, "description"))


def _product_row(connection, slug: str, currency: str, chain: list[str]) -> tuple[tuple, dict]:
    """The product, if the storefront shows it (marketplace.selectors.storefront_visible: published,
    and independent or of an active brand), with its category, company and brand, its explicit
    price in `currency`, the expiry of its platform mark (marketplace.selectors.platform_mark_valid:
    awarded, not expired, for the content the product has now); and its title and description
    per locale of the reader's fallback `chain` that it has, a join per locale (three at most)."""
    texts = range(len(chain))
    text_joins = " ".join(
        f"LEFT JOIN {table(ProductTranslation)} t{n} ON t{n}.product_id = p.id AND t{n}.locale = %s" for n in texts
    )
    sql = f"""
        SELECT p.id, p.slug, p.mode, p.moq, p.published_at, p.retail_price_amount, p.base_currency,
            p.origin_country, p.material, p.attributes, p.order_multiple, p.lead_time_days,
            p.sample_policy, p.incoterms, c.path, p.company_id, co.legal_name, co.name_translations,
            b.slug, b.name, b.name_translations,
            {EXPLICIT_PRICE_SQL},
            (SELECT m.expires_at FROM {table(PlatformMark)} m
                WHERE m.product_id = p.id AND m.status = %s AND m.expires_at > %s AND m.content_hash = p.content_hash
                ORDER BY m.id DESC LIMIT 1),
            {", ".join(f"t{n}.title, t{n}.description" for n in texts)}
        FROM {table(Product)} p
        JOIN {table(Category)} c ON c.id = p.category_id
        JOIN {table(Company)} co ON co.id = p.company_id
        LEFT JOIN {table(Brand)} b ON b.id = p.brand_id
        {text_joins}
        WHERE p.slug = %s AND {STOREFRONT_VISIBLE_SQL}
    """  # noqa: S608 - table names from the models, values bound as parameters
    params = [
        currency,
        PlatformMark.Status.AWARDED,
        connection.ops.adapt_datetimefield_value(timezone.now()),
        *chain,
        slug,
        *STOREFRONT_VISIBLE_PARAMS,
    ]
    rows = typed_rows(connection, sql, params, PRODUCT_FIELDS + TEXT_FIELDS * len(chain))
    if not rows:
        raise Http404("No such product in the storefront.")
    row, found = rows[0][: len(PRODUCT_FIELDS)], rows[0][len(PRODUCT_FIELDS) :]
    # A title is never null: a null one is a locale the product has no text in.
    return row, {chain[n]: (found[2 * n], found[2 * n + 1]) for n in texts if found[2 * n] is not None}


def _variant_rows(connection, product_id: int) -> list[tuple]:
    """The variants in their order, with the units available over every warehouse."""
    sql = f"""
        SELECT v.id, v.sku, v.options, v.weight_kg, v.availability, v.preorder_cap, v.lead_time_days,
            v.expected_on,
            COALESCE((SELECT SUM(s.on_hand - s.reserved) FROM {table(Stock)} s WHERE s.variant_id = v.id), 0)
        FROM {table(Variant)} v
        WHERE v.product_id = %s
        ORDER BY v.position, v.id
    """  # noqa: S608 - table names from the models, values bound as parameters
    return typed_rows(connection, sql, [product_id], VARIANT_FIELDS)


def _variants_shown(rows: list[tuple]) -> list[dict]:
    """Each variant's stock state, or its preorder or made-to-order state and ship date while it
    sells beyond stock (logistics.backorder_selectors' rules)."""
    # Only a variant out of stock and sold beyond it needs those rules: built as the instances
    # they take, from the columns they read (at most two more queries, none without such a variant).
    beyond = [
        Variant(id=pk, availability=availability, preorder_cap=cap, lead_time_days=lead_days, expected_on=expected_on)
        for pk, _sku, _options, _weight, availability, cap, lead_days, expected_on, units in rows
        if units <= 0 and availability != Variant.Availability.IN_STOCK
    ]
    left, dates = backorder_units_left(beyond), variant_ship_dates(beyond)
    return [
        {
            "sku": sku,
            "options": options,
            "weight_kg": None if weight is None else str(weight),  # a Decimal string, never a float
            "availability": availability if left.get(pk) else stock_availability(units),
            "ships_on": dates[pk] if left.get(pk) else None,
        }
        for pk, sku, options, weight, availability, _cap, _lead_days, _expected_on, units in rows
    ]


def storefront_product_page(*, slug: str, locale: str, currency: str, rates: RateTable) -> dict:
    """The product page of `slug` in the reader's locale and currency; 404 unless the storefront
    shows the product."""
    connection = connections[router.db_for_read(Product)]  # a replica, where the request reads from one
    chain = fallback_chain(locale)
    (
        (
            pk,
            slug,
            mode,
            moq,
            published_at,
            retail_price,
            base_currency,
            origin_country,
            material,
            attributes,
            order_multiple,
            lead_time_days,
            sample_policy,
            incoterms,
            category_path,
            company_id,
            company_name,
            company_names,
            brand_slug,
            brand_name,
            brand_names,
            override,
            mark_until,
        ),
        texts,
    ) = _product_row(connection, slug, currency, chain)
    variants = _variant_rows(connection, pk)
    media = typed_rows(
        connection,
        f"SELECT image, thumbnail, alt_text, width, height FROM {table(ProductMedia)} "  # noqa: S608
        "WHERE product_id = %s ORDER BY position, id",
        [pk],
        MEDIA_FIELDS,
    )
    tiers = typed_rows(
        connection,
        f"SELECT min_quantity, unit_price_amount FROM {table(PriceTier)} "  # noqa: S608
        "WHERE product_id = %s ORDER BY min_quantity",
        [pk],
        TIER_FIELDS,
    )
    text_locale = next((candidate for candidate in chain if candidate in texts), None)
    title, description = texts.get(text_locale, ("", ""))
    price = price_shown(
        retail_price=retail_price,
        base_currency=base_currency,
        currency=currency,
        rates=rates,
        override=override,
        lowest_tier=min((amount for _quantity, amount in tiers), default=None),
    )
    storage = _field(ProductMedia, "image").storage
    # The best state over the variants: in stock over low over out, which only grows with the units.
    availability = stock_availability(max((row[-1] for row in variants), default=0))
    return {
        "slug": slug,
        "text": {"title": title, "description": description, "locale": text_locale},
        "brand": None
        if brand_slug is None
        else {"slug": brand_slug, "name": localized(brand_names, locale)[0] or brand_name},
        "company": {"id": company_id, "name": localized(company_names, locale)[0] or company_name},
        "category": category_path,
        "mode": mode,
        "price": None if price is None else price.as_dict(),
        "moq": moq,
        "image": storage.url(media[0][1] or media[0][0]) if media else None,
        "availability": availability,
        "published_at": PUBLISHED_AT.to_representation(published_at),
        "origin_country": ORIGIN_COUNTRY.to_representation(origin_country),
        "material": material,
        "attributes": attributes,
        "variants": _variants_shown(variants),
        "images": [
            {
                "url": storage.url(image),
                "thumbnail_url": storage.url(thumbnail) if thumbnail else None,
                "alt": localized(alt_text, locale)[0] or "",
                "width": width,
                "height": height,
            }
            for image, thumbnail, alt_text, width, height in media
        ],
        "order_multiple": order_multiple,
        "lead_time_days": lead_time_days,
        "sample_policy": sample_policy,
        "incoterms": incoterms,
        "price_tiers": [
            {"min_quantity": quantity, "unit_price": rates.convert(Money(amount, base_currency), currency).as_dict()}
            for quantity, amount in tiers
        ],
        "platform_mark": None if mark_until is None else {"valid_until": mark_until},
    }

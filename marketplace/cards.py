"""The storefront's product card as a read model: a page of cards from plain rows (three
queries whatever the page size) rendered by a plain function, with no model instance and no
ModelSerializer on the way (docs/decisions/0036). The JSON is exactly what
`StorefrontProductSerializer` gives for the same product, which the product page still uses."""

from collections.abc import Iterable

from django.db.models import F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from rest_framework.fields import DateTimeField

from core.locales import fallback_chain, localized
from core.lookups import any_of
from core.selectors import RateTable
from listings.models import B2CPrice, PriceTier, Product, ProductMedia, ProductTranslation, Variant
from logistics.models import Stock
from marketplace.selectors import price_shown, stock_availability

CARD_COLUMNS = (
    "pk",
    "slug",
    "mode",
    "moq",
    "published_at",
    "retail_price_amount",
    "base_currency",
    "category__path",
    "company_id",
    "company__legal_name",
    "company__name_translations",
    "brand__slug",
    "brand__name",
    "brand__name_translations",
)

# The serializer's own field, so the timestamp is written exactly as the API writes every other.
PUBLISHED_AT = DateTimeField()


def storefront_card_rows(products: QuerySet[Product]) -> QuerySet:
    """The list's products as the card's columns, for the paginator to slice."""
    return products.values(*CARD_COLUMNS)


def _card_extras(product_ids: list[int], currency: str) -> dict[int, tuple]:
    """Per product of the page: the explicit price in `currency`, the lowest tier, the most
    units any of its variants has available (the card shows the best availability, which grows
    with the units), and the first image's stored names. Correlated subqueries over the page's
    ids only."""
    override = B2CPrice.objects.filter(product=OuterRef("pk"), currency=currency).values("amount")[:1]
    lowest_tier = PriceTier.objects.filter(product=OuterRef("pk")).order_by("unit_price_amount")
    units = (
        Stock.objects.filter(variant=OuterRef("pk"))
        .order_by()
        .values("variant")
        .annotate(units=Sum(F("on_hand") - F("reserved")))
        .values("units")
    )
    best_units = (
        Variant.objects.filter(product=OuterRef("pk"))
        .annotate(units=Coalesce(Subquery(units), 0))
        .order_by("-units")
        .values("units")[:1]
    )
    first_media = ProductMedia.objects.filter(product=OuterRef("pk")).order_by("position", "pk")
    rows = (
        Product.objects.filter(any_of("pk", product_ids))
        .order_by()
        .annotate(
            override=Subquery(override),
            lowest_tier=Subquery(lowest_tier.values("unit_price_amount")[:1]),
            best_units=Coalesce(Subquery(best_units), Value(0)),
            image_name=Subquery(first_media.values("image")[:1]),
            thumbnail_name=Subquery(first_media.values("thumbnail")[:1]),
        )
        .values_list("pk", "override", "lowest_tier", "best_units", "image_name", "thumbnail_name")
    )
    return {row[0]: row[1:] for row in rows}


def _card_texts(product_ids: list[int], locale: str) -> dict[int, dict[str, tuple[str, str]]]:
    """The title and description per product and locale, in the reader's fallback chain only."""
    texts: dict[int, dict[str, tuple[str, str]]] = {}
    rows = ProductTranslation.objects.filter(any_of("product_id", product_ids), locale__in=fallback_chain(locale))
    for product_id, text_locale, title, description in rows.order_by().values_list(
        "product_id", "locale", "title", "description"
    ):
        texts.setdefault(product_id, {})[text_locale] = (title, description)
    return texts


def storefront_cards(rows: Iterable[dict], *, locale: str, currency: str, rates: RateTable) -> list[dict]:
    """The cards of a page of `storefront_card_rows`, in its order."""
    rows = list(rows)
    if not rows:
        return []
    ids = [row["pk"] for row in rows]
    extras = _card_extras(ids, currency)
    texts = _card_texts(ids, locale)
    chain = fallback_chain(locale)
    storage = ProductMedia._meta.get_field("image").storage
    cards = []
    for row in rows:
        override, lowest_tier, best_units, image_name, thumbnail_name = extras[row["pk"]]
        product_texts = texts.get(row["pk"], {})
        text_locale = next((candidate for candidate in chain if candidate in product_texts), None)
        title, description = product_texts.get(text_locale, ("", ""))
        price = price_shown(
            retail_price=row["retail_price_amount"],
            base_currency=row["base_currency"],
            currency=currency,
            rates=rates,
            override=override,
            lowest_tier=lowest_tier,
        )
        image = thumbnail_name or image_name
        cards.append(
            {
                "slug": row["slug"],
                "text": {"title": title, "description": description, "locale": text_locale},
                "brand": None
                if row["brand__slug"] is None
                else {
                    "slug": row["brand__slug"],
                    "name": localized(row["brand__name_translations"], locale)[0] or row["brand__name"],
                },
                "company": {
                    "id": row["company_id"],
                    "name": localized(row["company__name_translations"], locale)[0] or row["company__legal_name"],
                },
                "category": row["category__path"],
                "mode": row["mode"],
                "price": None if price is None else price.as_dict(),
                "moq": row["moq"],
                "image": storage.url(image) if image else None,
                "availability": stock_availability(best_units),
                "published_at": PUBLISHED_AT.to_representation(row["published_at"]),
            }
        )
    return cards

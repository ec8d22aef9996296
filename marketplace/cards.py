"""The storefront's product card as a read model: a page of cards from plain rows (one query
for the page's columns, prices, availability, image and text in the reader's language, whatever
the page size) rendered by a plain function, with no model instance and no ModelSerializer on
the way (docs/decisions/0036, 0037). The JSON is exactly what
`StorefrontProductSerializer` gives for the same product, which the product page still uses."""

import json
from datetime import UTC, datetime
from decimal import Decimal

from rest_framework.fields import DateTimeField

from brands.models import Brand, Company
from core.locales import fallback_chain, localized
from core.selectors import RateTable
from listings.models import Category, Product, ProductMedia, ProductTranslation, Variant
from logistics.models import Stock
from marketplace.selectors import (
    EXPLICIT_PRICE_SQL,
    LOWEST_TIER_SQL,
    StorefrontList,
    price_shown,
    stock_availability,
    storefront_cursor,
)

# The card's columns over the page's product p, its brand b, category c and company co, by the keys
# the cards read them with.
CARD_COLUMNS = {
    "pk": "p.id",
    "slug": "p.slug",
    "mode": "p.mode",
    "moq": "p.moq",
    "published_at": "p.published_at",
    "retail_price_amount": "p.retail_price_amount",
    "base_currency": "p.base_currency",
    "category__path": "c.path",
    "company_id": "p.company_id",
    "company__legal_name": "co.legal_name",
    "company__name_translations": "co.name_translations",
    "brand__slug": "b.slug",
    "brand__name": "b.name",
    "brand__name_translations": "b.name_translations",
}
# Then the explicit price in the buyer's currency (the one parameter), the lowest tier, the most
# units any variant has available (the card shows the best availability, which grows with the
# units) and the first image's stored names: subqueries over the page's rows only.
CARD_EXTRAS = ("override", "lowest_tier", "best_units", "image", "thumbnail")
CARD_EXTRAS_SQL = f"""
    {EXPLICIT_PRICE_SQL},
    {LOWEST_TIER_SQL},
    COALESCE((
        SELECT MAX(COALESCE((
            SELECT SUM(s.on_hand - s.reserved) FROM {Stock._meta.db_table} s WHERE s.variant_id = v.id
        ), 0))
        FROM {Variant._meta.db_table} v WHERE v.product_id = p.id
    ), 0),
    (SELECT m.image FROM {ProductMedia._meta.db_table} m WHERE m.product_id = p.id
        ORDER BY m.position, m.id LIMIT 1),
    (SELECT m.thumbnail FROM {ProductMedia._meta.db_table} m WHERE m.product_id = p.id
        ORDER BY m.position, m.id LIMIT 1)
"""  # noqa: S608 - table names from the models

# The serializer's own field, so the timestamp is written exactly as the API writes every other.
PUBLISHED_AT = DateTimeField()


class StorefrontCardRows:
    """The list's products as the card's columns, for the paginator to slice: one query per
    page, which orders and cuts the list first and reads the products of the page only. Plain
    SQL: built with the ORM, the card's five correlated subqueries alone cost 6 ms of compiling
    per request for 0.3 ms of work."""

    def __init__(self, products: StorefrontList, *, currency: str, locale: str):
        self.products = products
        self.currency = currency
        self.locale = locale

    def __getitem__(self, page: slice) -> list[dict]:
        products = self.products
        keys = ", ".join(f"{expression} AS o{n}" for n, (expression, _) in enumerate(products.order))
        order = [f"o{n} {direction}" for n, (_, direction) in enumerate(products.order)]
        # The text in the first locale of the reader's fallback chain the product has.
        chain = fallback_chain(self.locale)
        first = " ".join(f"WHEN %s THEN {n}" for n in range(len(chain)))
        texts = ProductTranslation._meta.db_table
        # The page's bounds are written into the statement: as parameters, PostgreSQL could not
        # know the page's size when planning the prepared statement once for all values, and would
        # plan it again for every request (docs/decisions/0041).
        sql = f"""
            SELECT {", ".join(CARD_COLUMNS.values())}, {CARD_EXTRAS_SQL}, t.locale, t.title, t.description FROM (
                SELECT {products.key} AS id, {keys} FROM {products.source} WHERE {products.where}
                ORDER BY {", ".join(order)} LIMIT {int(page.stop - page.start)} OFFSET {int(page.start)}
            ) page
            JOIN {Product._meta.db_table} p ON p.id = page.id
            JOIN {Company._meta.db_table} co ON co.id = p.company_id
            JOIN {Category._meta.db_table} c ON c.id = p.category_id
            LEFT JOIN {Brand._meta.db_table} b ON b.id = p.brand_id
            LEFT JOIN {texts} t ON t.product_id = p.id AND t.locale = (
                SELECT f.locale FROM {texts} f WHERE f.product_id = p.id AND f.locale IN ({_placeholders(chain)})
                ORDER BY CASE f.locale {first} END LIMIT 1
            )
            ORDER BY {", ".join(f"page.{term}" for term in order)}
        """  # noqa: S608 - built from the list's own fragments, values bound as parameters
        with storefront_cursor() as cursor:
            cursor.execute(sql, [self.currency, *products.order_params, *products.params, *chain, *chain])
            return [_card_row(row) for row in cursor.fetchall()]


def _card_row(values: tuple) -> dict:
    """A page row as the ORM would give it: JSON comes as text (Django reads jsonb as text, and
    SQLite stores it so), SQLite gives numbers and UTC timestamps as it stored them."""
    row = dict(zip((*CARD_COLUMNS, *CARD_EXTRAS, "text_locale", "title", "description"), values, strict=True))
    for key in ("company__name_translations", "brand__name_translations"):
        row[key] = None if row[key] is None else json.loads(row[key])
    for key in ("retail_price_amount", "override", "lowest_tier"):
        row[key] = _decimal(row[key])
    row["best_units"] = int(row["best_units"])
    if isinstance(row["published_at"], str):
        row["published_at"] = datetime.fromisoformat(row["published_at"]).replace(tzinfo=UTC)
    return row


def _placeholders(values: list) -> str:
    return ", ".join(["%s"] * len(values))


def _decimal(value) -> Decimal | None:
    # PostgreSQL returns numeric as Decimal; SQLite may return an int or a float.
    return value if value is None or isinstance(value, Decimal) else Decimal(str(value))


def storefront_cards(rows: list[dict], *, locale: str, currency: str, rates: RateTable) -> list[dict]:
    """The cards of a page of `StorefrontCardRows`, in its order."""
    storage = ProductMedia._meta.get_field("image").storage
    cards = []
    for row in rows:
        price = price_shown(
            retail_price=row["retail_price_amount"],
            base_currency=row["base_currency"],
            currency=currency,
            rates=rates,
            override=row["override"],
            lowest_tier=row["lowest_tier"],
        )
        image = row["thumbnail"] or row["image"]
        cards.append(
            {
                "slug": row["slug"],
                "text": {  # no text in the reader's chain: blanks, as the serializer gives
                    "title": row["title"] or "",
                    "description": row["description"] or "",
                    "locale": row["text_locale"],
                },
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
                "availability": stock_availability(row["best_units"]),
                "published_at": PUBLISHED_AT.to_representation(row["published_at"]),
            }
        )
    return cards

"""Storefront reads: published products of active brands and independent SMEs, searched,
filtered, faceted and priced in the buyer's currency, with availability from stock."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import connection, connections, router
from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from brands.models import Brand, Membership
from core.errors import InvalidInput
from core.money import Money
from core.selectors import RateTable
from core.sql import binding_cursor
from listings.models import B2CPrice, Category, PriceTier, Product, ProductTranslation, Variant
from logistics.backorder_selectors import BackorderView, backorders_for_references
from logistics.models import Stock
from marketplace.models import FacetCount, OrderLine, PlatformMark, SearchDocument


def storefront_cursor():
    """A cursor on the database the request reads from (a replica where there are, ADR 0011):
    the storefront's plain SQL reads where its querysets would, prepared once repeated (planning
    the page query cost more than running it: docs/decisions/0041, 0042)."""
    return binding_cursor(connections[router.db_for_read(Product)])


def storefront_visible() -> Q:
    return Q(status=Product.Status.PUBLISHED) & (Q(brand__isnull=True) | Q(brand__status=Brand.Status.ACTIVE))


# The same test as SQL over the product `p` and its brand `b` (left-joined), with its parameters.
STOREFRONT_VISIBLE_SQL = "p.status = %s AND (p.brand_id IS NULL OR b.status = %s)"
STOREFRONT_VISIBLE_PARAMS = (Product.Status.PUBLISHED, Brand.Status.ACTIVE)


# The product's explicit price in a currency (the one parameter) and its lowest tier, as SQL
# over `p`: the list's price filter, the cards and the product page read them alike.
EXPLICIT_PRICE_SQL = f"""(SELECT bp.amount FROM {B2CPrice._meta.db_table} bp
    WHERE bp.product_id = p.id AND bp.currency = %s)"""  # noqa: S608 - table name from the model
LOWEST_TIER_SQL = f"""(SELECT MIN(t.unit_price_amount) FROM {PriceTier._meta.db_table} t
    WHERE t.product_id = p.id)"""  # noqa: S608 - table name from the model


def _price_sql(currency: str, rates: RateTable) -> tuple[str, list]:
    """The product's shop price in `currency` as SQL over `p`, so it can be filtered and sorted:
    an explicit price in that currency, else the retail price converted, else (B2B only) the
    lowest tier converted. The rate is a CASE over the currencies the table converts (no
    DISTINCT over the catalogue to find which occur)."""
    bases = [base for base in sorted({currency, *rates.currencies()}) if rates.converts(base, currency)]
    rate = "CASE p.base_currency " + " ".join(["WHEN %s THEN CAST(%s AS NUMERIC)"] * len(bases)) + " END"
    sql = f"COALESCE({EXPLICIT_PRICE_SQL}, COALESCE(p.retail_price_amount, {LOWEST_TIER_SQL}) * {rate})"
    return sql, [currency, *[value for base in bases for value in (base, rates.rate(base, currency))]]


IN_STOCK = f"""EXISTS (
    SELECT 1 FROM {Stock._meta.db_table} s JOIN {Variant._meta.db_table} v ON v.id = s.variant_id
    WHERE v.product_id = p.id AND s.on_hand > s.reserved)"""  # noqa: S608 - table names from the models


@dataclass(frozen=True)
class StorefrontQuery:
    q: str = ""
    brand: str = ""
    category_path: str = ""
    mode: str = ""
    origin_country: str = ""
    in_stock: bool | None = None
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    ordering: str = "relevance"

    @property
    def narrowed(self) -> bool:
        """Narrowed by more than brand, category and mode, which the facet cells can answer."""
        prices = self.price_min is not None or self.price_max is not None
        return bool(self.q or self.origin_country or self.in_stock is not None or prices)


ORDERINGS = {"relevance", "newest", "price", "-price"}


def _variants_with_units() -> Prefetch:
    """The variants with their available units over every warehouse (the availability state is
    shown, never the count), in the prefetch that loads them."""
    units = (
        Stock.objects.filter(variant=OuterRef("pk"))
        .order_by()
        .values("variant")
        .annotate(units=Sum(F("on_hand") - F("reserved")))
        .values("units")
    )
    return Prefetch("variants", queryset=Variant.objects.annotate(available_units=Coalesce(Subquery(units), 0)))


def _like(value: str) -> str:
    """A LIKE pattern for text containing `value` (its own %, _ and \\ escaped)."""
    return f"%{connection.ops.prep_for_like_query(value)}%"


def _catalogue_conditions(query: StorefrontQuery, rows: str) -> tuple[list[str], list]:
    """The brand, category and mode filters, on products or on facet cells alike (`rows`: the
    alias of the table with the mode; `b` and `c` are its brand and category)."""
    conditions, params = [], []
    if query.brand:
        conditions.append("b.slug = %s")
        params.append(query.brand)
    if query.category_path:
        conditions.append("(c.path = %s OR c.path LIKE %s ESCAPE '\\')")
        params += [query.category_path, f"{connection.ops.prep_for_like_query(query.category_path)}/%"]
    if query.mode:
        modes = {"b2c": ["b2c", "both"], "b2b": ["b2b", "both"], "both": ["both"]}[query.mode]
        conditions.append(f"{rows}.mode IN ({', '.join(['%s'] * len(modes))})")
        params += modes
    return conditions, params


@dataclass(frozen=True)
class StorefrontList:
    """The storefront's products for a query, as SQL: `source` the FROM clause (b the brand, c
    the category; p the product, or sd its search document for a search), `where` the conditions,
    `rows` the alias of the one with the product's id, brand, category and mode (p or sd), `order`
    the ORDER BY as (expression, direction) pairs. Plain SQL
    rather than querysets: compiling the facet and page queries through the ORM cost more than
    running them (docs/decisions/0037)."""

    source: str
    where: str
    params: list
    rows: str
    order: list[tuple[str, str]]
    order_params: list

    @property
    def key(self) -> str:
        return "p.id" if self.rows == "p" else "sd.product_id"


def storefront_product_list(
    *, query: StorefrontQuery, currency: str, rates: RateTable, fuzzy: bool = False
) -> StorefrontList:
    """A search starts from the matching search documents, which exist for storefront products
    only and carry the brand, category, mode and publishing time (the facets and the order): it
    reads the products themselves only to narrow by origin, stock or price. `fuzzy`: match by
    trigram word similarity (typos) instead (storefront_listing falls back to it)."""
    brands, categories = Brand._meta.db_table, Category._meta.db_table
    rows, key = ("sd", "sd.product_id") if query.q else ("p", "p.id")
    where, params, rank, rank_params = [], [], "", []
    if query.q:
        source = f"{SearchDocument._meta.db_table} sd"
        match, params, rank, rank_params = _search_sql(query.q, fuzzy)
        where.append(match)
        prices = query.price_min is not None or query.price_max is not None or query.ordering in ("price", "-price")
        if prices or query.origin_country or query.in_stock is not None:
            source += f" JOIN {Product._meta.db_table} p ON p.id = sd.product_id"
    else:
        source = f"{Product._meta.db_table} p"
        where.append(STOREFRONT_VISIBLE_SQL)
        params += STOREFRONT_VISIBLE_PARAMS
    source += f" LEFT JOIN {brands} b ON b.id = {rows}.brand_id JOIN {categories} c ON c.id = {rows}.category_id"
    conditions, values = _catalogue_conditions(query, rows)
    where += conditions
    params += values
    if query.origin_country:
        where.append("p.origin_country = %s")
        params.append(query.origin_country)
    if query.in_stock is not None:
        where.append(IN_STOCK if query.in_stock else f"NOT {IN_STOCK}")
    price, price_params = _price_sql(currency, rates)
    for bound, comparison in ((query.price_min, ">="), (query.price_max, "<=")):
        if bound is not None:
            where.append(f"{price} {comparison} CAST(%s AS NUMERIC)")
            params += [*price_params, bound]
    order, order_params = [(f"{rows}.published_at", "DESC"), (key, "DESC")], []
    if query.ordering in ("price", "-price"):
        order = [(price, "ASC" if query.ordering == "price" else "DESC"), (key, "ASC")]
        order_params = price_params
    elif query.ordering == "relevance" and rank:
        order, order_params = [(rank, "DESC"), *order], rank_params
    return StorefrontList(source, " AND ".join(where), params, rows, order, order_params)


def _search_sql(q: str, fuzzy: bool) -> tuple[str, list, str, list]:
    """The search's condition over `sd` and the rank it orders by, each with its parameters."""
    if connection.vendor != "postgresql":
        # SQLite: every word must appear somewhere in the text, in any case; no rank.
        words = q.split()
        return " AND ".join(["sd.search_text LIKE %s ESCAPE '\\'"] * len(words)), [_like(w) for w in words], "", []
    if fuzzy:
        # pg_trgm's word similarity (search_text %> q): typos. Its index recheck reads each
        # candidate's whole text, a cost that grows with the catalogue: only when nothing else matched.
        return "sd.search_text %%> %s", [q], "word_similarity(%s, sd.search_text)", [q]
    # The tsvector's GIN index for words; for text in scripts written without spaces between
    # words (Chinese, Japanese; Korean particles), substrings too, through the text's trigram GIN.
    words = "websearch_to_tsquery('simple', %s)"
    rank = f"ts_rank(sd.search_vector, {words})"
    if any(ord(character) >= CJK_START for character in q):
        return f"(sd.search_vector @@ {words} OR sd.search_text LIKE %s ESCAPE '\\')", [q, _like(q)], rank, [q]
    return f"sd.search_vector @@ {words}", [q], rank, [q]


CJK_START = 0x2E80  # CJK radicals; kana, ideographs, Hangul and full-width forms all come after


FACET_CELL = ("brand__slug", "brand__name", "category__path", "mode")  # a facet cell's fields, as the ORM names them


def storefront_facets(*, query: StorefrontQuery, products: StorefrontList) -> tuple[dict, int]:
    """Counts by brand, top-level category and mode over the list, and the list's total, in
    one query. Unless the list is narrowed by text, origin, stock or price, they come from the
    facet cells kept current as products change (FacetCount): a few rows whatever the size of
    the catalogue. Otherwise they are grouped over the narrowed list itself."""
    if query.narrowed:
        sql = f"""
            SELECT b.slug, b.name, c.path, {products.rows}.mode, COUNT(*) FROM {products.source}
            WHERE {products.where} GROUP BY b.slug, b.name, c.path, {products.rows}.mode
        """  # noqa: S608 - built from the list's own fragments, values bound as parameters
        params = products.params
    else:
        conditions, params = _catalogue_conditions(query, "f")
        sql = f"""
            SELECT b.slug, b.name, c.path, f.mode, SUM(f.count) FROM {FacetCount._meta.db_table} f
            LEFT JOIN {Brand._meta.db_table} b ON b.id = f.brand_id
            JOIN {Category._meta.db_table} c ON c.id = f.category_id
            WHERE {" AND ".join(["f.count > 0", *conditions])} GROUP BY b.slug, b.name, c.path, f.mode
        """  # noqa: S608 - table names from the models, values bound as parameters
    with storefront_cursor() as cursor:
        cursor.execute(sql, params)
        cells = cursor.fetchall()
    brands: dict[tuple[str, str], int] = {}
    roots: dict[str, int] = {}
    modes: dict[str, int] = {}
    for brand_slug, brand_name, path, mode, n in cells:
        if brand_slug is not None:
            brand = (brand_slug, brand_name)
            brands[brand] = brands.get(brand, 0) + n
        root = path.split("/")[0]
        roots[root] = roots.get(root, 0) + n
        modes[mode] = modes.get(mode, 0) + n
    facets = {
        "brand": [
            {"slug": slug, "name": name, "count": n}
            for (slug, name), n in sorted(brands.items(), key=lambda item: (-item[1], item[0][0]))
        ],
        "category": [{"path": path, "count": n} for path, n in sorted(roots.items())],
        "mode": [{"mode": mode, "count": n} for mode, n in sorted(modes.items())],
    }
    return facets, sum(modes.values())


def storefront_listing(*, query: StorefrontQuery, currency: str, rates: RateTable) -> tuple[StorefrontList, dict, int]:
    """The list, its facets and its total. A search that no word or substring matches is
    matched again by trigram similarity (typos)."""
    products = storefront_product_list(query=query, currency=currency, rates=rates)
    facets, count = storefront_facets(query=query, products=products)
    if query.q and not count and connection.vendor == "postgresql":
        products = storefront_product_list(query=query, currency=currency, rates=rates, fuzzy=True)
        facets, count = storefront_facets(query=query, products=products)
    return products, facets, count


def storefront_with_details(products: QuerySet[Product]) -> QuerySet[Product]:
    """With what a product page shows (the list's cards come from marketplace.cards)."""
    return products.select_related("brand", "company", "category").prefetch_related(
        Prefetch("translations", queryset=ProductTranslation.objects.order_by("locale")),
        "media",
        "b2c_prices",
        "price_tiers",
        _variants_with_units(),
    )


def platform_mark_valid():
    """The platform marks that hold: awarded, not expired, for the content the product has now."""
    return PlatformMark.objects.filter(
        status=PlatformMark.Status.AWARDED, expires_at__gt=timezone.now(), content_hash=OuterRef("content_hash")
    )


def storefront_product_get(*, slug: str) -> Product:
    products = Product.objects.filter(storefront_visible(), slug=slug).annotate(
        platform_mark_until=Subquery(platform_mark_valid().filter(product=OuterRef("pk")).values("expires_at")[:1])
    )
    product = storefront_with_details(products).first()
    if product is None:
        raise Http404("No such product in the storefront.")
    return product


STOCK_AVAILABILITY = ["in_stock", "low_stock", "out_of_stock"]
# A storefront variant: its stock state, or how it sells beyond stock once none is left.
STOREFRONT_VARIANT_AVAILABILITY = [*STOCK_AVAILABILITY, "preorder", "made_to_order"]


def stock_availability(units: int) -> str:
    """in_stock, low_stock or out_of_stock for a number of available units."""
    if units <= 0:
        return "out_of_stock"
    return "low_stock" if units <= settings.STOCK_LOW_THRESHOLD else "in_stock"


def shop_price(
    *, product: Product, currency: str, rates: RateTable, override: Decimal | None, lowest_tier: Decimal | None
) -> Money | None:
    """The price shown to a buyer, rounded to the currency's minor units: the explicit price in
    the currency (`override`), else the retail price converted, else (B2B only) the lowest tier."""
    return price_shown(
        retail_price=product.retail_price_amount,
        base_currency=product.base_currency,
        currency=currency,
        rates=rates,
        override=override,
        lowest_tier=lowest_tier,
    )


def price_shown(
    *,
    retail_price: Decimal | None,
    base_currency: str,
    currency: str,
    rates: RateTable,
    override: Decimal | None,
    lowest_tier: Decimal | None,
) -> Money | None:
    """shop_price from the product's plain columns (the storefront card's read model)."""
    if override is not None:
        return Money(override, currency).quantized()
    base = retail_price if retail_price is not None else lowest_tier
    return None if base is None else rates.convert(Money(base, base_currency), currency)


def product_shop_price(product: Product, currency: str, rates: RateTable) -> Money | None:
    """shop_price from the product's prefetched prices and tiers."""
    override = next((price.amount for price in product.b2c_prices.all() if price.currency == currency), None)
    lowest = min((tier.unit_price_amount for tier in product.price_tiers.all()), default=None)
    return shop_price(product=product, currency=currency, rates=rates, override=override, lowest_tier=lowest)


@dataclass(frozen=True)
class QuantityPrice:
    quantity: int
    unit_price: Money
    total: Money
    tier_min_quantity: int | None


def quantity_price_get(*, product: Product, quantity: int, currency: str, rates: RateTable) -> QuantityPrice:
    """Unit and total price for a quantity: B2B tiers (MOQ, order multiple) or the B2C price."""
    if quantity < 1:
        raise InvalidInput("The quantity must be at least 1.", attr="quantity")
    tiers = sorted(product.price_tiers.all(), key=lambda tier: tier.min_quantity)
    if product.sells_b2b and tiers and (not product.sells_b2c or quantity >= (product.moq or 1)):
        if product.moq and quantity < product.moq:
            raise InvalidInput(f"The minimum order quantity is {product.moq}.", attr="quantity")
        if quantity % product.order_multiple:
            raise InvalidInput(f"Order in multiples of {product.order_multiple}.", attr="quantity")
        tier = [t for t in tiers if t.min_quantity <= quantity][-1]
        unit = rates.convert(Money(tier.unit_price_amount, product.base_currency), currency)
        return QuantityPrice(quantity, unit, Money(unit.amount * quantity, currency).quantized(), tier.min_quantity)
    unit = product_shop_price(product, currency, rates)
    if unit is None or not product.sells_b2c:
        raise InvalidInput("This product has no price for that quantity.", attr="quantity")
    return QuantityPrice(quantity, unit, Money(unit.amount * quantity, currency).quantized(), None)


def storefront_brand_list() -> QuerySet[Brand]:
    members = Membership.objects.filter(status=Membership.Status.ACTIVE).select_related("company").order_by("pk")
    brand_products = (
        FacetCount.objects.filter(brand=OuterRef("pk")).order_by().values("brand").annotate(n=Sum("count")).values("n")
    )
    return (
        Brand.objects.filter(status=Brand.Status.ACTIVE)
        # The brand's storefront products, from the facet counts rather than a count of its catalogue.
        .annotate(product_count=Coalesce(Subquery(brand_products), 0))
        .prefetch_related(Prefetch("memberships", queryset=members, to_attr="active_memberships"))
        .order_by("name")
    )


def storefront_brand_get(*, slug: str) -> Brand:
    brand = storefront_brand_list().filter(slug=slug).first()
    if brand is None:
        raise Http404("No such brand in the storefront.")
    return brand


def order_line_ships_on(line: OrderLine, backorders: list[BackorderView] | None = None) -> date | None:
    """When the line's backordered units are expected to ship (None: nothing of it waits for
    goods). `backorders`: its order's, when the caller read a page of orders' at once."""
    if not line.quantity_backordered:
        return None
    if backorders is None:
        reference = line.order.reservation_reference
        backorders = backorders_for_references([reference])[reference]
    waiting = [b.ships_on for b in backorders if b.variant_id == line.variant_id and b.status != "released"]
    return max(waiting) if waiting else None

"""Storefront reads: published products of active brands and independent SMEs, searched,
filtered, faceted and priced in the buyer's currency, with availability from stock."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from brands.models import Brand, Membership
from core.errors import InvalidInput
from core.money import Money
from core.selectors import RateTable
from listings.models import B2CPrice, PriceTier, Product, ProductTranslation, Variant
from logistics.backorder_selectors import BackorderView, backorders_for_references
from logistics.models import Stock
from marketplace.models import FacetCount, OrderLine, PlatformMark

PRICE = DecimalField(max_digits=24, decimal_places=8)
RATE = DecimalField(max_digits=30, decimal_places=12)


def storefront_visible() -> Q:
    return Q(status=Product.Status.PUBLISHED) & (Q(brand__isnull=True) | Q(brand__status=Brand.Status.ACTIVE))


def _in_stock():
    return Exists(Stock.objects.filter(variant__product=OuterRef("pk"), on_hand__gt=F("reserved")))


def _price_in(currency: str, rates: RateTable):
    """The product's shop price in `currency` as a database expression, so it can be filtered
    and sorted: an explicit price in that currency, else the retail price converted, else (B2B
    only) the lowest tier converted. The rate is a CASE over the currencies the table converts
    (no DISTINCT over the catalogue to find which occur)."""
    override = B2CPrice.objects.filter(product=OuterRef("pk"), currency=currency).values("amount")[:1]
    lowest_tier = (
        PriceTier.objects.filter(product=OuterRef("pk")).order_by("unit_price_amount").values("unit_price_amount")[:1]
    )
    rate = Case(
        *[
            When(base_currency=base, then=Value(rates.rate(base, currency), output_field=RATE))
            for base in sorted({currency, *rates.currencies()})
            if rates.converts(base, currency)
        ],
        output_field=RATE,
    )
    converted = Coalesce(F("retail_price_amount"), Subquery(lowest_tier)) * rate
    return Coalesce(Subquery(override, output_field=PRICE), converted, output_field=PRICE)


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


def _catalogue_filters(rows: QuerySet, query: StorefrontQuery) -> QuerySet:
    """The brand, category and mode filters, on products or on facet cells alike."""
    if query.brand:
        rows = rows.filter(brand__slug=query.brand)
    if query.category_path:
        rows = rows.filter(
            Q(category__path=query.category_path) | Q(category__path__startswith=f"{query.category_path}/")
        )
    if query.mode:
        rows = rows.filter(mode__in={"b2c": ["b2c", "both"], "b2b": ["b2b", "both"], "both": ["both"]}[query.mode])
    return rows


def storefront_product_list(*, query: StorefrontQuery, currency: str, rates: RateTable) -> QuerySet[Product]:
    products = _catalogue_filters(Product.objects.filter(storefront_visible()), query)
    if query.origin_country:
        products = products.filter(origin_country=query.origin_country)
    if query.in_stock is not None:
        products = products.filter(_in_stock()) if query.in_stock else products.exclude(_in_stock())
    if query.price_min is not None or query.price_max is not None or query.ordering in ("price", "-price"):
        products = products.annotate(shop_price=_price_in(currency, rates))  # only where it is filtered or sorted
    if query.price_min is not None:
        products = products.filter(shop_price__gte=query.price_min)
    if query.price_max is not None:
        products = products.filter(shop_price__lte=query.price_max)
    ranked = False
    if query.q:
        products, ranked = _search(products, query.q)
    order = {
        "newest": ["-published_at", "-pk"],
        "price": ["shop_price", "pk"],
        "-price": ["-shop_price", "pk"],
        "relevance": ["-rank", "-similarity", "-published_at", "-pk"] if ranked else ["-published_at", "-pk"],
    }[query.ordering]
    return products.order_by(*order)


def _search(products: QuerySet[Product], q: str) -> tuple[QuerySet[Product], bool]:
    if connection.vendor == "postgresql":
        search = SearchQuery(q, config="simple", search_type="websearch")
        products = products.annotate(
            rank=SearchRank(F("search_document__search_vector"), search),
            similarity=TrigramWordSimilarity(q, "search_document__search_text"),
        ).filter(
            # Each branch can use an index: the tsvector's GIN, and the text's trigram GIN for
            # word similarity (pg_trgm's <% operator: typos) and for LIKE (CJK substrings).
            Q(search_document__search_vector=search)
            | Q(search_document__search_text__trigram_word_similar=q)
            | Q(search_document__search_text__contains=q)
        )
        return products, True
    # SQLite: every word must appear somewhere in the text, in any case.
    for word in q.split():
        products = products.filter(search_document__search_text__icontains=word)
    return products, False


FACET_CELL = ("brand__slug", "brand__name", "category__path", "mode")


def storefront_facets(*, query: StorefrontQuery, products: QuerySet[Product]) -> tuple[dict, int]:
    """Counts by brand, top-level category and mode over the list, and the list's total, in
    one query. Unless the list is narrowed by text, origin, stock or price, they come from the
    facet cells kept current as products change (FacetCount): a few rows whatever the size of
    the catalogue. Otherwise they are grouped over the narrowed list itself."""
    narrowed = query.q or query.origin_country or query.in_stock is not None
    narrowed = narrowed or query.price_min is not None or query.price_max is not None
    if narrowed:
        cells = products.order_by().values(*FACET_CELL).annotate(n=Count("pk"))
    else:
        cells = (
            _catalogue_filters(FacetCount.objects.filter(count__gt=0), query)
            .values(*FACET_CELL)
            .annotate(n=Sum("count"))
            .order_by()
        )
    brands: dict[tuple[str, str], int] = {}
    roots: dict[str, int] = {}
    modes: dict[str, int] = {}
    for cell in cells:
        if cell["brand__slug"] is not None:
            brand = (cell["brand__slug"], cell["brand__name"])
            brands[brand] = brands.get(brand, 0) + cell["n"]
        root = cell["category__path"].split("/")[0]
        roots[root] = roots.get(root, 0) + cell["n"]
        modes[cell["mode"]] = modes.get(cell["mode"], 0) + cell["n"]
    facets = {
        "brand": [
            {"slug": slug, "name": name, "count": n}
            for (slug, name), n in sorted(brands.items(), key=lambda item: (-item[1], item[0][0]))
        ],
        "category": [{"path": path, "count": n} for path, n in sorted(roots.items())],
        "mode": [{"mode": mode, "count": n} for mode, n in sorted(modes.items())],
    }
    return facets, sum(modes.values())


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

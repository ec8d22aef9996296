"""Marketplace writes. Storefront: the search documents and the read cache, kept current from
listings' and brands' signals."""

import logging

from django.contrib.postgres.search import SearchVector
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F, Value

from listings.models import Product
from marketplace.models import FacetCount, SearchDocument
from marketplace.selectors import storefront_visible

CACHE_VERSION_KEY = "storefront:version"
logger = logging.getLogger(__name__)


def storefront_cache_version() -> int:
    return cache.get_or_set(CACHE_VERSION_KEY, 1, timeout=None)


def storefront_cache_bump() -> None:
    """Every cached storefront read keys on this version, so bumping it drops them all at once.
    With the cache down, a publish or reprice still succeeds: reads bypass the cache meanwhile,
    and entries cached before the outage expire within STOREFRONT_CACHE_SECONDS."""
    try:
        try:
            cache.incr(CACHE_VERSION_KEY)
        except ValueError:
            cache.set(CACHE_VERSION_KEY, 2, timeout=None)
    except Exception as error:  # noqa: BLE001 - a cache outage must not fail the write
        logger.warning("storefront cache unavailable, version not bumped: %s", error)


def _texts(product: Product) -> tuple[str, str]:
    titles = [t.title for t in product.translations.all()]
    rest = [t.description for t in product.translations.all()]
    if product.brand_id:
        rest += [product.brand.name, *product.brand.name_translations.values()]
    rest += [product.company.legal_name, *product.company.name_translations.values()]
    rest += [variant.sku for variant in product.variants.all()]
    return "\n".join(titles), "\n".join(filter(None, rest))


def facet_cell(brand_id: int | None, category_id: int, mode: str) -> str:
    return f"{brand_id or '-'}:{category_id}:{mode}"


def facet_counts_add(cells: dict[tuple[int | None, int, str], int]) -> None:
    """Adds to the counts of facet cells ((brand_id, category_id, mode): delta), in key order so
    that two publishes cannot deadlock: an upsert where one is added (the first product creates
    its cell), an update where one is taken away (the cell was counted, so it exists)."""
    table = FacetCount._meta.db_table
    with connection.cursor() as cursor:
        for key, delta in sorted(cells.items(), key=lambda item: facet_cell(*item[0])):
            if delta > 0:
                cursor.execute(
                    f"INSERT INTO {table} (cell, brand_id, category_id, mode, count) VALUES (%s, %s, %s, %s, %s) "  # noqa: S608 - our table name
                    f"ON CONFLICT (cell) DO UPDATE SET count = {table}.count + EXCLUDED.count",
                    [facet_cell(*key), *key, delta],
                )
            elif delta < 0:
                FacetCount.objects.filter(cell=facet_cell(*key)).update(count=F("count") + delta)


def search_document_refresh(*, product_id: int) -> None:
    """Indexes the product while it is in the storefront, removes it otherwise, moves its facet
    count from the cell it was counted in to its current one, and drops the cached storefront
    reads (publish, unpublish, repricing and brand or category changes all come through here,
    in the transaction of the change)."""
    product = (
        Product.objects.filter(storefront_visible(), pk=product_id)
        .select_related("brand", "company")
        .prefetch_related("translations", "variants")
        .first()
    )
    counted = SearchDocument.objects.select_for_update().filter(product_id=product_id).first()
    cells: dict[tuple[int | None, int, str], int] = {}
    if counted is not None:
        cells[counted.brand_id, counted.category_id, counted.mode] = -1
    if product is None:
        SearchDocument.objects.filter(product_id=product_id).delete()
    else:
        key = (product.brand_id, product.category_id, product.mode)
        cells[key] = cells.get(key, 0) + 1
        titles, rest = _texts(product)
        document = counted or SearchDocument(product=product)
        document.search_text = f"{titles}\n{rest}"
        document.brand_id, document.category_id, document.mode = key
        document.published_at = product.published_at
        document.save()
        if connection.vendor == "postgresql":
            SearchDocument.objects.filter(product=product).update(
                search_vector=SearchVector(Value(titles), config="simple", weight="A")
                + SearchVector(Value(rest), config="simple", weight="B")
            )
    facet_counts_add(cells)
    storefront_cache_bump()


def facet_counts_rebuild() -> int:
    """Recounts every facet cell from the search documents (after a bulk load that wrote them
    directly); returns the number of storefront products."""
    FacetCount.objects.all().delete()
    rows = SearchDocument.objects.values_list("brand_id", "category_id", "mode").annotate(n=Count("pk")).order_by()
    cells = {(brand_id, category_id, mode): n for brand_id, category_id, mode, n in rows}
    FacetCount.objects.bulk_create(
        FacetCount(cell=facet_cell(*key), brand_id=key[0], category_id=key[1], mode=key[2], count=n)
        for key, n in cells.items()
    )
    storefront_cache_bump()
    return sum(cells.values())


def search_documents_refresh_brand(*, brand_id: int) -> int:
    """A brand became active or suspended: its published products enter or leave the storefront."""
    ids = list(Product.objects.filter(brand_id=brand_id, status=Product.Status.PUBLISHED).values_list("pk", flat=True))
    for product_id in ids:
        search_document_refresh(product_id=product_id)
    storefront_cache_bump()
    return len(ids)

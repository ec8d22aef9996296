"""Marketplace writes. Storefront: the search documents and the read cache, kept current from
listings' and brands' signals."""

import logging

from django.contrib.postgres.search import SearchVector
from django.core.cache import cache
from django.db import connection
from django.db.models import Value

from listings.models import Product
from marketplace.models import SearchDocument
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


def search_document_refresh(*, product_id: int) -> None:
    """Indexes the product while it is in the storefront, removes it otherwise, and drops the
    cached storefront reads (publish, unpublish and repricing all come through here)."""
    product = (
        Product.objects.filter(storefront_visible(), pk=product_id)
        .select_related("brand", "company")
        .prefetch_related("translations", "variants")
        .first()
    )
    if product is None:
        SearchDocument.objects.filter(product_id=product_id).delete()
    else:
        titles, rest = _texts(product)
        SearchDocument.objects.update_or_create(product=product, defaults={"search_text": f"{titles}\n{rest}"})
        if connection.vendor == "postgresql":
            SearchDocument.objects.filter(product=product).update(
                search_vector=SearchVector(Value(titles), config="simple", weight="A")
                + SearchVector(Value(rest), config="simple", weight="B")
            )
    storefront_cache_bump()


def search_documents_refresh_brand(*, brand_id: int) -> int:
    """A brand became active or suspended: its published products enter or leave the storefront."""
    ids = list(Product.objects.filter(brand_id=brand_id, status=Product.Status.PUBLISHED).values_list("pk", flat=True))
    for product_id in ids:
        search_document_refresh(product_id=product_id)
    storefront_cache_bump()
    return len(ids)

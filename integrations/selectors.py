"""Reads for syndication: the plain ListingData connectors see, built with a fixed number of
queries whatever the batch size, and the scoped lists the API shows."""

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import FileSystemStorage, InMemoryStorage
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils.functional import LazyObject, empty

from brands.selectors import user_company_ids
from core.lookups import any_of
from core.permissions import is_operator
from integrations.connectors.base import ChannelConfig, CompanyProfile, ListingData, VariantData
from integrations.models import Channel, ChannelListing, SyndicationJob
from listings.models import B2CPrice, PriceTier, Product, ProductMedia, ProductTranslation, Variant
from logistics.selectors import variant_available_units
from marketplace.models import PlatformMark
from marketplace.selectors import platform_mark_valid


def products_for_listing(product_ids: Iterable[int]) -> QuerySet[Product]:
    """Products with every relation ListingData reads prefetched (translations, variants, tiers,
    prices, media): the model-based reading, for a caller that needs the instances."""
    return (
        Product.objects.filter(pk__in=list(product_ids))
        .select_related("company", "brand", "category")
        .prefetch_related(
            Prefetch("translations", queryset=ProductTranslation.objects.order_by("locale")),
            "variants",
            "price_tiers",
            "b2c_prices",
            "media",
        )
        .order_by("pk")
    )


# A stored name whose URL is the storage's base URL followed by the name itself: non-empty
# segments of characters `filepath_to_uri` leaves as they are, none starting with a dot (so no
# "." or ".." segment, no empty segment, no leading or trailing slash, no ":", "?" or "#").
_PLAIN_NAME = re.compile(r"[\w\-~!*()'][\w.\-~!*()']*(?:/[\w\-~!*()'][\w.\-~!*()']*)*", re.ASCII)
_PROBE = "p/q"


def _image_urls_maker() -> Callable[[str], str]:
    """The absolute URL of a stored product image, as `media.image.url` gives it (made absolute
    with PUBLIC_BASE_URL when it is a path). FieldFile.url is `storage.url(name)`. For Django's
    FileSystemStorage and InMemoryStorage (exactly those classes), `url(name)` is
    `urljoin(base_url, filepath_to_uri(name).lstrip("/"))`: for a plain name (_PLAIN_NAME, which
    quoting and lstrip leave unchanged) urljoin appends the name's segments verbatim to what the
    base resolves to, so that URL is a fixed prefix (read once by joining a probe) plus the name.
    Any other name, and any other storage, goes through `storage.url`. Images are in the public
    storage (core.media): on S3 their URLs are unsigned and stable, so channels keep working links."""
    storage = ProductMedia._meta.get_field("image").storage
    if isinstance(storage, LazyObject):  # default_storage
        if storage._wrapped is empty:
            storage._setup()
        storage = storage._wrapped
    public = settings.PUBLIC_BASE_URL.rstrip("/")
    prefix = None
    if type(storage) in (FileSystemStorage, InMemoryStorage) and storage.base_url is not None:
        probe = storage.url(_PROBE)
        if probe.endswith(_PROBE):
            prefix = probe[: -len(_PROBE)]
            if prefix.startswith("/"):
                prefix = public + prefix
    plain = _PLAIN_NAME.fullmatch

    def image_url(name: str) -> str:
        if prefix is not None and plain(name):
            return prefix + name
        if not name:
            raise ValueError("The 'image' attribute has no file associated with it.")
        url = storage.url(name)
        return public + url if url.startswith("/") else url

    return image_url


def _by_product(rows) -> dict[int, list[tuple]]:
    grouped: dict[int, list[tuple]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    return grouped


_PRODUCT_FIELDS = (
    "pk",
    "slug",
    "content_hash",
    "mode",
    "category__path",
    "hs_code",
    "origin_country",
    "material",
    "attributes",
    "base_currency",
    "retail_price_amount",
    "moq",
    "order_multiple",
    "lead_time_days",
    "incoterms",
    "company_id",
    "company__legal_name",
    "company__country",
    "company__sector",
    "brand_id",
    "brand__name",
    "platform_mark_until",
    "platform_mark_latest",
    "status",
    "category__attribute_schema",
)


@dataclass(frozen=True)
class ProductFacts:
    """What readiness checks beyond a product's ListingData, read from the same rows."""

    pk: int
    status: str
    brand_id: int | None
    attribute_schema: list
    variants: tuple[tuple, ...]  # (sku, weight_kg, hs_code, origin_country), in position order


def listing_content_hash(*, product_hash: str, platform_mark_until, platform_mark_latest: int | None) -> str:
    """The hash of what a channel is sent: the product's own content hash for a product never
    marked, else changed by the platform's mark: by its expiry while it holds, by the lapsed mark's
    id after, so awarding, renewing and losing the mark are each a change incremental syndication
    sends, and the payload after a lapse does not reuse the unmarked payload's idempotency key
    (a channel would take it for a retry of that old call). The product's hash itself cannot carry
    the mark: the mark holds only while that hash is the one inspected."""
    if platform_mark_latest is None:
        return product_hash
    state = f"until:{platform_mark_until.isoformat()}" if platform_mark_until else f"lapsed:{platform_mark_latest}"
    return hashlib.sha256(f"{product_hash}|platform_mark:{state}".encode()).hexdigest()


def listing_data_for(product_ids: Iterable[int]) -> list[ListingData]:
    """ListingData for each product, in id order, from plain rows (no model instances): one query
    for the products (with company, category and brand) and one per relation, whatever the count."""
    return [data for _, data in listing_data_list(product_ids)]


def listing_data_list(product_ids: Iterable[int]) -> list[tuple[ProductFacts, ListingData]]:
    """(facts, ListingData) for each product, in id order, both from the same plain rows, for
    readiness: the queries of listing_data_for and no more."""
    ids = list(product_ids)
    if not ids:
        return []
    mark_until = Subquery(platform_mark_valid().filter(product=OuterRef("pk")).values("expires_at")[:1])
    mark_latest = Subquery(PlatformMark.objects.filter(product=OuterRef("pk")).order_by("-pk").values("pk")[:1])
    products = list(
        Product.objects.filter(any_of("pk", ids))
        .annotate(platform_mark_until=mark_until, platform_mark_latest=mark_latest)
        .order_by("pk")
        .values_list(*_PRODUCT_FIELDS)
    )
    if not products:
        return []
    ids = [row[0] for row in products]
    translations = _by_product(
        ProductTranslation.objects.filter(any_of("product_id", ids))
        .order_by("product_id", "locale")
        .values_list("product_id", "locale", "title", "description")
    )
    images = _by_product(
        ProductMedia.objects.filter(any_of("product_id", ids))
        .order_by("product_id", "position", "pk")
        .values_list("product_id", "image")
    )
    tiers = _by_product(
        PriceTier.objects.filter(any_of("product_id", ids))
        .order_by("product_id", "min_quantity")
        .values_list("product_id", "min_quantity", "unit_price_amount")
    )
    prices = _by_product(
        B2CPrice.objects.filter(any_of("product_id", ids))
        .order_by("product_id", "currency")
        .values_list("product_id", "currency", "amount")
    )
    variant_rows = list(
        Variant.objects.filter(any_of("product_id", ids))
        .order_by("product_id", "position", "pk")
        .values_list(
            "product_id",
            "pk",
            "sku",
            "gtin",
            "options",
            "weight_kg",
            "length_cm",
            "width_cm",
            "height_cm",
            "hs_code",
            "origin_country",
        )
    )
    available = variant_available_units([row[1] for row in variant_rows]) if variant_rows else {}
    variants: dict[int, list[VariantData]] = {}
    customs: dict[int, list[tuple]] = {}
    for product_id, pk, sku, gtin, options, weight, length, width, height, hs_code, origin in variant_rows:
        customs.setdefault(product_id, []).append((sku, weight, hs_code, origin))
        variants.setdefault(product_id, []).append(
            VariantData(
                sku=sku,
                gtin=gtin,
                options=dict(options or {}),
                weight_kg=weight,
                dimensions_cm=(length, width, height),
                available=available.get(pk, 0),
            )
        )
    image_url = _image_urls_maker()
    companies: dict[int, CompanyProfile] = {}
    built = []
    for (
        pk,
        slug,
        content_hash,
        mode,
        category_path,
        hs_code,
        origin_country,
        material,
        attributes,
        base_currency,
        retail_price,
        moq,
        order_multiple,
        lead_time_days,
        incoterms,
        company_id,
        legal_name,
        country,
        sector,
        brand_id,
        brand_name,
        platform_mark_until,
        platform_mark_latest,
        status,
        attribute_schema,
    ) in products:
        texts = translations.get(pk, ())
        company = companies.get(company_id)
        if company is None:
            company = companies[company_id] = CompanyProfile(
                id=company_id, legal_name=legal_name, country=str(country or ""), sector=sector
            )
        facts = ProductFacts(
            pk=pk,
            status=status,
            brand_id=brand_id,
            attribute_schema=attribute_schema or [],
            variants=tuple(customs.get(pk, ())),
        )
        built.append(
            (
                facts,
                ListingData(
                    product_id=pk,
                    reference=slug,
                    content_hash=listing_content_hash(
                        product_hash=content_hash,
                        platform_mark_until=platform_mark_until,
                        platform_mark_latest=platform_mark_latest,
                    ),
                    mode=mode,
                    category_path=category_path,
                    hs_code=hs_code,
                    origin_country=str(origin_country or ""),
                    material=material,
                    attributes=dict(attributes or {}),
                    titles={t[1]: t[2] for t in texts},
                    descriptions={t[1]: t[3] for t in texts},
                    image_urls=tuple(image_url(m[1]) for m in images.get(pk, ())),
                    base_currency=base_currency,
                    retail_price=retail_price,
                    prices={p[1]: p[2] for p in prices.get(pk, ())},
                    moq=moq,
                    order_multiple=order_multiple,
                    lead_time_days=lead_time_days,
                    incoterms=tuple(incoterms or ()),
                    tiers=tuple((t[1], t[2]) for t in tiers.get(pk, ())),
                    variants=tuple(variants.get(pk, ())),
                    company=company,
                    brand=brand_name if brand_id else None,
                    platform_mark_until=platform_mark_until,
                ),
            )
        )
    return built


def channel_config(channel: Channel) -> ChannelConfig:
    """The connector's view of a channel. Credentials come from settings: the connector's (one
    seller account serves several marketplaces, e.g. Amazon US and JP), overridden by the
    channel's own where it has them."""
    known = getattr(settings, "CHANNEL_CREDENTIALS", {})
    credentials = {**known.get(channel.connector, {}), **known.get(channel.code, {})}
    return ChannelConfig(
        code=channel.code,
        connector=channel.connector,
        base_url=channel.base_url,
        credentials=dict(credentials),
        locales=tuple(channel.locales or ()),
        currency=channel.currency,
        destination_country=str(channel.destination_country),
        category_mapping=dict(channel.category_mapping or {}),
        batch_size=channel.batch_size,
    )


def channel_list() -> QuerySet[Channel]:
    return Channel.objects.filter(active=True).order_by("code")


def channel_listing_list(*, user) -> QuerySet[ChannelListing]:
    """Operators see every listing; SME staff their companies' products' listings."""
    listings = ChannelListing.objects.select_related("channel", "product")
    if not is_operator(user):
        listings = listings.filter(product__company_id__in=user_company_ids(user))
    return listings.order_by("channel__code", "product_id")


def readiness_product_get(*, user, pk) -> Product:
    """A product the caller may see the readiness of: its company's staff and operators."""
    products = Product.objects.all()
    if not is_operator(user):
        products = products.filter(company_id__in=user_company_ids(user))
    product = products.filter(pk=pk).first()
    if product is None:
        raise Http404("No such product.")
    return product


def syndication_job_list() -> QuerySet[SyndicationJob]:
    return SyndicationJob.objects.select_related("job", "channel", "brand", "company").order_by("-pk")


def listings_needing_inventory() -> QuerySet[ChannelListing]:
    return (
        ChannelListing.objects.filter(inventory_dirty=True)
        .filter(Q(status=ChannelListing.Status.LIVE) | Q(status=ChannelListing.Status.SUBMITTED))
        .select_related("channel", "product")
        .order_by("channel_id", "pk")
    )


def channel_connector(channel: Channel, **client_overrides):
    """The channel's connector, its client limited to the channel's rate (an operator setting)."""
    from integrations.connectors.registry import connector_for

    client_overrides.setdefault("rate_per_second", float(channel.rate_limit_per_second))
    return connector_for(channel_config(channel), **client_overrides)


def channel_rules(channel: Channel) -> dict:
    """What the channel's connector asks of a listing, as the connector states it."""
    from integrations.connectors.registry import connector_class

    try:
        return connector_class(channel.connector).rules()
    except KeyError:
        return {}

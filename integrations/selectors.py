"""Reads for syndication: the plain ListingData connectors see, built with a fixed number of
queries whatever the batch size, and the scoped lists the API shows."""

from collections.abc import Iterable

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from brands.selectors import user_company_ids
from core.permissions import is_operator
from integrations.connectors.base import ChannelConfig, CompanyProfile, ListingData, VariantData
from integrations.models import Channel, ChannelListing, SyndicationJob
from listings.models import Product, ProductTranslation
from logistics.selectors import variant_available_units


def products_for_listing(product_ids: Iterable[int]) -> QuerySet[Product]:
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


def _image_url(media) -> str:
    url = media.image.url
    if url.startswith("/"):
        url = settings.PUBLIC_BASE_URL.rstrip("/") + url
    return url


def listing_data_from_product(product: Product, available: dict[int, int]) -> ListingData:
    """One product as plain data, from prefetched relations only (no queries)."""
    translations = list(product.translations.all())
    variants = list(product.variants.all())
    return ListingData(
        product_id=product.pk,
        reference=product.slug,
        content_hash=product.content_hash,
        mode=product.mode,
        category_path=product.category.path,
        hs_code=product.hs_code,
        origin_country=str(product.origin_country or ""),
        material=product.material,
        attributes=dict(product.attributes or {}),
        titles={t.locale: t.title for t in translations},
        descriptions={t.locale: t.description for t in translations},
        image_urls=tuple(_image_url(m) for m in product.media.all()),
        base_currency=product.base_currency,
        retail_price=product.retail_price_amount,
        prices={p.currency: p.amount for p in product.b2c_prices.all()},
        moq=product.moq,
        order_multiple=product.order_multiple,
        lead_time_days=product.lead_time_days,
        incoterms=tuple(product.incoterms or ()),
        tiers=tuple((t.min_quantity, t.unit_price_amount) for t in product.price_tiers.all()),
        variants=tuple(
            VariantData(
                sku=v.sku,
                gtin=v.gtin,
                options=dict(v.options or {}),
                weight_kg=v.weight_kg,
                dimensions_cm=(v.length_cm, v.width_cm, v.height_cm),
                available=available.get(v.pk, 0),
            )
            for v in variants
        ),
        company=CompanyProfile(
            id=product.company_id,
            legal_name=product.company.legal_name,
            country=str(product.company.country),
            sector=product.company.sector,
        ),
        brand=product.brand.name if product.brand_id else None,
    )


def listing_data_list(product_ids: Iterable[int]) -> list[tuple[Product, ListingData]]:
    """(product, ListingData) for each product, in id order: a constant number of queries."""
    products = list(products_for_listing(product_ids))
    variant_ids = [v.pk for p in products for v in p.variants.all()]
    available = variant_available_units(variant_ids) if variant_ids else {}
    return [(p, listing_data_from_product(p, available)) for p in products]


def channel_config(channel: Channel) -> ChannelConfig:
    """The connector's view of a channel; credentials come from settings, keyed by channel code."""
    credentials = getattr(settings, "CHANNEL_CREDENTIALS", {}).get(channel.code, {})
    return ChannelConfig(
        code=channel.code,
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

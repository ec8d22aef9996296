import logging

from django.conf import settings
from django.core.cache import cache
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from core.locales import request_locale
from core.selectors import exchange_rates_get
from listings.models import Product
from marketplace.api.serializers import (
    QuantityPriceSerializer,
    QuantityQuerySerializer,
    StorefrontBrandSerializer,
    StorefrontProductDetailSerializer,
    StorefrontProductPageSerializer,
    StorefrontProductSerializer,
    StorefrontQuerySerializer,
)
from marketplace.b2b_selectors import buyer_price_get
from marketplace.cards import StorefrontCardRows, storefront_cards
from marketplace.product_page import storefront_product_page
from marketplace.selectors import (
    StorefrontQuery,
    storefront_brand_get,
    storefront_brand_list,
    storefront_listing,
    storefront_product_get,
)
from marketplace.services.storefront import CACHE_VERSION_KEY, storefront_cache_version

logger = logging.getLogger(__name__)

LANG = OpenApiParameter("lang", str, description="ko, en, zh-hans, ja or es; else Accept-Language; texts fall back.")
CURRENCY = OpenApiParameter("currency", str, description="ISO 4217 code; prices converted at the day's rate.")


def _cached(request, locale: str, compute):
    """Storefront reads are cached briefly in Redis, each entry stored with the storefront
    version that every publish, unpublish and reprice bumps; the version and the entry are read
    in one round trip before anything else, and an entry of an older version is a miss (a hit
    costs no query: only answers that computed without an error are stored, so the parameters of
    a hit were valid). A cache outage only costs speed."""
    key = f"storefront:{locale}:{request.get_full_path()}"
    try:
        found = cache.get_many([CACHE_VERSION_KEY, key])
        version = found.get(CACHE_VERSION_KEY) or storefront_cache_version()
    except Exception as error:  # noqa: BLE001 - any cache failure falls back to the database
        logger.warning("storefront cache unavailable: %s", error)
        return compute()
    entry = found.get(key)
    if entry is not None and entry[0] == version:
        return entry[1]
    data = compute()
    try:
        cache.set(key, (version, data), settings.STOREFRONT_CACHE_SECONDS)
    except Exception as error:  # noqa: BLE001
        logger.warning("storefront cache unavailable: %s", error)
    return data


class StorefrontMixin:
    permission_classes = [AllowAny]
    filter_backends = []

    def storefront_context(self, query_serializer=None) -> dict:
        """Locale, currency and the day's rates, read once for the whole request (the currency's
        validation included)."""
        rates = exchange_rates_get()
        currency = None
        if query_serializer is not None:
            query_serializer.context["rates"] = rates
            query_serializer.is_valid(raise_exception=True)
            currency = query_serializer.validated_data.get("currency")
        return {
            "locale": request_locale(self.request),
            "currency": currency or settings.STOREFRONT_DEFAULT_CURRENCY,
            "rates": rates,
            "request": self.request,
        }


@extend_schema(tags=["storefront"], parameters=[LANG, CURRENCY])
class StorefrontProductViewSet(StorefrontMixin, viewsets.GenericViewSet):
    """Published products of active brands and independent SMEs, for buyers."""

    lookup_field = "slug"
    serializer_class = StorefrontProductSerializer
    queryset = Product.objects.none()  # for the schema's path types; reads go through selectors

    @extend_schema(
        parameters=[StorefrontQuerySerializer],
        responses=StorefrontProductPageSerializer,
    )
    def list(self, request):
        def compute():
            params = StorefrontQuerySerializer(data=request.query_params)
            context = self.storefront_context(params)
            data = params.validated_data
            query = StorefrontQuery(
                q=data.get("q", "").strip(),
                brand=data.get("brand", ""),
                category_path=data.get("category", ""),
                mode=data.get("mode", ""),
                origin_country=data.get("origin", ""),
                in_stock=data.get("in_stock"),
                price_min=data.get("price_min"),
                price_max=data.get("price_max"),
                ordering=data["ordering"],
            )
            products, facets, count = storefront_listing(
                query=query, currency=context["currency"], rates=context["rates"]
            )
            rows = StorefrontCardRows(products, currency=context["currency"], locale=context["locale"])
            page = self.paginator.paginate_queryset(rows, request, self, count=count)
            cards = storefront_cards(
                page, locale=context["locale"], currency=context["currency"], rates=context["rates"]
            )
            response = self.get_paginated_response(cards)
            return {**response.data, "facets": facets}

        return Response(_cached(request, request_locale(request), compute))

    @extend_schema(parameters=[CURRENCY], responses=StorefrontProductDetailSerializer)
    def retrieve(self, request, slug=None):
        def compute():
            context = self.storefront_context(QuantityQuerySerializer(partial=True, data=request.query_params))
            # Rendered from plain rows (docs/decisions/0038); the serializer is the schema's.
            return storefront_product_page(
                slug=slug, locale=context["locale"], currency=context["currency"], rates=context["rates"]
            )

        return Response(_cached(request, request_locale(request), compute))

    @extend_schema(parameters=[QuantityQuerySerializer], responses=QuantityPriceSerializer)
    @action(detail=True, methods=["get"])
    def price(self, request, slug=None):
        params = QuantityQuerySerializer(data=request.query_params)
        context = self.storefront_context(params)
        # A signed-in buyer whose verified company has a negotiated price list sees that price.
        quote = buyer_price_get(
            user=request.user,
            product=storefront_product_get(slug=slug),
            quantity=params.validated_data["quantity"],
            currency=context["currency"],
            rates=context["rates"],
        )
        return Response(QuantityPriceSerializer(quote).data)


@extend_schema(tags=["storefront"], parameters=[LANG])
class StorefrontBrandViewSet(StorefrontMixin, viewsets.GenericViewSet):
    """Active common brands with their member companies."""

    lookup_field = "slug"
    serializer_class = StorefrontBrandSerializer

    def get_queryset(self):
        return storefront_brand_list()

    def list(self, request):
        page = self.paginate_queryset(storefront_brand_list())
        context = {"locale": request_locale(request)}  # no prices: no rates to read
        return self.get_paginated_response(StorefrontBrandSerializer(page, many=True, context=context).data)

    def retrieve(self, request, slug=None):
        context = {"locale": request_locale(request)}
        return Response(StorefrontBrandSerializer(storefront_brand_get(slug=slug), context=context).data)

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from core.api.fields import CountryField, MoneyField
from core.api.query import QuerySerializer
from core.locales import localized
from core.money import currency_codes
from core.selectors import PIVOT_CURRENCY, exchange_rates_get
from listings.api.serializers import LocalizedTextSerializer
from listings.models import Category, Product
from listings.selectors import product_text
from logistics.backorder_selectors import backorder_units_left, variant_ship_dates
from marketplace.selectors import (
    ORDERINGS,
    STOCK_AVAILABILITY,
    STOREFRONT_VARIANT_AVAILABILITY,
    product_shop_price,
    stock_availability,
)


class StorefrontQuerySerializer(QuerySerializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=200)
    brand = serializers.SlugField(required=False, max_length=140)
    category = serializers.CharField(required=False, max_length=255, help_text="A category path or id.")
    mode = serializers.ChoiceField(choices=Product.Mode.choices, required=False)
    origin = CountryField(required=False)
    in_stock = serializers.BooleanField(required=False, allow_null=True, default=None)
    price_min = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    price_max = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    currency = serializers.CharField(required=False, min_length=3, max_length=3)
    ordering = serializers.ChoiceField(choices=sorted(ORDERINGS), required=False, default="relevance")

    def validate_currency(self, value):
        code = value.upper()
        if code not in currency_codes():
            raise serializers.ValidationError("Not an ISO 4217 currency code.")
        rates = self.context.get("rates") or exchange_rates_get()  # the view's table: rates are read once
        if not rates.converts(PIVOT_CURRENCY, code):
            raise serializers.ValidationError(
                f"Prices are not quoted in {code}: the platform has no exchange rate for it."
            )
        return code

    def validate_category(self, value):
        category = (
            Category.objects.filter(pk=value).first()
            if value.isdigit()
            else Category.objects.filter(path=value).first()
        )
        if category is None:
            raise serializers.ValidationError("No such category.")
        return category.path

    def validate(self, data):
        if (
            data.get("price_min") is not None
            and data.get("price_max") is not None
            and data["price_min"] > data["price_max"]
        ):
            raise serializers.ValidationError({"price_max": ["Must be at least price_min."]})
        return data


class QuantityQuerySerializer(QuerySerializer):
    quantity = serializers.IntegerField(min_value=1, max_value=10_000_000)
    currency = serializers.CharField(required=False, min_length=3, max_length=3)

    validate_currency = StorefrontQuerySerializer.validate_currency


class BrandRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class CompanyRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class StorefrontProductSerializer(serializers.ModelSerializer):
    """A product card: context carries locale, currency and rates; the variants come with their
    available units (storefront_with_details)."""

    text = serializers.SerializerMethodField()
    brand = serializers.SerializerMethodField()
    company = serializers.SerializerMethodField()
    category = serializers.CharField(source="category.path")
    price = serializers.SerializerMethodField()
    image = serializers.SerializerMethodField()
    availability = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = [
            "slug",
            "text",
            "brand",
            "company",
            "category",
            "mode",
            "price",
            "moq",
            "image",
            "availability",
            "published_at",
        ]
        read_only_fields = fields

    @extend_schema_field(LocalizedTextSerializer)
    def get_text(self, product) -> dict:
        return product_text(product, self.context["locale"])

    @extend_schema_field(BrandRefSerializer(allow_null=True))
    def get_brand(self, product) -> dict | None:
        if product.brand is None:
            return None
        return {"slug": product.brand.slug, "name": product.brand.display_name(self.context["locale"])}

    @extend_schema_field(CompanyRefSerializer)
    def get_company(self, product) -> dict:
        return {"id": product.company_id, "name": product.company.display_name(self.context["locale"])}

    @extend_schema_field(MoneyField(allow_null=True))
    def get_price(self, product) -> dict | None:
        price = product_shop_price(product, self.context["currency"], self.context["rates"])
        return price.as_dict() if price else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_image(self, product) -> str | None:
        media = list(product.media.all())
        if not media:
            return None
        first = media[0]
        return (first.thumbnail or first.image).url

    @extend_schema_field(serializers.ChoiceField(choices=STOCK_AVAILABILITY))
    def get_availability(self, product) -> str:
        states = [stock_availability(v.available_units) for v in product.variants.all()]
        for state in ("in_stock", "low_stock"):
            if state in states:
                return state
        return "out_of_stock"


class StorefrontVariantSerializer(serializers.Serializer):
    sku = serializers.CharField()
    options = serializers.DictField()
    weight_kg = serializers.DecimalField(max_digits=9, decimal_places=3, allow_null=True)
    availability = serializers.ChoiceField(
        choices=STOREFRONT_VARIANT_AVAILABILITY,
        help_text="preorder and made_to_order: none in stock, sold beyond stock to ship by ships_on.",
    )
    ships_on = serializers.DateField(allow_null=True, help_text="Expected ship date of a unit bought now.")


class TierPriceSerializer(serializers.Serializer):
    min_quantity = serializers.IntegerField()
    unit_price = MoneyField()


class PlatformMarkRefSerializer(serializers.Serializer):
    valid_until = serializers.DateTimeField(help_text="The platform's quality mark holds until then.")


class StorefrontProductDetailSerializer(StorefrontProductSerializer):
    variants = serializers.SerializerMethodField()
    images = serializers.SerializerMethodField()
    price_tiers = serializers.SerializerMethodField()
    origin_country = CountryField()
    platform_mark = serializers.SerializerMethodField()

    class Meta(StorefrontProductSerializer.Meta):
        fields = [
            *StorefrontProductSerializer.Meta.fields,
            "origin_country",
            "material",
            "attributes",
            "variants",
            "images",
            "order_multiple",
            "lead_time_days",
            "sample_policy",
            "incoterms",
            "price_tiers",
            "platform_mark",
        ]
        read_only_fields = fields

    @extend_schema_field(PlatformMarkRefSerializer(allow_null=True))
    def get_platform_mark(self, product) -> dict | None:
        until = getattr(product, "platform_mark_until", None)
        return None if until is None else {"valid_until": until}

    @extend_schema_field(StorefrontVariantSerializer(many=True))
    def get_variants(self, product) -> list:
        variants = list(product.variants.all())
        beyond = [v for v in variants if v.available_units <= 0 and v.sells_beyond_stock]
        left, dates = backorder_units_left(beyond), variant_ship_dates(beyond)
        return [
            {
                "sku": v.sku,
                "options": v.options,
                "weight_kg": None if v.weight_kg is None else str(v.weight_kg),  # a Decimal string, never a float
                # Out of stock but sold beyond it while its cap lasts: preorder or made to order.
                "availability": v.availability if left.get(v.pk) else stock_availability(v.available_units),
                "ships_on": dates[v.pk] if left.get(v.pk) else None,
            }
            for v in variants
        ]

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_images(self, product) -> list:
        locale = self.context["locale"]
        return [
            {
                "url": m.image.url,
                "thumbnail_url": m.thumbnail.url if m.thumbnail else None,
                "alt": localized(m.alt_text, locale)[0] or "",
                "width": m.width,
                "height": m.height,
            }
            for m in product.media.all()
        ]

    @extend_schema_field(TierPriceSerializer(many=True))
    def get_price_tiers(self, product) -> list:
        from core.money import Money

        rates, currency = self.context["rates"], self.context["currency"]
        return [
            {
                "min_quantity": t.min_quantity,
                "unit_price": rates.convert(Money(t.unit_price_amount, product.base_currency), currency).as_dict(),
            }
            for t in product.price_tiers.all()
        ]


class FacetsSerializer(serializers.Serializer):
    brand = serializers.ListField(child=serializers.DictField())
    category = serializers.ListField(child=serializers.DictField())
    mode = serializers.ListField(child=serializers.DictField())


@extend_schema_serializer(many=False)  # already a page: the schema must not wrap it in another
class StorefrontProductPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = StorefrontProductSerializer(many=True)
    facets = FacetsSerializer()


class QuantityPriceSerializer(serializers.Serializer):
    quantity = serializers.IntegerField()
    unit_price = MoneyField()
    total = MoneyField()
    tier_min_quantity = serializers.IntegerField(allow_null=True)
    list_unit_price = MoneyField(allow_null=True, help_text="The public price, where a negotiated one applies.")
    price_list = serializers.IntegerField(allow_null=True, help_text="The caller's buyer company's price list.")


class StorefrontBrandSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.SerializerMethodField()
    story = serializers.SerializerMethodField()
    product_count = serializers.IntegerField()
    members = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField())
    def get_name(self, brand) -> str:
        return brand.display_name(self.context["locale"])

    @extend_schema_field(LocalizedTextSerializer)
    def get_story(self, brand) -> dict:
        text, locale = localized(brand.story, self.context["locale"])
        return {"title": brand.display_name(self.context["locale"]), "description": text or "", "locale": locale}

    @extend_schema_field(CompanyRefSerializer(many=True))
    def get_members(self, brand) -> list:
        locale = self.context["locale"]
        return [{"id": m.company_id, "name": m.company.display_name(locale)} for m in brand.active_memberships]

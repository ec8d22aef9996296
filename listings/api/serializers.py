from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.fields import MAX_ID, CountryField, MoneyField, StrictSerializer
from core.money import Money
from listings.models import Category, Inspection, Product, ProductMedia, ProductRevision, Variant
from listings.selectors import product_text
from listings.services import product_missing_items

# --- reads --------------------------------------------------------------------------------


class LocalizedTextSerializer(serializers.Serializer):
    title = serializers.CharField()
    description = serializers.CharField()
    locale = serializers.CharField(allow_null=True, help_text="The locale the text came from, after fallback.")


class TranslationSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(allow_blank=True, required=False, max_length=20000)


class PriceTierSerializer(serializers.Serializer):
    min_quantity = serializers.IntegerField(min_value=1, max_value=10_000_000)
    unit_price = MoneyField()


class VariantSerializer(serializers.ModelSerializer):
    origin_country = CountryField(allow_blank=True)

    class Meta:
        model = Variant
        fields = [
            "id",
            "sku",
            "gtin",
            "options",
            "weight_kg",
            "length_cm",
            "width_cm",
            "height_cm",
            "hs_code",
            "origin_country",
            "availability",
            "preorder_cap",
            "lead_time_days",
            "expected_on",
        ]
        read_only_fields = fields


class MediaSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = ProductMedia
        fields = ["id", "url", "thumbnail_url", "width", "height", "content_type", "size_bytes", "alt_text", "position"]
        read_only_fields = fields

    def get_url(self, media) -> str:
        return media.image.url

    def get_thumbnail_url(self, media) -> str | None:
        return media.thumbnail.url if media.thumbnail else None


class MissingItemSerializer(serializers.Serializer):
    attr = serializers.CharField()
    code = serializers.CharField()
    detail = serializers.CharField()


class ProductRevisionSerializer(serializers.ModelSerializer):
    changes = serializers.JSONField(
        help_text="The held fields in the product's write shape (category and brand by id)."
    )

    class Meta:
        model = ProductRevision
        fields = ["id", "status", "changes", "reason", "created_at", "updated_at", "decided_at"]
        read_only_fields = fields


class ProductSerializer(serializers.ModelSerializer):
    company = serializers.IntegerField(source="company_id")
    brand = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    category = serializers.IntegerField(source="category_id")
    category_path = serializers.CharField(source="category.path")
    origin_country = CountryField(allow_blank=True)
    text = serializers.SerializerMethodField()
    translations = serializers.SerializerMethodField()
    retail_price = MoneyField(allow_null=True)
    b2c_prices = serializers.SerializerMethodField()
    price_tiers = serializers.SerializerMethodField()
    variants = VariantSerializer(many=True)
    media = MediaSerializer(many=True)
    missing = serializers.SerializerMethodField()
    pending_revision = serializers.SerializerMethodField(
        help_text="Edits held for review (the fields above are the live version), or null."
    )

    class Meta:
        model = Product
        fields = [
            "id",
            "slug",
            "company",
            "brand",
            "category",
            "category_path",
            "mode",
            "status",
            "base_currency",
            "text",
            "translations",
            "hs_code",
            "origin_country",
            "material",
            "attributes",
            "retail_price",
            "b2c_prices",
            "moq",
            "order_multiple",
            "lead_time_days",
            "sample_policy",
            "incoterms",
            "price_tiers",
            "variants",
            "media",
            "missing",
            "pending_revision",
            "content_hash",
            "created_at",
            "updated_at",
            "published_at",
        ]
        read_only_fields = fields

    @extend_schema_field(LocalizedTextSerializer)
    def get_text(self, product) -> dict:
        return product_text(product, self.context.get("locale"))

    @extend_schema_field(ProductRevisionSerializer(allow_null=True))
    def get_pending_revision(self, product) -> dict | None:
        pending = getattr(product, "pending_revisions", None)
        return ProductRevisionSerializer(pending[0]).data if pending else None

    @extend_schema_field(serializers.DictField(child=TranslationSerializer()))
    def get_translations(self, product) -> dict:
        return {t.locale: {"title": t.title, "description": t.description} for t in product.translations.all()}

    @extend_schema_field(serializers.ListField(child=MoneyField()))
    def get_b2c_prices(self, product) -> list:
        return [Money(p.amount, p.currency).as_dict() for p in product.b2c_prices.all()]

    @extend_schema_field(PriceTierSerializer(many=True))
    def get_price_tiers(self, product) -> list:
        return [
            {"min_quantity": t.min_quantity, "unit_price": Money(t.unit_price_amount, product.base_currency).as_dict()}
            for t in product.price_tiers.all()
        ]

    @extend_schema_field(MissingItemSerializer(many=True))
    def get_missing(self, product) -> list:
        """What still stops submission or publication; empty when complete."""
        return [
            {"attr": attr, "code": code, "detail": detail}
            for attr, problems in product_missing_items(product).items()
            for code, detail in problems
        ]


# --- writes -------------------------------------------------------------------------------


class VariantWriteSerializer(StrictSerializer):
    sku = serializers.RegexField(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$", max_length=64)
    gtin = serializers.CharField(max_length=14, required=False, allow_blank=True)
    options = serializers.DictField(child=serializers.CharField(max_length=100), required=False)
    weight_kg = serializers.DecimalField(max_digits=9, decimal_places=3, required=False, allow_null=True)
    length_cm = serializers.DecimalField(max_digits=7, decimal_places=1, min_value=0, required=False, allow_null=True)
    width_cm = serializers.DecimalField(max_digits=7, decimal_places=1, min_value=0, required=False, allow_null=True)
    height_cm = serializers.DecimalField(max_digits=7, decimal_places=1, min_value=0, required=False, allow_null=True)
    hs_code = serializers.RegexField(r"^[0-9]{6,10}$", required=False, allow_blank=True)
    origin_country = CountryField(required=False, allow_blank=True)
    availability = serializers.ChoiceField(choices=Variant.Availability.choices, required=False)
    preorder_cap = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
    lead_time_days = serializers.IntegerField(min_value=0, max_value=365, required=False, allow_null=True)
    expected_on = serializers.DateField(required=False, allow_null=True)


class ProductWriteSerializer(StrictSerializer):
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all())
    brand = serializers.CharField(required=False, allow_null=True, help_text="Slug of a brand the company belongs to.")
    mode = serializers.ChoiceField(choices=Product.Mode.choices, required=False)
    base_currency = serializers.CharField(min_length=3, max_length=3, required=False)
    translations = serializers.DictField(child=TranslationSerializer(), required=False)
    hs_code = serializers.RegexField(r"^[0-9]{6,10}$", required=False, allow_blank=True)
    origin_country = CountryField(required=False, allow_blank=True)
    material = serializers.CharField(max_length=300, required=False, allow_blank=True)
    attributes = serializers.DictField(required=False)
    retail_price = MoneyField(required=False, allow_null=True)
    b2c_prices = serializers.ListField(child=MoneyField(), required=False, max_length=50)
    moq = serializers.IntegerField(min_value=1, max_value=10_000_000, required=False, allow_null=True)
    order_multiple = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False)
    lead_time_days = serializers.IntegerField(min_value=0, max_value=365, required=False, allow_null=True)
    sample_policy = serializers.ChoiceField(choices=Product.SamplePolicy.choices, required=False)
    incoterms = serializers.ListField(child=serializers.CharField(max_length=3), required=False, max_length=11)
    price_tiers = PriceTierSerializer(many=True, required=False, max_length=20)
    variants = VariantWriteSerializer(many=True, required=False, max_length=200)

    def validate(self, data):
        """Prices arrive as Money; the product keeps one base currency for its retail price and tiers."""
        base = data.get("base_currency") or (self.instance.base_currency if self.instance else "KRW")
        errors = {}
        if data.get("retail_price") and data["retail_price"].currency != base:
            errors["retail_price"] = [f"The retail price is in the base currency ({base})."]
        for i, tier in enumerate(data.get("price_tiers", [])):
            if tier["unit_price"].currency != base:
                errors[f"price_tiers.{i}.unit_price"] = [f"Tier prices are in the base currency ({base})."]
        currencies = [price.currency for price in data.get("b2c_prices", [])]
        if len(set(currencies)) != len(currencies):
            errors["b2c_prices"] = ["One price per currency."]
        if errors:
            raise serializers.ValidationError(errors)
        return data


def product_payload(validated: dict, brand) -> dict:
    """The API's validated data in the shape listings.services takes."""
    data = dict(validated)
    if "brand" in data:
        data["brand"] = brand
    if "retail_price" in data:
        data["retail_price"] = data["retail_price"].amount if data["retail_price"] else None
    if "b2c_prices" in data:
        data["b2c_prices"] = {price.currency: price.amount for price in data["b2c_prices"]}
    if "price_tiers" in data:
        data["price_tiers"] = [
            {"min_quantity": t["min_quantity"], "unit_price": t["unit_price"].amount} for t in data["price_tiers"]
        ]
    return data


class TransitionSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=1000, required=False, default="")


class CategorySerializer(serializers.ModelSerializer):
    children = serializers.SerializerMethodField()

    class Meta:
        model = Category
        fields = ["id", "slug", "path", "name_translations", "attribute_schema", "default_hs_chapter", "children"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_children(self, category) -> list:
        children = self.context["children"].get(category.pk, [])
        return CategorySerializer(children, many=True, context=self.context).data


class InspectionResultWriteSerializer(StrictSerializer):
    code = serializers.SlugField(max_length=50)
    passed = serializers.BooleanField()
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class DefectWriteSerializer(StrictSerializer):
    code = serializers.SlugField(max_length=50)
    quantity = serializers.IntegerField(min_value=1, max_value=10_000_000)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class InspectionWriteSerializer(StrictSerializer):
    product = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    results = InspectionResultWriteSerializer(many=True, allow_empty=False, max_length=200)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    lot_number = serializers.CharField(max_length=60, required=False, allow_blank=True)
    sample_size = serializers.IntegerField(min_value=1, max_value=10_000_000, required=False, allow_null=True)
    units_inspected = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False, allow_null=True)
    defects = DefectWriteSerializer(many=True, required=False, max_length=100)


class InspectionResultSerializer(serializers.Serializer):
    code = serializers.CharField(source="item.code")
    required = serializers.BooleanField(source="item.required")
    passed = serializers.BooleanField()
    note = serializers.CharField()


class DefectSerializer(serializers.Serializer):
    code = serializers.CharField()
    quantity = serializers.IntegerField()
    note = serializers.CharField()


class InspectionSerializer(serializers.ModelSerializer):
    standard_version = serializers.IntegerField(source="standard.version")
    brand = serializers.CharField(source="standard.brand.slug")
    results = InspectionResultSerializer(many=True)
    defects = DefectSerializer(many=True)

    class Meta:
        model = Inspection
        fields = [
            "id",
            "product",
            "brand",
            "standard_version",
            "outcome",
            "notes",
            "lot_number",
            "sample_size",
            "units_inspected",
            "results",
            "defects",
            "created_at",
        ]
        read_only_fields = fields


class HsSuggestionSerializer(serializers.Serializer):
    hs_code = serializers.CharField(allow_null=True, help_text="Null for a chapter-only suggestion.")
    chapter = serializers.CharField()
    source = serializers.ChoiceField(choices=["similar_products", "category_chapter"])
    reason = serializers.CharField()


class HsSuggestionsSerializer(serializers.Serializer):
    current = serializers.CharField(allow_blank=True, help_text="The product's HS code, unchanged.")
    suggestions = HsSuggestionSerializer(many=True)

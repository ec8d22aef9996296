from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.fields import MAX_ID, CountryField, MoneyField, StrictSerializer
from core.money import Money, validate_currency_code
from marketplace.models import RFQ, BuyerCompany, BuyerStaff, InquiryMessage, InquiryThread, Quote, QuoteLine
from marketplace.services.trade_orders import PAYMENT_TERMS

Id = serializers.IntegerField  # ids in bodies: positive bigints, so a huge one is a 400, never a 500


def _id(**kwargs):
    return Id(min_value=1, max_value=MAX_ID, **kwargs)


# --- buyer companies ----------------------------------------------------------------------


class BuyerCompanyWriteSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200)
    country = CountryField()
    website = serializers.URLField(required=False, allow_blank=True, max_length=200)
    profile = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class BuyerStaffSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email")

    class Meta:
        model = BuyerStaff
        fields = ["email", "role"]
        read_only_fields = fields


class BuyerCompanySerializer(serializers.ModelSerializer):
    country = CountryField()
    website = serializers.CharField(read_only=True)  # may be blank, which a "uri" format refuses
    staff = BuyerStaffSerializer(many=True)

    class Meta:
        model = BuyerCompany
        fields = ["id", "name", "country", "website", "profile", "verified", "verified_at", "staff", "created_at"]
        read_only_fields = fields


class BuyerStaffWriteSerializer(StrictSerializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=BuyerStaff.Role.choices, default=BuyerStaff.Role.BUYER)


class BuyerCompanyBriefSerializer(serializers.ModelSerializer):
    """What sellers see of a buyer: who, where, and whether an operator verified them."""

    country = CountryField()

    class Meta:
        model = BuyerCompany
        fields = ["id", "name", "country", "verified"]
        read_only_fields = fields


# --- RFQs ---------------------------------------------------------------------------------


class RFQWriteSerializer(StrictSerializer):
    buyer_company = _id()
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=10000)
    category = _id()
    reference_product = _id(required=False, allow_null=True)
    quantity = serializers.IntegerField(min_value=1, max_value=10_000_000)
    unit = serializers.CharField(max_length=20, required=False, default="pieces")
    target_unit_price = MoneyField(required=False, allow_null=True)
    currency = serializers.CharField(min_length=3, max_length=3)
    destination_country = CountryField()
    incoterm = serializers.ChoiceField(choices=RFQ.Incoterm.choices, default=RFQ.Incoterm.DAP)
    deadline = serializers.DateTimeField()

    def validate_currency(self, value):
        try:
            validate_currency_code(value.upper())
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages, code="invalid_currency") from None
        return value.upper()

    def validate_deadline(self, value):
        if value <= timezone.now():
            raise serializers.ValidationError("The deadline must be in the future.", code="in_the_past")
        return value


class RFQSerializer(serializers.ModelSerializer):
    buyer_company = BuyerCompanyBriefSerializer()
    category = serializers.CharField(source="category.path")
    destination_country = CountryField()
    target_unit_price = serializers.SerializerMethodField()

    class Meta:
        model = RFQ
        fields = [
            "id",
            "buyer_company",
            "title",
            "description",
            "category",
            "reference_product",
            "quantity",
            "unit",
            "target_unit_price",
            "currency",
            "destination_country",
            "incoterm",
            "deadline",
            "status",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(MoneyField(allow_null=True))
    def get_target_unit_price(self, rfq) -> dict | None:
        return None if rfq.target_unit_price is None else Money(rfq.target_unit_price, rfq.currency).as_dict()


# --- quotes -------------------------------------------------------------------------------


class QuoteWriteSerializer(StrictSerializer):
    product = _id()
    variant = _id(required=False)
    quantity = serializers.IntegerField(min_value=1, max_value=10_000_000)
    unit_price = MoneyField(required=False, allow_null=True, help_text="Omit to quote the tier price.")
    price_override_reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    incoterm = serializers.ChoiceField(choices=Quote.Incoterm.choices)
    valid_until = serializers.DateField()
    lead_time_days = serializers.IntegerField(min_value=0, max_value=365)
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class BrandQuoteLineWriteSerializer(StrictSerializer):
    product = _id()
    variant = _id(required=False)
    quantity = serializers.IntegerField(min_value=1, max_value=10_000_000)
    unit_price = MoneyField(required=False, allow_null=True)
    price_override_reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class BrandQuoteWriteSerializer(StrictSerializer):
    brand = serializers.SlugField(max_length=120)
    lines = BrandQuoteLineWriteSerializer(many=True, allow_empty=False, max_length=50)
    incoterm = serializers.ChoiceField(choices=Quote.Incoterm.choices)
    valid_until = serializers.DateField()
    lead_time_days = serializers.IntegerField(min_value=0, max_value=365)
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class QuoteLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="variant.sku")
    seller = serializers.IntegerField(source="seller_id")
    unit_price = serializers.SerializerMethodField()
    list_unit_price = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()

    class Meta:
        model = QuoteLine
        fields = [
            "id",
            "product",
            "variant",
            "sku",
            "seller",
            "quantity",
            "unit_price",
            "list_unit_price",
            "price_override_reason",
            "total",
        ]
        read_only_fields = fields

    @extend_schema_field(MoneyField())
    def get_unit_price(self, line) -> dict:
        return Money(line.unit_price, line.quote.currency).as_dict()

    @extend_schema_field(MoneyField(allow_null=True))
    def get_list_unit_price(self, line) -> dict | None:
        return None if line.list_unit_price is None else Money(line.list_unit_price, line.quote.currency).as_dict()

    @extend_schema_field(MoneyField())
    def get_total(self, line) -> dict:
        return Money(line.total, line.quote.currency).as_dict()


class QuoteTotalsSerializer(serializers.Serializer):
    subtotal = MoneyField()
    shipping = MoneyField()
    insurance = MoneyField()
    duties = MoneyField()
    taxes = MoneyField()
    total = MoneyField()


class TradeQuoteSerializer(serializers.ModelSerializer):
    brand = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    lines = QuoteLineSerializer(many=True)
    totals = serializers.SerializerMethodField()
    order = serializers.SerializerMethodField()

    class Meta:
        model = Quote
        fields = [
            "id",
            "rfq",
            "company",
            "brand",
            "status",
            "currency",
            "incoterm",
            "valid_until",
            "lead_time_days",
            "note",
            "lines",
            "totals",
            "freight",
            "duty_estimate",
            "rule_versions",
            "order",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(QuoteTotalsSerializer)
    def get_totals(self, quote) -> dict:
        return {
            name: quote.money(name).as_dict()
            for name in ("subtotal", "shipping", "insurance", "duties", "taxes", "total")
        }

    def get_order(self, quote) -> str | None:
        return quote.order.number if quote.order_id else None


class AddressWriteSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200)
    lines = serializers.ListField(child=serializers.CharField(max_length=200), min_length=1, max_length=4)
    city = serializers.CharField(max_length=100)
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    country = serializers.CharField(min_length=2, max_length=2)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)


class QuoteAcceptSerializer(StrictSerializer):
    payment_terms = serializers.ChoiceField(choices=[(t, t.replace("_", " ")) for t in PAYMENT_TERMS])
    shipping_address = AddressWriteSerializer()


class QuoteAcceptResponseSerializer(serializers.Serializer):
    order = serializers.CharField()
    order_id = serializers.IntegerField()
    payment = serializers.DictField()


class ReasonSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class PaymentConfirmSerializer(StrictSerializer):
    reference = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


# --- inquiries ----------------------------------------------------------------------------


class InquiryCreateSerializer(StrictSerializer):
    product = _id()
    subject = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=10000)
    buyer_company = _id(required=False, allow_null=True)
    attachment = serializers.FileField(required=False, allow_empty_file=True)


class InquiryMessageWriteSerializer(StrictSerializer):
    body = serializers.CharField(max_length=10000)
    attachment = serializers.FileField(required=False, allow_empty_file=True)


class InquiryMessageSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.full_name")
    attachment = serializers.SerializerMethodField()

    class Meta:
        model = InquiryMessage
        fields = ["id", "side", "author", "body", "attachment", "created_at"]
        read_only_fields = fields

    def get_attachment(self, message) -> dict | None:
        if not message.attachment:
            return None
        return {
            "name": message.attachment_name,
            "content_type": message.attachment_type,
            "size": message.attachment_size,
            "url": message.attachment.url,
        }


class InquiryThreadSerializer(serializers.ModelSerializer):
    product = serializers.CharField(source="product.slug")
    company = serializers.IntegerField(source="company_id")
    buyer_company = BuyerCompanyBriefSerializer(allow_null=True)
    unread = serializers.SerializerMethodField()

    class Meta:
        model = InquiryThread
        fields = ["id", "product", "company", "buyer_company", "subject", "unread", "created_at", "last_message_at"]
        read_only_fields = fields

    def get_unread(self, thread) -> int:
        """Messages the caller's side has not read yet (0 for operators)."""
        side = self.context.get("sides", {}).get(thread.pk)
        return {"buyer": thread.buyer_unread, "seller": thread.seller_unread}.get(side, 0)


class InquiryThreadDetailSerializer(InquiryThreadSerializer):
    messages = InquiryMessageSerializer(many=True)

    class Meta(InquiryThreadSerializer.Meta):
        fields = [*InquiryThreadSerializer.Meta.fields, "messages"]
        read_only_fields = fields

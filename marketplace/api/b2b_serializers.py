from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.fields import MAX_ID, MoneyField, StrictSerializer
from core.money import Money
from marketplace.models import CreditLine, PriceList, PriceListEntry, TermsInvoice
from marketplace.services.quote_pricing import MAX_AMOUNT


def _id(**kwargs):
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class PriceEntryWriteSerializer(StrictSerializer):
    product = _id()
    min_quantity = serializers.IntegerField(min_value=1, max_value=10_000_000, default=1)
    unit_price = MoneyField()


class PriceListWriteSerializer(StrictSerializer):
    company = _id()
    buyer_company = _id()
    name = serializers.CharField(max_length=200)
    currency = serializers.CharField(min_length=3, max_length=3)
    valid_until = serializers.DateField(required=False, allow_null=True, default=None)
    entries = PriceEntryWriteSerializer(many=True, allow_empty=False, max_length=500)

    def validate_currency(self, value):
        return value.upper()


class PriceListEntrySerializer(serializers.ModelSerializer):
    product = serializers.IntegerField(source="product_id")
    product_slug = serializers.CharField(source="product.slug")
    unit_price = serializers.SerializerMethodField()

    class Meta:
        model = PriceListEntry
        fields = ["product", "product_slug", "min_quantity", "unit_price"]
        read_only_fields = fields

    def get_unit_price(self, entry) -> dict:
        return Money(entry.unit_price, entry.price_list.currency).as_dict()


class PriceListSerializer(serializers.ModelSerializer):
    company = serializers.IntegerField(source="company_id")
    buyer_company = serializers.IntegerField(source="buyer_company_id")
    entries = PriceListEntrySerializer(many=True)

    class Meta:
        model = PriceList
        fields = [
            "id",
            "company",
            "buyer_company",
            "name",
            "currency",
            "valid_until",
            "status",
            "entries",
            "created_at",
        ]
        read_only_fields = fields


class CreditLineWriteSerializer(StrictSerializer):
    buyer_company = _id()
    net_days = serializers.ChoiceField(choices=CreditLine.NetDays.choices)
    credit_limit = MoneyField()

    def validate_credit_limit(self, value):
        if value.amount >= MAX_AMOUNT:
            raise serializers.ValidationError(f"A limit below {MAX_AMOUNT}.", code="out_of_range")
        return value


class CreditLineSerializer(serializers.ModelSerializer):
    buyer_company = serializers.IntegerField(source="buyer_company_id")
    credit_limit = MoneyField(amount="credit_limit")
    credit_used = serializers.SerializerMethodField()
    credit_available = serializers.SerializerMethodField()

    class Meta:
        model = CreditLine
        fields = ["id", "buyer_company", "net_days", "credit_limit", "credit_used", "credit_available", "granted_at"]
        read_only_fields = fields

    @staticmethod
    def _used(line) -> Money:
        return Money(line.used or Decimal(0), line.currency)

    @extend_schema_field(MoneyField())
    def get_credit_used(self, line) -> dict:
        return self._used(line).as_dict()

    @extend_schema_field(MoneyField())
    def get_credit_available(self, line) -> dict:
        return Money(max(line.credit_limit - self._used(line).amount, Decimal(0)), line.currency).as_dict()


class TermsInvoiceSerializer(serializers.ModelSerializer):
    order = serializers.CharField(source="order.number")
    order_id = serializers.IntegerField()
    buyer_company = serializers.IntegerField(source="buyer_company_id")
    amount = MoneyField(amount="amount")
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = TermsInvoice
        fields = [
            "id",
            "order",
            "order_id",
            "buyer_company",
            "amount",
            "due_on",
            "status",
            "overdue",
            "paid_at",
            "paid_reference",
            "created_at",
        ]
        read_only_fields = fields

    def get_overdue(self, invoice) -> bool:
        return invoice.status == TermsInvoice.Status.OPEN and invoice.due_on < self.context["today"]


class TermsSettleSerializer(StrictSerializer):
    reference = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

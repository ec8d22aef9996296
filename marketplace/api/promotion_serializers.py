from decimal import Decimal

from rest_framework import serializers

from brands.models import Brand, Company
from core.api.fields import MoneyField, StrictSerializer
from core.money import Money
from listings.models import Category, Product
from marketplace.api.order_serializers import AddressSerializer
from marketplace.models import BuyerAddress, Promotion


class PromotionWriteSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200)
    code = serializers.CharField(max_length=40, required=False, allow_blank=True, help_text="Empty: automatic.")
    kind = serializers.ChoiceField(choices=Promotion.Kind.choices)
    percent = serializers.DecimalField(max_digits=5, decimal_places=4, required=False, allow_null=True)
    amounts = serializers.ListField(child=MoneyField(), required=False, max_length=20, help_text="For fixed.")
    minimum_subtotal = serializers.ListField(child=MoneyField(), required=False, max_length=20)
    company = serializers.PrimaryKeyRelatedField(queryset=Company.objects.all(), required=False, allow_null=True)
    brands = serializers.PrimaryKeyRelatedField(queryset=Brand.objects.all(), many=True, required=False)
    categories = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all(), many=True, required=False)
    products = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all(), many=True, required=False)
    funded_by = serializers.ChoiceField(choices=Promotion.FundedBy.choices, required=False)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(required=False, allow_null=True)
    usage_limit = serializers.IntegerField(min_value=1, max_value=10_000_000, required=False, allow_null=True)
    usage_limit_per_buyer = serializers.IntegerField(min_value=1, max_value=10_000, required=False, allow_null=True)
    is_active = serializers.BooleanField(required=False)


def _money_list(amounts: dict) -> list[dict]:
    return [Money(Decimal(amount), currency).as_dict() for currency, amount in sorted(amounts.items())]


class PromotionSerializer(serializers.ModelSerializer):
    amounts = serializers.SerializerMethodField()
    minimum_subtotal = serializers.SerializerMethodField()

    class Meta:
        model = Promotion
        fields = [
            "id",
            "name",
            "code",
            "kind",
            "percent",
            "amounts",
            "minimum_subtotal",
            "company",
            "brands",
            "categories",
            "products",
            "funded_by",
            "starts_at",
            "ends_at",
            "usage_limit",
            "usage_limit_per_buyer",
            "times_used",
            "is_active",
            "created_at",
        ]
        read_only_fields = fields

    def get_amounts(self, promotion) -> list[dict]:
        return _money_list(promotion.amounts)

    def get_minimum_subtotal(self, promotion) -> list[dict]:
        return _money_list(promotion.minimum_subtotal)


class BuyerAddressWriteSerializer(StrictSerializer):
    label = serializers.CharField(max_length=60, required=False, allow_blank=True)
    address = AddressSerializer()
    is_default = serializers.BooleanField(required=False)


class BuyerAddressUpdateSerializer(BuyerAddressWriteSerializer):
    address = AddressSerializer(required=False)


class BuyerAddressSerializer(serializers.ModelSerializer):
    class Meta:
        model = BuyerAddress
        fields = ["id", "label", "address", "is_default", "created_at"]
        read_only_fields = fields

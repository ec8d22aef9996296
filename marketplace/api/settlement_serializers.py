from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from brands.models import Brand, Company
from core.api.fields import MAX_ID, MoneyField, StrictSerializer
from core.money import Money
from marketplace.models import Fee, FeeKind, Payout, SupportProgramme, Voucher
from marketplace.models.vouchers import SUB_GROUP_CHOICES

FEE_KINDS = serializers.ListField(child=serializers.ChoiceField(choices=FeeKind.choices), min_length=1)


def _money(obj, amount_field: str, currency_field: str = "currency") -> dict:
    return Money(getattr(obj, amount_field), getattr(obj, currency_field)).as_dict()


class ProgrammeSerializer(serializers.ModelSerializer):
    budget = serializers.SerializerMethodField()
    spent = serializers.SerializerMethodField()
    remaining = serializers.SerializerMethodField()
    per_company_cap = serializers.SerializerMethodField()
    fee_kinds = serializers.ListField(child=serializers.ChoiceField(choices=FeeKind.choices))
    max_per_company_year = serializers.SerializerMethodField()
    year_shares = serializers.ListField(child=serializers.DecimalField(max_digits=5, decimal_places=4))

    class Meta:
        model = SupportProgramme
        fields = [
            "id",
            "name",
            "sponsor",
            "starts_on",
            "ends_on",
            "currency",
            "budget",
            "spent",
            "remaining",
            "per_company_cap",
            "share",
            "fee_kinds",
            "sme_only",
            "export_stages",
            "brand",
            "countries",
            "priority",
            "covers_services",
            "year_shares",
            "max_uses",
            "max_per_company_year",
            "service_stages",
            "service_sub_groups",
            "is_active",
        ]

    @extend_schema_field(MoneyField)
    def get_budget(self, obj) -> dict:
        return _money(obj, "budget")

    @extend_schema_field(MoneyField)
    def get_spent(self, obj) -> dict:
        return _money(obj, "spent")

    @extend_schema_field(MoneyField)
    def get_remaining(self, obj) -> dict:
        return obj.remaining.as_dict()

    @extend_schema_field(MoneyField)
    def get_per_company_cap(self, obj) -> dict:
        return _money(obj, "per_company_cap")

    @extend_schema_field(MoneyField(allow_null=True))
    def get_max_per_company_year(self, obj) -> dict | None:
        return None if obj.max_per_company_year is None else _money(obj, "max_per_company_year")


class ProgrammeCreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200)
    sponsor = serializers.CharField(max_length=200)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    budget = MoneyField()
    per_company_cap = MoneyField()
    share = serializers.DecimalField(max_digits=5, decimal_places=4, min_value=Decimal("0.0001"), max_value=Decimal(1))
    fee_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=FeeKind.choices), required=False, default=list
    )
    sme_only = serializers.BooleanField(default=True)
    export_stages = serializers.ListField(
        child=serializers.ChoiceField(choices=Company.ExportStage.choices), required=False, default=list
    )
    brand = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True)
    countries = serializers.ListField(
        child=serializers.RegexField(r"^[A-Z]{2}$"), required=False, default=list, max_length=250
    )
    priority = serializers.IntegerField(min_value=0, max_value=32767, default=100)
    covers_services = serializers.BooleanField(default=False)
    year_shares = serializers.ListField(
        child=serializers.DecimalField(
            max_digits=5, decimal_places=4, min_value=Decimal("0.0001"), max_value=Decimal(1)
        ),
        required=False,
        default=list,
        max_length=10,
        help_text='The programme\'s share by year of participation: ["0.8", "0.5"].',
    )
    max_uses = serializers.IntegerField(min_value=1, max_value=1000, required=False, allow_null=True)
    max_per_company_year = MoneyField(required=False, allow_null=True)
    service_stages = serializers.ListField(
        child=serializers.ChoiceField(choices=Company.ExportStage.choices), required=False, default=list
    )
    service_sub_groups = serializers.ListField(
        child=serializers.ChoiceField(choices=SUB_GROUP_CHOICES), required=False, default=list
    )

    def validate(self, data):
        if data["per_company_cap"].currency != data["budget"].currency:
            raise serializers.ValidationError({"per_company_cap": ["The cap is in the budget's currency."]})
        yearly = data.get("max_per_company_year")
        if yearly is not None and yearly.currency != data["budget"].currency:
            raise serializers.ValidationError({"max_per_company_year": ["The maximum is in the budget's currency."]})
        if data.get("brand") and not Brand.objects.filter(pk=data["brand"]).exists():
            raise serializers.ValidationError({"brand": ["No such brand."]})
        if SupportProgramme.objects.filter(name=data["name"]).exists():
            raise serializers.ValidationError({"name": ["A programme has this name already."]})
        return data


class VoucherCreateSerializer(StrictSerializer):
    company = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    amount = MoneyField()
    fee_kinds = FEE_KINDS
    expires_on = serializers.DateField()


class VoucherSerializer(serializers.ModelSerializer):
    amount = serializers.SerializerMethodField()
    balance = serializers.SerializerMethodField()
    fee_kinds = serializers.ListField(child=serializers.ChoiceField(choices=FeeKind.choices))

    class Meta:
        model = Voucher
        fields = ["id", "programme", "company", "amount", "balance", "fee_kinds", "expires_on", "issued_at"]

    @extend_schema_field(MoneyField)
    def get_amount(self, obj) -> dict:
        return _money(obj, "amount")

    @extend_schema_field(MoneyField)
    def get_balance(self, obj) -> dict:
        return obj.balance.as_dict()


class FeePartSerializer(serializers.Serializer):
    programme = serializers.IntegerField()
    programme_name = serializers.CharField()
    voucher = serializers.IntegerField(allow_null=True)
    amount = MoneyField()
    programme_amount = MoneyField()
    exchange_rate = serializers.CharField()


class FeeSerializer(serializers.ModelSerializer):
    amount = serializers.SerializerMethodField()
    company_part = serializers.SerializerMethodField()
    programme_parts = serializers.SerializerMethodField()

    class Meta:
        model = Fee
        fields = [
            "id",
            "company",
            "kind",
            "cause_type",
            "cause_id",
            "period",
            "quantity",
            "amount",
            "company_part",
            "programme_parts",
            "status",
            "charged_at",
            "reversed_at",
            "reversal_reason",
        ]

    @extend_schema_field(MoneyField)
    def get_amount(self, obj) -> dict:
        return _money(obj, "amount")

    @extend_schema_field(MoneyField)
    def get_company_part(self, obj) -> dict:
        return _money(obj, "company_amount")

    @extend_schema_field(FeePartSerializer(many=True))
    def get_programme_parts(self, obj) -> list:
        # splits are prefetched (charges only) with their programme
        return [
            {
                "programme": split.programme_id,
                "programme_name": split.programme.name,
                "voucher": split.voucher_id,
                "amount": Money(split.amount, obj.currency).as_dict(),
                "programme_amount": Money(split.programme_amount, split.programme_currency).as_dict(),
                "exchange_rate": str(split.exchange_rate.normalize()),
            }
            for split in obj.charged_splits
            if split.programme_id
        ]


class StatementSummarySerializer(serializers.Serializer):
    period = serializers.CharField()
    currency = serializers.CharField()
    status = serializers.CharField()
    sales = MoneyField()
    net = MoneyField()


class StatementSerializer(serializers.Serializer):
    company = serializers.IntegerField()
    period = serializers.CharField()
    currency = serializers.CharField()
    status = serializers.ChoiceField(choices=["draft", "settled"])
    sales = MoneyField()
    refunds = MoneyField()
    chargebacks = MoneyField()
    commission = MoneyField()
    fees = MoneyField()
    programme_covered = MoneyField()
    brand_fund = MoneyField()
    agent_commissions = MoneyField(help_text="Commission earned as the agent of SMEs (trading companies).")
    carried_in = MoneyField(help_text="A negative balance brought forward from the previous statement.")
    net = MoneyField()
    lines = serializers.ListField(child=serializers.DictField())
    payout = serializers.DictField(required=False, allow_null=True)


class PayoutSerializer(serializers.ModelSerializer):
    amount = serializers.SerializerMethodField()

    class Meta:
        model = Payout
        fields = [
            "id",
            "company",
            "period",
            "amount",
            "method",
            "status",
            "destination",
            "transfer_id",
            "created_at",
            "paid_at",
        ]

    @extend_schema_field(MoneyField)
    def get_amount(self, obj) -> dict:
        return _money(obj, "amount")


class PayoutConfirmSerializer(StrictSerializer):
    reference = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)


class ReportSerializer(serializers.Serializer):
    programme = serializers.IntegerField()
    name = serializers.CharField()
    sponsor = serializers.CharField()
    currency = serializers.CharField()
    budget = MoneyField()
    committed = MoneyField()
    remaining = MoneyField()
    covered = MoneyField()
    vouchers = serializers.DictField()
    assisted_companies = serializers.IntegerField()
    by_fee_kind = serializers.ListField(child=serializers.DictField())
    services = serializers.DictField(help_text="Services used with vouchers, by stage and sub-group.")
    by_month = serializers.ListField(child=serializers.DictField())
    by_year = serializers.ListField(child=serializers.DictField())

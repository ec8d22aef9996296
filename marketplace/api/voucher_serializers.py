from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from brands.models import Company
from core.api.fields import MAX_ID, MoneyField, StrictSerializer, TranslationsField
from core.money import Money
from marketplace.models import ProgrammeApplication, ProviderPayout, ServiceOrder, ServiceProvider, SupportService
from marketplace.models.vouchers import SUB_GROUP_CHOICES


def _money(amount, currency) -> dict:
    return Money(amount, currency).as_dict()


class ServiceProviderSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceProvider
        fields = ["id", "name", "kind", "country", "contact_email", "is_active", "created_at"]
        read_only_fields = ["id", "is_active", "created_at"]


class ServiceProviderCreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=ServiceProvider.Kind.choices)
    country = serializers.RegexField(r"^[A-Z]{2}$", default="KR")
    contact_email = serializers.EmailField(required=False, default="")
    bank_details = serializers.CharField(max_length=2000, required=False, default="")

    def validate_name(self, value):
        if ServiceProvider.objects.filter(name=value).exists():
            raise serializers.ValidationError("A provider has this name already.")
        return value


class SupportServiceSerializer(serializers.ModelSerializer):
    provider = ServiceProviderSerializer(read_only=True)
    price = serializers.SerializerMethodField()

    class Meta:
        model = SupportService
        fields = [
            "id",
            "provider",
            "code",
            "name_translations",
            "description",
            "stage",
            "sub_group",
            "price",
            "is_active",
        ]
        read_only_fields = fields

    @extend_schema_field(MoneyField)
    def get_price(self, obj) -> dict:
        return _money(obj.price, obj.currency)


class SupportServiceCreateSerializer(StrictSerializer):
    provider = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    code = serializers.SlugField(max_length=60)
    name_translations = TranslationsField()
    description = TranslationsField(required=False, default=dict)
    stage = serializers.ChoiceField(choices=Company.ExportStage.choices)
    sub_group = serializers.ChoiceField(choices=SUB_GROUP_CHOICES)
    price = MoneyField()


class ProgrammeApplicationSerializer(serializers.ModelSerializer):
    amount_requested = serializers.SerializerMethodField()

    class Meta:
        model = ProgrammeApplication
        fields = [
            "id",
            "programme",
            "company",
            "status",
            "amount_requested",
            "plan",
            "sub_groups",
            "decision_reasons",
            "decided_at",
            "voucher",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(MoneyField)
    def get_amount_requested(self, obj) -> dict:
        return _money(obj.amount_requested, obj.programme.currency)


class ProgrammeApplicationCreateSerializer(StrictSerializer):
    programme = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    company = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    amount = MoneyField()
    plan = serializers.CharField(max_length=5000)
    sub_groups = serializers.ListField(
        child=serializers.ChoiceField(choices=SUB_GROUP_CHOICES), required=False, default=list, max_length=20
    )


class ApplicationDecisionSerializer(StrictSerializer):
    reasons = serializers.CharField(max_length=5000)
    amount = MoneyField(required=False, help_text="The voucher's amount; what was asked by default.")
    expires_on = serializers.DateField(required=False)


class ServiceOrderSerializer(serializers.ModelSerializer):
    price = serializers.SerializerMethodField()
    programme_part = serializers.SerializerMethodField()
    co_payment = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()

    class Meta:
        model = ServiceOrder
        fields = [
            "id",
            "voucher",
            "programme",
            "company",
            "service",
            "provider",
            "stage",
            "sub_group",
            "status",
            "price",
            "share",
            "programme_part",
            "co_payment",
            "note",
            "created_at",
            "delivered_at",
            "confirmed_at",
            "events",
        ]
        read_only_fields = fields

    @extend_schema_field(MoneyField)
    def get_price(self, obj) -> dict:
        return _money(obj.price, obj.currency)

    @extend_schema_field(MoneyField)
    def get_programme_part(self, obj) -> dict:
        return _money(obj.programme_amount, obj.currency)

    @extend_schema_field(MoneyField)
    def get_co_payment(self, obj) -> dict:
        return _money(obj.company_amount, obj.currency)

    def get_events(self, obj) -> list[dict]:
        return [
            {"kind": e.kind, "from_status": e.from_status, "to_status": e.to_status, "note": e.note, "at": e.created_at}
            for e in obj.events.all()
        ]


class ServiceOrderCreateSerializer(StrictSerializer):
    voucher = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    service = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    note = serializers.CharField(max_length=5000, required=False, default="", allow_blank=True)


class ServiceOrderNoteSerializer(StrictSerializer):
    note = serializers.CharField(max_length=5000, required=False, default="", allow_blank=True)


class ServiceOrderReasonSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=5000)


class ServiceOrderResolveSerializer(StrictSerializer):
    outcome = serializers.ChoiceField(choices=["delivered", "not_delivered"])
    reason = serializers.CharField(max_length=5000)


class ProviderPayoutSerializer(serializers.ModelSerializer):
    amount = serializers.SerializerMethodField()

    class Meta:
        model = ProviderPayout
        fields = ["id", "provider", "programme", "period", "amount", "status", "reference", "created_at", "paid_at"]
        read_only_fields = fields

    @extend_schema_field(MoneyField)
    def get_amount(self, obj) -> dict:
        return _money(obj.amount, obj.currency)


class PeriodSerializer(StrictSerializer):
    period = serializers.RegexField(r"^[0-9]{4}-(0[1-9]|1[0-2])$")


class PayoutReferenceSerializer(StrictSerializer):
    reference = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)


# The provider's monthly statement (marketplace.services.service_orders.provider_statement), for the schema.
class ProviderStatementLineSerializer(serializers.Serializer):
    order = serializers.IntegerField()
    service = serializers.CharField()
    company = serializers.CharField()
    programme = serializers.CharField()
    confirmed_at = serializers.DateTimeField()
    price = MoneyField()
    programme_part = MoneyField()
    co_payment = MoneyField()


class ProviderStatementProgrammeSerializer(serializers.Serializer):
    programme = serializers.IntegerField()
    name = serializers.CharField()
    owed = MoneyField()
    co_paid = MoneyField()


class ProviderStatementPayoutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount = MoneyField()
    status = serializers.CharField()


class ProviderStatementSerializer(serializers.Serializer):
    provider = serializers.IntegerField()
    period = serializers.CharField()
    lines = ProviderStatementLineSerializer(many=True)
    by_programme = ProviderStatementProgrammeSerializer(many=True)
    payouts = ProviderStatementPayoutSerializer(many=True)

from rest_framework import serializers

from core.api.fields import MAX_ID, MoneyField, StrictSerializer
from marketplace.models import BusinessProposal, BuyerProfile, MatchmakingEvent, Meeting


class BuyerProfileSerializer(serializers.ModelSerializer):
    buyer_company = serializers.IntegerField(source="buyer_company_id", read_only=True)
    name = serializers.CharField(source="buyer_company.name", read_only=True)
    country = serializers.CharField(source="buyer_company.country.code", read_only=True)
    verified = serializers.BooleanField(source="buyer_company.verified", read_only=True)
    categories = serializers.SerializerMethodField()
    min_order = MoneyField(allow_null=True, read_only=True)
    max_order = MoneyField(allow_null=True, read_only=True)

    class Meta:
        model = BuyerProfile
        fields = [
            "buyer_company",
            "name",
            "country",
            "verified",
            "opted_in",
            "categories",
            "min_order",
            "max_order",
            "interests",
            "updated_at",
        ]
        read_only_fields = fields

    def get_categories(self, profile) -> list[str]:
        return sorted(category.path for category in profile.categories.all())


class BuyerProfileWriteSerializer(StrictSerializer):
    buyer_company = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    opted_in = serializers.BooleanField(default=True)
    categories = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), max_length=50, default=list
    )
    min_order = MoneyField(required=False, allow_null=True)
    max_order = MoneyField(required=False, allow_null=True)
    interests = serializers.CharField(max_length=4000, required=False, default="", allow_blank=True)


class DirectoryQuerySerializer(StrictSerializer):
    country = serializers.CharField(max_length=2, required=False, default="")
    category = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    order_size = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)


class ProposalSerializer(serializers.ModelSerializer):
    company = serializers.IntegerField(source="company_id", read_only=True)
    company_name = serializers.CharField(source="company.legal_name", read_only=True)
    buyer_company = serializers.IntegerField(source="buyer_company_id", read_only=True)
    buyer_company_name = serializers.CharField(source="buyer_company.name", read_only=True)
    products = serializers.SerializerMethodField()
    agent = serializers.IntegerField(source="agent_id", read_only=True, allow_null=True)
    rfq = serializers.IntegerField(source="rfq_id", read_only=True, allow_null=True)

    class Meta:
        model = BusinessProposal
        fields = [
            "id",
            "company",
            "company_name",
            "buyer_company",
            "buyer_company_name",
            "products",
            "subject",
            "terms",
            "status",
            "agent",
            "sent_at",
            "answer_message",
            "answered_at",
            "rfq",
        ]
        read_only_fields = fields

    def get_products(self, proposal) -> list[int]:
        return sorted(product.pk for product in proposal.products.all())


class ProposalWriteSerializer(StrictSerializer):
    company = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    buyer_company = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    products = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID), min_length=1)
    subject = serializers.CharField(max_length=200)
    terms = serializers.CharField(max_length=8000)


class ProposalAnswerSerializer(StrictSerializer):
    answer = serializers.ChoiceField(
        choices=[s for s in BusinessProposal.Status.choices if s[0] != BusinessProposal.Status.SENT]
    )
    message = serializers.CharField(max_length=4000, required=False, default="", allow_blank=True)
    quantity = serializers.IntegerField(min_value=1, max_value=10_000_000, required=False)
    currency = serializers.CharField(min_length=3, max_length=3, required=False, default="USD")


class MatchmakingEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = MatchmakingEvent
        fields = ["id", "name", "mode", "venue", "city", "starts_at", "ends_at", "slot_minutes", "description"]
        read_only_fields = fields


class MatchmakingEventWriteSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200)
    mode = serializers.ChoiceField(choices=MatchmakingEvent.Mode.choices)
    venue = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    slot_minutes = serializers.IntegerField(min_value=10, max_value=480, required=False, default=30)
    description = serializers.CharField(max_length=4000, required=False, default="", allow_blank=True)


class MeetingSerializer(serializers.ModelSerializer):
    event = serializers.IntegerField(source="event_id", read_only=True)
    buyer_company = serializers.IntegerField(source="buyer_company_id", read_only=True)
    buyer_company_name = serializers.CharField(source="buyer_company.name", read_only=True)
    company = serializers.IntegerField(source="company_id", read_only=True)
    company_name = serializers.CharField(source="company.legal_name", read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "event",
            "buyer_company",
            "buyer_company_name",
            "company",
            "company_name",
            "requested_by",
            "message",
            "status",
            "starts_at",
            "buyer_notes",
            "sme_notes",
            "created_at",
        ]
        read_only_fields = fields


class MeetingRequestSerializer(StrictSerializer):
    buyer_company = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    company = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    message = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)


class MeetingScheduleSerializer(StrictSerializer):
    starts_at = serializers.DateTimeField()


class MeetingNotesSerializer(StrictSerializer):
    notes = serializers.CharField(max_length=8000)

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from brands.eligibility import SECTOR_CHOICES
from brands.models import (
    ApiKey,
    Brand,
    Company,
    CompanyStaff,
    Mandate,
    MandateScope,
    Membership,
    QualityStandard,
    StaffInvitation,
)
from brands.selectors import brand_current_standard, company_eligibility_get, user_company_roles
from core.api.fields import MAX_ID, CountryField, MoneyField, StrictSerializer, TranslationsField
from core.api.serializers import UserSerializer
from core.permissions import API_KEY_SCOPES
from core.selectors import exchange_rates_get


class EligibilitySerializer(serializers.Serializer):
    eligible = serializers.BooleanField()
    rule_set = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    figures_verified = serializers.BooleanField(help_text="An operator checked the figures against documents.")


class CompanySerializer(serializers.ModelSerializer):
    country = CountryField()
    annual_sales = MoneyField()
    balance_sheet_total = MoneyField(allow_null=True)
    sme_eligibility = serializers.SerializerMethodField()
    seller_approved = serializers.BooleanField(source="is_approved_seller", read_only=True)
    my_role = serializers.SerializerMethodField()

    class Meta:
        model = Company
        fields = [
            "id",
            "kind",
            "legal_name",
            "name_translations",
            "registration_number",
            "country",
            "sector",
            "annual_sales",
            "balance_sheet_total",
            "employees",
            "is_large_enterprise_subsidiary",
            "export_stage",
            "seller_approved",
            "sme_eligibility",
            "my_role",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(EligibilitySerializer)
    def get_sme_eligibility(self, company) -> dict:
        # One rate table per response, however many companies it lists.
        if "rates" not in self.context:
            self.context["rates"] = exchange_rates_get()
        return company_eligibility_get(company=company, rates=self.context["rates"]).as_dict()

    @extend_schema_field(serializers.ChoiceField(choices=CompanyStaff.Role.choices, allow_null=True))
    def get_my_role(self, company) -> str | None:
        request = self.context.get("request")
        return user_company_roles(request.user).get(company.pk) if request else None


class CompanyWriteSerializer(StrictSerializer):
    legal_name = serializers.CharField(max_length=200)
    name_translations = TranslationsField(required=False)
    registration_number = serializers.CharField(max_length=50)
    country = CountryField()
    sector = serializers.ChoiceField(choices=SECTOR_CHOICES)
    annual_sales = MoneyField()
    balance_sheet_total = MoneyField(required=False, allow_null=True)
    employees = serializers.IntegerField(min_value=0, max_value=10_000_000)
    is_large_enterprise_subsidiary = serializers.BooleanField(required=False)
    export_stage = serializers.ChoiceField(choices=Company.ExportStage.choices, required=False)
    kind = serializers.ChoiceField(choices=Company.Kind.choices, required=False)


class StaffSerializer(serializers.ModelSerializer):
    user = UserSerializer(read_only=True)

    class Meta:
        model = CompanyStaff
        fields = ["id", "user", "role", "added_at"]
        read_only_fields = fields


class StaffWriteSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=CompanyStaff.Role.choices)


class CompanySummarySerializer(serializers.ModelSerializer):
    country = CountryField()

    class Meta:
        model = Company
        fields = ["id", "kind", "legal_name", "name_translations", "country"]
        read_only_fields = fields


class MembershipSerializer(serializers.ModelSerializer):
    company = CompanySummarySerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "company", "role", "status", "eligibility_override_reason", "created_at", "status_changed_at"]
        read_only_fields = fields


class QualityItemSerializer(StrictSerializer):
    code = serializers.SlugField(max_length=50)
    text = serializers.CharField(max_length=2000)
    required = serializers.BooleanField(default=True)


class QualityStandardSerializer(serializers.ModelSerializer):
    items = QualityItemSerializer(many=True, read_only=True)

    class Meta:
        model = QualityStandard
        fields = ["version", "created_at", "items"]
        read_only_fields = fields


class QualityStandardWriteSerializer(StrictSerializer):
    items = QualityItemSerializer(many=True, allow_empty=False, max_length=200)


class BrandSerializer(serializers.ModelSerializer):
    lead_company = CompanySummarySerializer(read_only=True)
    members = serializers.SerializerMethodField()
    quality_standard = serializers.SerializerMethodField()

    class Meta:
        model = Brand
        fields = [
            "slug",
            "name",
            "name_translations",
            "story",
            "status",
            "lead_company",
            "members",
            "quality_standard",
            "reinspect_on_new_standard",
            "below_minimum_since",
            "created_at",
            "activated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(MembershipSerializer(many=True))
    def get_members(self, brand) -> list:
        return MembershipSerializer(brand.active_memberships, many=True).data

    @extend_schema_field(QualityStandardSerializer(allow_null=True))
    def get_quality_standard(self, brand) -> dict | None:
        standard = brand_current_standard(brand)
        return QualityStandardSerializer(standard).data if standard else None


class BrandCreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=120)
    lead_company = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    name_translations = TranslationsField(required=False)
    story = TranslationsField(required=False)
    eligibility_override_reason = serializers.CharField(max_length=1000, required=False, default="")


class MembershipApplySerializer(StrictSerializer):
    company = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class MembershipApproveSerializer(StrictSerializer):
    eligibility_override_reason = serializers.CharField(max_length=1000, required=False, default="")


class MembershipRejectSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=1000, help_text="Why; the applicant's owners are told.")


class MembershipLeaveSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=1000, required=False, default="")


class MeCompanySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    legal_name = serializers.CharField()
    role = serializers.CharField()


class MeSerializer(UserSerializer):
    locale = serializers.CharField(help_text="Language of your staff e-mails; blank: the platform default.")
    is_operator = serializers.BooleanField()
    companies = MeCompanySerializer(many=True)

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "locale", "is_operator", "companies"]
        read_only_fields = fields


class StaffInvitationSerializer(serializers.ModelSerializer):
    expired = serializers.SerializerMethodField()

    class Meta:
        model = StaffInvitation
        fields = ["id", "email", "role", "status", "expired", "created_at", "expires_at", "closed_at"]
        read_only_fields = fields

    def get_expired(self, invitation) -> bool:
        return invitation.status == StaffInvitation.Status.PENDING and invitation.expires_at <= timezone.now()


class InvitationAcceptSerializer(StrictSerializer):
    token = serializers.CharField(max_length=500)
    full_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    password = serializers.CharField(
        write_only=True, max_length=128, required=False, allow_blank=True, style={"input_type": "password"}
    )


class ApiKeySerializer(serializers.ModelSerializer):
    prefix = serializers.CharField(source="token_key", help_text="The start of the key, to recognise it.")

    class Meta:
        model = ApiKey
        fields = ["id", "name", "scopes", "prefix", "company", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = fields


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(help_text="Shown once: send it as `Authorization: Bearer <key>`.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]
        read_only_fields = fields


class ApiKeyWriteSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=API_KEY_SCOPES), allow_empty=False, max_length=len(API_KEY_SCOPES)
    )


class MandateSerializer(serializers.ModelSerializer):
    company = CompanySummarySerializer(read_only=True)
    agent = CompanySummarySerializer(read_only=True)

    class Meta:
        model = Mandate
        fields = [
            "id",
            "company",
            "agent",
            "scopes",
            "commission_rate",
            "status",
            "note",
            "created_at",
            "accepted_at",
            "ended_at",
            "end_reason",
        ]
        read_only_fields = fields


class MandateGrantSerializer(StrictSerializer):
    company = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    agent = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=MandateScope.choices), min_length=1)
    commission_rate = serializers.DecimalField(
        max_digits=5, decimal_places=4, min_value=0, max_value=1, required=False, default="0"
    )
    note = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)


class MandateUpdateSerializer(StrictSerializer):
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=MandateScope.choices), min_length=1, required=False
    )
    commission_rate = serializers.DecimalField(max_digits=5, decimal_places=4, min_value=0, max_value=1, required=False)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class MandateEndSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=1000, required=False, default="", allow_blank=True)

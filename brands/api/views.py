from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from brands import services
from brands.api.serializers import (
    ApiKeyCreatedSerializer,
    ApiKeySerializer,
    ApiKeyWriteSerializer,
    BrandCreateSerializer,
    BrandSerializer,
    CompanySerializer,
    CompanyWriteSerializer,
    InvitationAcceptSerializer,
    MembershipApplySerializer,
    MembershipApproveSerializer,
    MembershipLeaveSerializer,
    MembershipRejectSerializer,
    MembershipSerializer,
    MeSerializer,
    QualityStandardSerializer,
    QualityStandardWriteSerializer,
    StaffInvitationSerializer,
    StaffSerializer,
    StaffWriteSerializer,
)
from brands.models import ApiKey, Company, CompanyStaff, StaffInvitation
from brands.selectors import (
    brand_current_standard,
    brand_get,
    brand_list,
    company_get,
    company_list,
    membership_get,
    membership_list,
    user_company_roles,
    user_has_company_role,
)
from core.accounts import user_close, user_locale_set
from core.api.fields import ID_PATTERN
from core.api.permissions import OPERATOR_ONLY
from core.api.serializers import SecurityEventSerializer, UserLocaleSerializer
from core.errors import InvalidInput, NotPermitted
from core.models import SecurityEvent
from core.permissions import is_operator


class MeView(APIView):
    @extend_schema(responses=MeSerializer, tags=["auth"])
    def get(self, request):
        return Response(self.me(request.user))

    @extend_schema(request=UserLocaleSerializer, responses=MeSerializer, tags=["auth"])
    def patch(self, request):
        """Sets the language of the caller's staff e-mails (400 on `locale` for one the platform lacks)."""
        body = UserLocaleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = request.user
        if "locale" in body.validated_data:
            user = user_locale_set(user=user, locale=body.validated_data["locale"])
        return Response(self.me(user))

    @staticmethod
    def me(user) -> dict:
        roles = user_company_roles(user)
        companies = Company.objects.filter(pk__in=roles).order_by("pk")
        data = {
            **{
                field: getattr(user, field)
                for field in ("id", "email", "full_name", "date_joined", "email_verified_at", "locale")
            },
            "is_operator": is_operator(user),
            "companies": [{"id": c.pk, "legal_name": c.legal_name, "role": roles[c.pk]} for c in companies],
        }
        return MeSerializer(data).data

    @extend_schema(responses={204: None}, tags=["auth"])
    def delete(self, request):
        """Closes the caller's account (docs/privacy.md): 409 naming the company while the caller
        is a company's only owner."""
        user_close(user=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationAcceptView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=InvitationAcceptSerializer, responses={200: StaffSerializer}, tags=["auth"])
    def post(self, request):
        """Accepts a staff invitation: joins the company, creating the account if needed."""
        serializer = InvitationAcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        staff = services.staff_invitation_accept(**serializer.validated_data, request=request)
        return Response(StaffSerializer(staff).data)


@extend_schema(tags=["api-keys"])
class PlatformApiKeyViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Operators' platform-wide API keys (company keys live under companies/{id}/api-keys/)."""

    permission_classes = OPERATOR_ONLY
    serializer_class = ApiKeySerializer
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return ApiKey.objects.filter(company=None).order_by("pk")

    @extend_schema(request=ApiKeyWriteSerializer, responses={201: ApiKeyCreatedSerializer})
    def create(self, request):
        serializer = ApiKeyWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key, secret = services.api_key_create(
            actor=request.user, company=None, request=request, **serializer.validated_data
        )
        return Response(ApiKeyCreatedSerializer(_with_secret(key, secret)).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.api_key_revoke(key=instance, actor=self.request.user, request=self.request)


def _with_secret(key: ApiKey, secret: str) -> ApiKey:
    key.key = secret
    return key


@extend_schema(tags=["companies"])
class CompanyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CompanySerializer
    lookup_value_regex = ID_PATTERN
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return company_list(user=self.request.user)

    def get_object(self):
        return company_get(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(request=CompanyWriteSerializer, responses={201: CompanySerializer})
    def create(self, request):
        serializer = CompanyWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        company = services.company_create(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(company).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CompanyWriteSerializer, responses=CompanySerializer)
    def partial_update(self, request, pk=None):
        company = self.get_object()
        serializer = CompanyWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        company = services.company_update(company=company, actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(company).data)

    @extend_schema(responses=StaffSerializer(many=True), methods=["GET"])
    @extend_schema(
        request=StaffWriteSerializer,
        responses={200: StaffSerializer, 202: StaffInvitationSerializer},  # 202: no account yet, invited
        methods=["POST"],
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def staff(self, request, pk=None):
        company = self.get_object()
        if request.method == "GET":
            staff = CompanyStaff.objects.filter(company=company).select_related("user").order_by("pk")
            return Response(StaffSerializer(staff, many=True).data)
        serializer = StaffWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.company_staff_set(
            company=company, actor=request.user, request=request, **serializer.validated_data
        )
        if isinstance(result, StaffInvitation):
            return Response(StaffInvitationSerializer(result).data, status=status.HTTP_202_ACCEPTED)
        return Response(StaffSerializer(result).data)

    @extend_schema(responses=StaffInvitationSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def invitations(self, request, pk=None):
        """Invitations sent to addresses without an account, pending ones first."""
        company = self.get_object()
        invitations = StaffInvitation.objects.filter(company=company).order_by("status", "-pk")
        return Response(StaffInvitationSerializer(invitations, many=True).data)

    @extend_schema(request=None, responses=StaffInvitationSerializer)
    @action(detail=True, methods=["delete"], url_path=rf"invitations/(?P<invitation_id>{ID_PATTERN})")
    def revoke_invitation(self, request, pk=None, invitation_id=None):
        invitation = get_object_or_404(StaffInvitation, company=self.get_object(), pk=invitation_id)
        invitation = services.staff_invitation_revoke(invitation=invitation, actor=request.user, request=request)
        return Response(StaffInvitationSerializer(invitation).data)

    def _owned(self) -> Company:
        """The company, for its owners and operators only (its other staff get a 403)."""
        company = self.get_object()
        if not (is_operator(self.request.user) or user_has_company_role(self.request.user, company.pk, "owner")):
            raise NotPermitted("Only the company's owners may see this.")
        return company

    @extend_schema(responses=ApiKeySerializer(many=True), methods=["GET"])
    @extend_schema(request=ApiKeyWriteSerializer, responses={201: ApiKeyCreatedSerializer}, methods=["POST"])
    @action(detail=True, methods=["get", "post"], url_path="api-keys", pagination_class=None)
    def api_keys(self, request, pk=None):
        """The company's API keys; a new key is shown once, in the answer to its creation."""
        company = self._owned()
        if request.method == "GET":
            return Response(ApiKeySerializer(company.api_keys.order_by("pk"), many=True).data)
        serializer = ApiKeyWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key, secret = services.api_key_create(
            actor=request.user, company=company, request=request, **serializer.validated_data
        )
        return Response(ApiKeyCreatedSerializer(_with_secret(key, secret)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=rf"api-keys/(?P<key_id>{ID_PATTERN})")
    def revoke_api_key(self, request, pk=None, key_id=None):
        key = get_object_or_404(ApiKey, company=self._owned(), pk=key_id)
        services.api_key_revoke(key=key, actor=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=SecurityEventSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="security-events")
    def security_events(self, request, pk=None):
        """The company's security log: staff and roles, invitations, API keys, payout account."""
        events = SecurityEvent.objects.filter(company_id=self._owned().pk).select_related("user", "actor")
        page = self.paginate_queryset(events.order_by("-pk"))
        return self.get_paginated_response(SecurityEventSerializer(page, many=True).data)


@extend_schema(tags=["brands"])
class BrandViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = BrandSerializer
    lookup_field = "slug"
    filterset_fields = ["status"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self):
        return brand_list().order_by("pk")

    def get_object(self):
        return brand_get(slug=self.kwargs["slug"])

    def _company_for(self, company_id: int, attr: str) -> Company:
        company = Company.objects.filter(pk=company_id).first()
        if company is None:
            # Same message as for a company the caller does not own: existence is not revealed.
            raise InvalidInput("Pick a company you own.", attr=attr)
        return company

    def _brand_response(self, slug: str, code: int = status.HTTP_200_OK) -> Response:
        return Response(BrandSerializer(brand_get(slug=slug)).data, status=code)

    @extend_schema(request=BrandCreateSerializer, responses={201: BrandSerializer})
    def create(self, request):
        serializer = BrandCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        data["lead_company"] = self._company_for(data["lead_company"], "lead_company")
        brand = services.brand_create(actor=request.user, **data)
        return self._brand_response(brand.slug, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=BrandSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request, slug=None):
        brand = services.brand_activate(brand=self.get_object(), actor=request.user)
        return self._brand_response(brand.slug)

    @extend_schema(responses=QualityStandardSerializer, methods=["GET"])
    @extend_schema(request=QualityStandardWriteSerializer, responses=QualityStandardSerializer, methods=["PUT"])
    @action(detail=True, methods=["get", "put"], url_path="quality-standard")
    def quality_standard(self, request, slug=None):
        brand = self.get_object()
        if request.method == "GET":
            standard = brand_current_standard(brand)
            if standard is None:
                raise Http404("The brand has no quality standard yet.")
            return Response(QualityStandardSerializer(standard).data)
        serializer = QualityStandardWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        standard = services.quality_standard_publish(brand=brand, actor=request.user, **serializer.validated_data)
        return Response(QualityStandardSerializer(standard).data)

    @extend_schema(responses=MembershipSerializer(many=True), methods=["GET"])
    @extend_schema(request=MembershipApplySerializer, responses={201: MembershipSerializer}, methods=["POST"])
    @action(detail=True, methods=["get", "post"])
    def memberships(self, request, slug=None):
        brand = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(membership_list(user=request.user, brand=brand).order_by("pk"))
            return self.get_paginated_response(MembershipSerializer(page, many=True).data)
        serializer = MembershipApplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        company = self._company_for(serializer.validated_data["company"], "company")
        membership = services.membership_apply(brand=brand, company=company, actor=request.user)
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MembershipApproveSerializer, responses=MembershipSerializer)
    @action(detail=True, methods=["post"], url_path=rf"memberships/(?P<membership_id>{ID_PATTERN})/approve")
    def approve_membership(self, request, slug=None, membership_id=None):
        membership = membership_get(user=request.user, brand=self.get_object(), pk=membership_id)
        serializer = MembershipApproveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_approve(membership=membership, actor=request.user, **serializer.validated_data)
        return Response(MembershipSerializer(membership).data)

    @extend_schema(request=MembershipRejectSerializer, responses=MembershipSerializer)
    @action(detail=True, methods=["post"], url_path=rf"memberships/(?P<membership_id>{ID_PATTERN})/reject")
    def reject_membership(self, request, slug=None, membership_id=None):
        membership = membership_get(user=request.user, brand=self.get_object(), pk=membership_id)
        serializer = MembershipRejectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_reject(membership=membership, actor=request.user, **serializer.validated_data)
        return Response(MembershipSerializer(membership).data)

    @extend_schema(request=MembershipLeaveSerializer, responses=MembershipSerializer)
    @action(detail=True, methods=["post"], url_path=rf"memberships/(?P<membership_id>{ID_PATTERN})/leave")
    def leave_membership(self, request, slug=None, membership_id=None):
        membership = membership_get(user=request.user, brand=self.get_object(), pk=membership_id)
        serializer = MembershipLeaveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_leave(membership=membership, actor=request.user, **serializer.validated_data)
        return Response(MembershipSerializer(membership).data)

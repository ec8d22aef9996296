from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from brands import services
from brands.api.serializers import (
    BrandCreateSerializer,
    BrandSerializer,
    CompanySerializer,
    CompanyWriteSerializer,
    MembershipApplySerializer,
    MembershipApproveSerializer,
    MembershipLeaveSerializer,
    MembershipSerializer,
    MeSerializer,
    QualityStandardSerializer,
    QualityStandardWriteSerializer,
    StaffSerializer,
    StaffWriteSerializer,
)
from brands.models import Company, CompanyStaff
from brands.selectors import (
    brand_current_standard,
    brand_get,
    brand_list,
    company_get,
    company_list,
    membership_get,
    membership_list,
    user_company_roles,
)
from core.api.fields import ID_PATTERN
from core.errors import InvalidInput
from core.permissions import is_operator


class MeView(APIView):
    @extend_schema(responses=MeSerializer, tags=["auth"])
    def get(self, request):
        roles = user_company_roles(request.user)
        companies = Company.objects.filter(pk__in=roles).order_by("pk")
        data = {
            **{field: getattr(request.user, field) for field in ("id", "email", "full_name", "date_joined")},
            "is_operator": is_operator(request.user),
            "companies": [{"id": c.pk, "legal_name": c.legal_name, "role": roles[c.pk]} for c in companies],
        }
        return Response(MeSerializer(data).data)


@extend_schema(tags=["companies"])
class CompanyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CompanySerializer
    lookup_value_regex = ID_PATTERN
    http_method_names = ["get", "post", "patch", "head", "options"]

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
    @extend_schema(request=StaffWriteSerializer, responses={200: StaffSerializer}, methods=["POST"])
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def staff(self, request, pk=None):
        company = self.get_object()
        if request.method == "GET":
            staff = CompanyStaff.objects.filter(company=company).select_related("user").order_by("pk")
            return Response(StaffSerializer(staff, many=True).data)
        serializer = StaffWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        staff = services.company_staff_set(company=company, actor=request.user, **serializer.validated_data)
        return Response(StaffSerializer(staff).data)


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

    @extend_schema(request=MembershipLeaveSerializer, responses=MembershipSerializer)
    @action(detail=True, methods=["post"], url_path=rf"memberships/(?P<membership_id>{ID_PATTERN})/leave")
    def leave_membership(self, request, slug=None, membership_id=None):
        membership = membership_get(user=request.user, brand=self.get_object(), pk=membership_id)
        serializer = MembershipLeaveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_leave(membership=membership, actor=request.user, **serializer.validated_data)
        return Response(MembershipSerializer(membership).data)

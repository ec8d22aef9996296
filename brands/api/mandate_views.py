from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from brands import services
from brands.api.serializers import (
    CompanySummarySerializer,
    MandateEndSerializer,
    MandateGrantSerializer,
    MandateSerializer,
    MandateUpdateSerializer,
)
from brands.models import Company
from brands.selectors import mandate_get, mandate_list
from core.api.fields import ID_PATTERN
from core.errors import InvalidInput


@extend_schema(tags=["mandates"])
class MandateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Mandates of SMEs to trading companies: the SME's owner grants, changes and revokes; the
    agent's owner accepts or declines. Each side sees the mandates of its own companies."""

    serializer_class = MandateSerializer
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["status", "company", "agent"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return mandate_list(user=self.request.user)

    def get_object(self):
        return mandate_get(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(request=MandateGrantSerializer, responses={201: MandateSerializer})
    def create(self, request):
        serializer = MandateGrantSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        company = Company.objects.filter(pk=data.pop("company")).first()
        if company is None:
            raise InvalidInput("Pick a company you own.", attr="company")
        agent = Company.objects.filter(pk=data.pop("agent")).first()
        mandate = services.mandate_grant(actor=request.user, company=company, agent=agent, **data)
        return Response(MandateSerializer(mandate).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MandateUpdateSerializer, responses=MandateSerializer)
    def partial_update(self, request, pk=None):
        mandate = self.get_object()
        serializer = MandateUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        mandate = services.mandate_update(mandate=mandate, actor=request.user, **serializer.validated_data)
        return Response(MandateSerializer(mandate).data)

    @extend_schema(request=None, responses=MandateSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        mandate = services.mandate_accept(mandate=self.get_object(), actor=request.user)
        return Response(MandateSerializer(mandate).data)

    @extend_schema(request=MandateEndSerializer, responses=MandateSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        serializer = MandateEndSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        mandate = services.mandate_decline(mandate=self.get_object(), actor=request.user, **serializer.validated_data)
        return Response(MandateSerializer(mandate).data)

    @extend_schema(request=MandateEndSerializer, responses=MandateSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        serializer = MandateEndSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        mandate = services.mandate_revoke(mandate=self.get_object(), actor=request.user, **serializer.validated_data)
        return Response(MandateSerializer(mandate).data)


@extend_schema(tags=["mandates"])
class TradingCompanyViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The directory of trading companies an SME may mandate (name and country only)."""

    serializer_class = CompanySummarySerializer
    filterset_fields = ["country"]

    def get_queryset(self):
        return Company.objects.filter(kind=Company.Kind.TRADING_COMPANY).order_by("legal_name", "pk")

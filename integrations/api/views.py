from django.db.models import Q
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.fields import ID_PATTERN
from core.api.idempotency import idempotent
from core.api.permissions import OPERATOR_ONLY, scopes_for
from integrations.api.serializers import (
    ChannelListingSerializer,
    ChannelSerializer,
    ProductReadinessSerializer,
    SyndicationJobCreateSerializer,
    SyndicationJobSerializer,
)
from integrations.models import Channel, ChannelListing, SyndicationJob
from integrations.readiness import product_readiness
from integrations.selectors import (
    channel_list,
    channel_listing_list,
    readiness_product_get,
    syndication_job_list,
)
from integrations.services import syndication_job_cancel, syndication_job_start


@extend_schema(tags=["syndication"])
class ChannelViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Outside marketplaces the platform lists on, and what each requires of a listing."""

    required_scopes = scopes_for("syndication")  # for API keys

    queryset = Channel.objects.none()
    serializer_class = ChannelSerializer
    pagination_class = None

    def get_queryset(self):
        return channel_list()


class ChannelListingFilter(filters.FilterSet):
    channel = filters.CharFilter(field_name="channel__code", label="Channel code")
    status = filters.ChoiceFilter(choices=ChannelListing.Status.choices)
    ready = filters.BooleanFilter()
    issue_code = filters.CharFilter(method="filter_issue_code", label="A blocking issue code, e.g. missing_locale")
    product = filters.NumberFilter(field_name="product__id", label="Product id")

    class Meta:
        model = ChannelListing
        fields = ["channel", "status", "ready", "issue_code", "product"]

    def filter_issue_code(self, queryset, name, value):
        code = value.strip().replace(",", "")
        return queryset.filter(Q(blocking_codes__contains=f",{code},")) if code else queryset


@extend_schema(tags=["syndication"])
class ChannelListingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Every product on every channel: status, readiness and normalised issues. SME staff see
    their companies' products only."""

    required_scopes = scopes_for("syndication")  # for API keys

    queryset = ChannelListing.objects.none()
    serializer_class = ChannelListingSerializer
    lookup_value_regex = ID_PATTERN
    filterset_class = ChannelListingFilter

    def get_queryset(self):
        return channel_listing_list(user=self.request.user)


@extend_schema(tags=["syndication"])
class SyndicationJobViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Operators start, watch and cancel syndication runs."""

    required_scopes = scopes_for("syndication")  # for API keys

    queryset = SyndicationJob.objects.none()
    serializer_class = SyndicationJobSerializer
    permission_classes = OPERATOR_ONLY
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["channel", "mode"]

    def get_queryset(self):
        return syndication_job_list()

    @extend_schema(request=SyndicationJobCreateSerializer, responses={201: SyndicationJobSerializer})
    def create(self, request):
        body = SyndicationJobCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data

        def perform():
            syndication = syndication_job_start(
                actor=request.user,
                channel=data["channel"],
                mode=data["mode"],
                brand=data.get("brand"),
                company=data.get("company"),
                products=data.get("products"),
            )
            return Response(
                SyndicationJobSerializer(syndication_job_list().get(pk=syndication.pk)).data,
                status=status.HTTP_201_CREATED,
            )

        return idempotent(request, scope="syndication_job_start", perform=perform)

    @extend_schema(request=None, responses=SyndicationJobSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        syndication = syndication_job_cancel(actor=request.user, syndication=self.get_object())
        return Response(SyndicationJobSerializer(syndication_job_list().get(pk=syndication.pk)).data)


class ProductReadinessView(APIView):
    """For one product, per channel (its locales and destination): ready or not, and why not."""

    required_scopes = scopes_for("syndication")  # for API keys

    @extend_schema(responses=ProductReadinessSerializer, tags=["syndication"])
    def get(self, request, pk):
        product = readiness_product_get(user=request.user, pk=pk)
        return Response(ProductReadinessSerializer(product_readiness(product_id=product.pk)).data)

"""The Export Voucher's services over HTTP: thin doors onto marketplace.services.vouchers
and marketplace.services.service_orders.
The catalogue is open to every signed-in user; operators edit it, decide applications, record
deliveries, resolve disputes and settle with providers; SME staff apply and order for their
companies and see only their own applications and orders."""

from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from brands.selectors import company_get, user_company_ids
from core.api.fields import ID_PATTERN
from core.api.permissions import OPERATOR_ONLY, scopes_for
from core.errors import InvalidInput, NotPermitted
from core.permissions import is_operator
from marketplace.api.voucher_serializers import (
    ApplicationDecisionSerializer,
    PayoutReferenceSerializer,
    PeriodSerializer,
    ProgrammeApplicationCreateSerializer,
    ProgrammeApplicationSerializer,
    ProviderPayoutSerializer,
    ProviderStatementSerializer,
    ServiceOrderCreateSerializer,
    ServiceOrderNoteSerializer,
    ServiceOrderReasonSerializer,
    ServiceOrderResolveSerializer,
    ServiceOrderSerializer,
    ServiceProviderCreateSerializer,
    ServiceProviderSerializer,
    SupportServiceCreateSerializer,
    SupportServiceSerializer,
)
from marketplace.models import (
    ProgrammeApplication,
    ProviderPayout,
    ServiceOrder,
    ServiceOrderEvent,
    ServiceProvider,
    SupportProgramme,
    SupportService,
    Voucher,
)
from marketplace.services import service_orders
from marketplace.services import vouchers as services


def _require_operator(request) -> None:
    if not is_operator(request.user):
        raise NotPermitted("Only operators may do this.")


@extend_schema(tags=["export voucher"])
class ServiceProviderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Performing institutions; `statement/?period=YYYY-MM` (operators) shows what each programme
    owes the provider for the month and the payouts made."""

    serializer_class = ServiceProviderSerializer
    queryset = ServiceProvider.objects.none()
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["kind", "is_active"]

    def get_queryset(self):
        return ServiceProvider.objects.order_by("name")

    @extend_schema(request=ServiceProviderCreateSerializer, responses={201: ServiceProviderSerializer})
    def create(self, request):
        _require_operator(request)
        body = ServiceProviderCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        provider = services.service_provider_create(actor=request.user, **body.validated_data)
        return Response(ServiceProviderSerializer(provider).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("period", str, required=True, description="YYYY-MM")],
        responses=ProviderStatementSerializer,
    )
    @action(detail=True, methods=["get"], permission_classes=OPERATOR_ONLY)
    def statement(self, request, pk=None):
        provider = self.get_object()
        body = PeriodSerializer(data={"period": request.query_params.get("period", "")})
        body.is_valid(raise_exception=True)
        return Response(service_orders.provider_statement(provider=provider, **body.validated_data))


@extend_schema(tags=["export voucher"])
class SupportServiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The voucher's catalogue, by stage and sub-group."""

    serializer_class = SupportServiceSerializer
    queryset = SupportService.objects.none()
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["stage", "sub_group", "provider", "is_active"]

    def get_queryset(self):
        return SupportService.objects.select_related("provider").order_by("stage", "sub_group", "pk")

    @extend_schema(request=SupportServiceCreateSerializer, responses={201: SupportServiceSerializer})
    def create(self, request):
        _require_operator(request)
        body = SupportServiceCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        provider = ServiceProvider.objects.filter(pk=data.pop("provider")).first()
        if provider is None:
            raise InvalidInput("No such provider.", attr="provider")
        service = services.support_service_create(actor=request.user, provider=provider, **data)
        return Response(SupportServiceSerializer(service).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["export voucher"])
class ProgrammeApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """SMEs apply to programmes; operators approve (issuing the voucher) or reject, with reasons."""

    required_scopes = scopes_for("finance")  # for API keys

    serializer_class = ProgrammeApplicationSerializer
    queryset = ProgrammeApplication.objects.none()
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["status", "programme", "company"]

    def get_queryset(self):
        applications = ProgrammeApplication.objects.select_related("programme").order_by("-pk")
        if is_operator(self.request.user):
            return applications
        return applications.filter(company_id__in=user_company_ids(self.request.user))

    @extend_schema(request=ProgrammeApplicationCreateSerializer, responses={201: ProgrammeApplicationSerializer})
    def create(self, request):
        body = ProgrammeApplicationCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        try:
            company = company_get(user=request.user, pk=data.pop("company"))
        except Http404:
            raise InvalidInput("No such company.", attr="company") from None
        programme = SupportProgramme.objects.filter(pk=data.pop("programme")).first()
        if programme is None:
            raise InvalidInput("No such programme.", attr="programme")
        application = services.programme_application_submit(
            actor=request.user, programme=programme, company=company, **data
        )
        return Response(self.get_serializer(application).data, status=status.HTTP_201_CREATED)

    def _decide(self, request, approve: bool):
        application = self.get_object()
        _require_operator(request)
        body = ApplicationDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        application = services.programme_application_decide(
            actor=request.user, application=application, approve=approve, **body.validated_data
        )
        return Response(self.get_serializer(application).data)

    @extend_schema(request=ApplicationDecisionSerializer, responses=ProgrammeApplicationSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, approve=True)

    @extend_schema(request=ApplicationDecisionSerializer, responses=ProgrammeApplicationSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, approve=False)


@extend_schema(tags=["export voucher"])
class ServiceOrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Services ordered with vouchers: the programme's part and the company's co-payment."""

    required_scopes = scopes_for("finance")  # for API keys

    serializer_class = ServiceOrderSerializer
    queryset = ServiceOrder.objects.none()
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["status", "programme", "company", "provider", "stage", "sub_group"]

    def get_queryset(self):
        orders = ServiceOrder.objects.prefetch_related(
            Prefetch("events", queryset=ServiceOrderEvent.objects.order_by("pk"))
        ).order_by("-pk")
        if is_operator(self.request.user):
            return orders
        return orders.filter(company_id__in=user_company_ids(self.request.user))

    def _answer(self, order, code=status.HTTP_200_OK):
        return Response(self.get_serializer(self.get_queryset().get(pk=order.pk)).data, status=code)

    @extend_schema(request=ServiceOrderCreateSerializer, responses={201: ServiceOrderSerializer})
    def create(self, request):
        body = ServiceOrderCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        vouchers = Voucher.objects.all()
        if not is_operator(request.user):
            vouchers = vouchers.filter(company_id__in=user_company_ids(request.user))
        voucher = vouchers.filter(pk=data["voucher"]).first()
        if voucher is None:
            raise InvalidInput("No such voucher.", attr="voucher")
        service = SupportService.objects.select_related("provider").filter(pk=data["service"]).first()
        if service is None:
            raise InvalidInput("No such service.", attr="service")
        order = service_orders.service_order_place(
            actor=request.user, voucher=voucher, service=service, note=data["note"]
        )
        return self._answer(order, status.HTTP_201_CREATED)

    @extend_schema(request=ServiceOrderNoteSerializer, responses=ServiceOrderSerializer)
    @action(detail=True, methods=["post"])
    def deliver(self, request, pk=None):
        order = self.get_object()
        body = ServiceOrderNoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(
            service_orders.service_order_deliver(actor=request.user, order=order, **body.validated_data)
        )

    @extend_schema(request=ServiceOrderNoteSerializer, responses=ServiceOrderSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        order = self.get_object()
        body = ServiceOrderNoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(
            service_orders.service_order_confirm(actor=request.user, order=order, **body.validated_data)
        )

    @extend_schema(request=ServiceOrderReasonSerializer, responses=ServiceOrderSerializer)
    @action(detail=True, methods=["post"])
    def dispute(self, request, pk=None):
        order = self.get_object()
        body = ServiceOrderReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(
            service_orders.service_order_dispute(actor=request.user, order=order, **body.validated_data)
        )

    @extend_schema(request=ServiceOrderResolveSerializer, responses=ServiceOrderSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        order = self.get_object()
        body = ServiceOrderResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(
            service_orders.service_order_resolve(actor=request.user, order=order, **body.validated_data)
        )

    @extend_schema(request=ServiceOrderNoteSerializer, responses=ServiceOrderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        order = self.get_object()
        body = ServiceOrderNoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(
            service_orders.service_order_cancel(actor=request.user, order=order, reason=body.validated_data["note"])
        )


@extend_schema(tags=["export voucher"])
class ProviderPayoutViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """What programmes pay providers per month; `run` makes a closed month's payouts, `confirm`
    records the bank transfer."""

    serializer_class = ProviderPayoutSerializer
    queryset = ProviderPayout.objects.none()
    permission_classes = OPERATOR_ONLY
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["status", "provider", "programme", "period"]

    def get_queryset(self):
        return ProviderPayout.objects.order_by("-period", "pk")

    @extend_schema(request=PeriodSerializer, responses=ProviderPayoutSerializer(many=True))
    @action(detail=False, methods=["post"])
    def run(self, request):
        body = PeriodSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        payouts = service_orders.provider_payouts_create(actor=request.user, **body.validated_data)
        return Response(ProviderPayoutSerializer(payouts, many=True).data)

    @extend_schema(request=PayoutReferenceSerializer, responses=ProviderPayoutSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        payout = self.get_object()
        body = PayoutReferenceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        payout = service_orders.provider_payout_confirm(actor=request.user, payout=payout, **body.validated_data)
        return Response(ProviderPayoutSerializer(payout).data)

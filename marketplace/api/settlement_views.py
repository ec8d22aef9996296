"""Fees, support programmes, statements and payouts: thin doors onto marketplace.services.fees
and marketplace.services.settlement."""

import json

from django.db.models import Prefetch
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from brands.models import Company, MandateScope
from brands.selectors import company_get, user_company_ids
from core.api.fields import ID_PATTERN
from core.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from core.api.idempotency import idempotent
from core.api.permissions import OPERATOR_ONLY, scopes_for
from core.errors import InvalidInput
from core.money import Money
from core.permissions import is_operator
from marketplace.api.settlement_serializers import (
    FeeSerializer,
    PayoutConfirmSerializer,
    PayoutSerializer,
    ProgrammeCreateSerializer,
    ProgrammeSerializer,
    ReportSerializer,
    StatementSerializer,
    StatementSummarySerializer,
    VoucherCreateSerializer,
    VoucherSerializer,
)
from marketplace.models import Fee, FeeSplit, Payout, Statement, SupportProgramme
from marketplace.services.programmes import programme_create, voucher_issue
from marketplace.services.settlement import payout_confirm
from marketplace.services.statements import statement_get
from marketplace.settlement_selectors import programme_report
from marketplace.statement_pdf import statement_pdf

PERIOD_PATTERN = r"[0-9]{4}-[0-9]{2}"


class PDFRenderer(renderers.BaseRenderer):
    """Chosen by `?format=pdf` or `Accept: application/pdf`; the view returns the PDF itself,
    so this only ever renders an error, which stays JSON."""

    media_type = "application/pdf"
    format = "pdf"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return json.dumps(data).encode()


@extend_schema(tags=["settlement"])
class ProgrammeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Support programmes: operators manage them, issue vouchers and read their reports."""

    required_scopes = scopes_for("finance")  # for API keys

    queryset = SupportProgramme.objects.none()
    serializer_class = ProgrammeSerializer
    permission_classes = OPERATOR_ONLY
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return SupportProgramme.objects.order_by("priority", "pk")

    @extend_schema(request=ProgrammeCreateSerializer, responses={201: ProgrammeSerializer})
    def create(self, request):
        body = ProgrammeCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        budget, cap = data.pop("budget"), data.pop("per_company_cap")
        brand_id = data.pop("brand", None)
        yearly = data.pop("max_per_company_year", None)
        data["max_per_company_year"] = None if yearly is None else yearly.amount
        programme = programme_create(
            actor=request.user,
            currency=budget.currency,
            budget=budget.amount,
            per_company_cap=cap.amount,
            brand_id=brand_id,
            **data,
        )
        return Response(ProgrammeSerializer(programme).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=VoucherCreateSerializer,
        parameters=[OpenApiParameter(IDEMPOTENCY_HEADER, str, OpenApiParameter.HEADER, required=False)],
        responses={201: VoucherSerializer},
    )
    @action(detail=True, methods=["post"])
    def vouchers(self, request, pk=None):
        programme = self.get_object()
        body = VoucherCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        company = Company.objects.filter(pk=data.pop("company")).first()
        if company is None:
            raise InvalidInput("No such company.", attr="company")

        def perform():
            voucher = voucher_issue(programme=programme, company=company, actor=request.user, **data)
            return Response(VoucherSerializer(voucher).data, status=status.HTTP_201_CREATED)

        return idempotent(request, scope=f"voucher:{programme.pk}", perform=perform)

    @extend_schema(responses=ReportSerializer)
    @action(detail=True, methods=["get"])
    def report(self, request, pk=None):
        return Response(programme_report(programme=self.get_object()))


class CompanyScopedMixin:
    """Its staff (any role) and operators; another company is a 404."""

    def company(self) -> Company:
        # A trading company mandated for statements reads them (and the fees) too.
        return company_get(user=self.request.user, pk=self.kwargs["company_id"], scope=MandateScope.STATEMENTS)


COMPANY_ID = OpenApiParameter("company_id", int, OpenApiParameter.PATH)


@extend_schema(tags=["settlement"], parameters=[COMPANY_ID])
class CompanyFeeViewSet(CompanyScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Each fee with the company's part and each programme's part."""

    required_scopes = scopes_for("finance")  # for API keys

    queryset = Fee.objects.none()
    serializer_class = FeeSerializer
    filterset_fields = ["kind", "status", "period"]

    def get_queryset(self):
        charges = FeeSplit.objects.filter(is_reversal=False).select_related("programme").order_by("pk")
        return (
            Fee.objects.filter(company=self.company())
            .prefetch_related(Prefetch("splits", queryset=charges, to_attr="charged_splits"))
            .order_by("-charged_at", "-pk")
        )


@extend_schema(tags=["settlement"], parameters=[COMPANY_ID])
class CompanyStatementViewSet(CompanyScopedMixin, viewsets.GenericViewSet):
    """Monthly statements: settled ones are frozen; an unsettled month is a draft computed now.
    `?format=pdf` or `Accept: application/pdf` answers the statement as PDF."""

    required_scopes = scopes_for("finance")  # for API keys

    queryset = Statement.objects.none()
    serializer_class = StatementSerializer
    lookup_field = "period"
    lookup_value_regex = PERIOD_PATTERN
    renderer_classes = [renderers.JSONRenderer, PDFRenderer]

    def get_queryset(self):
        return Statement.objects.filter(company=self.company()).select_related("payout").order_by("-period")

    @extend_schema(responses=StatementSummarySerializer(many=True))
    def list(self, request, company_id=None):
        page = self.paginate_queryset(self.get_queryset())
        rows = [
            {
                "period": s.period,
                "currency": s.currency,
                "status": "settled",
                "sales": Money(s.sales, s.currency).as_dict(),
                "net": Money(s.net, s.currency).as_dict(),
            }
            for s in page
        ]
        return self.get_paginated_response(rows)

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=["json", "pdf"], required=False)],
        responses={(200, "application/json"): StatementSerializer, (200, "application/pdf"): OpenApiTypes.BINARY},
    )
    def retrieve(self, request, company_id=None, period=None):
        company = self.company()
        statement = statement_get(company=company, period=period)
        if request.accepted_renderer.format == "pdf":
            response = HttpResponse(statement_pdf(company=company, statement=statement), content_type="application/pdf")
            response["Content-Disposition"] = f'inline; filename="statement-{company.pk}-{period}.pdf"'
            return response
        return Response(statement)


@extend_schema(tags=["settlement"])
class PayoutViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Operators see every payout and confirm manual ones; SME staff read their own."""

    required_scopes = scopes_for("finance")  # for API keys

    queryset = Payout.objects.none()
    serializer_class = PayoutSerializer
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["status", "method", "period", "company"]

    def get_queryset(self):
        payouts = Payout.objects.order_by("-pk")
        if is_operator(self.request.user):
            return payouts
        return payouts.filter(company_id__in=user_company_ids(self.request.user))

    @extend_schema(request=PayoutConfirmSerializer, responses=PayoutSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        payout = self.get_object()
        body = PayoutConfirmSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(PayoutSerializer(payout_confirm(payout=payout, actor=request.user, **body.validated_data)).data)

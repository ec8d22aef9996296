"""The B2B trade desk's HTTP door: buyer companies, RFQs, quotes, brand quotes, acceptance,
manual payment confirmation and inquiries. Each queryset is scoped to what the caller may see,
so another party's RFQ, quote or thread is a 404."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from brands.models import Brand
from core.api.fields import ID_PATTERN
from core.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from core.api.idempotency import idempotent
from core.api.permissions import scopes_for
from core.errors import InvalidInput, NotPermitted
from core.locales import request_locale
from core.permissions import is_operator
from listings.models import Category, Product, Variant
from marketplace.api.order_serializers import OrderSerializer
from marketplace.api.trade_serializers import (
    BrandQuoteWriteSerializer,
    BuyerCompanySerializer,
    BuyerCompanyWriteSerializer,
    BuyerStaffSerializer,
    BuyerStaffWriteSerializer,
    InquiryCreateSerializer,
    InquiryMessageSerializer,
    InquiryMessageWriteSerializer,
    InquiryThreadDetailSerializer,
    InquiryThreadSerializer,
    PaymentConfirmSerializer,
    QuoteAcceptResponseSerializer,
    QuoteAcceptSerializer,
    QuoteWriteSerializer,
    ReasonSerializer,
    RFQSerializer,
    RFQWriteSerializer,
    TradeQuoteSerializer,
)
from marketplace.models import RFQ, BuyerCompany, InquiryThread, Order, Quote
from marketplace.services.inquiries import inquiry_create, inquiry_mark_read, inquiry_message_add
from marketplace.services.payment_events import order_payment_confirm
from marketplace.services.quotes import QuoteLineSpec, brand_quote_create, quote_create, quote_decline, quote_withdraw
from marketplace.services.trade import (
    buyer_company_create,
    buyer_company_verify,
    buyer_staff_add,
    rfq_close,
    rfq_create,
)
from marketplace.services.trade_orders import quote_accept
from marketplace.trade_selectors import (
    buyer_company_list,
    inquiry_sides,
    inquiry_thread_list,
    quote_list,
    rfq_list,
)

IDEMPOTENCY = OpenApiParameter(IDEMPOTENCY_HEADER, str, OpenApiParameter.HEADER, required=False)


def _found(model, pk, attr: str, **filters):
    """A referenced row by id, or a 400 naming the field."""
    row = model.objects.filter(pk=pk, **filters).first() if pk is not None else None
    if row is None and pk is not None:
        raise InvalidInput(f"No such {attr.split('.')[-1].replace('_', ' ')}.", attr=attr)
    return row


@extend_schema(tags=["trade"])
class BuyerCompanyViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Buyer companies the caller is staff of (operators: all)."""

    required_scopes = scopes_for("trade")  # for API keys

    queryset = BuyerCompany.objects.none()
    serializer_class = BuyerCompanySerializer
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["verified", "country"]

    def get_queryset(self):
        return buyer_company_list(user=self.request.user)

    @extend_schema(request=BuyerCompanyWriteSerializer, responses={201: BuyerCompanySerializer})
    def create(self, request):
        body = BuyerCompanyWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        company = buyer_company_create(actor=request.user, **body.validated_data)
        return Response(
            BuyerCompanySerializer(self.get_queryset().get(pk=company.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=BuyerStaffWriteSerializer, responses={201: BuyerStaffSerializer})
    @action(detail=True, methods=["post"])
    def staff(self, request, pk=None):
        body = BuyerStaffWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        member = buyer_staff_add(actor=request.user, buyer_company=self.get_object(), **body.validated_data)
        return Response(BuyerStaffSerializer(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=BuyerCompanySerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        company = buyer_company_verify(actor=request.user, buyer_company=self.get_object())
        return Response(BuyerCompanySerializer(self.get_queryset().get(pk=company.pk)).data)


@extend_schema(tags=["trade"])
class RFQViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Buyer staff post RFQs and see their own; SMEs see open RFQs in the categories they publish
    in (and those they quoted on); operators see all."""

    required_scopes = scopes_for("trade")  # for API keys

    queryset = RFQ.objects.none()
    serializer_class = RFQSerializer
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["status", "incoterm", "destination_country"]

    def get_queryset(self):
        return rfq_list(user=self.request.user)

    @extend_schema(request=RFQWriteSerializer, responses={201: RFQSerializer})
    def create(self, request):
        body = RFQWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data["buyer_company"] = _found(BuyerCompany, data["buyer_company"], "buyer_company")
        data["category"] = _found(Category, data["category"], "category")
        data["reference_product"] = _found(Product, data.get("reference_product"), "reference_product")
        data["currency"] = data["currency"].upper()
        rfq = rfq_create(actor=request.user, locale=request_locale(request), **data)
        return Response(RFQSerializer(rfq).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=RFQSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return Response(RFQSerializer(rfq_close(actor=request.user, rfq=self.get_object())).data)

    @extend_schema(methods=["get"], request=None, responses=TradeQuoteSerializer(many=True))
    @extend_schema(methods=["post"], request=QuoteWriteSerializer, responses={201: TradeQuoteSerializer})
    @action(detail=True, methods=["get", "post"])
    def quotes(self, request, pk=None):
        rfq = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(quote_list(user=request.user, rfq=rfq))
            return self.get_paginated_response(TradeQuoteSerializer(page, many=True).data)
        body = QuoteWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        quote = quote_create(
            actor=request.user,
            rfq=rfq,
            line=_line_spec(data, ""),
            incoterm=data["incoterm"],
            valid_until=data["valid_until"],
            lead_time_days=data["lead_time_days"],
            note=data["note"],
        )
        return Response(TradeQuoteSerializer(quote_list(user=request.user).get(pk=quote.pk)).data, status=201)

    @extend_schema(request=BrandQuoteWriteSerializer, responses={201: TradeQuoteSerializer})
    @action(detail=True, methods=["post"], url_path="brand-quotes")
    def brand_quotes(self, request, pk=None):
        rfq = self.get_object()
        body = BrandQuoteWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        brand = Brand.objects.filter(slug=data["brand"]).first()
        if brand is None:
            raise InvalidInput("No such brand.", attr="brand")
        quote = brand_quote_create(
            actor=request.user,
            rfq=rfq,
            brand=brand,
            lines=[_line_spec(line, f"lines.{i}.") for i, line in enumerate(data["lines"])],
            incoterm=data["incoterm"],
            valid_until=data["valid_until"],
            lead_time_days=data["lead_time_days"],
            note=data["note"],
        )
        return Response(TradeQuoteSerializer(quote_list(user=request.user).get(pk=quote.pk)).data, status=201)


def _line_spec(data: dict, prefix: str) -> QuoteLineSpec:
    product = _found(Product, data["product"], f"{prefix}product")
    variant = _found(Variant, data.get("variant"), f"{prefix}variant")
    return QuoteLineSpec(
        product=product,
        variant=variant,
        quantity=data["quantity"],
        unit_price=data.get("unit_price"),
        price_override_reason=data.get("price_override_reason", ""),
    )


@extend_schema(tags=["trade"])
class QuoteViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Quotes the caller may see: on their buyer companies' RFQs, or their own companies'."""

    required_scopes = scopes_for("trade")  # for API keys

    queryset = Quote.objects.none()
    serializer_class = TradeQuoteSerializer
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["status", "rfq"]

    def get_queryset(self):
        return quote_list(user=self.request.user)

    @extend_schema(
        request=QuoteAcceptSerializer, parameters=[IDEMPOTENCY], responses={201: QuoteAcceptResponseSerializer}
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        quote = self.get_object()
        body = QuoteAcceptSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data

        def perform():
            order, payment = quote_accept(
                actor=request.user,
                quote=quote,
                payment_terms=data["payment_terms"],
                shipping_address=dict(data["shipping_address"]),
            )
            return Response(
                {
                    "order": order.number,
                    "order_id": order.pk,
                    "payment": {
                        "gateway": payment.gateway,
                        "status": payment.status,
                        "client_secret": payment.client_secret or None,
                        "amount": order.money("total").as_dict(),
                    },
                },
                status=status.HTTP_201_CREATED,
            )

        return idempotent(request, scope=f"quote_accept:{quote.pk}", perform=perform)

    @extend_schema(request=None, responses=TradeQuoteSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        quote = quote_withdraw(actor=request.user, quote=self.get_object())
        return Response(TradeQuoteSerializer(self.get_queryset().get(pk=quote.pk)).data)

    @extend_schema(request=ReasonSerializer, responses=TradeQuoteSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        quote = quote_decline(actor=request.user, quote=self.get_object(), **body.validated_data)
        return Response(TradeQuoteSerializer(self.get_queryset().get(pk=quote.pk)).data)


@extend_schema(tags=["trade"])
class B2BOrderViewSet(viewsets.GenericViewSet):
    """Orders from accepted quotes, for an operator's manual payment confirmation."""

    required_scopes = scopes_for("orders")  # for API keys

    queryset = Order.objects.none()
    serializer_class = OrderSerializer
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        orders = Order.objects.filter(source=Order.Source.B2B_QUOTE)
        return orders if is_operator(self.request.user) else orders.filter(buyer=self.request.user)

    @extend_schema(request=PaymentConfirmSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"], url_path="confirm-payment")
    def confirm_payment(self, request, pk=None):
        order = self.get_object()  # another buyer's order stays a 404
        if not is_operator(request.user):
            raise NotPermitted("Only an operator confirms a manual payment.")
        body = PaymentConfirmSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        order = order_payment_confirm(actor=request.user, order=order, **body.validated_data)
        order = Order.objects.prefetch_related("lines__order", "events", "payments").get(pk=order.pk)
        return Response(OrderSerializer(order).data)


@extend_schema(tags=["trade"])
class InquiryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Threads between a buyer and a product's company; only the two parties and operators see one."""

    required_scopes = scopes_for("trade")  # for API keys

    queryset = InquiryThread.objects.none()
    serializer_class = InquiryThreadSerializer
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return inquiry_thread_list(user=self.request.user)

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        context = {"sides": inquiry_sides(user=request.user, threads=page)}
        return self.get_paginated_response(InquiryThreadSerializer(page, many=True, context=context).data)

    @extend_schema(responses=InquiryThreadDetailSerializer)
    def retrieve(self, request, pk=None):
        thread = self.get_object()
        context = {"sides": inquiry_sides(user=request.user, threads=[thread])}
        thread = inquiry_mark_read(actor=request.user, thread=thread)
        return Response(InquiryThreadDetailSerializer(thread, context=context).data)

    @extend_schema(request=InquiryCreateSerializer, responses={201: InquiryThreadDetailSerializer})
    def create(self, request):
        body = InquiryCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        thread = inquiry_create(
            actor=request.user,
            product=_found(Product, data["product"], "product"),
            subject=data["subject"],
            body=data["body"],
            buyer_company=_found(BuyerCompany, data.get("buyer_company"), "buyer_company"),
            attachment=data.get("attachment"),
        )
        context = {"sides": inquiry_sides(user=request.user, threads=[thread])}
        return Response(InquiryThreadDetailSerializer(thread, context=context).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=InquiryMessageWriteSerializer, responses={201: InquiryMessageSerializer})
    @action(detail=True, methods=["post"])
    def messages(self, request, pk=None):
        thread = self.get_object()
        body = InquiryMessageWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        message = inquiry_message_add(actor=request.user, thread=thread, **body.validated_data)
        return Response(InquiryMessageSerializer(message).data, status=status.HTTP_201_CREATED)

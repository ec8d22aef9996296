import hmac

from django.db.models import Prefetch, Q
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from brands.selectors import user_company_ids
from core.api.fields import ID_PATTERN
from core.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from core.api.idempotency import idempotent
from core.api.permissions import scopes_for
from core.errors import InvalidInput, NotPermitted
from core.locales import request_locale
from core.money import Money
from core.permissions import is_operator
from core.selectors import exchange_rates_get
from logistics.backorder_selectors import backorders_for_references
from logistics.selectors import shipments_by_reference
from marketplace.api.order_serializers import (
    CancelSerializer,
    CheckoutCreateSerializer,
    CheckoutSerializer,
    CheckoutUpdateSerializer,
    CompleteResponseSerializer,
    DummyConfirmSerializer,
    OrderSerializer,
    PaymentSerializer,
    RefundSerializer,
    RefundWriteSerializer,
    SellerOrderSerializer,
)
from marketplace.exchange_selectors import exchanges_by_order
from marketplace.models import Checkout, Order, OrderLine, Payment
from marketplace.payments import DummyGateway, payment_gateway
from marketplace.services.checkout import (
    checkout_complete,
    checkout_create,
    checkout_shipping_options,
    checkout_update,
)
from marketplace.services.orders import order_cancel
from marketplace.services.payment_events import payment_event_apply
from marketplace.services.refunds import refund_grant
from marketplace.trade_selectors import buyer_company_ids

SECRET = OpenApiParameter("X-Checkout-Secret", str, OpenApiParameter.HEADER, description="For anonymous buyers.")
IDEMPOTENCY = OpenApiParameter(IDEMPOTENCY_HEADER, str, OpenApiParameter.HEADER, required=True)


def checkout_get(request, pk) -> Checkout:
    """The checkout if the caller owns it: its signed-in buyer, or whoever holds its secret."""
    checkout = Checkout.objects.filter(pk=pk).first()
    if checkout is None:
        raise Http404("No such checkout.")
    if checkout.buyer_id and request.user.is_authenticated and checkout.buyer_id == request.user.pk:
        return checkout
    secret = request.headers.get("X-Checkout-Secret", "")
    if secret and hmac.compare_digest(secret, checkout.secret):
        return checkout
    raise Http404("No such checkout.")


def _lines(data):
    return [{"sku": line["sku"], "quantity": line["quantity"]} for line in data]


@extend_schema(tags=["checkout"], parameters=[SECRET])
class CheckoutViewSet(viewsets.GenericViewSet):
    permission_classes = [AllowAny]
    serializer_class = CheckoutSerializer
    queryset = Checkout.objects.none()
    lookup_value_regex = "[0-9a-f-]{36}"

    @extend_schema(request=CheckoutCreateSerializer, responses={201: CheckoutSerializer})
    def create(self, request):
        body = CheckoutCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data["lines"] = _lines(data["lines"])
        data["currency"] = data["currency"].upper()
        for name in ("shipping_address", "billing_address"):
            if name in data:
                data[name] = dict(data[name])
        rates = exchange_rates_get()  # read once, to check the currency and to price the new checkout
        checkout = checkout_create(buyer=request.user, rates=rates, **data)
        return Response(
            CheckoutSerializer(checkout, context={"show_secret": True, "rates": rates}).data,
            status=status.HTTP_201_CREATED,
        )

    def retrieve(self, request, pk=None):
        return Response(CheckoutSerializer(checkout_get(request, pk)).data)

    @extend_schema(request=CheckoutUpdateSerializer, responses=CheckoutSerializer)
    def partial_update(self, request, pk=None):
        checkout = checkout_get(request, pk)
        body = CheckoutUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        changes = dict(body.validated_data)
        if "lines" in changes:
            changes["lines"] = _lines(changes["lines"])
        for name in ("shipping_address", "billing_address"):
            if name in changes:
                changes[name] = dict(changes[name])
        return Response(CheckoutSerializer(checkout_update(checkout=checkout, **changes)).data)

    @extend_schema(responses={200: {"type": "array", "items": {"type": "object"}}})
    @action(detail=True, methods=["get"], url_path="shipping-options")
    def shipping_options(self, request, pk=None):
        return Response(checkout_shipping_options(checkout=checkout_get(request, pk)))

    @extend_schema(request=None, parameters=[IDEMPOTENCY], responses={201: CompleteResponseSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        checkout = checkout_get(request, pk)
        if IDEMPOTENCY_HEADER not in request.headers:
            raise ValidationError(
                {IDEMPOTENCY_HEADER: ["Send an Idempotency-Key header; repeats return the first result."]}
            )

        def perform():
            order, payment = checkout_complete(checkout=checkout, actor=request.user, locale=request_locale(request))
            return Response(
                {
                    "order": order.number,
                    "order_id": order.pk,
                    "payment": {
                        "client_secret": payment.client_secret,
                        "status": payment.status,
                        "gateway": payment.gateway,
                    },
                },
                status=status.HTTP_201_CREATED,
            )

        return idempotent(request, scope=f"checkout_complete:{checkout.pk}", perform=perform)


class StripeWebhookView(APIView):
    """Stripe's events, signature-verified (300 s tolerance); each event acts once."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=None, responses={200: None}, tags=["payments"])
    def post(self, request):
        gateway = payment_gateway()
        event = gateway.parse_webhook(request.body, request.headers.get("Stripe-Signature", ""))
        applied = payment_event_apply(gateway=gateway.name, event=event)
        return Response({"received": True, "applied": applied})


class DummyConfirmView(APIView):
    """The embedded default's card form: pay a payment intent with a test card (README)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=DummyConfirmSerializer, responses=PaymentSerializer, tags=["payments"])
    def post(self, request):
        gateway = payment_gateway()
        if not isinstance(gateway, DummyGateway):
            raise Http404("The dummy gateway is off: payments go through Stripe.")
        body = DummyConfirmSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        payment = Payment.objects.filter(gateway="dummy", client_secret=body.validated_data["client_secret"]).first()
        if payment is None:
            raise InvalidInput("No payment has this client secret.", attr="client_secret")
        event = gateway.confirm(
            intent_id=payment.intent_id,
            amount=Money(payment.amount, payment.currency),
            card_number=body.validated_data["card_number"].replace(" ", ""),
        )
        payment_event_apply(gateway=gateway.name, event=event)
        payment.refresh_from_db()
        return Response(PaymentSerializer(payment).data)


def _orders():
    return (
        Order.objects.select_related("checkout")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.select_related("order")), "events", "payments")
        .order_by("-pk")
    )


@extend_schema(tags=["orders"])
class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A buyer's own orders with their events, and their buyer companies' B2B orders; operators see all."""

    required_scopes = scopes_for("orders")  # for API keys

    queryset = Order.objects.none()  # for the schema; get_queryset scopes the real one
    serializer_class = OrderSerializer
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["status"]

    def get_serializer(self, *args, **kwargs):
        if args:  # a page of orders (or one): their shipments in three queries, not three per order
            orders = args[0] if isinstance(args[0], list) else [args[0]]
            context = kwargs.setdefault("context", self.get_serializer_context())
            exchanges = exchanges_by_order(order_ids=[o.pk for o in orders])
            references = [o.reservation_reference for o in orders]
            context["backorders"] = backorders_for_references(references)
            references += [e.reference for found in exchanges.values() for e in found]
            context["exchanges"] = exchanges
            context["shipments"] = shipments_by_reference(references=references)
        return super().get_serializer(*args, **kwargs)

    def get_queryset(self):
        orders, user = _orders(), self.request.user
        if is_operator(user):
            return orders
        visible = Q(buyer=user)
        if self.action in ("list", "retrieve"):
            # Staff of a buyer company follow the B2B orders any colleague accepted; acting on one
            # (cancelling, returns) stays with the colleague who placed it.
            visible |= Q(quote__rfq__buyer_company__in=buyer_company_ids(user))
        return orders.filter(visible)

    @extend_schema(request=CancelSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        body = CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        order = order_cancel(order=self.get_object(), actor=request.user, **body.validated_data)
        return Response(OrderSerializer(_orders().get(pk=order.pk)).data)

    @extend_schema(request=RefundWriteSerializer, parameters=[IDEMPOTENCY], responses={201: RefundSerializer})
    @action(detail=True, methods=["post"])
    def refunds(self, request, pk=None):
        order = self.get_object()  # another buyer's order stays a 404
        if not is_operator(request.user):
            raise NotPermitted("Only an operator grants refunds.")
        body = RefundWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data

        def perform():
            refund = refund_grant(
                order=order,
                amount=data["amount"],
                reason=data["reason"],
                actor=request.user,
                return_request_id=data.get("return_request"),
            )
            return Response(RefundSerializer(refund).data, status=status.HTTP_201_CREATED)

        return idempotent(request, scope=f"refund:{order.pk}", perform=perform)


@extend_schema(tags=["orders"])
class SellerOrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Orders holding the caller's companies' products, each with only those lines."""

    required_scopes = scopes_for("orders")  # for API keys

    queryset = Order.objects.none()
    serializer_class = SellerOrderSerializer
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["status"]

    def get_queryset(self):
        companies = user_company_ids(self.request.user)
        mine = OrderLine.objects.filter(seller_id__in=companies).select_related("order")
        return (
            Order.objects.filter(lines__seller_id__in=companies)
            .distinct()
            .prefetch_related(Prefetch("lines", queryset=mine, to_attr="seller_lines"))
            .order_by("-pk")
        )

"""The HTTP door to webhook endpoints (core.webhooks holds them): here because who may
subscribe knows both sides, a seller company's owners (brands) and a buyer company's owners
(marketplace). docs/events.md."""

from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from brands.models import CompanyStaff
from brands.selectors import user_company_ids
from core import webhooks
from core.api.fields import ID_PATTERN, MAX_ID, StrictSerializer
from core.errors import InvalidInput
from core.events import SUBSCRIBABLE
from core.models import WebhookDelivery, WebhookEndpoint
from core.permissions import is_operator
from marketplace.trade_selectors import buyer_company_ids

OWNER = CompanyStaff.Role.OWNER


class WebhookEndpointSerializer(serializers.ModelSerializer):
    company = serializers.IntegerField(source="company_id", read_only=True, allow_null=True)
    buyer_company = serializers.IntegerField(source="buyer_company_id", read_only=True, allow_null=True)

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "company",
            "buyer_company",
            "url",
            "events",
            "description",
            "is_active",
            "disabled_at",
            "disabled_reason",
            "consecutive_failures",
            "created_at",
        ]
        read_only_fields = fields


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    """With the signing secret: only in the answer to creation and rotation."""

    secret = serializers.CharField(read_only=True)

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookEndpointWriteSerializer(StrictSerializer):
    company = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_ID, help_text="Omit for platform-wide (operators)."
    )
    buyer_company = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="A buyer company you own, instead of `company`: its orders, shipments, refunds, returns, RFQs "
        "and quotes.",
    )
    url = serializers.CharField(max_length=500)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=SUBSCRIBABLE), allow_empty=False, max_length=len(SUBSCRIBABLE)
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class WebhookDeliverySerializer(serializers.ModelSerializer):
    event = serializers.SerializerMethodField()

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event",
            "redelivery",
            "status",
            "attempts",
            "response_status",
            "latency_ms",
            "response_body",
            "error",
            "created_at",
            "last_attempt_at",
            "next_attempt_at",
        ]
        read_only_fields = fields

    def get_event(self, delivery) -> dict:
        return {"id": delivery.event.webhook_id, "type": delivery.event.type, "created": delivery.event.created_at}


def managed_company_ids(request) -> list[int]:
    """The companies whose endpoints the caller manages: those they own; for a company API key
    holding webhooks:manage (which acts as an editor of its company), that company."""
    if "webhooks:manage" in (getattr(request.auth, "scopes", None) or []):
        return user_company_ids(request.user, CompanyStaff.Role.EDITOR)
    return user_company_ids(request.user, OWNER)


def managed_buyer_company_ids(request) -> list[int]:
    """The buyer companies whose endpoints the caller manages: those they own (a company API
    key acts for a seller company, never for a buyer)."""
    if getattr(request.auth, "scopes", None) is not None:
        return []
    return buyer_company_ids(request.user, owner=True)


def _with_secret(endpoint: WebhookEndpoint, secret: str) -> dict:
    return WebhookEndpointCreatedSerializer(endpoint).data | {"secret": secret}


@extend_schema(tags=["webhooks"])
class WebhookEndpointViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Company owners subscribe to their companies' events, operators to platform-wide ones;
    each sees only the endpoints they may manage (another's is a 404)."""

    serializer_class = WebhookEndpointSerializer
    lookup_value_regex = ID_PATTERN
    required_scopes = {"read": "webhooks:manage", "write": "webhooks:manage"}  # for API keys

    def get_queryset(self):
        user = self.request.user
        endpoints = WebhookEndpoint.objects.order_by("pk")
        if is_operator(user):
            return endpoints
        return endpoints.filter(
            Q(company_id__in=managed_company_ids(self.request))
            | Q(buyer_company_id__in=managed_buyer_company_ids(self.request))
        )

    @extend_schema(request=WebhookEndpointWriteSerializer, responses={201: WebhookEndpointCreatedSerializer})
    def create(self, request):
        serializer = WebhookEndpointWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        company_id, buyer_company_id = data.get("company"), data.get("buyer_company")
        operator = is_operator(request.user)
        if company_id is not None and buyer_company_id is not None:
            raise InvalidInput("Name a company or a buyer company, not both.", attr="buyer_company")
        if buyer_company_id is not None:
            if buyer_company_id not in managed_buyer_company_ids(request) and not operator:
                raise InvalidInput("Pick a buyer company you own.", attr="buyer_company")
        elif company_id is None and not operator:
            raise InvalidInput("Name the company whose events the endpoint receives.", attr="company")
        elif company_id is not None and company_id not in managed_company_ids(request) and not operator:
            raise InvalidInput("Pick a company you own.", attr="company")
        endpoint, secret = webhooks.webhook_endpoint_create(
            actor=request.user,
            company_id=company_id,
            buyer_company_id=buyer_company_id,
            url=data["url"],
            events=data["events"],
            description=data.get("description", ""),
            request=request,
        )
        return Response(_with_secret(endpoint, secret), status=status.HTTP_201_CREATED)

    @extend_schema(request=WebhookEndpointWriteSerializer, responses=WebhookEndpointSerializer)
    def partial_update(self, request, pk=None):
        endpoint = self.get_object()
        serializer = WebhookEndpointWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        for field in ("company", "buyer_company"):
            if field in changes:
                raise InvalidInput("An endpoint stays with its company; create another one instead.", attr=field)
        endpoint = webhooks.webhook_endpoint_update(endpoint=endpoint, actor=request.user, request=request, **changes)
        return Response(WebhookEndpointSerializer(endpoint).data)

    def perform_destroy(self, instance):
        webhooks.webhook_endpoint_delete(endpoint=instance, actor=self.request.user, request=self.request)

    @extend_schema(request=None, responses=WebhookEndpointCreatedSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        """A new signing secret, shown once; the old one stops signing at once."""
        endpoint, secret = webhooks.webhook_secret_rotate(
            endpoint=self.get_object(), actor=request.user, request=request
        )
        return Response(_with_secret(endpoint, secret))

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def ping(self, request, pk=None):
        delivery = webhooks.webhook_ping(endpoint=self.get_object())
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=WebhookDeliverySerializer(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        """The endpoint's deliveries, newest first: status, attempts, answer and latency."""
        deliveries = self.get_object().deliveries.select_related("event").order_by("-pk")
        page = self.paginate_queryset(deliveries)
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"], url_path=rf"deliveries/(?P<delivery_id>{ID_PATTERN})/redeliver")
    def redeliver(self, request, pk=None, delivery_id=None):
        """Sends the delivery's event again, with the same event id."""
        delivery = get_object_or_404(WebhookDelivery, endpoint=self.get_object(), pk=delivery_id)
        again = webhooks.webhook_redeliver(delivery=delivery)
        return Response(WebhookDeliverySerializer(again).data, status=status.HTTP_202_ACCEPTED)

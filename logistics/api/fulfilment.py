"""The HTTP door to outbound logistics: fulfilments (operators pick, pack and ship), shipments
and their tracking events (operators, or carriers through a signed webhook), and shipping
quotes from the rate tables (any user)."""

import json
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.fields import ID_PATTERN, MAX_ID, CountryField, MoneyField, StrictSerializer
from core.api.parsers import RequestBodyTooLarge
from core.api.permissions import OPERATOR_ONLY, scopes_for
from core.api.query import QuerySerializer
from core.errors import InvalidInput
from listings.models import Variant
from logistics.models import Fulfilment, FulfilmentLine, Shipment, ShipmentLine, TrackingEvent
from logistics.services import (
    carrier_tracking_apply,
    carrier_webhook_verify,
    fulfilment_pack,
    fulfilment_pick,
    fulfilment_ship,
    shipment_reference,
    shipment_track,
    shipping_options,
)

# --- serializers ------------------------------------------------------------------------------

SHIPMENT_STATUSES = ", ".join(Shipment.Status.values)


@extend_schema_field({"type": "string", "description": f"The shipment's status: {SHIPMENT_STATUSES}."})
class ShipmentStatusField(serializers.ChoiceField):
    """Shipment.Status, as an enum only in the Shipment component: the same choice set under
    "status" in several components would need an ENUM_NAME_OVERRIDES entry to name it."""

    def __init__(self, **kwargs):
        super().__init__(choices=Shipment.Status.choices, **kwargs)


class ParcelSerializer(StrictSerializer):
    weight_kg = serializers.DecimalField(max_digits=7, decimal_places=3, min_value=Decimal("0.001"), max_value=1000)
    length_cm = serializers.DecimalField(max_digits=5, decimal_places=1, min_value=Decimal("0.1"), max_value=1000)
    width_cm = serializers.DecimalField(max_digits=5, decimal_places=1, min_value=Decimal("0.1"), max_value=1000)
    height_cm = serializers.DecimalField(max_digits=5, decimal_places=1, min_value=Decimal("0.1"), max_value=1000)


class FulfilmentLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="variant.sku")

    class Meta:
        model = FulfilmentLine
        fields = ["id", "variant", "sku", "quantity", "quantity_shipped"]
        read_only_fields = fields


class ShipmentSummarySerializer(serializers.ModelSerializer):
    status = ShipmentStatusField(read_only=True)

    class Meta:
        model = Shipment
        fields = ["id", "carrier", "service", "tracking_number", "status", "shipped_at", "delivered_at"]
        read_only_fields = fields


class FulfilmentSerializer(serializers.ModelSerializer):
    warehouse = serializers.CharField(source="warehouse.code")
    country = CountryField()
    address_lines = serializers.ListField(child=serializers.CharField())
    parcels = ParcelSerializer(many=True, help_text="Packed and waiting for the next shipment.")
    lines = FulfilmentLineSerializer(many=True)
    shipments = ShipmentSummarySerializer(many=True)

    class Meta:
        model = Fulfilment
        fields = [
            "id",
            "reference",
            "warehouse",
            "status",
            "recipient_name",
            "address_lines",
            "city",
            "postal_code",
            "country",
            "incoterm",
            "parcels",
            "lines",
            "shipments",
            "created_at",
        ]
        read_only_fields = fields


class PackSerializer(StrictSerializer):
    parcels = ParcelSerializer(many=True, min_length=1, max_length=50)


class ShipLineSerializer(StrictSerializer):
    fulfilment_line = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)


class ShipSerializer(StrictSerializer):
    carrier = serializers.CharField(max_length=50)
    service = serializers.CharField(max_length=30)
    tracking_number = serializers.CharField(max_length=60)
    lines = ShipLineSerializer(
        many=True, required=False, min_length=1, help_text="A partial shipment; leave out to ship everything left."
    )
    parcels = ParcelSerializer(
        many=True, required=False, min_length=1, max_length=50, help_text="Leave out to ship the packed parcels."
    )


class TrackingEventSerializer(serializers.ModelSerializer):
    status = ShipmentStatusField(read_only=True)

    class Meta:
        model = TrackingEvent
        fields = ["id", "status", "description", "location", "occurred_at", "source", "external_id", "created_at"]
        read_only_fields = fields


class ShipmentLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="fulfilment_line.variant.sku")

    class Meta:
        model = ShipmentLine
        fields = ["id", "fulfilment_line", "sku", "quantity"]
        read_only_fields = fields


class ShipmentSerializer(serializers.ModelSerializer):
    reference = serializers.SerializerMethodField()
    parcels = ParcelSerializer(many=True)
    lines = ShipmentLineSerializer(many=True)
    events = TrackingEventSerializer(many=True)

    class Meta:
        model = Shipment
        fields = [
            "id",
            "fulfilment",
            "consignment",
            "reference",
            "carrier",
            "service",
            "tracking_number",
            "status",
            "parcels",
            "shipped_at",
            "delivered_at",
            "lines",
            "events",
        ]
        read_only_fields = fields

    def get_reference(self, shipment) -> str:
        return shipment_reference(shipment)


class TrackingEventWriteSerializer(StrictSerializer):
    status = ShipmentStatusField()
    occurred_at = serializers.DateTimeField()
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    location = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")


class CarrierEventSerializer(serializers.Serializer):
    """A carrier's tracking event. Not strict: carriers may send more fields than we read."""

    carrier = serializers.CharField(max_length=50)
    tracking_number = serializers.CharField(max_length=60)
    event_id = serializers.CharField(max_length=100)
    status = ShipmentStatusField()
    occurred_at = serializers.DateTimeField()
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    location = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")


class CarrierEventResultSerializer(serializers.Serializer):
    received = serializers.BooleanField()
    recorded = serializers.BooleanField(help_text="False when this event id was recorded before.")
    event = serializers.IntegerField()


class QuoteQuerySerializer(QuerySerializer):
    destination = CountryField()
    sku = serializers.ListField(child=serializers.CharField(max_length=64), min_length=1, max_length=50)
    quantity = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=100_000), required=False, max_length=50
    )


class ShippingOptionSerializer(serializers.Serializer):
    warehouse = serializers.CharField(source="warehouse.code")
    warehouse_kind = serializers.CharField(source="warehouse.kind")
    carrier = serializers.CharField()
    service = serializers.CharField()
    price = MoneyField()
    transit_days_min = serializers.IntegerField()
    transit_days_max = serializers.IntegerField()
    chargeable_weight_kg = serializers.DecimalField(max_digits=12, decimal_places=3)


class QuoteSerializer(serializers.Serializer):
    destination = serializers.CharField()
    options = ShippingOptionSerializer(many=True)


# --- views ------------------------------------------------------------------------------------


def _fulfilments():
    return (
        Fulfilment.objects.select_related("warehouse")
        .prefetch_related(
            Prefetch("lines", queryset=FulfilmentLine.objects.select_related("variant").order_by("pk")),
            Prefetch("shipments", queryset=Shipment.objects.order_by("pk")),
        )
        .order_by("-pk")
    )


def _shipments():
    return Shipment.objects.select_related("fulfilment", "consignment").prefetch_related(
        Prefetch("lines", queryset=ShipmentLine.objects.select_related("fulfilment_line__variant").order_by("pk")),
        Prefetch("events", queryset=TrackingEvent.objects.order_by("occurred_at", "pk")),
    )


class FulfilmentFilter(filters.FilterSet):
    warehouse = filters.CharFilter(field_name="warehouse__code", label="Warehouse code")

    class Meta:
        model = Fulfilment
        fields = ["status", "warehouse", "reference"]


@extend_schema(tags=["logistics"])
class FulfilmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Fulfilments of reserved stock, one per warehouse and reference: operators pick, pack and
    ship them, partially if need be."""

    required_scopes = scopes_for("orders")  # for API keys

    serializer_class = FulfilmentSerializer
    permission_classes = OPERATOR_ONLY
    lookup_value_regex = ID_PATTERN
    filterset_class = FulfilmentFilter
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return _fulfilments()

    def _respond(self, fulfilment):
        return Response(FulfilmentSerializer(_fulfilments().get(pk=fulfilment.pk)).data)

    @extend_schema(request=None, responses=FulfilmentSerializer)
    @action(detail=True, methods=["post"])
    def pick(self, request, pk=None):
        return self._respond(fulfilment_pick(fulfilment=self.get_object(), actor=request.user))

    @extend_schema(request=PackSerializer, responses=FulfilmentSerializer)
    @action(detail=True, methods=["post"])
    def pack(self, request, pk=None):
        fulfilment = self.get_object()
        body = PackSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._respond(fulfilment_pack(fulfilment=fulfilment, actor=request.user, **body.validated_data))

    @extend_schema(request=ShipSerializer, responses={201: ShipmentSerializer})
    @action(detail=True, methods=["post"])
    def ship(self, request, pk=None):
        fulfilment = self.get_object()
        body = ShipSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        shipment = fulfilment_ship(fulfilment=fulfilment, actor=request.user, **body.validated_data)
        return Response(ShipmentSerializer(_shipments().get(pk=shipment.pk)).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["logistics"])
class ShipmentViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A shipment with its lines and tracking events."""

    required_scopes = scopes_for("orders")  # for API keys

    serializer_class = ShipmentSerializer
    permission_classes = OPERATOR_ONLY
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return _shipments()

    @extend_schema(request=TrackingEventWriteSerializer, responses={201: TrackingEventSerializer})
    @action(detail=True, methods=["post"])
    def events(self, request, pk=None):
        shipment = self.get_object()
        body = TrackingEventWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        event, _ = shipment_track(shipment=shipment, actor=request.user, **body.validated_data)
        return Response(TrackingEventSerializer(event).data, status=status.HTTP_201_CREATED)


class CarrierTrackingWebhookView(APIView):
    """Carriers post tracking events here, signed: X-Carrier-Timestamp (Unix seconds, within
    300 s) and X-Carrier-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" under the
    shared secret>. A bad, missing or stale signature is a 400 and changes nothing; an event id
    seen before is answered 200 and recorded once."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        request=CarrierEventSerializer,
        responses={200: CarrierEventResultSerializer, 201: CarrierEventResultSerializer},
        parameters=[
            OpenApiParameter("X-Carrier-Signature", str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("X-Carrier-Timestamp", str, OpenApiParameter.HEADER, required=True),
        ],
        tags=["logistics"],
    )
    def post(self, request):
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > settings.API_MAX_BODY_BYTES:
            raise RequestBodyTooLarge()
        body = request.body  # the raw bytes, before anything parses them
        carrier_webhook_verify(
            body=body,
            signature=request.headers.get("X-Carrier-Signature"),
            timestamp=request.headers.get("X-Carrier-Timestamp"),
        )
        try:
            payload = json.loads(body)
        except (UnicodeDecodeError, ValueError):
            raise InvalidInput("The body is not JSON.") from None
        event = CarrierEventSerializer(data=payload)
        event.is_valid(raise_exception=True)
        recorded, created = carrier_tracking_apply(**event.validated_data)
        return Response(
            {"received": True, "recorded": created, "event": recorded.pk},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class ShippingQuoteView(APIView):
    """Shipping options for SKUs to a destination country, from the rate tables: per warehouse
    serving the destination (best first) and service, priced on the chargeable weight (the
    greater of actual and volumetric)."""

    required_scopes = scopes_for("orders")  # for API keys

    @extend_schema(
        parameters=[
            OpenApiParameter("destination", str, required=True, description="ISO 3166 country code, e.g. US"),
            OpenApiParameter("sku", str, many=True, required=True, description="Repeat for several SKUs."),
            OpenApiParameter("quantity", OpenApiTypes.INT, many=True, description="Per SKU, in order; default 1."),
        ],
        responses=QuoteSerializer,
        tags=["logistics"],
    )
    def get(self, request):
        query = QuoteQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        skus = query.validated_data["sku"]
        quantities = query.validated_data.get("quantity") or [1] * len(skus)
        if len(quantities) != len(skus):
            raise InvalidInput("Give one quantity per SKU, or none.", attr="quantity")
        variants = {variant.sku: variant for variant in Variant.objects.filter(sku__in=skus)}
        unknown = [sku for sku in skus if sku not in variants]
        if unknown:
            raise InvalidInput(f"Unknown SKU: {', '.join(unknown)}.", attr="sku")
        destination = query.validated_data["destination"]
        options = shipping_options(
            destination_country=destination,
            lines=[(variants[sku], quantity) for sku, quantity in zip(skus, quantities, strict=True)],
        )
        return Response(QuoteSerializer({"destination": destination, "options": options}).data)

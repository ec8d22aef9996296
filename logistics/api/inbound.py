"""The HTTP door of inbound shipments (ASNs) and storage allotments: serializers and viewsets,
each action calling one service of logistics.services.inbound."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from brands.models import MandateScope
from brands.selectors import company_list
from core.api.fields import ID_PATTERN, MAX_ID, MoneyField, StrictSerializer
from core.api.permissions import scopes_for
from core.errors import InvalidInput
from core.money import Money
from logistics.models import InboundLine, InboundShipment, StorageAllotment, Warehouse
from logistics.selectors import (
    inbound_get,
    inbound_list,
    storage_allotment_check,
    storage_allotment_list,
    storage_used_m3,
)
from logistics.services.inbound import (
    MAX_DEFECT_CODE_LENGTH,
    InboundCount,
    InboundInspection,
    InboundLineSpec,
    inbound_cancel,
    inbound_create,
    inbound_dispatch,
    inbound_inspect,
    inbound_receive,
    inbound_stock,
)

MAX_LINES = 500
MAX_UNITS = 10_000_000

# --- reads --------------------------------------------------------------------------------


class InboundLineSerializer(serializers.ModelSerializer):
    variant = serializers.IntegerField(source="variant_id")
    sku = serializers.CharField(source="variant.sku")
    discrepancy = serializers.IntegerField(
        allow_null=True, help_text="Counted minus expected: negative is a shortage, positive an overage."
    )
    defect_codes = serializers.ListField(child=serializers.CharField())
    service_fee = serializers.SerializerMethodField()

    class Meta:
        model = InboundLine
        fields = [
            "id",
            "variant",
            "sku",
            "lot",
            "quantity_expected",
            "quantity_received",
            "discrepancy",
            "quantity_passed",
            "quantity_failed",
            "defect_codes",
            "service",
            "service_fee",
        ]
        read_only_fields = fields

    @extend_schema_field(MoneyField(allow_null=True))
    def get_service_fee(self, line) -> dict | None:
        if line.service_fee_amount is None:
            return None
        return Money(line.service_fee_amount, line.service_fee_currency).as_dict()


class InboundShipmentSerializer(serializers.ModelSerializer):
    company = serializers.IntegerField(source="company_id")
    warehouse = serializers.IntegerField(source="warehouse_id")
    warehouse_code = serializers.CharField(source="warehouse.code")
    has_discrepancy = serializers.SerializerMethodField()
    lines = InboundLineSerializer(many=True)

    class Meta:
        model = InboundShipment
        fields = [
            "id",
            "company",
            "warehouse",
            "warehouse_code",
            "status",
            "carrier",
            "tracking_number",
            "expected_on",
            "has_discrepancy",
            "lines",
            "created_at",
            "dispatched_at",
            "received_at",
            "inspected_at",
            "stocked_at",
        ]
        read_only_fields = fields

    def get_has_discrepancy(self, shipment) -> bool:
        return any(line.discrepancy for line in shipment.lines.all())


class StorageSerializer(serializers.Serializer):
    used_m3 = serializers.DecimalField(max_digits=14, decimal_places=3)
    allotted_m3 = serializers.DecimalField(max_digits=14, decimal_places=3)
    exceeded = serializers.BooleanField()


class WarningSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()


class InboundStockedSerializer(serializers.Serializer):
    """The stocked shipment, with the company's storage in the warehouse afterwards and a
    warning (never a refusal) when it exceeds the allotment."""

    shipment = InboundShipmentSerializer()
    storage = StorageSerializer()
    warnings = WarningSerializer(many=True)


class StorageAllotmentSerializer(serializers.ModelSerializer):
    company = serializers.IntegerField(source="company_id")
    warehouse = serializers.IntegerField(source="warehouse_id")
    warehouse_code = serializers.CharField(source="warehouse.code")
    allotted_m3 = serializers.DecimalField(source="volume_m3", max_digits=14, decimal_places=3)
    used_m3 = serializers.SerializerMethodField()
    active = serializers.SerializerMethodField()

    class Meta:
        model = StorageAllotment
        fields = [
            "id",
            "company",
            "warehouse",
            "warehouse_code",
            "allotted_m3",
            "used_m3",
            "starts_on",
            "ends_on",
            "active",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DecimalField(max_digits=14, decimal_places=3))
    def get_used_m3(self, allotment) -> str:
        return str(storage_used_m3(allotment))

    def get_active(self, allotment) -> bool:
        return allotment.starts_on <= timezone.localdate() <= allotment.ends_on


# --- writes -------------------------------------------------------------------------------


class InboundLineWriteSerializer(StrictSerializer):
    variant = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_UNITS)
    lot = serializers.CharField(max_length=60, allow_blank=True, default="")


class InboundCreateSerializer(StrictSerializer):
    company = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    warehouse = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    carrier = serializers.CharField(max_length=50, allow_blank=True, default="")
    tracking_number = serializers.CharField(max_length=60, allow_blank=True, default="")
    expected_on = serializers.DateField(required=False, allow_null=True, default=None)
    lines = InboundLineWriteSerializer(many=True, min_length=1, max_length=MAX_LINES)


class InboundDispatchSerializer(StrictSerializer):
    carrier = serializers.CharField(max_length=50, required=False)
    tracking_number = serializers.CharField(max_length=60, required=False)


class InboundCountSerializer(StrictSerializer):
    line = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    quantity_received = serializers.IntegerField(min_value=0, max_value=MAX_UNITS)


class InboundReceiveSerializer(StrictSerializer):
    lines = InboundCountSerializer(many=True, min_length=1, max_length=MAX_LINES)


class InboundInspectionSerializer(StrictSerializer):
    line = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    quantity_passed = serializers.IntegerField(min_value=0, max_value=MAX_UNITS)
    quantity_failed = serializers.IntegerField(min_value=0, max_value=MAX_UNITS)
    defect_codes = serializers.ListField(
        child=serializers.SlugField(max_length=MAX_DEFECT_CODE_LENGTH), max_length=20, default=list
    )
    service = serializers.ChoiceField(choices=InboundLine.Service.choices, default=InboundLine.Service.NONE)


class InboundInspectSerializer(StrictSerializer):
    lines = InboundInspectionSerializer(many=True, min_length=1, max_length=MAX_LINES)


# --- views --------------------------------------------------------------------------------


@extend_schema(tags=["logistics"])
class InboundShipmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Inbound shipments (ASNs): SME staff create and dispatch their companies' shipments;
    warehouse operators receive (count), inspect and stock them."""

    required_scopes = scopes_for("stock")  # for API keys

    serializer_class = InboundShipmentSerializer
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["status", "company", "warehouse"]
    ordering_fields = ["created_at", "expected_on"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return inbound_list(user=self.request.user)

    def get_object(self):
        return inbound_get(user=self.request.user, pk=self.kwargs["pk"])

    def _respond(self, shipment, code=status.HTTP_200_OK):
        return Response(
            InboundShipmentSerializer(inbound_get(user=self.request.user, pk=shipment.pk)).data, status=code
        )

    @staticmethod
    def _valid(serializer_class, request):
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(request=InboundCreateSerializer, responses={201: InboundShipmentSerializer})
    def create(self, request):
        data = self._valid(InboundCreateSerializer, request)
        company = company_list(user=request.user, scope=MandateScope.SHIPMENTS).filter(pk=data["company"]).first()
        if company is None:
            raise InvalidInput("Pick a company you work for.", attr="company")
        warehouse = Warehouse.objects.filter(pk=data["warehouse"]).first()
        if warehouse is None:
            raise InvalidInput("No warehouse has this id.", attr="warehouse")
        shipment = inbound_create(
            actor=request.user,
            company=company,
            warehouse=warehouse,
            lines=[InboundLineSpec(line["variant"], line["quantity"], line["lot"]) for line in data["lines"]],
            carrier=data["carrier"],
            tracking_number=data["tracking_number"],
            expected_on=data["expected_on"],
        )
        return self._respond(shipment, status.HTTP_201_CREATED)

    # Named dispatch_shipment: `dispatch` is the method every Django view routes requests through.
    @extend_schema(request=InboundDispatchSerializer, responses=InboundShipmentSerializer)
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch")
    def dispatch_shipment(self, request, pk=None):
        data = self._valid(InboundDispatchSerializer, request)
        return self._respond(inbound_dispatch(actor=request.user, shipment=self.get_object(), **data))

    @extend_schema(request=InboundReceiveSerializer, responses=InboundShipmentSerializer)
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        data = self._valid(InboundReceiveSerializer, request)
        counts = [InboundCount(line["line"], line["quantity_received"]) for line in data["lines"]]
        return self._respond(inbound_receive(actor=request.user, shipment=self.get_object(), counts=counts))

    @extend_schema(request=InboundInspectSerializer, responses=InboundShipmentSerializer)
    @action(detail=True, methods=["post"])
    def inspect(self, request, pk=None):
        data = self._valid(InboundInspectSerializer, request)
        results = [
            InboundInspection(
                line["line"],
                line["quantity_passed"],
                line["quantity_failed"],
                tuple(line["defect_codes"]),
                line["service"],
            )
            for line in data["lines"]
        ]
        return self._respond(inbound_inspect(actor=request.user, shipment=self.get_object(), results=results))

    @extend_schema(request=None, responses=InboundStockedSerializer)
    @action(detail=True, methods=["post"])
    def stock(self, request, pk=None):
        shipment = inbound_stock(actor=request.user, shipment=self.get_object())
        shipment = inbound_get(user=request.user, pk=shipment.pk)
        check = storage_allotment_check(company=shipment.company, warehouse=shipment.warehouse)
        result = {
            "shipment": shipment,
            "storage": {"used_m3": check.used_m3, "allotted_m3": check.allotted_m3, "exceeded": check.exceeded},
            "warnings": [{"code": code, "detail": detail} for code, detail in check.warnings()],
        }
        return Response(InboundStockedSerializer(result).data)

    @extend_schema(request=None, responses=InboundShipmentSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._respond(inbound_cancel(actor=request.user, shipment=self.get_object()))


@extend_schema(tags=["logistics"])
class StorageAllotmentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Storage space rented per warehouse (60, 120 or 240 m3) and the m3 the company's stock
    (on hand and quarantined) takes up there: SME staff see their own, operators all."""

    required_scopes = scopes_for("stock")  # for API keys

    serializer_class = StorageAllotmentSerializer
    filterset_fields = ["company", "warehouse"]

    def get_queryset(self):
        return storage_allotment_list(user=self.request.user)

"""The operators' door to physical returns: the goods' journey to the returns centre of the
buyer's zone, their receipt, inspection and disposition. The buyer-facing `returns/` paths
belong to marketplace (the return request); these work on the goods."""

from django.db.models import Prefetch
from django.http import HttpResponse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response

from core.api.fields import ID_PATTERN, MAX_ID, StrictSerializer
from core.api.permissions import OPERATOR_ONLY, scopes_for
from logistics.models import PhysicalReturn, PhysicalReturnEvent, PhysicalReturnLine
from logistics.services import (
    physical_return_inspect,
    physical_return_label,
    physical_return_mark_in_transit,
    physical_return_receive,
    physical_return_resolve,
)

# --- serializers ------------------------------------------------------------------------------


class PhysicalReturnLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="variant.sku")
    grades = serializers.DictField(child=serializers.IntegerField(), help_text='Units per grade: {"A": 2, "B": 1}.')
    # Blank until the line is resolved: the schema must allow "" beside the choices.
    disposition = serializers.ChoiceField(
        choices=PhysicalReturnLine.Disposition.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = PhysicalReturnLine
        fields = [
            "id",
            "variant",
            "sku",
            "quantity_expected",
            "quantity_received",
            "quantity_damaged",
            "grades",
            "disposition",
        ]
        read_only_fields = fields


class PhysicalReturnEventSerializer(serializers.ModelSerializer):
    actor = serializers.EmailField(source="actor.email", allow_null=True, default=None)

    class Meta:
        model = PhysicalReturnEvent
        fields = ["id", "kind", "actor", "note", "created_at"]
        read_only_fields = fields


class PhysicalReturnSerializer(serializers.ModelSerializer):
    returns_centre = serializers.CharField(source="returns_centre.code")
    lines = PhysicalReturnLineSerializer(many=True)
    events = PhysicalReturnEventSerializer(many=True)

    class Meta:
        model = PhysicalReturn
        fields = [
            "id",
            "reference",
            "returns_centre",
            "status",
            "carrier",
            "tracking_number",
            "label_url",
            "created_at",
            "received_at",
            "inspected_at",
            "resolved_at",
            "lines",
            "events",
        ]
        read_only_fields = fields


class NoteSerializer(StrictSerializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ReceiveLineSerializer(StrictSerializer):
    line = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    quantity_received = serializers.IntegerField(min_value=0, max_value=1_000_000)
    quantity_damaged = serializers.IntegerField(min_value=0, max_value=1_000_000)


class ReceiveSerializer(NoteSerializer):
    lines = ReceiveLineSerializer(many=True, min_length=1, max_length=100)


class GradesSerializer(StrictSerializer):
    A = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
    B = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
    C = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)


class InspectLineSerializer(StrictSerializer):
    line = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    grades = GradesSerializer(help_text="Units per grade, adding up to the units received.")


class InspectSerializer(NoteSerializer):
    lines = InspectLineSerializer(many=True, min_length=1, max_length=100)


class ResolveLineSerializer(StrictSerializer):
    line = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    disposition = serializers.ChoiceField(choices=PhysicalReturnLine.Disposition.choices)


class ResolveSerializer(NoteSerializer):
    lines = ResolveLineSerializer(many=True, min_length=1, max_length=100)


# --- views ------------------------------------------------------------------------------------


class IgnoreAcceptHeader(BaseContentNegotiation):
    """The label answers a PDF whatever Accept asks for, and its errors in JSON."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _returns():
    return (
        PhysicalReturn.objects.select_related("returns_centre")
        .prefetch_related(
            Prefetch("lines", queryset=PhysicalReturnLine.objects.select_related("variant").order_by("pk")),
            Prefetch("events", queryset=PhysicalReturnEvent.objects.select_related("actor").order_by("pk")),
        )
        .order_by("-pk")
    )


class PhysicalReturnFilter(filters.FilterSet):
    returns_centre = filters.CharFilter(field_name="returns_centre__code", label="Returns centre code")

    class Meta:
        model = PhysicalReturn
        fields = ["status", "returns_centre", "reference"]


@extend_schema(tags=["logistics"])
class PhysicalReturnViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Returned goods on their way to, and inside, the returns centre of the buyer's zone."""

    required_scopes = scopes_for("orders")  # for API keys

    serializer_class = PhysicalReturnSerializer
    permission_classes = OPERATOR_ONLY
    lookup_value_regex = ID_PATTERN
    filterset_class = PhysicalReturnFilter
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return _returns()

    def _respond(self, physical_return):
        return Response(PhysicalReturnSerializer(_returns().get(pk=physical_return.pk)).data)

    @extend_schema(request=NoteSerializer, responses=PhysicalReturnSerializer)
    @action(detail=True, methods=["post"], url_path="in-transit")
    def in_transit(self, request, pk=None):
        physical_return = self.get_object()
        body = NoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._respond(
            physical_return_mark_in_transit(physical_return=physical_return, actor=request.user, **body.validated_data)
        )

    @extend_schema(request=ReceiveSerializer, responses=PhysicalReturnSerializer)
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        physical_return = self.get_object()
        body = ReceiveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._respond(
            physical_return_receive(physical_return=physical_return, actor=request.user, **body.validated_data)
        )

    @extend_schema(request=InspectSerializer, responses=PhysicalReturnSerializer)
    @action(detail=True, methods=["post"])
    def inspect(self, request, pk=None):
        physical_return = self.get_object()
        body = InspectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._respond(
            physical_return_inspect(physical_return=physical_return, actor=request.user, **body.validated_data)
        )

    @extend_schema(request=ResolveSerializer, responses=PhysicalReturnSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        physical_return = self.get_object()
        body = ResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._respond(
            physical_return_resolve(physical_return=physical_return, actor=request.user, **body.validated_data)
        )

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], content_negotiation_class=IgnoreAcceptHeader)
    def label(self, request, pk=None):
        physical_return = self.get_object()
        response = HttpResponse(physical_return_label(physical_return=physical_return), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="return-{physical_return.pk}-label.pdf"'
        return response

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.fields import MAX_ID, StrictSerializer
from marketplace.api.order_serializers import ExchangeSerializer, RefundSerializer
from marketplace.models import ReturnRequest


class ReturnCreateSerializer(StrictSerializer):
    order_line = serializers.IntegerField(min_value=1)
    quantity = serializers.IntegerField(min_value=1, max_value=10000)
    reason = serializers.ChoiceField(choices=ReturnRequest.Reason.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    resolution = serializers.ChoiceField(
        choices=ReturnRequest.Resolution.choices,
        required=False,
        default=ReturnRequest.Resolution.REFUND,
        help_text="exchange: a replacement instead of a refund, once the goods pass inspection.",
    )
    replacement_variant = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text="For an exchange: a variant of the same product (or the same one), on sale and in stock.",
    )


class ReturnSerializer(serializers.ModelSerializer):
    order = serializers.CharField(source="order_line.order.number")
    sku = serializers.CharField(source="order_line.sku")
    refund = RefundSerializer(allow_null=True)
    exchange = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()

    class Meta:
        model = ReturnRequest
        fields = [
            "id",
            "order",
            "order_line",
            "sku",
            "quantity",
            "reason",
            "resolution",
            "note",
            "status",
            "refund",
            "exchange",
            "events",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ExchangeSerializer(allow_null=True))
    def get_exchange(self, request) -> dict | None:
        exchange = getattr(request, "exchange", None)  # the reverse one-to-one is absent for a refund
        return None if exchange is None else ExchangeSerializer(exchange, context=self.context).data

    def get_events(self, request) -> list[dict]:
        return [{"kind": e.kind, "note": e.note, "created_at": e.created_at} for e in request.events.all()]

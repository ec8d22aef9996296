"""The HTTP door to duty drawback: operators file claims for DDP goods re-exported or destroyed
after a return, and track them to the refund; SME staff read the claims that credit them."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.fields import ID_PATTERN, MAX_ID, MoneyField, StrictSerializer
from core.api.permissions import scopes_for
from core.errors import InvalidInput
from core.money import Money
from core.permissions import require_operator
from logistics.models import CustomsDeclaration, DrawbackClaim
from logistics.selectors import drawback_claim_get, drawback_claim_list
from logistics.services.drawback import (
    drawback_claim_file,
    drawback_claim_refund,
    drawback_claim_reject,
    drawback_claim_submit,
)


class DrawbackClaimSerializer(serializers.ModelSerializer):
    duty_paid = MoneyField(amount="duty_paid")
    tax_paid = MoneyField(amount="tax_paid")
    refundable = MoneyField(amount="refundable")
    refunded = serializers.SerializerMethodField()
    document = serializers.SerializerMethodField()

    class Meta:
        model = DrawbackClaim
        fields = [
            "id",
            "declaration",
            "rule",
            "disposition",
            "reference",
            "lines",
            "duty_paid",
            "tax_paid",
            "refundable",
            "refunded",
            "credited_company",
            "status",
            "customs_reference",
            "note",
            "document",
            "filed_at",
            "submitted_at",
            "decided_at",
        ]
        read_only_fields = fields

    @extend_schema_field(MoneyField(allow_null=True))
    def get_refunded(self, claim) -> dict | None:
        return None if claim.refunded is None else Money(claim.refunded, claim.currency).as_dict()

    def get_document(self, claim) -> str | None:
        return claim.document.url if claim.document else None


class ClaimLineSerializer(StrictSerializer):
    line = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)


class DrawbackFileSerializer(StrictSerializer):
    declaration = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    disposition = serializers.ChoiceField(choices=DrawbackClaim.Disposition.choices)
    reference = serializers.CharField(max_length=100)
    lines = ClaimLineSerializer(many=True, allow_empty=False, max_length=500)


class SubmitSerializer(StrictSerializer):
    customs_reference = serializers.CharField(max_length=100)


class RefundSerializer(StrictSerializer):
    amount = MoneyField()


class DrawbackRejectSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=2000)


@extend_schema(tags=["logistics"])
class DrawbackClaimViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Duty drawback claims filed -> submitted -> refunded | rejected."""

    required_scopes = scopes_for("orders")  # for API keys
    serializer_class = DrawbackClaimSerializer
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["status", "declaration"]

    def get_queryset(self):
        return drawback_claim_list(user=self.request.user)

    def get_object(self):
        return drawback_claim_get(user=self.request.user, pk=self.kwargs["pk"])

    def _respond(self, claim, code=status.HTTP_200_OK):
        return Response(DrawbackClaimSerializer(drawback_claim_get(user=self.request.user, pk=claim.pk)).data, code)

    def _body(self, serializer_class):
        body = serializer_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data

    @extend_schema(request=DrawbackFileSerializer, responses={201: DrawbackClaimSerializer})
    def create(self, request):
        data = self._body(DrawbackFileSerializer)
        require_operator(request.user, "files duty drawback claims")
        declaration = CustomsDeclaration.objects.filter(pk=data.pop("declaration")).first()
        if declaration is None:
            raise InvalidInput("No customs declaration has this id.", attr="declaration")
        lines = [dict(line) for line in data.pop("lines")]
        claim = drawback_claim_file(actor=request.user, declaration=declaration, lines=lines, **data)
        return self._respond(claim, status.HTTP_201_CREATED)

    @extend_schema(request=SubmitSerializer, responses=DrawbackClaimSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        claim = self.get_object()
        return self._respond(drawback_claim_submit(actor=request.user, claim=claim, **self._body(SubmitSerializer)))

    @extend_schema(request=RefundSerializer, responses=DrawbackClaimSerializer)
    @action(detail=True, methods=["post"])
    def refund(self, request, pk=None):
        claim = self.get_object()
        return self._respond(drawback_claim_refund(actor=request.user, claim=claim, **self._body(RefundSerializer)))

    @extend_schema(request=DrawbackRejectSerializer, responses=DrawbackClaimSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        claim = self.get_object()
        return self._respond(
            drawback_claim_reject(actor=request.user, claim=claim, **self._body(DrawbackRejectSerializer))
        )

"""The HTTP door to duty reconciliation: operators record carriers' and brokers' final duty bills
(one, or many from a CSV) and read the variance report; SME staff read the bills of goods their
company exported."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from core.api.fields import ID_PATTERN, MAX_ID, MoneyField, StrictSerializer
from core.api.parsers import JSONParser
from core.api.permissions import scopes_for
from core.errors import InvalidInput
from core.permissions import require_operator
from logistics.models import CustomsDeclaration, DutyBill
from logistics.selectors import duty_bill_list
from logistics.services.reconciliation import duty_bill_record, duty_bills_import, duty_variance_report

MAX_CSV_BYTES = 2 * 1024 * 1024


class DutyBillSerializer(serializers.ModelSerializer):
    duty_billed = MoneyField(amount="duty_billed")
    tax_billed = MoneyField(amount="tax_billed")
    duty_estimated = MoneyField(amount="duty_estimated")
    tax_estimated = MoneyField(amount="tax_estimated")
    difference = MoneyField(amount="difference", allow_negative=True)
    destination = serializers.CharField(source="declaration.destination_country", read_only=True)
    incoterm = serializers.CharField(source="declaration.incoterm", read_only=True)

    class Meta:
        model = DutyBill
        fields = [
            "id",
            "declaration",
            "destination",
            "incoterm",
            "billed_by",
            "reference",
            "duty_billed",
            "tax_billed",
            "duty_estimated",
            "tax_estimated",
            "difference",
            "responsible_party",
            "responsible_company",
            "recorded_at",
        ]
        read_only_fields = fields


class DutyBillCreateSerializer(StrictSerializer):
    declaration = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    billed_by = serializers.CharField(max_length=100)
    reference = serializers.CharField(max_length=60)
    duty = MoneyField()
    tax = MoneyField()


class DutyBillImportSerializer(StrictSerializer):
    file = serializers.FileField(help_text="CSV: declaration, billed_by, reference, currency, duty, tax.")


class VarianceRowSerializer(serializers.Serializer):
    destination = serializers.CharField()
    hs_chapter = serializers.CharField()
    bills = serializers.IntegerField()
    estimated = MoneyField()
    billed = MoneyField()
    difference = MoneyField(allow_negative=True)


@extend_schema(tags=["logistics"])
class DutyBillViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Final duty and tax bills per declaration against the frozen estimate, the difference
    booked to the seller (DDP) or the buyer (DAP)."""

    required_scopes = scopes_for("orders")  # for API keys
    serializer_class = DutyBillSerializer
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["responsible_party", "declaration__destination_country"]
    parser_classes = [JSONParser, MultiPartParser]

    def get_queryset(self):
        return duty_bill_list(user=self.request.user)

    @extend_schema(request=DutyBillCreateSerializer, responses={201: DutyBillSerializer})
    def create(self, request):
        body = DutyBillCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        require_operator(request.user, "records carriers' and brokers' duty bills")
        declaration = CustomsDeclaration.objects.filter(pk=data.pop("declaration")).first()
        if declaration is None:
            raise InvalidInput("No customs declaration has this id.", attr="declaration")
        bill = duty_bill_record(actor=request.user, declaration=declaration, **data)
        return Response(DutyBillSerializer(bill).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": DutyBillImportSerializer}, responses={201: DutyBillSerializer(many=True)}
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[MultiPartParser],
        filter_backends=[],  # an upload, not a list: no filters (and none in its schema)
    )
    def import_csv(self, request):
        body = DutyBillImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise InvalidInput("At most 2 MB per file.", attr="file")
        bills = duty_bills_import(actor=request.user, data=upload.read())
        return Response(DutyBillSerializer(bills, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("destination", str, description="ISO 3166 code; all by default.")],
        responses=VarianceRowSerializer(many=True),
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="variance-report",
        url_name="variance-report",
        pagination_class=None,  # a report, whole: its rows are destinations and HS chapters
        filter_backends=[],
    )
    def variance_report(self, request):
        """Estimated against billed duty and tax by destination and HS chapter (operators)."""
        require_operator(request.user, "reads the duty variance report")
        bills = DutyBill.objects.select_related("declaration").prefetch_related("declaration__lines")
        destination = request.query_params.get("destination")
        if destination:
            bills = bills.filter(declaration__destination_country=destination.upper()[:2])
        return Response(VarianceRowSerializer(duty_variance_report(bills=bills.order_by("pk")), many=True).data)

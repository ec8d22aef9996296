"""The HTTP door to customs: export consignments (operators, and a brand's lead for the brand's
consolidated ones), their customs declarations (operators record customs' decisions; SME staff
read those of goods they export or made), and duty estimates for any user."""

from django_countries.serializer_fields import CountryField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from brands.models import Brand, Company
from core.api.fields import ID_PATTERN, MAX_ID, MoneyField, StrictSerializer
from core.errors import InvalidInput
from core.money import Money, currency_codes
from logistics.models import Consignment, ConsignmentLine, CustomsDeclaration, DeclarationLine, Warehouse
from logistics.selectors import consignment_get, consignment_list, customs_declaration_get, customs_declaration_list
from logistics.services.customs import (
    consignment_cancel,
    consignment_create,
    consignment_dispatch,
    declaration_clear,
    declaration_create,
    declaration_hold,
    declaration_release,
    declaration_submit,
)
from logistics.services.duties import MAX_LINES, MAX_UNITS, GoodsLine, duties_estimate, restricted_goods_check

DECLARATION_STATUSES = ", ".join(CustomsDeclaration.Status.values)
CONSIGNMENT_STATUSES = ", ".join(Consignment.Status.values)


def _document_url(request, file) -> str | None:
    """The stored document's URL (a signed S3 URL in production), absolute for local media."""
    if not file:
        return None
    url = file.url
    return request.build_absolute_uri(url) if request is not None and url.startswith("/") else url


# --- serializers ------------------------------------------------------------------------------


class DocumentsSerializer(serializers.Serializer):
    commercial_invoice = serializers.URLField(allow_null=True, help_text="PDF, rendered on submission.")
    cn23 = serializers.URLField(allow_null=True, help_text="CN23-style customs declaration, PDF.")


class DeclarationLineSerializer(serializers.ModelSerializer):
    origin_country = serializers.CharField(help_text="ISO 3166 code; empty when unknown.")
    manufacturer_name = serializers.CharField(source="manufacturer.legal_name")
    unit_value = serializers.SerializerMethodField()

    class Meta:
        model = DeclarationLine
        fields = [
            "id",
            "description",
            "hs_code",
            "origin_country",
            "manufacturer",
            "manufacturer_name",
            "quantity",
            "unit_value",
            "net_weight_kg",
            "gross_weight_kg",
            "duty_rate",
        ]
        read_only_fields = fields

    @extend_schema_field(MoneyField(allow_null=True))
    def get_unit_value(self, line) -> dict | None:
        if line.unit_value is None:
            return None
        return Money(line.unit_value, line.declaration.currency).as_dict()


class CustomsDeclarationSerializer(serializers.ModelSerializer):
    status = serializers.CharField(help_text=f"One of: {DECLARATION_STATUSES}.")
    destination_country = serializers.CharField(help_text="ISO 3166 code.")
    goods_value = serializers.SerializerMethodField()
    duty = serializers.SerializerMethodField()
    tax = serializers.SerializerMethodField()
    rule_versions = serializers.JSONField(
        help_text="The tax rule and each line's duty rule (ids, valid_from and figures) the estimate used."
    )
    documents = serializers.SerializerMethodField()
    lines = DeclarationLineSerializer(many=True)

    class Meta:
        model = CustomsDeclaration
        fields = [
            "id",
            "consignment",
            "shipment",
            "exporter",
            "exporter_name",
            "importer_name",
            "importer_address",
            "destination_country",
            "incoterm",
            "currency",
            "status",
            "hold_reason",
            "goods_value",
            "duty",
            "tax",
            "rule_versions",
            "documents",
            "lines",
            "created_at",
            "submitted_at",
            "decided_at",
        ]
        read_only_fields = fields

    @extend_schema_field(MoneyField())
    def get_goods_value(self, declaration) -> dict:
        return Money(declaration.goods_value, declaration.currency).as_dict()

    @extend_schema_field(MoneyField())
    def get_duty(self, declaration) -> dict:
        return Money(declaration.duty_amount, declaration.currency).as_dict()

    @extend_schema_field(MoneyField())
    def get_tax(self, declaration) -> dict:
        return Money(declaration.tax_amount, declaration.currency).as_dict()

    @extend_schema_field(DocumentsSerializer)
    def get_documents(self, declaration) -> dict:
        request = self.context.get("request")
        return {
            "commercial_invoice": _document_url(request, declaration.commercial_invoice),
            "cn23": _document_url(request, declaration.cn23),
        }


class HoldSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=2000, help_text="Why customs hold the goods.")


class ConsignmentLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="variant.sku")
    manufacturer_name = serializers.CharField(source="manufacturer.legal_name")
    unit_value = serializers.SerializerMethodField()

    class Meta:
        model = ConsignmentLine
        fields = ["id", "variant", "sku", "manufacturer", "manufacturer_name", "quantity", "unit_value"]
        read_only_fields = fields

    @extend_schema_field(MoneyField())
    def get_unit_value(self, line) -> dict:
        return Money(line.unit_value, line.currency).as_dict()


class ConsignmentShipmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    carrier = serializers.CharField()
    service = serializers.CharField()
    tracking_number = serializers.CharField()
    shipped_at = serializers.DateTimeField()


class ConsignmentSerializer(serializers.ModelSerializer):
    warehouse_code = serializers.CharField(source="warehouse.code")
    destination_country = serializers.CharField(help_text="ISO 3166 code.")
    status = serializers.CharField(help_text=f"One of: {CONSIGNMENT_STATUSES}.")
    declaration = serializers.SerializerMethodField()
    lines = ConsignmentLineSerializer(many=True)
    shipments = ConsignmentShipmentSerializer(many=True)

    class Meta:
        model = Consignment
        fields = [
            "id",
            "reference",
            "brand",
            "exporter",
            "warehouse",
            "warehouse_code",
            "destination_country",
            "importer_name",
            "importer_address",
            "incoterm",
            "status",
            "declaration",
            "lines",
            "shipments",
            "created_at",
            "dispatched_at",
        ]
        read_only_fields = fields

    def get_declaration(self, consignment) -> int | None:
        declaration = getattr(consignment, "declaration", None)
        return declaration.pk if declaration is not None else None


class ConsignmentLineWriteSerializer(StrictSerializer):
    variant = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_UNITS)
    unit_value = MoneyField(help_text="The value of one unit; every line in one currency.")


class ConsignmentCreateSerializer(StrictSerializer):
    brand = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        default=None,
        help_text="For a consolidated brand consignment: its lead company exports the members' goods.",
    )
    exporter = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        default=None,
        help_text="The exporting company (required without a brand).",
    )
    warehouse = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="Where the goods leave from.")
    destination_country = CountryField()
    importer_name = serializers.CharField(max_length=200)
    importer_address = serializers.CharField(max_length=2000)
    incoterm = serializers.ChoiceField(choices=Consignment.Incoterm.choices)
    lines = ConsignmentLineWriteSerializer(many=True, min_length=1, max_length=MAX_LINES)


class DispatchSerializer(StrictSerializer):
    carrier = serializers.CharField(max_length=50)
    tracking_number = serializers.CharField(max_length=60)
    service = serializers.CharField(max_length=30, required=False, default="freight")


# --- views ------------------------------------------------------------------------------------


@extend_schema(tags=["logistics"])
class CustomsDeclarationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Customs declarations draft -> submitted -> cleared | held -> released. Operators submit
    (documents are rendered then) and record customs' decisions; SME staff read the
    declarations of goods their company exports or made; others get a 404."""

    serializer_class = CustomsDeclarationSerializer
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["status", "destination_country", "consignment"]
    ordering_fields = ["created_at", "submitted_at"]

    def get_queryset(self):
        return customs_declaration_list(user=self.request.user)

    def get_object(self):
        return customs_declaration_get(user=self.request.user, pk=self.kwargs["pk"])

    def _respond(self, declaration, code=status.HTTP_200_OK):
        declaration = customs_declaration_get(user=self.request.user, pk=declaration.pk)
        return Response(CustomsDeclarationSerializer(declaration, context={"request": self.request}).data, status=code)

    @extend_schema(request=None, responses=CustomsDeclarationSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._respond(declaration_submit(declaration=self.get_object(), actor=request.user))

    @extend_schema(request=None, responses=CustomsDeclarationSerializer)
    @action(detail=True, methods=["post"])
    def clear(self, request, pk=None):
        return self._respond(declaration_clear(declaration=self.get_object(), actor=request.user))

    @extend_schema(request=HoldSerializer, responses=CustomsDeclarationSerializer)
    @action(detail=True, methods=["post"])
    def hold(self, request, pk=None):
        declaration = self.get_object()
        body = HoldSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._respond(declaration_hold(declaration=declaration, actor=request.user, **body.validated_data))

    @extend_schema(request=None, responses=CustomsDeclarationSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        return self._respond(declaration_release(declaration=self.get_object(), actor=request.user))


@extend_schema(tags=["logistics"])
class ConsignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Export consignments leaving a warehouse, their stock reserved under `consignment:<id>`.
    Operators create any; a brand's lead company owners create the brand's consolidated ones,
    carrying goods of its active member companies, each line keeping its manufacturer. SME
    staff read those their company exports or made goods on."""

    serializer_class = ConsignmentSerializer
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["status", "brand", "destination_country"]
    ordering_fields = ["created_at"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return consignment_list(user=self.request.user).select_related("declaration")

    def get_object(self):
        return consignment_get(user=self.request.user, pk=self.kwargs["pk"])

    def _respond(self, consignment, code=status.HTTP_200_OK):
        consignment = self.get_queryset().get(pk=consignment.pk)
        return Response(ConsignmentSerializer(consignment).data, status=code)

    @extend_schema(request=ConsignmentCreateSerializer, responses={201: ConsignmentSerializer})
    def create(self, request):
        body = ConsignmentCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        brand = exporter = None
        if data["brand"] is not None:
            brand = Brand.objects.select_related("lead_company").filter(pk=data["brand"]).first()
            if brand is None:
                raise InvalidInput("No brand has this id.", attr="brand")
        if data["exporter"] is not None:
            exporter = Company.objects.filter(pk=data["exporter"]).first()
            if exporter is None:
                raise InvalidInput("No company has this id.", attr="exporter")
        warehouse = Warehouse.objects.filter(pk=data["warehouse"]).first()
        if warehouse is None:
            raise InvalidInput("No warehouse has this id.", attr="warehouse")
        consignment = consignment_create(
            actor=request.user,
            exporter=exporter,
            brand=brand,
            warehouse=warehouse,
            destination_country=data["destination_country"],
            importer_name=data["importer_name"],
            importer_address=data["importer_address"],
            incoterm=data["incoterm"],
            lines=[
                {
                    "variant": line["variant"],
                    "quantity": line["quantity"],
                    "unit_value": line["unit_value"].amount,
                    "currency": line["unit_value"].currency,
                }
                for line in data["lines"]
            ],
        )
        return self._respond(consignment, status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={201: CustomsDeclarationSerializer, 200: CustomsDeclarationSerializer},
        description="Creates the consignment's customs declaration (201), or rebuilds its draft from the "
        "current listings data (200).",
    )
    @action(detail=True, methods=["post"])
    def declare(self, request, pk=None):
        declaration, created = declaration_create(consignment=self.get_object(), actor=request.user)
        declaration = customs_declaration_get(user=request.user, pk=declaration.pk)
        return Response(
            CustomsDeclarationSerializer(declaration, context={"request": request}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    # Named dispatch_consignment: `dispatch` is the method every Django view routes requests through.
    @extend_schema(request=DispatchSerializer, responses={201: ConsignmentSerializer})
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch")
    def dispatch_consignment(self, request, pk=None):
        consignment = self.get_object()
        body = DispatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        consignment_dispatch(consignment=consignment, actor=request.user, **body.validated_data)
        return self._respond(consignment, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ConsignmentSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._respond(consignment_cancel(consignment=self.get_object(), actor=request.user))


# --- duty estimates ---------------------------------------------------------------------------


class DutyEstimateQuerySerializer(serializers.Serializer):
    destination = CountryField()
    currency = serializers.CharField(max_length=3)
    hs_code = serializers.ListField(
        child=serializers.RegexField(r"^[0-9]{2,10}$", max_length=10), min_length=1, max_length=50
    )
    value = serializers.ListField(
        child=serializers.DecimalField(max_digits=14, decimal_places=4, min_value=0), min_length=1, max_length=50
    )
    quantity = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_UNITS), required=False, max_length=50
    )
    origin = serializers.ListField(child=CountryField(), required=False, max_length=50)
    on = serializers.DateField(required=False)

    def validate_currency(self, value):
        if value not in currency_codes():
            raise serializers.ValidationError("An ISO 4217 currency code.", code="invalid_currency")
        return value


class EstimateLineSerializer(serializers.Serializer):
    hs_code = serializers.CharField()
    origin = serializers.CharField()
    quantity = serializers.IntegerField()
    value = MoneyField(help_text="The line's value (unit value x quantity).")
    duty_rate = serializers.DecimalField(max_digits=6, decimal_places=4)
    duty = MoneyField()
    duty_rule = serializers.IntegerField(help_text="The DutyRule row used.")
    hs_prefix = serializers.CharField(help_text="Its HS prefix ('' is the default rate).")
    valid_from = serializers.DateField()


class RestrictionSerializer(serializers.Serializer):
    hs_code = serializers.CharField()
    restriction = serializers.CharField(help_text="prohibited or licence")
    reason = serializers.CharField()


class DutyEstimateSerializer(serializers.Serializer):
    destination = serializers.CharField()
    on = serializers.DateField(help_text="The day whose rules (and exchange rates) were applied.")
    goods_value = MoneyField()
    duty = MoneyField()
    tax = MoneyField()
    total = MoneyField(help_text="Duty plus tax.")
    tax_name = serializers.CharField()
    tax_rate = serializers.DecimalField(max_digits=6, decimal_places=4)
    duty_de_minimis_applied = serializers.BooleanField()
    tax_de_minimis_applied = serializers.BooleanField()
    lines = EstimateLineSerializer(many=True)
    rule_versions = serializers.JSONField()
    restrictions = RestrictionSerializer(many=True, help_text="HS codes the destination prohibits or licenses.")


class DutyEstimateView(APIView):
    """Duty and import tax for goods entering a country, from the rules in force on a day (today
    by default): one line per hs_code, with its unit `value` in `currency` and its `quantity`
    (default 1), repeated for several lines. Also lists the HS codes the destination prohibits
    or licenses, so checkout and quotes can leave them out."""

    @extend_schema(
        parameters=[
            OpenApiParameter("destination", str, required=True, description="ISO 3166 country code, e.g. JP"),
            OpenApiParameter("currency", str, required=True, description="ISO 4217; values and results in it"),
            OpenApiParameter("hs_code", str, many=True, required=True, description="Repeat for several lines."),
            OpenApiParameter("value", OpenApiTypes.DECIMAL, many=True, required=True, description="Unit value."),
            OpenApiParameter("quantity", OpenApiTypes.INT, many=True, description="Per line, in order; default 1."),
            OpenApiParameter("origin", str, many=True, description="Country of origin per line, in order."),
            OpenApiParameter("on", OpenApiTypes.DATE, description="Apply the rules of this day; default today."),
        ],
        responses=DutyEstimateSerializer,
        tags=["logistics"],
    )
    def get(self, request):
        query = DutyEstimateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        codes, values = data["hs_code"], data["value"]
        quantities = data.get("quantity") or [1] * len(codes)
        origins = data.get("origin") or [""] * len(codes)
        for name, given in (("value", values), ("quantity", quantities), ("origin", origins)):
            if len(given) != len(codes):
                raise InvalidInput(f"Give one {name} per hs_code.", attr=name)
        currency = data["currency"]
        lines = [
            GoodsLine(hs_code=code, origin_country=origin, quantity=quantity, unit_value=Money(value, currency))
            for code, value, quantity, origin in zip(codes, values, quantities, origins, strict=True)
        ]
        destination = data["destination"]
        estimate = duties_estimate(destination_country=destination, lines=lines, currency=currency, on=data.get("on"))
        result = {
            "destination": estimate.destination_country,
            "on": estimate.on,
            "goods_value": estimate.goods_value,
            "duty": estimate.duty,
            "tax": estimate.tax,
            "total": estimate.total,
            "tax_name": estimate.tax_name,
            "tax_rate": estimate.tax_rate,
            "duty_de_minimis_applied": estimate.duty_de_minimis_applied,
            "tax_de_minimis_applied": estimate.tax_de_minimis_applied,
            "lines": [
                {
                    "hs_code": priced.hs_code,
                    "origin": goods.origin_country,
                    "quantity": goods.quantity,
                    "value": priced.value,
                    "duty_rate": priced.duty_rate,
                    "duty": priced.duty,
                    "duty_rule": priced.duty_rule_id,
                    "hs_prefix": priced.hs_prefix,
                    "valid_from": priced.valid_from,
                }
                for goods, priced in zip(lines, estimate.lines, strict=True)
            ],
            "rule_versions": estimate.rule_versions,
            "restrictions": [
                found._asdict() for found in restricted_goods_check(destination_country=destination, hs_codes=codes)
            ],
        }
        return Response(DutyEstimateSerializer(result).data)

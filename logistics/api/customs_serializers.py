"""Serializers of the customs door: consignments, their customs declarations (with the URLs of
their rendered documents) and duty estimates."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.fields import MAX_ID, CountryField, MoneyField, StrictSerializer
from core.api.query import QuerySerializer
from core.money import Money, currency_codes
from logistics.models import Consignment, ConsignmentLine, CustomsDeclaration, DeclarationLine
from logistics.services.duties import MAX_LINES, MAX_UNITS

DECLARATION_STATUSES = ", ".join(CustomsDeclaration.Status.values)
CONSIGNMENT_STATUSES = ", ".join(Consignment.Status.values)


def _document_url(request, file) -> str | None:
    """The stored document's URL (a signed S3 URL in production), absolute for local media."""
    if not file:
        return None
    url = file.url
    return request.build_absolute_uri(url) if request is not None and url.startswith("/") else url


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
            "mfn_rate",
            "agreement_code",
            "origin_statement",
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
            "consignee_name",
            "consignee_address",
            "destination_country",
            "incoterm",
            "currency",
            "status",
            "hold_reason",
            "goods_value",
            "duty",
            "tax",
            "tax_scheme",
            "tax_registration_number",
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
            "consignee_name",
            "consignee_address",
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
    importer_name = serializers.CharField(
        max_length=200, help_text="The importer of record, who is billed: the buyer's billing party."
    )
    importer_address = serializers.CharField(max_length=2000)
    consignee_name = serializers.CharField(
        max_length=200, required=False, default="", help_text="Ship to, when not the importer; empty: the importer."
    )
    consignee_address = serializers.CharField(max_length=2000, required=False, default="")
    incoterm = serializers.ChoiceField(choices=Consignment.Incoterm.choices)
    lines = ConsignmentLineWriteSerializer(many=True, min_length=1, max_length=MAX_LINES)


class DispatchSerializer(StrictSerializer):
    carrier = serializers.CharField(max_length=50)
    tracking_number = serializers.CharField(max_length=60)
    service = serializers.CharField(max_length=30, required=False, default="freight")


# --- duty estimates ---------------------------------------------------------------------------


class DutyEstimateQuerySerializer(QuerySerializer):
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

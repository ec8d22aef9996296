"""The HTTP door to customs: export consignments (operators, and a brand's lead for the brand's
consolidated ones), their customs declarations (operators record customs' decisions; SME staff
read those of goods they export or made), and duty estimates for any user."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from brands.models import Brand, Company
from core.api.fields import ID_PATTERN
from core.api.permissions import scopes_for
from core.errors import InvalidInput
from core.money import Money
from logistics.api.customs_serializers import (
    ConsignmentCreateSerializer,
    ConsignmentSerializer,
    CustomsDeclarationSerializer,
    DispatchSerializer,
    DutyEstimateQuerySerializer,
    DutyEstimateSerializer,
    HoldSerializer,
)
from logistics.models import Warehouse
from logistics.selectors import consignment_get, consignment_list, customs_declaration_get, customs_declaration_list
from logistics.services import (
    consignment_cancel,
    consignment_create,
    consignment_dispatch,
    declaration_clear,
    declaration_create,
    declaration_hold,
    declaration_release,
    declaration_submit,
)
from logistics.services.duties import GoodsLine, duties_estimate, restricted_goods_check


@extend_schema(tags=["logistics"])
class CustomsDeclarationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Customs declarations draft -> submitted -> cleared | held -> released. Operators submit
    (documents are rendered then) and record customs' decisions; SME staff read the
    declarations of goods their company exports or made; others get a 404."""

    required_scopes = scopes_for("orders")  # for API keys

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

    required_scopes = scopes_for("orders")  # for API keys

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
            consignee_name=data["consignee_name"],
            consignee_address=data["consignee_address"],
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


class DutyEstimateView(APIView):
    """Duty and import tax for goods entering a country, from the rules in force on a day (today
    by default): one line per hs_code, with its unit `value` in `currency` and its `quantity`
    (default 1), repeated for several lines. Also lists the HS codes the destination prohibits
    or licenses, so checkout and quotes can leave them out."""

    required_scopes = scopes_for("orders")  # for API keys

    @extend_schema(
        parameters=[
            OpenApiParameter("destination", str, required=True, description="ISO 3166 country code, e.g. JP"),
            OpenApiParameter("currency", str, required=True, description="ISO 4217; values and results in it"),
            OpenApiParameter("hs_code", str, many=True, required=True, description="Repeat for several lines."),
            OpenApiParameter(
                "value", OpenApiTypes.STR, many=True, required=True, description="Unit value, a decimal (12.50)."
            ),
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
                found._asdict()
                for found in restricted_goods_check(destination_country=destination, hs_codes=codes, on=estimate.on)
            ],
        }
        return Response(DutyEstimateSerializer(result).data)

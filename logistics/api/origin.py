"""The HTTP door to FTA origin: agreements (any user reads them), and origin qualifications that
SME staff declare for their products with a supporting document and operators verify or reject."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from brands.selectors import user_company_ids
from core.api.fields import ID_PATTERN, MAX_ID, StrictSerializer
from core.api.parsers import JSONParser
from core.api.permissions import scopes_for
from core.errors import InvalidInput
from listings.models import Product
from logistics.models import OriginQualification, TradeAgreement
from logistics.selectors import origin_qualification_get, origin_qualification_list
from logistics.services.origin import (
    origin_qualification_declare,
    origin_qualification_reject,
    origin_qualification_verify,
)


class TradeAgreementSerializer(serializers.ModelSerializer):
    class Meta:
        model = TradeAgreement
        fields = ["code", "name", "parties", "in_force_from", "rules_of_origin", "proof", "source"]
        read_only_fields = fields


class OriginQualificationSerializer(serializers.ModelSerializer):
    agreement = serializers.CharField(source="agreement.code", read_only=True)

    class Meta:
        model = OriginQualification
        fields = [
            "id",
            "product",
            "agreement",
            "criterion",
            "declaration",
            "supporting_document",
            "certificate_number",
            "exporter_authorisation",
            "valid_from",
            "valid_to",
            "status",
            "checked_at",
            "check_note",
            "created_at",
        ]
        read_only_fields = fields


class OriginDeclareSerializer(StrictSerializer):
    product = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    agreement = serializers.CharField(max_length=20, help_text="An agreement's code, e.g. KORUS.")
    criterion = serializers.ChoiceField(choices=OriginQualification.Criterion.choices)
    declaration = serializers.CharField(max_length=5000)
    supporting_document = serializers.FileField(max_length=200)
    certificate_number = serializers.CharField(max_length=60, required=False, default="", allow_blank=True)
    exporter_authorisation = serializers.CharField(max_length=60, required=False, default="", allow_blank=True)
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(required=False, allow_null=True, default=None)


class OriginRejectSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=2000)


@extend_schema(tags=["logistics"])
class TradeAgreementViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The FTAs the platform applies: parties, entry into force, rules of origin and the proof."""

    required_scopes = scopes_for("listings")  # for API keys
    serializer_class = TradeAgreementSerializer
    pagination_class = None

    def get_queryset(self):
        return TradeAgreement.objects.order_by("code")


@extend_schema(tags=["logistics"])
class OriginQualificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A product's origin under an FTA: its SME declares it (the criterion, a supporting document,
    the period), an operator verifies or rejects it; only verified ones lower duty estimates."""

    required_scopes = scopes_for("listings")  # for API keys
    serializer_class = OriginQualificationSerializer
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["status", "product", "agreement__code"]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):
        return origin_qualification_list(user=self.request.user)

    def get_object(self):
        return origin_qualification_get(user=self.request.user, pk=self.kwargs["pk"])

    def _respond(self, qualification, code=status.HTTP_200_OK):
        qualification = origin_qualification_get(user=self.request.user, pk=qualification.pk)
        return Response(OriginQualificationSerializer(qualification, context={"request": self.request}).data, code)

    @extend_schema(request={"multipart/form-data": OriginDeclareSerializer}, responses=OriginQualificationSerializer)
    def create(self, request):
        body = OriginDeclareSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        product = Product.objects.filter(pk=data.pop("product"), company_id__in=user_company_ids(request.user)).first()
        if product is None:
            raise InvalidInput("Pick a product of a company you work for.", attr="product")
        agreement = TradeAgreement.objects.filter(code=data.pop("agreement").upper()).first()
        if agreement is None:
            raise InvalidInput("No agreement has this code.", attr="agreement")
        qualification = origin_qualification_declare(actor=request.user, product=product, agreement=agreement, **data)
        return self._respond(qualification, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=OriginQualificationSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        return self._respond(origin_qualification_verify(actor=request.user, qualification=self.get_object()))

    @extend_schema(request=OriginRejectSerializer, responses=OriginQualificationSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        qualification = self.get_object()
        body = OriginRejectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._respond(
            origin_qualification_reject(actor=request.user, qualification=qualification, **body.validated_data)
        )

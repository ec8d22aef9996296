"""Seller onboarding over HTTP: thin doors onto brands.services.onboarding. SME owners apply for
their companies and upload documents (multipart); operators evaluate and decide."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from brands import services
from brands.models import SellerApplication, SellerApplicationEvent
from brands.selectors import company_get, seller_application_list
from brands.services.onboarding import ONBOARDING_CHECKLIST, TRAINING_MODULES, seller_onboarding_steps
from core.api.fields import ID_PATTERN, MAX_ID, StrictSerializer
from core.errors import InvalidInput, NotPermitted
from core.permissions import is_operator


class SellerDocumentsSerializer(StrictSerializer):
    registration_certificate = serializers.FileField(required=False, allow_empty_file=True)
    figures_document = serializers.FileField(required=False, allow_empty_file=True)


class SellerApplicationCreateSerializer(SellerDocumentsSerializer):
    company = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class SellerEvaluateSerializer(StrictSerializer):
    checklist = serializers.DictField(child=serializers.BooleanField(), allow_empty=True)
    notes = serializers.CharField(max_length=5000, required=False, default="", allow_blank=True)


class SellerDecisionSerializer(StrictSerializer):
    reasons = serializers.CharField(max_length=5000)


class SellerTrainingSerializer(StrictSerializer):
    module = serializers.ChoiceField(choices=list(TRAINING_MODULES))


class SellerEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = SellerApplicationEvent
        fields = ["kind", "from_status", "to_status", "note", "created_at"]
        read_only_fields = fields


class OnboardingStepSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    done = serializers.BooleanField()


class DocumentSerializer(serializers.Serializer):
    content_type = serializers.CharField()
    url = serializers.CharField(help_text="A signed link that expires.")


class SellerApplicationSerializer(serializers.ModelSerializer):
    registration_certificate = serializers.SerializerMethodField()
    figures_document = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField()
    checklist_items = serializers.SerializerMethodField()
    notes = serializers.SerializerMethodField(help_text="The operator's working notes; empty for SME staff.")
    events = SellerEventSerializer(many=True, read_only=True)

    class Meta:
        model = SellerApplication
        fields = [
            "id",
            "company",
            "status",
            "registration_certificate",
            "figures_document",
            "checklist",
            "checklist_items",
            "notes",
            "decision_reasons",
            "training_read",
            "steps",
            "created_at",
            "submitted_at",
            "decided_at",
            "events",
        ]
        read_only_fields = fields

    def _document(self, application, name) -> dict | None:
        document = getattr(application, name)
        if not document:
            return None
        return {"content_type": getattr(application, f"{name}_type"), "url": document.url}

    @extend_schema_field(DocumentSerializer(allow_null=True))
    def get_registration_certificate(self, application) -> dict | None:
        return self._document(application, "registration_certificate")

    @extend_schema_field(DocumentSerializer(allow_null=True))
    def get_figures_document(self, application) -> dict | None:
        return self._document(application, "figures_document")

    @extend_schema_field(OnboardingStepSerializer(many=True))
    def get_steps(self, application) -> list:
        return seller_onboarding_steps(application)

    def get_checklist_items(self, application) -> dict[str, str]:
        return ONBOARDING_CHECKLIST

    def get_notes(self, application) -> str:
        # The operator's working notes; the decision's reasons are what the SME reads.
        request = self.context.get("request")
        return application.notes if request is not None and is_operator(request.user) else ""


@extend_schema(tags=["onboarding"])
class SellerApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A company's application to sell: SME owners create and submit it with documents and record
    training; operators evaluate it with the checklist and approve or reject it with reasons."""

    serializer_class = SellerApplicationSerializer
    queryset = SellerApplication.objects.none()
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["status", "company"]

    def get_queryset(self):
        return seller_application_list(user=self.request.user)

    def _answer(self, application, code=status.HTTP_200_OK):
        application = self.get_queryset().get(pk=application.pk)
        return Response(self.get_serializer(application).data, status=code)

    @extend_schema(
        request={"multipart/form-data": SellerApplicationCreateSerializer}, responses={201: SellerApplicationSerializer}
    )
    def create(self, request):
        body = SellerApplicationCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        try:
            company = company_get(user=request.user, pk=data.pop("company"))
        except Http404:
            raise InvalidInput("No such company.", attr="company") from None
        application = services.seller_application_create(actor=request.user, company=company, **data)
        return self._answer(application, status.HTTP_201_CREATED)

    @extend_schema(request={"multipart/form-data": SellerDocumentsSerializer}, responses=SellerApplicationSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        body = SellerDocumentsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        application = services.seller_application_submit(
            actor=request.user, application=self.get_object(), **body.validated_data
        )
        return self._answer(application)

    @extend_schema(request=SellerTrainingSerializer, responses=SellerApplicationSerializer)
    @action(detail=True, methods=["post"])
    def training(self, request, pk=None):
        body = SellerTrainingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        application = services.seller_training_mark_read(
            actor=request.user, application=self.get_object(), **body.validated_data
        )
        return self._answer(application)

    def _operator_object(self):
        application = self.get_object()
        if not is_operator(self.request.user):
            raise NotPermitted("Only operators evaluate and decide seller applications.")
        return application

    @extend_schema(request=SellerEvaluateSerializer, responses=SellerApplicationSerializer)
    @action(detail=True, methods=["post"])
    def evaluate(self, request, pk=None):
        application = self._operator_object()
        body = SellerEvaluateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        application = services.seller_application_evaluate(
            actor=request.user, application=application, **body.validated_data
        )
        return self._answer(application)

    @extend_schema(request=SellerDecisionSerializer, responses=SellerApplicationSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, approve=True)

    @extend_schema(request=SellerDecisionSerializer, responses=SellerApplicationSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, approve=False)

    def _decide(self, request, *, approve: bool):
        application = self._operator_object()
        body = SellerDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        application = services.seller_application_decide(
            actor=request.user, application=application, approve=approve, **body.validated_data
        )
        return self._answer(application)

from django.db.models import Q
from django.http import Http404, StreamingHttpResponse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from brands.models import Brand, Company, MandateScope
from brands.selectors import company_get, company_list
from core.api.fields import ID_PATTERN, MAX_ID, StrictSerializer
from core.api.idempotency import idempotent
from core.api.permissions import scopes_for
from core.api.query import QuerySerializer
from core.api.serializers import JobSerializer
from core.errors import InvalidInput
from core.locales import request_locale
from listings import imports, services
from listings.api.media_serializers import MediaUploadSerializer
from listings.api.serializers import (
    CategorySerializer,
    HsSuggestionsSerializer,
    InspectionSerializer,
    InspectionWriteSerializer,
    MediaSerializer,
    ProductRevisionSerializer,
    ProductSerializer,
    ProductWriteSerializer,
    TransitionSerializer,
    product_payload,
)
from listings.media import product_media_add, product_media_delete
from listings.models import Product, ProductRevision
from listings.selectors import category_list, hs_code_suggestions, inspection_list, product_get, product_list

REVISION_ID = OpenApiParameter("revision_id", int, OpenApiParameter.PATH, description="The revision's id.")
LANG = OpenApiParameter("lang", str, description="Locale of `text` (ko, en, zh-hans, ja, es); else Accept-Language.")


class ProductCreateSerializer(ProductWriteSerializer):
    company = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class ProductFilter(filters.FilterSet):
    brand = filters.CharFilter(field_name="brand__slug")
    q = filters.CharFilter(method="search", label="SKU or title in any locale")

    class Meta:
        model = Product
        fields = ["status", "mode", "company", "category", "brand"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(variants__sku__iexact=value) | Q(translations__title__icontains=value)).distinct()


def _brand(slug):
    if slug is None:
        return None
    brand = Brand.objects.filter(slug=slug).first()
    if brand is None:
        raise InvalidInput("No brand has this slug.", attr="brand")
    return brand


@extend_schema(tags=["products"], parameters=[LANG])
class ProductViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """The caller's companies' products (and, for a brand's lead, the brand's products)."""

    required_scopes = scopes_for("listings")  # for API keys

    serializer_class = ProductSerializer
    lookup_value_regex = ID_PATTERN
    filterset_class = ProductFilter
    ordering_fields = ["created_at", "updated_at", "published_at"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return product_list(user=self.request.user)

    def get_object(self):
        return product_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "locale": request_locale(self.request)}

    def _respond(self, product, code=status.HTTP_200_OK):
        product = product_get(user=self.request.user, pk=product.pk)
        return Response(self.get_serializer(product).data, status=code)

    @extend_schema(request=ProductCreateSerializer, responses={201: ProductSerializer})
    def create(self, request):
        serializer = ProductCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        company = Company.objects.filter(pk=data.pop("company")).first()
        if company is None:
            raise InvalidInput("Pick a company you work for.", attr="company")
        product = services.product_create(
            actor=request.user, company=company, **product_payload(data, _brand(data.get("brand")))
        )
        return self._respond(product, status.HTTP_201_CREATED)

    @extend_schema(request=ProductWriteSerializer, responses=ProductSerializer)
    def partial_update(self, request, pk=None):
        # product_update locks and re-reads the row, and _respond reads the details afterwards.
        product = product_get(user=request.user, pk=pk, details=False)
        serializer = ProductWriteSerializer(product, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        product = services.product_update(
            actor=request.user, product=product, **product_payload(data, _brand(data.get("brand")))
        )
        return self._respond(product)

    def perform_destroy(self, product):
        services.product_delete(actor=self.request.user, product=product)

    @extend_schema(responses=HsSuggestionsSerializer)
    @action(detail=True, methods=["get"], url_path="hs-suggestions", url_name="hs-suggestions")
    def hs_suggestions(self, request, pk=None):
        """HS codes to consider, each with its reason (similar reviewed products of the category,
        the category's default chapter). Read-only: the product's code changes only when the SME
        saves one."""
        product = self.get_object()
        body = {"current": product.hs_code, "suggestions": hs_code_suggestions(product=product)}
        return Response(HsSuggestionsSerializer(body).data)

    def _transition(self, request, service, *, with_reason=False):
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        kwargs = serializer.validated_data if with_reason else {}
        return self._respond(service(actor=request.user, product=self.get_object(), **kwargs))

    @extend_schema(request=TransitionSerializer, responses=ProductSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._transition(request, services.product_submit)

    @extend_schema(request=TransitionSerializer, responses=ProductSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._transition(request, services.product_approve, with_reason=True)

    @extend_schema(request=TransitionSerializer, responses=ProductSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._transition(request, services.product_publish)

    @extend_schema(request=TransitionSerializer, responses=ProductSerializer)
    @action(detail=True, methods=["post"])
    def unpublish(self, request, pk=None):
        return self._transition(request, services.product_unpublish, with_reason=True)

    @extend_schema(request=TransitionSerializer, responses=ProductSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        return self._transition(request, services.product_archive)

    @extend_schema(request=TransitionSerializer, responses=ProductSerializer)
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        return self._transition(request, services.product_suspend, with_reason=True)

    # --- edits held for review on published products

    @extend_schema(request=None, responses=ProductRevisionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def revisions(self, request, pk=None):
        """The product's edits held for review, newest first: pending, approved, rejected, withdrawn."""
        page = self.paginate_queryset(ProductRevision.objects.filter(product=self.get_object()).order_by("-pk"))
        return self.get_paginated_response(ProductRevisionSerializer(page, many=True).data)

    def _revision(self, revision_id) -> ProductRevision:
        revision = ProductRevision.objects.filter(product=self.get_object(), pk=revision_id).first()
        if revision is None:
            raise Http404("No such revision.")
        return revision

    def _decide(self, request, service, revision_id):
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        revision = service(actor=request.user, revision=self._revision(revision_id), **serializer.validated_data)
        return Response(ProductRevisionSerializer(revision).data)

    @extend_schema(request=TransitionSerializer, responses=ProductRevisionSerializer, parameters=[REVISION_ID])
    @action(detail=True, methods=["post"], url_path=rf"revisions/(?P<revision_id>{ID_PATTERN})/approve")
    def approve_revision(self, request, pk=None, revision_id=None):
        """The held edits go live (an operator, or the brand's lead company for a brand product)."""
        return self._decide(request, services.product_revision_approve, revision_id)

    @extend_schema(request=TransitionSerializer, responses=ProductRevisionSerializer, parameters=[REVISION_ID])
    @action(detail=True, methods=["post"], url_path=rf"revisions/(?P<revision_id>{ID_PATTERN})/reject")
    def reject_revision(self, request, pk=None, revision_id=None):
        """The held edits are refused, with a reason; the live version stays."""
        return self._decide(request, services.product_revision_reject, revision_id)

    @extend_schema(
        request={"multipart/form-data": MediaUploadSerializer},
        responses={201: MediaSerializer, 202: ProductRevisionSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser], url_path="media")
    def media(self, request, pk=None):
        """Adds an image (JPEG, PNG or WebP) with a thumbnail; `position` 0 is first, the end when omitted.
        On a published product the image waits in the pending revision (202, the revision) until approved."""
        product = self.get_object()
        serializer = MediaUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        media = product_media_add(
            actor=request.user,
            product=product,
            upload=data["image"],
            alt_text=data.get("alt_text", {}),
            position=data.get("position"),
        )
        if isinstance(media, ProductRevision):
            return Response(ProductRevisionSerializer(media).data, status=status.HTTP_202_ACCEPTED)
        return Response(MediaSerializer(media).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={204: None, 202: ProductRevisionSerializer},
        parameters=[OpenApiParameter("media_id", int, OpenApiParameter.PATH, description="The image's id.")],
    )
    @action(detail=True, methods=["delete"], url_path=rf"media/(?P<media_id>{ID_PATTERN})")
    def delete_media(self, request, pk=None, media_id=None):
        """Removes an image and its thumbnail. On a published product the removal waits in the pending
        revision (202, the revision) and the image stays live until approved."""
        revision = product_media_delete(actor=request.user, product=self.get_object(), media_id=int(media_id))
        if revision is not None:
            return Response(ProductRevisionSerializer(revision).data, status=status.HTTP_202_ACCEPTED)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["categories"])
class CategoryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The category tree: roots with nested children, each with its attribute schema."""

    permission_classes = [AllowAny]
    serializer_class = CategorySerializer
    pagination_class = None
    filter_backends = []

    def list(self, request):
        categories = list(category_list())
        children = {}
        for category in categories:
            children.setdefault(category.parent_id, []).append(category)
        roots = children.get(None, [])
        return Response(CategorySerializer(roots, many=True, context={"children": children}).data)


@extend_schema(tags=["inspections"])
class InspectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    required_scopes = scopes_for("listings")  # for API keys
    serializer_class = InspectionSerializer
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["product", "outcome"]

    def get_queryset(self):
        return inspection_list(user=self.request.user)

    @extend_schema(request=InspectionWriteSerializer, responses={201: InspectionSerializer})
    def create(self, request):
        serializer = InspectionWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        product = product_list(user=request.user).filter(pk=data.pop("product")).first()
        if product is None:
            raise InvalidInput("No product you may inspect has this id.", attr="product")
        inspection = services.inspection_record(actor=request.user, product=product, **data)
        return Response(InspectionSerializer(inspection_list(user=request.user).get(pk=inspection.pk)).data, status=201)


# --- bulk CSV import and export -----------------------------------------------------------

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="A repeat with the same key and file returns the first job instead of starting another.",
)


class ProductImportSerializer(StrictSerializer):
    file = serializers.FileField(help_text="A UTF-8 CSV, one row per variant (docs/csv-format.md).")
    company = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class ProductExportQuerySerializer(QuerySerializer):
    company = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="One company; default: every company you work for."
    )


class IgnoreAcceptHeader(BaseContentNegotiation):
    """The export answers CSV whatever Accept asks for, and its errors in JSON."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


@extend_schema(tags=["products"])
class ProductImportView(APIView):
    """Starts a CSV import into one of your companies; the job it returns shows progress and
    per-row errors at /api/v1/jobs/{id}/."""

    required_scopes = scopes_for("listings")  # for API keys

    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": ProductImportSerializer},
        responses={202: JobSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    def post(self, request):
        serializer = ProductImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data

        def perform():
            company = company_list(user=request.user, scope=MandateScope.LISTINGS).filter(pk=data["company"]).first()
            if company is None:
                raise InvalidInput("Pick a company you work for.", attr="company")
            job = imports.products_import_start(actor=request.user, company=company, uploaded_file=data["file"])
            return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

        return idempotent(request, scope="product_import", perform=perform)


@extend_schema(tags=["products"])
class ProductExportView(APIView):
    """Your products as CSV in the import's columns, streamed."""

    required_scopes = scopes_for("listings")  # for API keys

    content_negotiation_class = IgnoreAcceptHeader

    @extend_schema(parameters=[ProductExportQuerySerializer], responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request):
        query = ProductExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        company_id = query.validated_data.get("company")
        company = (
            None if company_id is None else company_get(user=request.user, pk=company_id, scope=MandateScope.LISTINGS)
        )
        lines = imports.products_export(user=request.user, company=company)
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="products.csv"'
        return response

from django.db.models import Q
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from brands.models import Brand, Company
from core.api.fields import ID_PATTERN, MAX_ID
from core.errors import InvalidInput
from core.locales import request_locale
from listings import services
from listings.api.serializers import (
    CategorySerializer,
    InspectionSerializer,
    InspectionWriteSerializer,
    ProductSerializer,
    ProductWriteSerializer,
    TransitionSerializer,
    product_payload,
)
from listings.models import Product
from listings.selectors import category_list, inspection_list, product_get, product_list

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
        product = self.get_object()
        serializer = ProductWriteSerializer(product, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        product = services.product_update(
            actor=request.user, product=product, **product_payload(data, _brand(data.get("brand")))
        )
        return self._respond(product)

    def perform_destroy(self, product):
        services.product_delete(actor=self.request.user, product=product)

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

"""The platform quality mark: operators award it after a platform inspection and revoke it;
buyers see a valid one on the storefront's product page."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.fields import ID_PATTERN
from core.api.permissions import OPERATOR_ONLY
from core.errors import InvalidInput
from listings.models import Product
from marketplace.api.mark_serializers import PlatformMarkAwardSerializer, PlatformMarkSerializer, RevokeSerializer
from marketplace.models import PlatformMark
from marketplace.services.marks import platform_mark_award, platform_mark_revoke


@extend_schema(tags=["quality mark"])
class PlatformMarkViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PlatformMarkSerializer
    queryset = PlatformMark.objects.none()
    permission_classes = OPERATOR_ONLY
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["product", "status"]

    def get_queryset(self):
        return PlatformMark.objects.select_related("product").order_by("-pk")

    @extend_schema(request=PlatformMarkAwardSerializer, responses={201: PlatformMarkSerializer})
    def create(self, request):
        body = PlatformMarkAwardSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        product = Product.objects.filter(pk=data.pop("product")).first()
        if product is None:
            raise InvalidInput("No such product.", attr="product")
        mark = platform_mark_award(actor=request.user, product=product, **data)
        return Response(self.get_serializer(self.get_queryset().get(pk=mark.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RevokeSerializer, responses=PlatformMarkSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        mark = self.get_object()
        body = RevokeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        mark = platform_mark_revoke(actor=request.user, mark=mark, **body.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=mark.pk)).data)

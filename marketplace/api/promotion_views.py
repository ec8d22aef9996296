"""Promotions (SMEs for their own products, operators for any) and the buyer's address book:
thin doors onto marketplace.services.promotions and marketplace.services.addresses."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api.fields import ID_PATTERN
from core.api.permissions import ApiKeyScopes, scopes_for
from marketplace.api.promotion_serializers import (
    BuyerAddressSerializer,
    BuyerAddressUpdateSerializer,
    BuyerAddressWriteSerializer,
    PromotionSerializer,
    PromotionWriteSerializer,
)
from marketplace.models import BuyerAddress, Promotion
from marketplace.services.addresses import buyer_address_create, buyer_address_delete, buyer_address_update
from marketplace.services.promotions import (
    promotion_create,
    promotion_delete,
    promotion_update,
    promotions_visible,
)


@extend_schema(tags=["promotions"])
class PromotionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Discount codes and automatic promotions. SME staff see their companies' and create them
    for their own products, funded by themselves; operators see and manage all."""

    required_scopes = scopes_for("listings")  # for API keys
    permission_classes = [IsAuthenticated, ApiKeyScopes]
    serializer_class = PromotionSerializer
    queryset = Promotion.objects.none()  # for the schema; reads go through promotions_visible
    filterset_fields = ["kind", "funded_by", "is_active", "company", "code"]
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return promotions_visible(user=self.request.user).order_by("-pk")

    @extend_schema(request=PromotionWriteSerializer, responses={201: PromotionSerializer})
    def create(self, request):
        body = PromotionWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        promotion = promotion_create(actor=request.user, **body.validated_data)
        return Response(PromotionSerializer(promotion).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PromotionWriteSerializer(partial=True), responses=PromotionSerializer)
    def partial_update(self, request, pk=None):
        promotion = self.get_object()
        body = PromotionWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        promotion = promotion_update(actor=request.user, promotion=promotion, **body.validated_data)
        return Response(PromotionSerializer(promotion).data)

    def destroy(self, request, pk=None):
        promotion_delete(actor=request.user, promotion=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["checkout"])
class BuyerAddressViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The signed-in buyer's address book: several shipping addresses, one the default, used at
    checkout by id (`shipping_address_id`, `billing_address_id`)."""

    permission_classes = [IsAuthenticated, ApiKeyScopes]
    serializer_class = BuyerAddressSerializer
    queryset = BuyerAddress.objects.none()  # for the schema; reads are the caller's own
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return BuyerAddress.objects.filter(user=self.request.user).order_by("-is_default", "pk")

    @extend_schema(request=BuyerAddressWriteSerializer, responses={201: BuyerAddressSerializer})
    def create(self, request):
        body = BuyerAddressWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        entry = buyer_address_create(user=request.user, **data | {"address": dict(data["address"])})
        return Response(BuyerAddressSerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=BuyerAddressUpdateSerializer, responses=BuyerAddressSerializer)
    def partial_update(self, request, pk=None):
        entry = self.get_object()
        body = BuyerAddressUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        changes = dict(body.validated_data)
        if "address" in changes:
            changes["address"] = dict(changes["address"])
        return Response(BuyerAddressSerializer(buyer_address_update(entry=entry, **changes)).data)

    def destroy(self, request, pk=None):
        buyer_address_delete(entry=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

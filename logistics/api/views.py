from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets

from core.api.permissions import scopes_for
from logistics.api.serializers import StockSerializer, WarehouseSerializer
from logistics.selectors import stock_list, warehouse_list


@extend_schema(tags=["logistics"])
class WarehouseViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The distribution network: consolidation hubs, bonded warehouses, overseas DCs, returns centres."""

    required_scopes = scopes_for("stock")  # for API keys

    serializer_class = WarehouseSerializer
    filterset_fields = ["kind", "country"]

    def get_queryset(self):
        return warehouse_list()


@extend_schema(tags=["logistics"])
class StockViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """On hand, reserved and quarantined per variant per warehouse: SME staff see their own."""

    required_scopes = scopes_for("stock")  # for API keys

    serializer_class = StockSerializer
    filterset_fields = {"warehouse__code": ["exact"], "variant__sku": ["exact"], "variant__product": ["exact"]}

    def get_queryset(self):
        return stock_list(user=self.request.user)

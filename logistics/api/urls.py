from django.urls import path
from rest_framework.routers import SimpleRouter

from logistics.api.customs_views import ConsignmentViewSet, CustomsDeclarationViewSet, DutyEstimateView
from logistics.api.drawback import DrawbackClaimViewSet
from logistics.api.fulfilment import (
    CarrierTrackingWebhookView,
    FulfilmentViewSet,
    ShipmentViewSet,
    ShippingQuoteView,
)
from logistics.api.inbound import InboundShipmentViewSet, StorageAllotmentViewSet
from logistics.api.origin import OriginQualificationViewSet, TradeAgreementViewSet
from logistics.api.reconciliation import DutyBillViewSet
from logistics.api.returns import PhysicalReturnViewSet
from logistics.api.views import StockViewSet, WarehouseViewSet

router = SimpleRouter()
router.register("warehouses", WarehouseViewSet, basename="warehouse")
router.register("stock", StockViewSet, basename="stock")
router.register("inbound-shipments", InboundShipmentViewSet, basename="inbound-shipment")
router.register("storage-allotments", StorageAllotmentViewSet, basename="storage-allotment")
router.register("fulfilments", FulfilmentViewSet, basename="fulfilment")
router.register("shipments", ShipmentViewSet, basename="shipment")
router.register("physical-returns", PhysicalReturnViewSet, basename="physical-return")
router.register("customs-declarations", CustomsDeclarationViewSet, basename="customs-declaration")
router.register("consignments", ConsignmentViewSet, basename="consignment")
router.register("drawback-claims", DrawbackClaimViewSet, basename="drawback-claim")
router.register("duty-bills", DutyBillViewSet, basename="duty-bill")
router.register("trade-agreements", TradeAgreementViewSet, basename="trade-agreement")
router.register("origin-qualifications", OriginQualificationViewSet, basename="origin-qualification")

urlpatterns = [*router.urls]
urlpatterns += [
    path("carrier-webhooks/tracking/", CarrierTrackingWebhookView.as_view(), name="carrier-webhook-tracking"),
    path("shipping-rates/quote/", ShippingQuoteView.as_view(), name="shipping-rate-quote"),
]
urlpatterns += [path("duty-estimate/", DutyEstimateView.as_view(), name="duty-estimate")]

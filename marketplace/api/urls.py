from django.urls import path
from rest_framework.routers import SimpleRouter

from marketplace.api.order_views import (
    CheckoutViewSet,
    DummyConfirmView,
    OrderViewSet,
    SellerOrderViewSet,
    StripeWebhookView,
)
from marketplace.api.return_views import ReturnViewSet
from marketplace.api.views import StorefrontBrandViewSet, StorefrontProductViewSet

router = SimpleRouter()
router.register("storefront/products", StorefrontProductViewSet, basename="storefront-product")
router.register("storefront/brands", StorefrontBrandViewSet, basename="storefront-brand")
router.register("checkouts", CheckoutViewSet, basename="checkout")
router.register("orders", OrderViewSet, basename="order")
router.register("seller/orders", SellerOrderViewSet, basename="seller-order")
router.register("returns", ReturnViewSet, basename="return")

urlpatterns = [
    path("payments/stripe/webhook/", StripeWebhookView.as_view(), name="stripe-webhook"),
    path("payments/dummy/confirm/", DummyConfirmView.as_view(), name="dummy-payment-confirm"),
    *router.urls,
]

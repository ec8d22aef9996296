from rest_framework.routers import SimpleRouter

from marketplace.api.views import StorefrontBrandViewSet, StorefrontProductViewSet

router = SimpleRouter()
router.register("storefront/products", StorefrontProductViewSet, basename="storefront-product")
router.register("storefront/brands", StorefrontBrandViewSet, basename="storefront-brand")

urlpatterns = [*router.urls]

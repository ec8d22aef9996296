from rest_framework.routers import SimpleRouter

from marketplace.api.views import StorefrontBrandViewSet, StorefrontProductViewSet

router = SimpleRouter()
router.register("products", StorefrontProductViewSet, basename="storefront-product")
router.register("brands", StorefrontBrandViewSet, basename="storefront-brand")

urlpatterns = router.urls

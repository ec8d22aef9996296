from rest_framework.routers import SimpleRouter

from listings.api.views import CategoryViewSet, InspectionViewSet, ProductViewSet

router = SimpleRouter()
router.register("products", ProductViewSet, basename="product")
router.register("categories", CategoryViewSet, basename="category")
router.register("inspections", InspectionViewSet, basename="inspection")

urlpatterns = router.urls

from django.urls import path
from rest_framework.routers import SimpleRouter

from listings.api.views import (
    CategoryViewSet,
    InspectionViewSet,
    ProductExportView,
    ProductImportView,
    ProductViewSet,
)

router = SimpleRouter()
router.register("products", ProductViewSet, basename="product")
router.register("categories", CategoryViewSet, basename="category")
router.register("inspections", InspectionViewSet, basename="inspection")

urlpatterns = [
    # Before the router's products/{id}/ routes.
    path("products/import/", ProductImportView.as_view(), name="product-import"),
    path("products/export/", ProductExportView.as_view(), name="product-export"),
    *router.urls,
]

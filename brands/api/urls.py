from django.urls import path
from rest_framework.routers import SimpleRouter

from brands.api.views import BrandViewSet, CompanyViewSet, MeView

router = SimpleRouter()
router.register("companies", CompanyViewSet, basename="company")
router.register("brands", BrandViewSet, basename="brand")

urlpatterns = [path("auth/me/", MeView.as_view(), name="auth-me"), *router.urls]

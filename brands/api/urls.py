from django.urls import path
from rest_framework.routers import SimpleRouter

from brands.api.mandate_views import MandateViewSet, TradingCompanyViewSet
from brands.api.onboarding import SellerApplicationViewSet
from brands.api.views import BrandViewSet, CompanyViewSet, InvitationAcceptView, MeView, PlatformApiKeyViewSet

router = SimpleRouter()
router.register("companies", CompanyViewSet, basename="company")
router.register("brands", BrandViewSet, basename="brand")
router.register("seller-applications", SellerApplicationViewSet, basename="seller-application")
router.register("api-keys", PlatformApiKeyViewSet, basename="platform-api-key")
router.register("mandates", MandateViewSet, basename="mandate")
router.register("trading-companies", TradingCompanyViewSet, basename="trading-company")

urlpatterns = [
    path("auth/me/", MeView.as_view(), name="auth-me"),
    path("auth/invitations/accept/", InvitationAcceptView.as_view(), name="auth-invitation-accept"),
    *router.urls,
]

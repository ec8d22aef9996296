from django.urls import path
from rest_framework.routers import SimpleRouter

from core.api.views import JobViewSet, RegisterView, TokenView

router = SimpleRouter()
router.register("jobs", JobViewSet, basename="job")

urlpatterns = [
    path("auth/register/", RegisterView.as_view(), name="auth-register"),
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    *router.urls,
]

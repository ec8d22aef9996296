from django.urls import path
from rest_framework.routers import SimpleRouter

from core.api import views

router = SimpleRouter()
router.register("jobs", views.JobViewSet, basename="job")
router.register("auth/tokens", views.AuthTokenViewSet, basename="auth-token")

urlpatterns = [
    path("auth/register/", views.RegisterView.as_view(), name="auth-register"),
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("auth/logout/", views.LogoutView.as_view(), name="auth-logout"),
    path("auth/logout-all/", views.LogoutAllView.as_view(), name="auth-logout-all"),
    path("auth/password-reset/", views.PasswordResetView.as_view(), name="auth-password-reset"),
    path("auth/password-reset/confirm/", views.PasswordResetConfirmView.as_view(), name="auth-password-reset-confirm"),
    path("auth/password-change/", views.PasswordChangeView.as_view(), name="auth-password-change"),
    path("auth/verify-email/", views.EmailVerifyView.as_view(), name="auth-verify-email"),
    path("auth/verify-email/resend/", views.EmailVerifyResendView.as_view(), name="auth-verify-email-resend"),
    path("auth/me/export/", views.MeExportView.as_view(), name="auth-me-export"),
    path("auth/notifications/", views.NotificationPreferencesView.as_view(), name="auth-notifications"),
    *router.urls,
]

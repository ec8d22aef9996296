from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from brands.selectors import user_company_ids, user_is_company_staff
from config.dashboard import company_dashboard, operator_dashboard
from core.permissions import is_operator


def admin_may_enter(user) -> bool:
    """Active operators and active staff of a company; nobody else."""
    return bool(user and user.is_active and (is_operator(user) or user_is_company_staff(user)))


class PlatformLoginForm(AdminAuthenticationForm):
    """Django's admin login form, admitting whom the admin site admits (operators and company
    staff, not only is_staff users). Everyone refused gets the one message, whatever the reason.
    A second step (TOTP for operators) belongs in a subclass of this form."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": (
            "Please enter the correct %(username)s and password of an operator or company staff account. "
            "Note that both fields may be case-sensitive."
        ),
    }

    def confirm_login_allowed(self, user):
        if not admin_may_enter(user):
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class PlatformAdminSite(admin.AdminSite):
    """Operators and SME staff share one admin; each ModelAdmin scopes what SME staff see. The
    index shows the dashboard of what is waiting for the one who looks (config.dashboard)."""

    site_header = "Common-brand export platform"
    site_title = "Platform admin"
    index_title = "Operations"
    login_form = PlatformLoginForm
    index_template = "admin/desk/index.html"

    def has_permission(self, request):
        return admin_may_enter(request.user)

    def index(self, request, extra_context=None):
        user = request.user
        dashboard = operator_dashboard() if is_operator(user) else company_dashboard(company_ids=user_company_ids(user))
        return super().index(request, {"dashboard": dashboard, **(extra_context or {})})

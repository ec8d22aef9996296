from django.contrib import admin

from brands.selectors import user_is_company_staff
from core.permissions import is_operator


class PlatformAdminSite(admin.AdminSite):
    """Operators and SME staff share one admin; each ModelAdmin scopes what SME staff see."""

    site_header = "Common-brand export platform"
    site_title = "Platform admin"
    index_title = "Operations"

    def has_permission(self, request):
        user = request.user
        return user.is_active and (is_operator(user) or user_is_company_staff(user))

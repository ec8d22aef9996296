"""What every company-scoped admin shares: operators see everything, SME staff their own companies' rows."""

from django.contrib import admin
from django.db.models import Q

from brands.models import (
    Company,
    CompanyStaff,
)
from brands.selectors import user_company_ids, user_is_company_staff
from core.admin import DeskAdmin
from core.permissions import is_operator

EDITOR = CompanyStaff.Role.EDITOR


class CompanyScopedAdmin(DeskAdmin):
    """Operators see everything; SME staff see only rows of their own companies, may change
    them as editors or owners, and pick only their own companies in foreign-key fields.
    `company_path` leads from the model to its Company ("" for Company itself)."""

    company_path = "company"

    def _path(self) -> str:
        return f"{self.company_path}__in" if self.company_path else "pk__in"

    def scope(self, request, minimum=CompanyStaff.Role.VIEWER) -> Q:
        return Q(**{self._path(): user_company_ids(request.user, minimum)})

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if is_operator(request.user) else queryset.filter(self.scope(request)).distinct()

    def _in_scope(self, request, obj, minimum) -> bool:
        return self.model._default_manager.filter(self.scope(request, minimum), pk=obj.pk).exists()

    def has_module_permission(self, request):
        return is_operator(request.user) or user_is_company_staff(request.user)

    def has_view_permission(self, request, obj=None):
        if is_operator(request.user):
            return True
        return (
            user_is_company_staff(request.user)
            if obj is None
            else self._in_scope(request, obj, CompanyStaff.Role.VIEWER)
        )

    def has_change_permission(self, request, obj=None):
        if is_operator(request.user):
            return True
        if obj is None:
            return bool(user_company_ids(request.user, EDITOR))
        return self._in_scope(request, obj, EDITOR)

    def has_add_permission(self, request):
        return is_operator(request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # history matters: rows leave through their lifecycle, not deletion

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Company and not is_operator(request.user):
            kwargs["queryset"] = Company.objects.filter(pk__in=user_company_ids(request.user, EDITOR))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        # The parent admin already decided the user may see the object; its history goes with it.
        return True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

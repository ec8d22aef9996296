from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.html import format_html

from core.models import ExchangeRate, Job, SecurityEvent, User
from core.permissions import is_operator


class OperatorOnlyAdmin(admin.ModelAdmin):
    """Platform-wide data: operators only; SME staff never see these models."""

    def has_module_permission(self, request):
        return is_operator(request.user)

    def has_view_permission(self, request, obj=None):
        return is_operator(request.user)

    has_add_permission = has_module_permission

    def has_change_permission(self, request, obj=None):
        return is_operator(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_operator(request.user)


@admin.register(User)
class UserAdmin(OperatorOnlyAdmin, DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_active", "groups"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "full_name"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})]
    filter_horizontal = ["groups"]

    def get_readonly_fields(self, request, obj=None):
        # Only superusers hand out superuser or staff rights.
        return [] if request.user.is_superuser else ["is_staff", "is_superuser"]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(OperatorOnlyAdmin):
    list_display = ["base_currency", "quote_currency", "rate", "effective_date", "source"]
    list_filter = ["base_currency", "quote_currency", "source"]
    search_fields = ["base_currency", "quote_currency"]
    date_hierarchy = "effective_date"


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(OperatorOnlyAdmin):
    search_fields = ["name"]
    filter_horizontal = ["permissions"]


@admin.register(Job)
class JobAdmin(OperatorOnlyAdmin):
    list_display = ["id", "kind", "status", "progress_bar", "error_count", "owner", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    search_fields = ["id", "owner__email"]
    readonly_fields = [f.name for f in Job._meta.fields] + ["progress_bar"]

    @admin.display(description="progress")
    def progress_bar(self, job):
        percent = job.progress
        if percent is None:
            return f"{job.processed} done"
        return format_html('<progress value="{}" max="100"></progress> {}%', percent, percent)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SecurityEvent)
class SecurityEventAdmin(OperatorOnlyAdmin):
    """The security log, for operators: read-only (append-only table, see the model)."""

    list_display = ["created_at", "kind", "user", "actor", "company_id", "ip_address"]
    list_filter = ["kind"]
    search_fields = ["user__email", "actor__email", "ip_address"]
    list_select_related = ["user", "actor"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

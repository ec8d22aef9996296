"""Operators follow physical returns here; counts, grades and dispositions are entered through
the API (a form per line), and state changes run through the services."""

from django.contrib import admin

from brands.admin import ReadOnlyInline
from core.admin import ServiceOnlyAdmin
from logistics.models import PhysicalReturn, PhysicalReturnEvent, PhysicalReturnLine
from logistics.services import physical_return_mark_in_transit


class PhysicalReturnLineInline(ReadOnlyInline):
    model = PhysicalReturnLine
    fields = ["variant", "quantity_expected", "quantity_received", "quantity_damaged", "grades", "disposition"]
    readonly_fields = fields


class PhysicalReturnEventInline(ReadOnlyInline):
    model = PhysicalReturnEvent
    fields = ["created_at", "kind", "actor", "note"]
    readonly_fields = fields


@admin.register(PhysicalReturn)
class PhysicalReturnAdmin(ServiceOnlyAdmin):
    list_display = ["reference", "returns_centre", "status", "carrier", "tracking_number", "created_at"]
    list_filter = ["status", "returns_centre"]
    search_fields = ["reference", "tracking_number"]
    list_select_related = ["returns_centre"]
    readonly_fields = [
        "reference",
        "returns_centre",
        "status",
        "carrier",
        "tracking_number",
        "label_url",
        "created_at",
        "received_at",
        "inspected_at",
        "resolved_at",
    ]
    fields = readonly_fields
    inlines = [PhysicalReturnLineInline, PhysicalReturnEventInline]
    actions = ["mark_in_transit"]

    @admin.action(description="Mark the selected returns in transit (picked up from the buyer)", permissions=["change"])
    def mark_in_transit(self, request, queryset):
        self.run_service(
            request,
            queryset,
            lambda r: physical_return_mark_in_transit(physical_return=r, actor=request.user),
            "marked in transit",
        )

from django.contrib import admin

from brands.admin import CompanyScopedAdmin, ReadOnlyInline
from logistics.models import Backorder, Reservation, ReservationLine, Stock, StockMovement
from logistics.selectors import low_stock


class MovementInline(ReadOnlyInline):
    model = StockMovement
    fields = ["created_at", "kind", "on_hand_delta", "reserved_delta", "quarantined_delta", "reference", "actor"]
    readonly_fields = fields
    ordering = ["-pk"]


class AvailableFilter(admin.SimpleListFilter):
    title = "available"
    parameter_name = "available"

    def lookups(self, request, model_admin):
        return [("low", "Low or out (sellable units at most the low-stock threshold)")]

    def queryset(self, request, queryset):
        return queryset.filter(low_stock()) if self.value() == "low" else queryset


@admin.register(Stock)
class StockAdmin(CompanyScopedAdmin):
    """Stock changes only through logistics services (receipts, reservations, shipments), so
    the admin shows it and its ledger without editing."""

    company_path = "variant__product__company"
    list_display = ["variant", "warehouse", "on_hand", "reserved", "quarantined", "updated_at"]
    list_filter = [AvailableFilter, "warehouse"]
    search_fields = ["variant__sku"]
    list_select_related = ["variant", "warehouse"]
    readonly_fields = ["variant", "warehouse", "on_hand", "reserved", "quarantined", "updated_at"]
    inlines = [MovementInline]

    def has_change_permission(self, request, obj=None):
        return False


class ReservationLineInline(ReadOnlyInline):
    model = ReservationLine
    fields = ["stock", "quantity", "quantity_shipped"]
    readonly_fields = fields


@admin.register(Reservation)
class ReservationAdmin(CompanyScopedAdmin):
    company_path = "lines__stock__variant__product__company"
    list_display = ["reference", "status", "destination_country", "expires_at", "created_at"]
    list_filter = ["status"]
    search_fields = ["reference"]
    readonly_fields = ["reference", "status", "destination_country", "expires_at", "created_at", "closed_at"]
    inlines = [ReservationLineInline]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Backorder)
class BackorderAdmin(CompanyScopedAdmin):
    """Units sold beyond stock waiting for goods; they move only through the services (checkout,
    inbound shipments, cancellation), so the admin shows them without editing."""

    company_path = "variant__product__company"
    list_display = ["reference", "variant", "kind", "quantity", "status", "inbound_line", "expected_on", "sold_at"]
    list_filter = ["status", "kind"]
    search_fields = ["reference", "variant__sku"]
    list_select_related = ["variant", "inbound_line__shipment"]
    readonly_fields = [
        "reference",
        "variant",
        "kind",
        "quantity",
        "status",
        "inbound_line",
        "expected_on",
        "released_reference",
        "sold_at",
    ]

    def has_change_permission(self, request, obj=None):
        return False

from django.contrib import admin

from core.admin import OperatorOnlyAdmin
from logistics.models import ShippingRate, StorageAllotment, Warehouse, WarehouseRoute, Zone


class RouteInline(admin.TabularInline):
    model = WarehouseRoute
    extra = 0


@admin.register(Zone)
class ZoneAdmin(OperatorOnlyAdmin):
    list_display = ["code", "name", "countries"]
    search_fields = ["code", "name"]
    inlines = [RouteInline]


@admin.register(Warehouse)
class WarehouseAdmin(OperatorOnlyAdmin):
    list_display = ["code", "name", "kind", "country", "zone", "capacity_m3", "is_active"]
    list_filter = ["kind", "country", "zone", "is_active"]
    search_fields = ["code", "name"]


@admin.register(ShippingRate)
class ShippingRateAdmin(OperatorOnlyAdmin):
    list_display = ["warehouse", "zone", "service", "carrier", "max_weight_kg", "amount", "currency"]
    list_filter = ["warehouse", "zone", "service", "carrier"]


@admin.register(StorageAllotment)
class StorageAllotmentAdmin(OperatorOnlyAdmin):
    list_display = ["company", "warehouse", "volume_m3", "starts_on", "ends_on"]
    list_filter = ["warehouse", "volume_m3"]
    search_fields = ["company__legal_name"]

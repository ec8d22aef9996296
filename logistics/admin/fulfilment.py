"""Operators work fulfilments here: pick, pack (identical parcels; other mixes through the API)
and ship everything left with its tracking number, each step one service call. Partial
shipments and tracking events are entered through the API (they need a form per line)."""

from decimal import Decimal

from django import forms
from django.contrib import admin

from brands.admin import ReadOnlyInline
from core.admin import ServiceOnlyAdmin, form_action
from logistics.models import Fulfilment, FulfilmentLine, Shipment, ShipmentLine, TrackingEvent
from logistics.services import fulfilment_cancel, fulfilment_pack, fulfilment_pick, fulfilment_ship


class FulfilmentLineInline(ReadOnlyInline):
    model = FulfilmentLine
    fields = ["variant", "reservation_line", "quantity", "quantity_shipped"]
    readonly_fields = fields


class ShipmentInline(ReadOnlyInline):
    model = Shipment
    fields = ["carrier", "service", "tracking_number", "status", "shipped_at", "delivered_at"]
    readonly_fields = fields
    show_change_link = True


class PackForm(forms.Form):
    parcels = forms.IntegerField(min_value=1, max_value=50, initial=1, help_text="Identical parcels.")
    weight_kg = forms.DecimalField(min_value=Decimal("0.001"), max_value=1000, decimal_places=3, label="Weight (kg)")
    length_cm = forms.DecimalField(min_value=Decimal("0.1"), max_value=1000, decimal_places=1, label="Length (cm)")
    width_cm = forms.DecimalField(min_value=Decimal("0.1"), max_value=1000, decimal_places=1, label="Width (cm)")
    height_cm = forms.DecimalField(min_value=Decimal("0.1"), max_value=1000, decimal_places=1, label="Height (cm)")


class ShipForm(forms.Form):
    carrier = forms.CharField(max_length=50)
    service = forms.CharField(max_length=30, initial="standard")
    tracking_number = forms.CharField(max_length=60)


@admin.register(Fulfilment)
class FulfilmentAdmin(ServiceOnlyAdmin):
    list_display = ["__str__", "reference", "warehouse", "status", "country", "incoterm", "created_at"]
    list_filter = ["status", "warehouse", "incoterm"]
    search_fields = ["reference", "shipments__tracking_number"]
    list_select_related = ["warehouse"]
    readonly_fields = [
        "reference",
        "warehouse",
        "status",
        "recipient_name",
        "address_lines",
        "city",
        "postal_code",
        "country",
        "incoterm",
        "parcels",
        "created_at",
    ]
    fields = readonly_fields
    inlines = [FulfilmentLineInline, ShipmentInline]
    actions = ["pick", "pack", "ship", "cancel"]

    def object_actions(self, request, obj):
        F = Fulfilment.Status
        return {
            F.REQUESTED: ["pick", "cancel"],
            F.PICKING: ["pack", "cancel"],
            F.PACKED: ["ship", "pack", "cancel"],
            F.PARTIALLY_SHIPPED: ["pack", "ship"],
        }.get(obj.status, [])

    @admin.action(description="Start picking the selected fulfilments", permissions=["change"])
    def pick(self, request, queryset):
        self.run_service(request, queryset, lambda f: fulfilment_pick(fulfilment=f, actor=request.user), "picking")

    @form_action(PackForm, description="Pack into parcels", done="packed")
    def pack(self, request, fulfilment, parcels, **size):
        parcel = {name: str(value) for name, value in size.items()}
        fulfilment_pack(fulfilment=fulfilment, parcels=[parcel] * parcels, actor=request.user)

    @form_action(ShipForm, description="Ship everything left (tracking number)", done="shipped")
    def ship(self, request, fulfilment, carrier, service, tracking_number):
        fulfilment_ship(
            fulfilment=fulfilment, carrier=carrier, service=service, tracking_number=tracking_number, actor=request.user
        )

    @admin.action(description="Cancel the selected fulfilments (reservations stay held)", permissions=["change"])
    def cancel(self, request, queryset):
        self.run_service(request, queryset, lambda f: fulfilment_cancel(fulfilment=f, actor=request.user), "cancelled")


class ShipmentLineInline(ReadOnlyInline):
    model = ShipmentLine
    fields = ["fulfilment_line", "quantity"]
    readonly_fields = fields


class TrackingEventInline(ReadOnlyInline):
    model = TrackingEvent
    fields = ["occurred_at", "status", "description", "location", "source", "external_id", "created_at"]
    readonly_fields = fields


@admin.register(Shipment)
class ShipmentAdmin(ServiceOnlyAdmin):
    list_display = ["tracking_number", "carrier", "service", "status", "fulfilment", "consignment", "shipped_at"]
    list_filter = ["status", "carrier", "service"]
    search_fields = ["tracking_number", "fulfilment__reference", "consignment__reference"]
    list_select_related = ["fulfilment__warehouse", "consignment"]
    readonly_fields = [
        "fulfilment",
        "consignment",
        "carrier",
        "service",
        "tracking_number",
        "status",
        "parcels",
        "shipped_at",
        "delivered_at",
    ]
    fields = readonly_fields
    inlines = [ShipmentLineInline, TrackingEventInline]

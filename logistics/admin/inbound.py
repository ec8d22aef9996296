from django.contrib import admin

from brands.admin import CompanyScopedAdmin, ReadOnlyInline
from logistics.models import InboundLine, InboundShipment
from logistics.services.inbound import inbound_dispatch


class InboundLineInline(ReadOnlyInline):
    model = InboundLine
    fields = [
        "variant",
        "lot",
        "quantity_expected",
        "quantity_received",
        "discrepancy",
        "quantity_passed",
        "quantity_failed",
        "defect_codes",
        "service",
        "service_fee_amount",
        "service_fee_currency",
    ]
    readonly_fields = fields


@admin.register(InboundShipment)
class InboundShipmentAdmin(CompanyScopedAdmin):
    """Shipments are created, counted, inspected and stocked through the API (counts need a
    form per line); here SME staff follow them and dispatch drafts, and every discrepancy
    between the ASN and the count shows in the list."""

    company_path = "company"
    list_display = ["__str__", "company", "warehouse", "status", "carrier", "tracking_number", "discrepancies"]
    list_filter = ["status", "warehouse"]
    search_fields = ["tracking_number", "company__legal_name", "lines__variant__sku"]
    list_select_related = ["company", "warehouse"]
    readonly_fields = [
        "company",
        "warehouse",
        "status",
        "carrier",
        "tracking_number",
        "expected_on",
        "created_by",
        "created_at",
        "dispatched_at",
        "received_at",
        "inspected_at",
        "stocked_at",
    ]
    fields = readonly_fields
    inlines = [InboundLineInline]
    actions = ["dispatch"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("lines__variant")

    def has_add_permission(self, request):
        return False  # through the API, where lines are validated against the company's variants

    def has_change_permission(self, request, obj=None):
        # Nothing is edited by hand; the action below changes state (company editors, operators).
        return obj is None and super().has_change_permission(request)

    @admin.display(description="Discrepancies (counted - expected)")
    def discrepancies(self, shipment):
        lines = shipment.lines.all()
        if any(line.quantity_received is None for line in lines):
            return "not counted"
        differences = [f"{line.variant.sku} {line.discrepancy:+d}" for line in lines if line.discrepancy]
        return "; ".join(differences) or "none"

    @admin.action(description="Dispatch the selected drafts (carrier and tracking number set)", permissions=["change"])
    def dispatch(self, request, queryset):
        self.run_service(request, queryset, lambda s: inbound_dispatch(actor=request.user, shipment=s), "dispatched")

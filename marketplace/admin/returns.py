"""Return requests: operators approve or reject them and record the goods' receipt, inspection
and resolution at the returns centre, through the same services as the API. SME staff follow
the returns of their own lines."""

from django import forms
from django.contrib import admin

from brands.admin import CompanyScopedAdmin, ReadOnlyInline
from core.admin import admin_link, form_action, table
from core.money import Money
from logistics.models import PhysicalReturn, PhysicalReturnLine
from logistics.selectors import shipments_by_reference
from marketplace.models import Exchange, ReturnEvent, ReturnRequest
from marketplace.services.returns import (
    return_goods_inspect,
    return_goods_receive,
    return_goods_resolve,
    return_request_approve,
    return_request_reject,
)

R = ReturnRequest.Status


class ReturnEventInline(ReadOnlyInline):
    model = ReturnEvent
    fields = ["created_at", "kind", "actor", "note"]
    readonly_fields = fields


class RejectForm(forms.Form):
    reason = forms.CharField(max_length=1000, widget=forms.Textarea(attrs={"rows": 3}), help_text="Told to the buyer.")


class ReceiveForm(forms.Form):
    quantity_received = forms.IntegerField(min_value=0, max_value=10000, help_text="Every unit that arrived.")
    quantity_damaged = forms.IntegerField(min_value=0, max_value=10000, initial=0, help_text="Of those, damaged.")


class InspectForm(forms.Form):
    """Units per grade: A as new, B opened, C damaged (the refund of a change of mind follows it)."""

    grade_a = forms.IntegerField(min_value=0, max_value=10000, initial=0, label="Grade A (as new)")
    grade_b = forms.IntegerField(min_value=0, max_value=10000, initial=0, label="Grade B (opened)")
    grade_c = forms.IntegerField(min_value=0, max_value=10000, initial=0, label="Grade C (damaged)")


class ResolveForm(forms.Form):
    disposition = forms.ChoiceField(choices=PhysicalReturnLine.Disposition.choices)


@admin.register(ReturnRequest)
class ReturnRequestAdmin(CompanyScopedAdmin):
    company_path = "order_line__seller"
    list_display = ["__str__", "order", "sku", "quantity", "reason", "resolution", "status", "refund", "created_at"]
    list_filter = ["status", "reason", "resolution"]
    search_fields = ["order_line__order__number", "order_line__sku", "order_line__order__email"]
    list_select_related = ["order_line__order", "refund"]
    fields = [
        "order",
        "sku",
        "quantity",
        "reason",
        "resolution",
        "note",
        "status",
        "refund_link",
        "goods",
        "exchange_summary",
        "created_at",
    ]
    readonly_fields = fields
    inlines = [ReturnEventInline]
    actions = ["approve", "reject", "receive", "inspect", "resolve"]

    def has_add_permission(self, request):
        return False  # buyers request returns through the API

    def has_change_permission(self, request, obj=None):
        return False

    def object_actions(self, request, obj):
        return {
            R.REQUESTED: ["approve", "reject"],
            R.APPROVED: ["receive"],
            R.IN_TRANSIT: ["receive"],
            R.RECEIVED: ["inspect"],
            R.INSPECTED: ["resolve"],
        }.get(obj.status, [])

    @admin.display(description="order")
    def order(self, request_):
        return admin_link(request_.order_line.order)

    @admin.display(description="SKU")
    def sku(self, request_):
        return request_.order_line.sku

    @admin.display(description="refund")
    def refund_link(self, request_):
        return admin_link(request_.refund) if request_.refund_id else "-"

    @admin.display(description="goods (returns centre)")
    def goods(self, request_):
        physical = PhysicalReturn.objects.filter(reference=request_.reference).select_related("returns_centre").first()
        if physical is None:
            return "No label until the return is approved."
        lines = physical.lines.select_related("variant").order_by("pk")
        rows = [
            (line.variant.sku, line.quantity_expected, line.quantity_received, line.quantity_damaged, line.disposition)
            for line in lines
        ]
        summary = f"{physical.get_status_display()} at {physical.returns_centre.code}, {physical.carrier} "
        summary += physical.tracking_number
        return table([summary, "expected", "received", "damaged", "disposition"], rows)

    @admin.display(description="exchange (replacement)")
    def exchange_summary(self, request_):
        exchange = Exchange.objects.filter(return_request=request_).select_related("payment", "refund").first()
        if exchange is None:
            return "-"
        currency = request_.order_line.order.currency
        money = f"difference {Money(exchange.difference, currency)}"
        if exchange.payment_id:
            money += f", payment {exchange.payment.intent_id} {exchange.payment.get_status_display().lower()}"
        if exchange.refund_id:
            money += f", refund {exchange.refund.get_status_display().lower()}"
        summary = f"{request_.quantity} x {exchange.replacement_sku}: {exchange.get_status_display()}; {money}" + (
            f". {exchange.note}" if exchange.note else ""
        )
        shipments = shipments_by_reference(references=[exchange.reference]).get(exchange.reference, [])
        rows = [(s.carrier, s.tracking_number, s.get_status_display(), s.shipped_at) for s in shipments]
        return table([summary, "tracking number", "status", "shipped"], rows or [("no shipment yet", "", "", "")])

    # --- actions (operators): the API's rules, through the same services

    @admin.action(description="Approve the selected returns (a label to the returns centre)", permissions=["operator"])
    def approve(self, request, queryset):
        self.run_service(request, queryset, lambda r: return_request_approve(request=r, actor=request.user), "approved")

    @form_action(RejectForm, description="Reject the selected returns", done="rejected", permissions=["operator"])
    def reject(self, request, return_request, reason):
        return_request_reject(request=return_request, actor=request.user, reason=reason)

    @form_action(ReceiveForm, description="Record the goods received", done="received", permissions=["operator"])
    def receive(self, request, return_request, quantity_received, quantity_damaged):
        return_goods_receive(
            request=return_request,
            quantity_received=quantity_received,
            quantity_damaged=quantity_damaged,
            actor=request.user,
        )

    @form_action(InspectForm, description="Record the inspection (grades)", done="inspected", permissions=["operator"])
    def inspect(self, request, return_request, grade_a, grade_b, grade_c):
        grades = {grade: n for grade, n in (("A", grade_a), ("B", grade_b), ("C", grade_c)) if n}
        return_goods_inspect(request=return_request, grades=grades, actor=request.user)

    @form_action(ResolveForm, description="Resolve: restock or dispose", done="resolved", permissions=["operator"])
    def resolve(self, request, return_request, disposition):
        return_goods_resolve(request=return_request, disposition=disposition, actor=request.user)

"""Payments with their gateway events, refunds (granted on the order page, executed here) and
checkouts, for operators. Payments and checkouts are read-only: the gateway's webhooks and the
buyer's checkout drive them."""

from datetime import timedelta

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html

from brands.admin import ReadOnlyInline
from core.admin import ServiceOnlyAdmin, admin_link, form_action, money_html, table
from core.errors import ApplicationError
from marketplace.models import Checkout, CheckoutLine, Order, Payment, PaymentWebhookEvent, Refund
from marketplace.services.checkout import checkout_totals
from marketplace.services.refunds import refund_execute

# An open checkout untouched this long is taken as abandoned.
ABANDONED_AFTER = timedelta(hours=24)


@admin.register(Payment)
class PaymentAdmin(ServiceOnlyAdmin):
    list_display = ["intent_id", "order", "gateway", "status", "amount_", "captured", "refunded", "updated_at"]
    list_filter = ["status", "gateway"]
    search_fields = ["intent_id", "order__number", "order__email"]
    list_select_related = ["order"]
    fields = [
        "order_link",
        "gateway",
        "intent_id",
        "status",
        "amount_",
        "captured",
        "refunded",
        "created_at",
        "updated_at",
        "webhook_events",
    ]
    readonly_fields = fields

    @admin.display(description="order")
    def order_link(self, payment):
        return admin_link(payment.order)

    @admin.display(description="amount")
    def amount_(self, payment):
        return money_html(payment.amount, payment.currency)

    @admin.display(description="captured")
    def captured(self, payment):
        return money_html(payment.captured_amount, payment.currency)

    @admin.display(description="refunded")
    def refunded(self, payment):
        return money_html(payment.refunded_amount, payment.currency)

    @admin.display(description="gateway webhook events")
    def webhook_events(self, payment):
        events = PaymentWebhookEvent.objects.filter(gateway=payment.gateway, intent_id=payment.intent_id).order_by("pk")
        rows = [(e.received_at.strftime("%Y-%m-%d %H:%M:%S"), e.type, e.event_id) for e in events]
        return table(["received", "type", "event id"], rows) if rows else "None received."


class RefundExecuteForm(forms.Form):
    reference = forms.CharField(
        max_length=100, required=False, help_text="Bank transfers only: the reference of the transfer you sent."
    )


@admin.register(Refund)
class RefundAdmin(ServiceOnlyAdmin):
    """Refunds are granted on the order's page; a granted one is executed through the gateway by
    a task after commit, or here when that task was lost or the gateway failed. A refund of a
    bank transfer or letter of credit is wired back by the operator, who records it here with
    the transfer's reference."""

    list_display = ["__str__", "order", "amount_", "status", "reason", "granted_by", "created_at", "executed_at"]
    list_filter = ["status"]
    search_fields = ["order__number", "gateway_refund_id", "reason"]
    list_select_related = ["order", "granted_by"]
    fields = [
        "order_link",
        "amount_",
        "status",
        "reason",
        "granted_by",
        "gateway_refund_id",
        "created_at",
        "executed_at",
    ]
    readonly_fields = fields
    actions = ["execute"]

    @admin.display(description="order")
    def order_link(self, refund):
        return admin_link(refund.order)

    @admin.display(description="amount")
    def amount_(self, refund):
        return money_html(refund.amount, refund.currency)

    def object_actions(self, request, obj):
        return ["execute"] if obj.status != Refund.Status.EXECUTED else []

    @form_action(
        RefundExecuteForm,
        description="Execute the selected refunds (through the gateway, or record a bank transfer sent)",
        done="executed",
    )
    def execute(self, request, refund, reference):
        refund_execute(refund_id=refund.pk, actor=request.user, reference=reference)


class CheckoutLineInline(ReadOnlyInline):
    model = CheckoutLine
    fields = ["variant", "quantity"]
    readonly_fields = fields


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("abandoned", f"Abandoned (untouched for {ABANDONED_AFTER})")]

    def queryset(self, request, queryset):
        cutoff = timezone.now() - ABANDONED_AFTER
        if self.value() == "open":
            return queryset.filter(status=Checkout.Status.OPEN, updated_at__gte=cutoff)
        if self.value() == "abandoned":
            return queryset.filter(status=Checkout.Status.OPEN, updated_at__lt=cutoff)
        return queryset


@admin.register(Checkout)
class CheckoutAdmin(ServiceOnlyAdmin):
    list_display = ["id", "email", "currency", "incoterm", "status", "created_at", "updated_at"]
    list_filter = [StateFilter, "status", "currency"]
    search_fields = ["email", "lines__variant__sku"]
    fields = [
        "email",
        "buyer",
        "currency",
        "incoterm",
        "status",
        "shipping_address",
        "shipping_option",
        "totals",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields
    inlines = [CheckoutLineInline]

    @admin.display(description="totals")
    def totals(self, checkout):
        names = ("subtotal", "shipping", "duties", "taxes", "total")
        order = Order.objects.filter(checkout=checkout).first()
        if order is not None:  # completed: what the order was placed for
            rows = [(name, money_html(getattr(order, name), order.currency)) for name in names]
            return format_html("{} {}", table(["", "amount"], rows), admin_link(order))
        try:
            totals = checkout_totals(checkout=checkout)
        except ApplicationError as error:
            return f"Cannot be priced now: {error.detail}"
        return table(["", "amount (today's prices and rates)"], [(name, str(getattr(totals, name))) for name in names])

"""The order desk: orders with their lines, totals, payment and its gateway events, refunds,
fulfilments and shipments, return requests and the timeline. Actions call the order services.
SME staff see the orders that hold their lines, and only those lines and their amounts."""

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from brands.admin import CompanyScopedAdmin, ReadOnlyInline
from brands.models import Brand, Company
from brands.selectors import user_company_ids
from core.admin import admin_link, form_action, money_html, table
from core.errors import InvalidInput, WrongState
from core.money import Money, quantize
from core.permissions import is_operator
from logistics.models import Fulfilment
from marketplace.desk_selectors import FULFILMENT_DUE, orders_to_ship
from marketplace.models import Order, OrderEvent, OrderLine, PaymentWebhookEvent, Refund, ReturnRequest
from marketplace.selectors import order_line_ships_on
from marketplace.services.order_fulfilment import order_request_fulfilment
from marketplace.services.orders import order_cancel
from marketplace.services.refunds import refund_grant

OS = Order.Status


def visible_lines(request) -> Q:
    """The order lines the user may see: all for operators, their companies' for SME staff."""
    return Q() if is_operator(request.user) else Q(seller__in=user_company_ids(request.user))


class LinesFilter(admin.SimpleListFilter):
    """Orders holding visible lines that match `lines(value)`; choices from the visible lines."""

    related_model = Company
    lines_field = ""

    def lookups(self, request, model_admin):
        ids = OrderLine.objects.filter(visible_lines(request)).values(self.lines_field)
        return [(str(obj.pk), str(obj)) for obj in self.related_model.objects.filter(pk__in=ids).order_by("pk")]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        matching = OrderLine.objects.filter(
            visible_lines(request), order=OuterRef("pk"), **{self.lines_field: self.value()}
        )
        return queryset.filter(Exists(matching))


class SellerFilter(LinesFilter):
    title = "seller"
    parameter_name = "seller"
    lines_field = "seller"


class BrandFilter(LinesFilter):
    title = "brand"
    parameter_name = "brand"
    related_model = Brand
    lines_field = "variant__product__brand"


class DestinationFilter(admin.SimpleListFilter):
    title = "destination country"
    parameter_name = "destination"

    def lookups(self, request, model_admin):
        countries = model_admin.get_queryset(request).order_by().values_list("shipping_address__country", flat=True)
        return [(code, code) for code in sorted(set(countries) - {None})]

    def queryset(self, request, queryset):
        return queryset if self.value() is None else queryset.filter(shipping_address__country=self.value())


class WaitingFilter(admin.SimpleListFilter):
    """The dashboard's queues: lines still to ship, and paid orders left unfulfilled too long."""

    title = "waiting"
    parameter_name = "waiting"

    def lookups(self, request, model_admin):
        return [("to_ship", "Lines to ship"), ("over_48h", "Paid over 48 h ago, not fulfilled")]

    def queryset(self, request, queryset):
        if self.value() == "to_ship":
            companies = None if is_operator(request.user) else user_company_ids(request.user)
            return queryset.filter(orders_to_ship(companies))
        if self.value() == "over_48h":
            return queryset.filter(status=OS.PAID, paid_at__lt=timezone.now() - FULFILMENT_DUE)
        return queryset


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = [
        "seller",
        "sku",
        "title",
        "quantity",
        "unit",
        "line_total",
        "quantity_fulfilled",
        "quantity_returned",
        "availability",
        "quantity_backordered",
        "ships_on",
    ]
    readonly_fields = fields

    @admin.display(description="expected ship date")
    def ships_on(self, line):
        return order_line_ships_on(line) or "-"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(visible_lines(request)).select_related("seller", "order")

    @admin.display(description="unit price")
    def unit(self, line):
        return money_html(line.unit_price, line.order.currency)

    @admin.display(description="total")
    def line_total(self, line):
        return money_html(line.total, line.order.currency)


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ["refund", "amount_", "status", "reason", "granted_by", "created_at", "executed_at"]
    readonly_fields = fields

    @admin.display(description="refund")
    def refund(self, refund):
        return admin_link(refund, f"#{refund.pk}")

    @admin.display(description="amount")
    def amount_(self, refund):
        return money_html(refund.amount, refund.currency)


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    verbose_name_plural = "timeline"
    fields = ["created_at", "kind", "actor", "data"]
    readonly_fields = fields


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=300, required=False, help_text="Told to the buyer with the refund.")


class RefundForm(forms.Form):
    amount = forms.DecimalField(min_value=Decimal("0.0001"), max_digits=14, decimal_places=4)
    reason = forms.CharField(max_length=300)


@admin.register(Order)
class OrderAdmin(CompanyScopedAdmin):
    company_path = "lines__seller"
    list_display = ["number", "status", "source", "email", "sellers", "destination", "total_", "paid_at", "created_at"]
    list_filter = [
        WaitingFilter,
        "status",
        "source",
        SellerFilter,
        BrandFilter,
        DestinationFilter,
        ("created_at", admin.DateFieldListFilter),
    ]
    search_fields = ["number", "email", "lines__sku"]
    actions = ["cancel", "grant_refund", "request_fulfilment"]
    operator_fieldsets = [
        (
            "Order",
            {"fields": ["number", "status", "source", "channel_order", "buyer", "email", "created_at", "paid_at"]},
        ),
        ("Delivery", {"fields": ["address", "incoterm", "shipping_choice"]}),
        ("Totals", {"fields": ["subtotal_", "shipping_", "duties_", "taxes_", "total_", "rule_versions"]}),
        ("Payment", {"fields": ["payments"]}),
        ("Fulfilment", {"fields": ["fulfilments"]}),
        ("Returns", {"fields": ["returns"]}),
    ]
    seller_fieldsets = [
        ("Order", {"fields": ["number", "status", "created_at", "paid_at", "destination"]}),
        ("Your lines", {"fields": ["lines_total"]}),
        ("Returns", {"fields": ["returns"]}),
    ]
    readonly_fields = sorted({name for _, spec in operator_fieldsets + seller_fieldsets for name in spec["fields"]})

    def get_queryset(self, request):
        lines = OrderLine.objects.filter(visible_lines(request)).select_related("seller").order_by("pk")
        return super().get_queryset(request).prefetch_related(Prefetch("lines", lines, to_attr="visible"))

    def get_fieldsets(self, request, obj=None):
        return self.operator_fieldsets if is_operator(request.user) else self.seller_fieldsets

    def get_inlines(self, request, obj):
        return [OrderLineInline, RefundInline, OrderEventInline] if is_operator(request.user) else [OrderLineInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def object_actions(self, request, obj):
        if obj.status == OS.PENDING:
            return ["cancel"]
        if obj.status == OS.PAID:
            return ["request_fulfilment", "grant_refund", "cancel"]
        if obj.status in (OS.PARTIALLY_FULFILLED, OS.FULFILLED, OS.COMPLETED):
            return ["grant_refund"]
        return []

    # --- the list

    @admin.display(description="sellers")
    def sellers(self, order):
        return ", ".join(sorted({line.seller.legal_name for line in order.visible}))

    @admin.display(description="destination")
    def destination(self, order):
        address = order.shipping_address or {}
        return f"{address.get('city', '')}, {address.get('country', '')}"

    @admin.display(description="your lines")
    def lines_total(self, order):
        return money_html(sum((line.total for line in order.visible), Decimal(0)), order.currency)

    def get_list_display(self, request):
        # SME staff see what their own lines come to, never the whole order's total.
        if is_operator(request.user):
            return self.list_display
        return [name if name != "total_" else "lines_total" for name in self.list_display]

    # --- the order page

    @admin.display(description="channel order")
    def channel_order(self, order):
        return f"{order.channel} {order.external_id}" if order.channel else "-"

    @admin.display(description="ship to")
    def address(self, order):
        a = order.shipping_address or {}
        lines = [
            a.get("name", ""),
            *a.get("lines", []),
            f"{a.get('postal_code', '')} {a.get('city', '')}",
            a.get("country", ""),
        ]
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines if line.strip()))

    @admin.display(description="shipping option")
    def shipping_choice(self, order):
        option = order.shipping_option or {}
        return (
            " ".join(str(option.get(key, "")) for key in ("warehouse", "carrier", "service", "incoterm")).strip() or "-"
        )

    @admin.display(description="subtotal")
    def subtotal_(self, order):
        return money_html(order.subtotal, order.currency)

    @admin.display(description="shipping")
    def shipping_(self, order):
        return money_html(order.shipping, order.currency)

    @admin.display(description="duties")
    def duties_(self, order):
        return money_html(order.duties, order.currency)

    @admin.display(description="taxes")
    def taxes_(self, order):
        return money_html(order.taxes, order.currency)

    @admin.display(description="total")
    def total_(self, order):
        return money_html(order.total, order.currency)

    @admin.display(description="payment and gateway events")
    def payments(self, order):
        payments = list(order.payments.order_by("pk"))
        if not payments:
            return "No payment."
        events = PaymentWebhookEvent.objects.filter(intent_id__in=[p.intent_id for p in payments]).order_by("pk")
        by_intent: dict[str, list] = {}
        for event in events:
            by_intent.setdefault(event.intent_id, []).append(event)
        rows = []
        for p in payments:
            received = format_html_join(
                mark_safe("<br>"),
                "{} {} ({})",
                (
                    (e.received_at.strftime("%Y-%m-%d %H:%M"), e.type, e.event_id)
                    for e in by_intent.get(p.intent_id, [])
                ),
            )
            rows.append(
                (
                    admin_link(p, p.intent_id),
                    p.gateway,
                    p.get_status_display(),
                    money_html(p.amount, p.currency),
                    money_html(p.captured_amount, p.currency),
                    money_html(p.refunded_amount, p.currency),
                    received or "none",
                )
            )
        return table(["intent", "gateway", "status", "amount", "captured", "refunded", "webhook events"], rows)

    @admin.display(description="fulfilments and shipments")
    def fulfilments(self, order):
        fulfilments = (
            Fulfilment.objects.filter(reference=order.reservation_reference)
            .select_related("warehouse")
            .prefetch_related("shipments")
            .order_by("pk")
        )
        rows = [
            (
                admin_link(f, f"#{f.pk}"),
                f.warehouse.code,
                f.get_status_display(),
                format_html_join(
                    mark_safe("<br>"),
                    "{} {} {}: {}",
                    (
                        (s.carrier, s.service, admin_link(s, s.tracking_number), s.get_status_display())
                        for s in f.shipments.all()
                    ),
                )
                or "-",
            )
            for f in fulfilments
        ]
        return (
            table(["fulfilment", "warehouse", "status", "shipments (tracking)"], rows) if rows else "Not requested yet."
        )

    @admin.display(description="return requests")
    def returns(self, order):
        requests = (
            ReturnRequest.objects.filter(order_line__in=[line.pk for line in order.visible])
            .select_related("order_line")
            .order_by("pk")
        )
        rows = [
            (admin_link(r, f"#{r.pk}"), r.order_line.sku, r.quantity, r.get_reason_display(), r.get_status_display())
            for r in requests
        ]
        return table(["return", "SKU", "quantity", "reason", "status"], rows) if rows else "None."

    # --- actions (operators): each calls one order service

    @form_action(CancelForm, description="Cancel the selected orders", done="cancelled", permissions=["operator"])
    def cancel(self, request, order, reason):
        order_cancel(order=order, actor=request.user, reason=reason)

    @form_action(RefundForm, description="Grant a refund", done="refunds granted", permissions=["operator"])
    def grant_refund(self, request, order, amount, reason):
        if amount != quantize(amount, order.currency):
            raise InvalidInput(f"{order.currency} amounts have no more decimals than the currency.", attr="amount")
        refund_grant(order=order, amount=Money(amount, order.currency), reason=reason, actor=request.user)

    @admin.action(description="Request fulfilment (again, if its task was lost)", permissions=["operator"])
    def request_fulfilment(self, request, queryset):
        def request_one(order):
            if not order_request_fulfilment(order_id=order.pk):
                raise WrongState("Nothing to request: the order is not paid, or its fulfilment was requested already.")

        self.run_service(request, queryset, request_one, "sent to fulfilment")

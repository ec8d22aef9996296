"""Admin for the export voucher's services: operators keep the catalogue (configuration, like the
tariff and programmes), decide applications, record deliveries, resolve disputes and confirm
provider payouts through the services; SME staff read their companies' applications and orders.
Also the platform quality mark, which operators revoke here."""

from django import forms
from django.contrib import admin

from brands.admin import CompanyScopedAdmin, ReadOnlyInline
from core.admin import OperatorOnlyAdmin, ServiceOnlyAdmin, form_action
from marketplace.models import (
    PlatformMark,
    ProgrammeApplication,
    ProviderPayout,
    ServiceOrder,
    ServiceOrderEvent,
    ServiceProvider,
    SupportService,
)
from marketplace.services import service_orders
from marketplace.services import vouchers as services
from marketplace.services.marks import platform_mark_revoke


class SupportServiceInline(ReadOnlyInline):
    model = SupportService
    fields = ["code", "stage", "sub_group", "price", "currency", "is_active"]
    readonly_fields = fields


@admin.register(ServiceProvider)
class ServiceProviderAdmin(OperatorOnlyAdmin):
    list_display = ["name", "kind", "country", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    inlines = [SupportServiceInline]


@admin.register(SupportService)
class SupportServiceAdmin(OperatorOnlyAdmin):
    list_display = ["code", "provider", "stage", "sub_group", "price", "currency", "is_active"]
    list_filter = ["stage", "sub_group", "is_active"]
    search_fields = ["code", "provider__name"]
    list_select_related = ["provider"]


class ReasonsForm(forms.Form):
    reasons = forms.CharField(widget=forms.Textarea)


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(choices=[("delivered", "Delivered"), ("not_delivered", "Not delivered")])
    reason = forms.CharField(widget=forms.Textarea)


class ReadOnlyScoped(CompanyScopedAdmin):
    """Rows that change only through the actions below."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)


@admin.register(ProgrammeApplication)
class ProgrammeApplicationAdmin(ReadOnlyScoped):
    list_display = ["pk", "company", "programme", "status", "amount_requested", "created_at", "decided_at"]
    list_filter = ["status", "programme"]
    list_select_related = ["company", "programme"]
    readonly_fields = [
        "programme",
        "company",
        "status",
        "amount_requested",
        "plan",
        "sub_groups",
        "decision_reasons",
        "decided_by",
        "decided_at",
        "voucher",
        "created_at",
    ]
    actions = ["approve", "reject"]

    def object_actions(self, request, obj):
        return ["approve", "reject"] if obj.status == ProgrammeApplication.Status.SUBMITTED else []

    @form_action(ReasonsForm, description="Approve and issue the voucher", done="approved", permissions=["operator"])
    def approve(self, request, application, reasons):
        services.programme_application_decide(
            actor=request.user, application=application, approve=True, reasons=reasons
        )

    @form_action(ReasonsForm, description="Reject", done="rejected", permissions=["operator"])
    def reject(self, request, application, reasons):
        services.programme_application_decide(
            actor=request.user, application=application, approve=False, reasons=reasons
        )


class ServiceOrderEventInline(ReadOnlyInline):
    model = ServiceOrderEvent
    fields = ["created_at", "kind", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields


@admin.register(ServiceOrder)
class ServiceOrderAdmin(ReadOnlyScoped):
    list_display = ["pk", "company", "service", "status", "price", "programme_amount", "company_amount", "currency"]
    list_filter = ["status", "stage", "sub_group", "programme"]
    list_select_related = ["company", "service__provider"]
    readonly_fields = [
        "voucher",
        "programme",
        "company",
        "service",
        "provider",
        "stage",
        "sub_group",
        "status",
        "price",
        "currency",
        "share",
        "programme_amount",
        "company_amount",
        "note",
        "payout",
        "created_at",
        "delivered_at",
        "confirmed_at",
    ]
    inlines = [ServiceOrderEventInline]
    actions = ["deliver", "resolve"]

    def object_actions(self, request, obj):
        return {"ordered": ["deliver"], "disputed": ["resolve"]}.get(obj.status, [])

    @admin.action(description="Record the provider's delivery", permissions=["operator"])
    def deliver(self, request, queryset):
        self.run_service(
            request,
            queryset,
            lambda order: service_orders.service_order_deliver(actor=request.user, order=order),
            "delivered",
        )

    @form_action(ResolveForm, description="Resolve the dispute", done="resolved", permissions=["operator"])
    def resolve(self, request, order, outcome, reason):
        service_orders.service_order_resolve(actor=request.user, order=order, outcome=outcome, reason=reason)


@admin.register(ProviderPayout)
class ProviderPayoutAdmin(ServiceOnlyAdmin):
    list_display = ["pk", "provider", "programme", "period", "amount", "currency", "status", "reference", "paid_at"]
    list_filter = ["status", "period", "programme"]
    actions = ["confirm"]

    @admin.action(description="Confirm the bank transfer to the provider was made")
    def confirm(self, request, queryset):
        self.run_service(
            request,
            queryset,
            lambda payout: service_orders.provider_payout_confirm(actor=request.user, payout=payout),
            "payouts confirmed",
        )


class RevokeForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea)


@admin.register(PlatformMark)
class PlatformMarkAdmin(ServiceOnlyAdmin):
    """Awarded through the API after the platform inspection; revoked here with a reason."""

    list_display = ["pk", "product", "status", "awarded_at", "expires_at", "revoked_at"]
    list_filter = ["status"]
    list_select_related = ["product"]
    readonly_fields = ["product", "status", "results", "notes", "content_hash", "awarded_by", "awarded_at"]
    actions = ["revoke"]

    @form_action(RevokeForm, description="Revoke the mark", done="revoked", permissions=["operator"])
    def revoke(self, request, mark, reason):
        platform_mark_revoke(actor=request.user, mark=mark, reason=reason)

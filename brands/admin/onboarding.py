"""Seller applications (evaluation and decision) and trading companies' mandates."""

from django import forms
from django.contrib import admin
from django.db.models import Q

from brands import services
from brands.admin.scoping import CompanyScopedAdmin, ReadOnlyInline
from brands.models import (
    CompanyStaff,
    Mandate,
    MandateEvent,
    SellerApplication,
    SellerApplicationEvent,
)
from brands.selectors import user_company_ids
from brands.services.onboarding import ONBOARDING_CHECKLIST
from core.admin import form_action


class EvaluateForm(forms.Form):
    notes = forms.CharField(widget=forms.Textarea, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, text in ONBOARDING_CHECKLIST.items():
            self.fields[code] = forms.BooleanField(label=text, required=False)


class DecisionForm(forms.Form):
    reasons = forms.CharField(widget=forms.Textarea)


class SellerApplicationEventInline(ReadOnlyInline):
    model = SellerApplicationEvent
    fields = ["created_at", "kind", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields


@admin.register(SellerApplication)
class SellerApplicationAdmin(CompanyScopedAdmin):
    """Operators evaluate and decide; SME staff read their companies' applications (they apply
    through the API, which takes the uploads)."""

    list_display = ["company", "status", "submitted_at", "decided_at", "first_product_approved_at"]
    list_filter = ["status"]
    search_fields = ["company__legal_name"]
    list_select_related = ["company"]
    readonly_fields = [
        "company",
        "status",
        "registration_certificate",
        "registration_certificate_type",
        "figures_document",
        "figures_document_type",
        "checklist",
        "notes",
        "decision_reasons",
        "decided_by",
        "training_read",
        "first_product_approved_at",
        "created_at",
        "submitted_at",
        "decided_at",
    ]
    inlines = [SellerApplicationEventInline]
    actions = ["evaluate", "approve", "reject"]

    def has_change_permission(self, request, obj=None):
        # Nothing is edited by hand; the actions below call the services.
        return obj is None and super().has_change_permission(request)

    def object_actions(self, request, obj):
        return ["evaluate", "approve", "reject"] if obj.status == SellerApplication.Status.SUBMITTED else []

    @form_action(EvaluateForm, description="Evaluate with the checklist", done="evaluated", permissions=["operator"])
    def evaluate(self, request, application, notes, **checklist):
        services.seller_application_evaluate(
            actor=request.user, application=application, checklist=checklist, notes=notes
        )

    @form_action(DecisionForm, description="Approve as sellers", done="approved", permissions=["operator"])
    def approve(self, request, application, reasons):
        services.seller_application_decide(actor=request.user, application=application, approve=True, reasons=reasons)

    @form_action(DecisionForm, description="Reject", done="rejected", permissions=["operator"])
    def reject(self, request, application, reasons):
        services.seller_application_decide(actor=request.user, application=application, approve=False, reasons=reasons)


class MandateEventInline(ReadOnlyInline):
    model = MandateEvent
    fields = ["created_at", "kind", "actor", "data"]
    readonly_fields = fields


@admin.register(Mandate)
class MandateAdmin(CompanyScopedAdmin):
    """Mandates of SMEs to trading companies; both sides see theirs. Granted through the API;
    here the agent's owners accept or decline, the SME's owners (or operators) revoke."""

    list_display = ["company", "agent", "status", "scopes", "commission_rate", "created_at", "accepted_at"]
    list_filter = ["status"]
    search_fields = ["company__legal_name", "agent__legal_name"]
    list_select_related = ["company", "agent"]
    readonly_fields = [
        "company",
        "agent",
        "scopes",
        "commission_rate",
        "status",
        "note",
        "granted_by",
        "created_at",
        "accepted_at",
        "ended_at",
        "end_reason",
    ]
    inlines = [MandateEventInline]
    actions = ["accept", "decline", "revoke"]

    def scope(self, request, minimum=CompanyStaff.Role.VIEWER):
        ids = user_company_ids(request.user, minimum)
        return Q(company__in=ids) | Q(agent__in=ids)

    def has_change_permission(self, request, obj=None):
        # Nothing on a mandate is edited by hand; the actions below change it.
        return obj is None and super().has_change_permission(request)

    def object_actions(self, request, obj):
        allowed = {
            Mandate.Status.OFFERED: ["accept", "decline", "revoke"],
            Mandate.Status.ACTIVE: ["revoke"],
        }.get(obj.status, [])
        return [name for name in super().object_actions(request, obj) if name in allowed]

    @admin.action(description="Accept the selected mandates (agent owners)")
    def accept(self, request, queryset):
        self.run_service(
            request, queryset, lambda m: services.mandate_accept(mandate=m, actor=request.user), "accepted"
        )

    @admin.action(description="Decline the selected mandates (agent owners)")
    def decline(self, request, queryset):
        self.run_service(
            request,
            queryset,
            lambda m: services.mandate_decline(mandate=m, actor=request.user, reason="Declined in the admin."),
            "declined",
        )

    @admin.action(description="Revoke the selected mandates (SME owners, operators)")
    def revoke(self, request, queryset):
        self.run_service(
            request,
            queryset,
            lambda m: services.mandate_revoke(mandate=m, actor=request.user, reason="Revoked in the admin."),
            "revoked",
        )

from django import forms
from django.contrib import admin, messages
from django.db.models import Q

from brands import services
from brands.models import (
    Brand,
    BrandEvent,
    Company,
    CompanyStaff,
    Mandate,
    MandateEvent,
    Membership,
    QualityStandard,
    QualityStandardItem,
    SellerApplication,
    SellerApplicationEvent,
)
from brands.selectors import company_eligibility_get, user_company_ids, user_is_company_staff
from brands.services.onboarding import ONBOARDING_CHECKLIST
from core.admin import DeskAdmin, form_action
from core.errors import ApplicationError
from core.money import Money
from core.permissions import is_operator

EDITOR = CompanyStaff.Role.EDITOR


class CompanyScopedAdmin(DeskAdmin):
    """Operators see everything; SME staff see only rows of their own companies, may change
    them as editors or owners, and pick only their own companies in foreign-key fields.
    `company_path` leads from the model to its Company ("" for Company itself)."""

    company_path = "company"

    def _path(self) -> str:
        return f"{self.company_path}__in" if self.company_path else "pk__in"

    def scope(self, request, minimum=CompanyStaff.Role.VIEWER) -> Q:
        return Q(**{self._path(): user_company_ids(request.user, minimum)})

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if is_operator(request.user) else queryset.filter(self.scope(request)).distinct()

    def _in_scope(self, request, obj, minimum) -> bool:
        return self.model._default_manager.filter(self.scope(request, minimum), pk=obj.pk).exists()

    def has_module_permission(self, request):
        return is_operator(request.user) or user_is_company_staff(request.user)

    def has_view_permission(self, request, obj=None):
        if is_operator(request.user):
            return True
        return (
            user_is_company_staff(request.user)
            if obj is None
            else self._in_scope(request, obj, CompanyStaff.Role.VIEWER)
        )

    def has_change_permission(self, request, obj=None):
        if is_operator(request.user):
            return True
        if obj is None:
            return bool(user_company_ids(request.user, EDITOR))
        return self._in_scope(request, obj, EDITOR)

    def has_add_permission(self, request):
        return is_operator(request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # history matters: rows leave through their lifecycle, not deletion

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Company and not is_operator(request.user):
            kwargs["queryset"] = Company.objects.filter(pk__in=user_company_ids(request.user, EDITOR))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        # The parent admin already decided the user may see the object; its history goes with it.
        return True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class StaffInline(ReadOnlyInline):
    model = CompanyStaff
    fields = ["user", "role", "added_at"]
    readonly_fields = fields


@admin.register(Company)
class CompanyAdmin(CompanyScopedAdmin):
    company_path = ""
    list_display = [
        "legal_name",
        "kind",
        "country",
        "sector",
        "export_stage",
        "employees",
        "is_large_enterprise_subsidiary",
    ]
    list_filter = ["kind", "country", "sector", "export_stage", "is_large_enterprise_subsidiary"]
    search_fields = ["legal_name", "registration_number"]
    # The kind is chosen when the company registers (API); trading companies hold mandates.
    readonly_fields = [
        "kind",
        "sme_eligibility",
        "seller_approved_at",
        "figures_verified_at",
        "created_at",
        "updated_at",
    ]
    inlines = [StaffInline]

    @admin.display(description="SME eligibility")
    def sme_eligibility(self, company):
        if company.pk is None:
            return "Decided once the company is saved."
        verdict = company_eligibility_get(company=company)
        verified = "figures verified" if verdict.figures_verified else "figures not verified"
        return f"{'Eligible' if verdict.eligible else 'Not eligible'} ({verdict.rule_set}, {verified}): " + " ".join(
            verdict.reasons
        )

    def save_model(self, request, obj, form, change):
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in services.COMPANY_FIELDS}
        for money in ("annual_sales", "balance_sheet_total"):
            if {f"{money}_amount", f"{money}_currency"} & set(form.changed_data):
                amount = form.cleaned_data[f"{money}_amount"]
                changes[money] = None if amount is None else Money(amount, form.cleaned_data[f"{money}_currency"])
        try:
            services.company_update(company=obj, actor=request.user, **changes)
        except ApplicationError as error:
            self.message_user(request, error.detail, messages.ERROR)


@admin.register(CompanyStaff)
class CompanyStaffAdmin(CompanyScopedAdmin):
    list_display = ["user", "company", "role", "added_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "company__legal_name"]
    list_select_related = ["user", "company"]
    readonly_fields = ["user", "company", "role", "added_at"]

    def has_change_permission(self, request, obj=None):
        return False  # roles change through the API (company_staff_set), which keeps one owner


class MembershipInline(ReadOnlyInline):
    model = Membership
    fields = ["company", "role", "status", "eligibility_override_reason", "status_changed_at"]
    readonly_fields = fields


class BrandEventInline(ReadOnlyInline):
    model = BrandEvent
    fields = ["created_at", "kind", "membership", "from_status", "to_status", "actor", "reason"]
    readonly_fields = fields


@admin.register(Brand)
class BrandAdmin(CompanyScopedAdmin):
    company_path = "memberships__company"
    list_display = ["name", "slug", "status", "lead_company", "below_minimum_since", "created_at"]
    list_filter = ["status"]
    search_fields = ["name", "slug", "lead_company__legal_name"]
    list_select_related = ["lead_company"]
    readonly_fields = ["slug", "lead_company", "status", "below_minimum_since", "activated_at", "created_at"]
    fields = ["name", "name_translations", "story", "reinspect_on_new_standard", *readonly_fields]
    inlines = [MembershipInline, BrandEventInline]
    actions = ["activate", "suspend"]

    def scope(self, request, minimum=CompanyStaff.Role.VIEWER):
        # Members see their brands; only the lead company's editors and owners may change one.
        if minimum == CompanyStaff.Role.VIEWER:
            return super().scope(request, minimum)
        return Q(lead_company__in=user_company_ids(request.user, minimum))

    def save_model(self, request, obj, form, change):
        obj.save(update_fields=["name", "name_translations", "story", "reinspect_on_new_standard"])

    @admin.action(description="Activate the selected brands")
    def activate(self, request, queryset):
        self.run_service(request, queryset, lambda b: services.brand_activate(brand=b, actor=request.user), "activated")

    @admin.action(description="Suspend the selected brands (operators)")
    def suspend(self, request, queryset):
        self.run_service(
            request,
            queryset,
            lambda b: services.brand_suspend(
                brand=b, actor=request.user, reason="Suspended by an operator in the admin."
            ),
            "suspended",
        )


@admin.register(Membership)
class MembershipAdmin(CompanyScopedAdmin):
    list_display = ["company", "brand", "role", "status", "status_changed_at"]
    list_filter = ["status", "role", "brand"]
    search_fields = ["company__legal_name", "brand__name"]
    list_select_related = ["company", "brand"]
    readonly_fields = [
        "brand",
        "company",
        "role",
        "status",
        "eligibility_override_reason",
        "created_at",
        "status_changed_at",
    ]
    actions = ["approve", "suspend", "leave"]

    def scope(self, request, minimum=CompanyStaff.Role.VIEWER):
        ids = user_company_ids(request.user, minimum)
        return Q(company__in=ids) | Q(brand__lead_company__in=ids)

    def has_change_permission(self, request, obj=None):
        # Nothing on a membership is edited by hand; the actions below change it.
        return obj is None and super().has_change_permission(request)

    @admin.action(description="Approve the selected applications")
    def approve(self, request, queryset):
        self.run_service(
            request, queryset, lambda m: services.membership_approve(membership=m, actor=request.user), "approved"
        )

    @admin.action(description="Suspend the selected members")
    def suspend(self, request, queryset):
        self.run_service(
            request,
            queryset,
            lambda m: services.membership_suspend(membership=m, actor=request.user, reason="Suspended in the admin."),
            "suspended",
        )

    @admin.action(description="Leave the brand (member companies)")
    def leave(self, request, queryset):
        self.run_service(
            request, queryset, lambda m: services.membership_leave(membership=m, actor=request.user), "left"
        )


class QualityItemInline(ReadOnlyInline):
    model = QualityStandardItem
    fields = ["position", "code", "text", "required"]
    readonly_fields = fields


@admin.register(QualityStandard)
class QualityStandardAdmin(CompanyScopedAdmin):
    company_path = "brand__memberships__company"
    list_display = ["brand", "version", "created_by", "created_at"]
    list_filter = ["brand"]
    readonly_fields = ["brand", "version", "created_by", "created_at"]
    inlines = [QualityItemInline]

    def has_change_permission(self, request, obj=None):
        return False  # a new version is published through the API; versions never change


@admin.register(BrandEvent)
class BrandEventAdmin(CompanyScopedAdmin):
    company_path = "brand__memberships__company"
    list_display = ["created_at", "brand", "kind", "membership", "from_status", "to_status", "actor"]
    list_filter = ["kind", "brand"]
    list_select_related = ["brand", "membership__company", "actor"]
    readonly_fields = ["brand", "membership", "kind", "from_status", "to_status", "actor", "reason", "created_at"]

    def has_change_permission(self, request, obj=None):
        return False


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

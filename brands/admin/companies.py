"""Companies, their staff, brands, members, quality standards and the brand timeline."""

from django.contrib import admin, messages
from django.db.models import Q

from brands import services
from brands.admin.scoping import CompanyScopedAdmin, ReadOnlyInline
from brands.models import (
    Brand,
    BrandEvent,
    Company,
    CompanyStaff,
    Membership,
    QualityStandard,
    QualityStandardItem,
)
from brands.selectors import company_eligibility_get, user_company_ids
from core.errors import ApplicationError
from core.money import Money


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

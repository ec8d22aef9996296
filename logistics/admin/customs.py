"""Trade rules are data operators keep current here (a change is a new row with its valid_from,
so estimates made under the old row keep naming it). Consignments and customs declarations are
followed here by operators and the exporting SME's staff; state changes run through the
services (holding a declaration needs a reason, so it is done through the API)."""

from django import forms
from django.contrib import admin
from django.utils.html import format_html

from brands.admin import CompanyScopedAdmin, ReadOnlyInline
from core.admin import OperatorOnlyAdmin, form_action
from core.money import Money
from logistics.models import (
    Consignment,
    ConsignmentLine,
    CustomsDeclaration,
    DeclarationLine,
    DrawbackClaim,
    DrawbackRule,
    DutyBill,
    DutyRule,
    LowValueScheme,
    RestrictedGood,
    TaxRule,
)
from logistics.services import (
    consignment_cancel,
    declaration_clear,
    declaration_create,
    declaration_release,
    declaration_submit,
)
from logistics.services.reconciliation import duty_bill_record


@admin.register(TaxRule)
class TaxRuleAdmin(OperatorOnlyAdmin):
    list_display = [
        "country",
        "valid_from",
        "tax_name",
        "tax_rate",
        "currency",
        "duty_de_minimis",
        "tax_de_minimis",
        "tax_on_duty",
    ]
    list_filter = ["country", "tax_on_duty"]
    search_fields = ["country", "tax_name", "source"]
    date_hierarchy = "valid_from"
    ordering = ["country", "-valid_from"]


@admin.register(DutyRule)
class DutyRuleAdmin(OperatorOnlyAdmin):
    list_display = ["country", "hs_prefix_or_default", "rate", "valid_from", "source"]
    list_filter = ["country"]
    search_fields = ["hs_prefix", "source"]
    date_hierarchy = "valid_from"
    ordering = ["country", "hs_prefix", "-valid_from"]

    @admin.display(description="HS prefix", ordering="hs_prefix")
    def hs_prefix_or_default(self, rule):
        return rule.hs_prefix or "(default)"


@admin.register(LowValueScheme)
class LowValueSchemeAdmin(OperatorOnlyAdmin):
    list_display = ["code", "name", "valid_from", "valid_to", "threshold", "currency", "registration_number"]
    list_filter = ["code"]
    search_fields = ["code", "name", "source", "registration_number"]
    date_hierarchy = "valid_from"


@admin.register(RestrictedGood)
class RestrictedGoodAdmin(OperatorOnlyAdmin):
    list_display = ["country", "hs_prefix", "restriction", "valid_from", "valid_to", "reason"]
    list_filter = ["country", "restriction"]
    search_fields = ["hs_prefix", "reason", "source"]
    date_hierarchy = "valid_from"


class ConsignmentLineInline(ReadOnlyInline):
    model = ConsignmentLine
    fields = ["variant", "manufacturer", "quantity", "unit_value", "currency"]
    readonly_fields = fields


@admin.register(Consignment)
class ConsignmentAdmin(CompanyScopedAdmin):
    """Created through the API (lines are validated against the brand's members and stock is
    reserved); here they are followed, declared and cancelled."""

    company_path = "exporter"
    list_display = ["reference", "brand", "exporter", "warehouse", "destination_country", "incoterm", "status"]
    list_filter = ["status", "incoterm", "destination_country", "warehouse"]
    search_fields = ["reference", "importer_name", "exporter__legal_name", "brand__name"]
    list_select_related = ["brand", "exporter", "warehouse"]
    readonly_fields = [
        "reference",
        "brand",
        "exporter",
        "warehouse",
        "destination_country",
        "importer_name",
        "importer_address",
        "consignee_name",
        "consignee_address",
        "incoterm",
        "status",
        "created_at",
        "dispatched_at",
    ]
    fields = readonly_fields
    inlines = [ConsignmentLineInline]
    actions = ["declare", "cancel"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    @admin.action(description="Create or rebuild the customs declaration", permissions=["operator"])
    def declare(self, request, queryset):
        self.run_service(
            request, queryset, lambda obj: declaration_create(consignment=obj, actor=request.user), "declared"
        )

    @admin.action(description="Cancel the selected consignments (stock released)", permissions=["operator"])
    def cancel(self, request, queryset):
        self.run_service(
            request, queryset, lambda obj: consignment_cancel(consignment=obj, actor=request.user), "cancelled"
        )


class DeclarationLineInline(ReadOnlyInline):
    model = DeclarationLine
    fields = [
        "description",
        "hs_code",
        "origin_country",
        "manufacturer",
        "quantity",
        "unit_value",
        "net_weight_kg",
        "gross_weight_kg",
        "duty_rate",
        "mfn_rate",
        "agreement_code",
        "origin_statement",
    ]
    readonly_fields = fields


class DutyBillForm(forms.Form):
    billed_by = forms.CharField(max_length=100, help_text="The carrier or customs broker.")
    reference = forms.CharField(max_length=60, help_text="Their invoice or entry number.")
    currency = forms.CharField(max_length=3, help_text="The declaration's currency.")
    duty = forms.DecimalField(min_value=0, max_digits=14, decimal_places=4)
    tax = forms.DecimalField(min_value=0, max_digits=14, decimal_places=4)


@admin.register(CustomsDeclaration)
class CustomsDeclarationAdmin(CompanyScopedAdmin):
    company_path = "exporter"
    list_display = ["__str__", "exporter_name", "destination_country", "incoterm", "status", "submitted_at"]
    list_filter = ["status", "incoterm", "destination_country"]
    search_fields = ["exporter_name", "importer_name", "consignment__reference", "lines__hs_code"]
    list_select_related = ["exporter", "consignment"]
    readonly_fields = [
        "consignment",
        "shipment",
        "exporter",
        "exporter_name",
        "importer_name",
        "importer_address",
        "consignee_name",
        "consignee_address",
        "destination_country",
        "incoterm",
        "currency",
        "status",
        "hold_reason",
        "goods_value",
        "duty_amount",
        "tax_amount",
        "tax_scheme",
        "tax_registration_number",
        "rule_versions",
        "documents",
        "created_at",
        "submitted_at",
        "decided_at",
    ]
    fields = readonly_fields
    inlines = [DeclarationLineInline]
    actions = ["submit", "clear", "release", "record_bill"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    @admin.display(description="Documents")
    def documents(self, declaration):
        links = [
            (label, file.url)
            for label, file in (("Commercial invoice", declaration.commercial_invoice), ("CN23", declaration.cn23))
            if file
        ]
        if not links:
            return "rendered on submission"
        return format_html(
            "{} | {}" if len(links) == 2 else "{}",
            *(format_html('<a href="{}">{}</a>', url, label) for label, url in links),
        )

    @admin.action(description="Submit the selected drafts (validated; documents rendered)", permissions=["operator"])
    def submit(self, request, queryset):
        self.run_service(
            request, queryset, lambda obj: declaration_submit(declaration=obj, actor=request.user), "submitted"
        )

    @admin.action(description="Record that customs cleared the selected declarations", permissions=["operator"])
    def clear(self, request, queryset):
        self.run_service(
            request, queryset, lambda obj: declaration_clear(declaration=obj, actor=request.user), "cleared"
        )

    @admin.action(description="Record that customs released the selected held declarations", permissions=["operator"])
    def release(self, request, queryset):
        self.run_service(
            request, queryset, lambda obj: declaration_release(declaration=obj, actor=request.user), "released"
        )

    @form_action(DutyBillForm, description="Record the final duty bill", done="billed", permissions=["operator"])
    def record_bill(self, request, declaration, billed_by, reference, currency, duty, tax):
        duty_bill_record(
            actor=request.user,
            declaration=declaration,
            billed_by=billed_by,
            reference=reference,
            duty=Money(duty, currency.upper()),
            tax=Money(tax, currency.upper()),
        )


@admin.register(DutyBill)
class DutyBillAdmin(CompanyScopedAdmin):
    """Recorded from a declaration (its action), through the API or a CSV upload; read here."""

    company_path = "declaration__exporter"
    list_display = ["__str__", "billed_by", "currency", "duty_billed", "tax_billed", "difference", "responsible_party"]
    list_filter = ["responsible_party", "declaration__destination_country"]
    search_fields = ["reference", "billed_by"]
    list_select_related = ["declaration"]
    readonly_fields = [
        "declaration",
        "billed_by",
        "reference",
        "currency",
        "duty_billed",
        "tax_billed",
        "duty_estimated",
        "tax_estimated",
        "difference",
        "responsible_party",
        "responsible_company",
        "recorded_by",
        "recorded_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)


@admin.register(DrawbackRule)
class DrawbackRuleAdmin(OperatorOnlyAdmin):
    list_display = ["country", "valid_from", "duty_share", "tax_refundable", "time_limit_days", "source"]
    list_filter = ["country"]
    search_fields = ["source"]


@admin.register(DrawbackClaim)
class DrawbackClaimAdmin(CompanyScopedAdmin):
    """Filed and moved on through the API (each step needs customs' reference or amount); read here."""

    company_path = "credited_company"
    list_display = ["__str__", "disposition", "currency", "refundable", "refunded", "status", "credited_company"]
    list_filter = ["status", "disposition"]
    search_fields = ["reference", "customs_reference"]
    list_select_related = ["credited_company", "declaration"]
    readonly_fields = [
        "declaration",
        "rule",
        "disposition",
        "reference",
        "lines",
        "currency",
        "duty_paid",
        "tax_paid",
        "refundable",
        "refunded",
        "credited_company",
        "status",
        "customs_reference",
        "note",
        "document",
        "filed_by",
        "filed_at",
        "submitted_at",
        "decided_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

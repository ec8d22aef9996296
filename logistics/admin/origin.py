"""FTA data operators keep current (agreements and their dated preferential rates: a staged cut
is a new rate row), and the products' origin qualifications, declared by SME staff through the
API and verified or rejected here by operators, through the services."""

from django import forms
from django.contrib import admin
from django.utils.html import format_html

from brands.admin import CompanyScopedAdmin
from core.admin import OperatorOnlyAdmin, form_action
from logistics.models import OriginQualification, PreferentialRate, TradeAgreement
from logistics.services.origin import origin_qualification_reject, origin_qualification_verify


class PreferentialRateInline(admin.TabularInline):
    model = PreferentialRate
    extra = 0
    fields = ["country", "hs_prefix", "rate", "valid_from", "source"]


@admin.register(TradeAgreement)
class TradeAgreementAdmin(OperatorOnlyAdmin):
    list_display = ["code", "name", "in_force_from", "proof", "source"]
    search_fields = ["code", "name", "source"]
    inlines = [PreferentialRateInline]


@admin.register(PreferentialRate)
class PreferentialRateAdmin(OperatorOnlyAdmin):
    list_display = ["agreement", "country", "hs_prefix_or_default", "rate", "valid_from", "source"]
    list_filter = ["agreement", "country"]
    search_fields = ["hs_prefix", "source"]
    date_hierarchy = "valid_from"
    list_select_related = ["agreement"]

    @admin.display(description="HS prefix", ordering="hs_prefix")
    def hs_prefix_or_default(self, rate):
        return rate.hs_prefix or "(default)"


class RejectForm(forms.Form):
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), help_text="Told to the SME.")


@admin.register(OriginQualification)
class OriginQualificationAdmin(CompanyScopedAdmin):
    company_path = "product__company"
    list_display = ["product", "agreement", "criterion", "valid_from", "valid_to", "status", "checked_by"]
    list_filter = ["status", "agreement", "criterion"]
    search_fields = ["product__slug", "declaration", "certificate_number"]
    list_select_related = ["product", "agreement", "checked_by"]
    readonly_fields = [
        "product",
        "agreement",
        "criterion",
        "declaration",
        "document",
        "certificate_number",
        "exporter_authorisation",
        "valid_from",
        "valid_to",
        "status",
        "declared_by",
        "created_at",
        "checked_by",
        "checked_at",
        "check_note",
    ]
    fields = readonly_fields
    actions = ["verify", "reject"]

    def has_add_permission(self, request):
        return False  # SME staff declare through the API (a document upload, checked by the service)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    @admin.display(description="Supporting document")
    def document(self, qualification):
        file = qualification.supporting_document
        return format_html('<a href="{}">{}</a>', file.url, file.name) if file else "-"

    @admin.action(description="Verify the selected declarations (estimates use them)", permissions=["operator"])
    def verify(self, request, queryset):
        self.run_service(
            request,
            queryset,
            lambda obj: origin_qualification_verify(actor=request.user, qualification=obj),
            "verified",
        )

    @form_action(RejectForm, description="Reject the selected declarations", done="rejected", permissions=["operator"])
    def reject(self, request, qualification, reason):
        origin_qualification_reject(actor=request.user, qualification=qualification, reason=reason)

"""QC inspections, recorded through the API and shown here read-only."""

from django.contrib import admin
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.db.models import Q
from django.utils.html import format_html

from brands.admin import CompanyScopedAdmin
from brands.models import CompanyStaff
from brands.selectors import user_company_ids, user_is_company_staff
from core.permissions import is_operator
from listings.models import Inspection, InspectionDefect, InspectionPhoto, InspectionResult


class _InspectionPartInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        return is_operator(request.user) or user_is_company_staff(request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class InspectionResultInline(_InspectionPartInline):
    model = InspectionResult
    fields = ["item", "passed", "note"]
    readonly_fields = fields


class InspectionDefectInline(_InspectionPartInline):
    model = InspectionDefect
    fields = ["code", "quantity", "note"]
    readonly_fields = fields


class InspectionPhotoInline(_InspectionPartInline):
    model = InspectionPhoto
    fields = ["photo", "caption"]
    readonly_fields = fields

    @admin.display(description="photo")
    def photo(self, photo):
        return format_html('<img src="{}" alt="" style="max-width:160px;max-height:160px">', photo.image.url)


@admin.register(Inspection)
class InspectionAdmin(CompanyScopedAdmin):
    """Inspections are recorded through the API (inspection_record) and never change."""

    company_path = "product__company"
    list_display = ["id", "product", "brand", "standard_version", "outcome", "inspector", "lot_number", "created_at"]
    list_filter = ["outcome", ("standard__brand", RelatedOnlyFieldListFilter)]
    search_fields = ["product__slug", "product__variants__sku", "lot_number"]
    list_select_related = ["product", "standard__brand", "inspector"]
    fields = [
        "product",
        "standard",
        "outcome",
        "inspector",
        "notes",
        "lot_number",
        "sample_size",
        "units_inspected",
        "created_at",
    ]
    readonly_fields = fields
    inlines = [InspectionResultInline, InspectionDefectInline, InspectionPhotoInline]

    def scope(self, request, minimum=CompanyStaff.Role.VIEWER):
        # The product's company, and the brand's lead company that records the inspections.
        ids = user_company_ids(request.user, minimum)
        return Q(product__company__in=ids) | Q(product__brand__lead_company__in=ids)

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="brand")
    def brand(self, inspection):
        return inspection.standard.brand

    @admin.display(description="standard")
    def standard_version(self, inspection):
        return f"v{inspection.standard.version}"

"""Edits held for review on published products: operators (and a brand's lead company for its
brand's products) approve or reject them here, through the same services as the API."""

import json

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.utils.html import format_html

from brands.admin import CompanyScopedAdmin
from brands.models import CompanyStaff
from brands.selectors import user_company_ids
from core.admin import form_action
from listings import services
from listings.models import ProductRevision


class DecisionForm(forms.Form):
    reason = forms.CharField(
        max_length=1000, widget=forms.Textarea(attrs={"rows": 3}), help_text="Shown to the product's company."
    )


@admin.register(ProductRevision)
class ProductRevisionAdmin(CompanyScopedAdmin):
    company_path = "product__company"
    list_display = ["id", "product", "status", "held_fields", "submitted_by", "updated_at", "decided_by"]
    list_filter = ["status"]
    search_fields = ["product__slug", "product__variants__sku"]
    list_select_related = ["product", "submitted_by", "decided_by"]
    fields = ["product", "status", "changed", "submitted_by", "created_at", "updated_at", "decided_by", "decided_at"]
    readonly_fields = fields
    actions = ["approve", "reject"]

    def scope(self, request, minimum=CompanyStaff.Role.VIEWER):
        # The product's company sees its edits; the brand's lead company reviews its brand's.
        ids = user_company_ids(request.user, minimum)
        return Q(product__company__in=ids) | Q(product__brand__lead_company__in=ids)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def object_actions(self, request, obj):
        return self.actions if obj.status == ProductRevision.Status.PENDING else []

    @admin.display(description="fields held")
    def held_fields(self, revision):
        return ", ".join(sorted(revision.changes))

    @admin.display(description="changes")
    def changed(self, revision):
        return format_html("<pre>{}</pre>", json.dumps(revision.changes, indent=2, ensure_ascii=False))

    @admin.action(description="Approve the selected edits (they go live)", permissions=["change"])
    def approve(self, request, queryset):
        self.run_service(
            request,
            queryset,
            lambda revision: services.product_revision_approve(actor=request.user, revision=revision),
            "approved and live",
        )

    @form_action(DecisionForm, description="Reject the selected edits", done="rejected")
    def reject(self, request, revision, reason):
        services.product_revision_reject(actor=request.user, revision=revision, reason=reason)

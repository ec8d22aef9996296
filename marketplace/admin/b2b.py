"""B2B terms in the admin: SME staff see their companies' price lists (archived by an action);
operators grant net terms (the form calls the service), follow invoices on terms, see the
overdue ones and record payments, all through services."""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone

from brands.admin import CompanyScopedAdmin, ReadOnlyInline
from core.admin import OperatorOnlyAdmin, ServiceOnlyAdmin
from core.errors import ApplicationError
from core.money import Money
from marketplace.b2b_selectors import overdue
from marketplace.models import CreditLine, PriceList, PriceListEntry, TermsInvoice
from marketplace.services.b2b_terms import (
    credit_line_check,
    credit_line_grant,
    price_list_archive,
    terms_invoice_settle,
)


class PriceListEntryInline(ReadOnlyInline):
    model = PriceListEntry
    fields = ["product", "min_quantity", "unit_price"]
    readonly_fields = fields


@admin.register(PriceList)
class PriceListAdmin(CompanyScopedAdmin):
    company_path = "company"
    list_display = ["name", "company", "buyer_company", "currency", "valid_until", "status", "created_at"]
    list_filter = ["status", "currency"]
    search_fields = ["name", "company__legal_name", "buyer_company__name"]
    list_select_related = ["company", "buyer_company"]
    readonly_fields = ["company", "buyer_company", "name", "currency", "valid_until", "status", "created_by"]
    inlines = [PriceListEntryInline]
    actions = ["archive"]

    def has_add_permission(self, request):
        return False  # sellers create price lists through the API

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Archive the selected price lists")
    def archive(self, request, queryset):
        done = 0
        for price_list in queryset.filter(status=PriceList.Status.ACTIVE).order_by("pk"):
            try:
                price_list_archive(actor=request.user, price_list=price_list)
                done += 1
            except ApplicationError as error:
                self.message_user(request, f"{price_list}: {error.detail}", messages.ERROR)
        self.message_user(request, f"{done} price lists archived.")


class CreditLineForm(forms.ModelForm):
    class Meta:
        model = CreditLine
        fields = ["buyer_company", "net_days", "credit_limit", "currency"]

    def clean(self):
        data = super().clean()
        buyer_company = data.get("buyer_company") or getattr(self.instance, "buyer_company", None)
        if buyer_company and data.get("net_days") and data.get("credit_limit") is not None and data.get("currency"):
            limit = Money(data["credit_limit"], data["currency"])
            for field, problems in credit_line_check(
                buyer_company=buyer_company, net_days=data["net_days"], credit_limit=limit
            ).items():
                self.add_error(field if field in self.fields else None, [detail for _code, detail in problems])
        return data


@admin.register(CreditLine)
class CreditLineAdmin(OperatorOnlyAdmin):
    """Granting or changing net terms goes through credit_line_grant; the form asks
    credit_line_check first, so what the service would refuse is a form error."""

    form = CreditLineForm

    list_display = ["buyer_company", "net_days", "credit_limit", "currency", "granted_by", "granted_at"]
    list_select_related = ["buyer_company", "granted_by"]
    fields = ["buyer_company", "net_days", "credit_limit", "currency", "granted_by", "granted_at"]
    readonly_fields = ["granted_by", "granted_at"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "buyer_company"] if obj else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        line = credit_line_grant(
            actor=request.user,
            buyer_company=obj.buyer_company,
            net_days=obj.net_days,
            credit_limit=Money(obj.credit_limit, obj.currency),
        )
        obj.pk = line.pk


class OverdueFilter(admin.SimpleListFilter):
    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "Overdue")]

    def queryset(self, request, queryset):
        return queryset.filter(overdue()) if self.value() == "yes" else queryset


@admin.register(TermsInvoice)
class TermsInvoiceAdmin(ServiceOnlyAdmin):
    list_display = ["order", "buyer_company", "amount", "currency", "due_on", "status", "is_overdue", "paid_at"]
    list_filter = [OverdueFilter, "status"]
    search_fields = ["order__number", "buyer_company__name"]
    list_select_related = ["order", "buyer_company"]
    actions = ["settle"]

    @admin.display(boolean=True, description="Overdue")
    def is_overdue(self, invoice):
        return invoice.status == TermsInvoice.Status.OPEN and invoice.due_on < timezone.localdate()

    @admin.action(description="Record the buyer's payment of the selected invoices")
    def settle(self, request, queryset):
        done = 0
        for invoice in queryset.filter(status=TermsInvoice.Status.OPEN).order_by("pk"):
            terms_invoice_settle(actor=request.user, invoice=invoice, reference="admin")
            done += 1
        self.message_user(request, f"{done} invoices recorded as paid.")

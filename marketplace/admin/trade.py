"""The trade desk in the admin: operators verify buyer companies and follow RFQs and quotes;
SME staff see their own companies' quotes and inquiry threads, read-only (writes go through
the API's services)."""

from django.contrib import admin

from brands.admin import CompanyScopedAdmin, ReadOnlyInline
from core.admin import OperatorOnlyAdmin
from marketplace.models import (
    RFQ,
    BuyerCompany,
    BuyerStaff,
    InquiryMessage,
    InquiryThread,
    Quote,
    QuoteLine,
    TradeEvent,
)
from marketplace.services.trade import buyer_company_verify


class BuyerStaffInline(ReadOnlyInline):
    model = BuyerStaff
    fields = ["user", "role", "created_at"]
    readonly_fields = fields


@admin.register(BuyerCompany)
class BuyerCompanyAdmin(OperatorOnlyAdmin):
    list_display = ["name", "country", "verified", "verified_at", "created_at"]
    list_filter = ["verified", "country"]
    search_fields = ["name", "website"]
    readonly_fields = ["verified", "verified_at", "verified_by", "created_at"]
    inlines = [BuyerStaffInline]
    actions = ["verify"]

    def has_add_permission(self, request):
        return False  # buyers register their companies through the API

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Verify the selected buyer companies")
    def verify(self, request, queryset):
        done = 0
        for company in queryset.filter(verified=False).order_by("pk"):
            buyer_company_verify(actor=request.user, buyer_company=company)
            done += 1
        self.message_user(request, f"{done} buyer companies verified.")


class TradeEventInline(ReadOnlyInline):
    model = TradeEvent
    fk_name = "rfq"
    fields = ["kind", "quote", "actor", "data", "created_at"]
    readonly_fields = fields


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RFQ)
class RFQAdmin(ReadOnlyAdminMixin, OperatorOnlyAdmin):
    list_display = ["pk", "title", "buyer_company", "category", "quantity", "destination_country", "deadline", "status"]
    list_filter = ["status", "incoterm", "destination_country"]
    search_fields = ["title", "buyer_company__name"]
    list_select_related = ["buyer_company", "category"]
    inlines = [TradeEventInline]


class QuoteLineInline(ReadOnlyInline):
    model = QuoteLine
    fields = ["product", "variant", "seller", "quantity", "unit_price", "list_unit_price", "price_override_reason"]
    readonly_fields = fields


@admin.register(Quote)
class QuoteAdmin(ReadOnlyAdminMixin, CompanyScopedAdmin):
    """Operators see every quote; SME staff their own companies' (a competitor's never)."""

    company_path = "company"
    list_display = ["pk", "rfq", "company", "brand", "status", "incoterm", "total", "currency", "valid_until"]
    list_filter = ["status", "incoterm"]
    list_select_related = ["rfq", "company", "brand"]
    inlines = [QuoteLineInline]


class InquiryMessageInline(ReadOnlyInline):
    model = InquiryMessage
    fields = ["side", "author", "body", "attachment", "created_at"]
    readonly_fields = fields


@admin.register(InquiryThread)
class InquiryThreadAdmin(ReadOnlyAdminMixin, CompanyScopedAdmin):
    company_path = "company"
    list_display = ["subject", "product", "company", "buyer", "buyer_company", "seller_unread", "last_message_at"]
    list_select_related = ["product", "company", "buyer", "buyer_company"]
    inlines = [InquiryMessageInline]

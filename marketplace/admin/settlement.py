"""Admin for settlement: operators edit the tariff, programmes and brand funds and confirm manual
payouts; SME staff see their own fees, statements and payouts, read-only."""

from django.contrib import admin

from brands.admin import CompanyScopedAdmin, ReadOnlyInline
from core.admin import OperatorOnlyAdmin
from core.permissions import is_operator
from marketplace.models import (
    BrandFund,
    BrandFundEntry,
    Fee,
    FeeRate,
    FeeSplit,
    Payout,
    PayoutAccount,
    Statement,
    SupportProgramme,
    Voucher,
)
from marketplace.services.settlement import payout_confirm


@admin.register(FeeRate)
class FeeRateAdmin(OperatorOnlyAdmin):
    list_display = ["kind", "scope", "basis", "value", "currency", "valid_from"]
    list_filter = ["kind", "basis"]


class VoucherInline(ReadOnlyInline):
    model = Voucher
    fields = ["company", "amount", "spent", "currency", "fee_kinds", "expires_on", "issued_at"]
    readonly_fields = fields


@admin.register(SupportProgramme)
class SupportProgrammeAdmin(OperatorOnlyAdmin):
    list_display = ["name", "sponsor", "starts_on", "ends_on", "budget", "spent", "currency", "share", "priority"]
    list_filter = ["is_active", "currency"]
    search_fields = ["name", "sponsor"]
    readonly_fields = ["spent"]
    inlines = [VoucherInline]


@admin.register(Voucher)
class VoucherAdmin(OperatorOnlyAdmin):
    list_display = ["pk", "programme", "company", "amount", "spent", "currency", "expires_on"]
    list_filter = ["programme"]
    readonly_fields = ["spent"]


class BrandFundEntryInline(ReadOnlyInline):
    model = BrandFundEntry
    fields = ["created_at", "kind", "amount", "order", "order_amount", "refund", "statement"]
    readonly_fields = fields
    ordering = ["-pk"]


@admin.register(BrandFund)
class BrandFundAdmin(OperatorOnlyAdmin):
    """The balance moves only through services: contributions at settlement, promotions' discounts."""

    list_display = ["brand", "rate", "currency", "balance", "held"]
    readonly_fields = ["balance", "held"]
    inlines = [BrandFundEntryInline]

    def get_readonly_fields(self, request, obj=None):
        # A fund with a ledger keeps its currency: the entries are in it.
        fixed = ["currency"] if obj is not None and obj.entries.exists() else []
        return [*self.readonly_fields, *fixed]


class FeeSplitInline(ReadOnlyInline):
    model = FeeSplit
    fields = [
        "programme",
        "voucher",
        "amount",
        "programme_amount",
        "programme_currency",
        "exchange_rate",
        "is_reversal",
    ]
    readonly_fields = fields


class ReadOnlyScopedAdmin(CompanyScopedAdmin):
    """Ledger rows change only through services."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Fee)
class FeeAdmin(ReadOnlyScopedAdmin):
    list_display = [
        "pk",
        "company",
        "kind",
        "cause_type",
        "cause_id",
        "period",
        "amount",
        "company_amount",
        "currency",
        "status",
        "charged_at",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["company__legal_name", "cause_type"]
    inlines = [FeeSplitInline]


@admin.register(Statement)
class StatementAdmin(ReadOnlyScopedAdmin):
    list_display = [
        "company",
        "period",
        "currency",
        "sales",
        "commission",
        "fees",
        "brand_fund",
        "chargebacks",
        "agent_commissions",
        "carried_in",
        "net",
    ]
    list_filter = ["period"]


@admin.register(Payout)
class PayoutAdmin(ReadOnlyScopedAdmin):
    list_display = ["pk", "company", "period", "amount", "currency", "method", "status", "transfer_id", "paid_at"]
    list_filter = ["status", "method", "period"]
    actions = ["confirm"]

    @admin.action(description="Confirm the manual bank transfer was made")
    def confirm(self, request, queryset):
        self.run_service(
            request, queryset, lambda payout: payout_confirm(payout=payout, actor=request.user), "payouts confirmed"
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not is_operator(request.user):
            actions.pop("confirm", None)
        return actions


@admin.register(PayoutAccount)
class PayoutAccountAdmin(CompanyScopedAdmin):
    """Where money goes is set by operators (after checking the account), seen by the company."""

    list_display = ["company", "currency", "stripe_account_id"]

    def has_change_permission(self, request, obj=None):
        return is_operator(request.user)

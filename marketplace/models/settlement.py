"""Settlement: the platform's fees (a ledger, one row per cause), support programmes and vouchers
that co-finance them (splits), brand-fund rates, payout accounts, statements and payouts.

Amounts are Decimal in a stated currency, rounded to its minor units. Invariants the database can
hold are constraints: a cause is charged once, a programme never spends beyond its budget, a
voucher never beyond its amount, a company never gets two payouts for one period."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from brands.models import Brand, Company
from core.money import Money, validate_currency_code


class FeeKind(models.TextChoices):
    COMMISSION = "commission", "Sales commission (per order line)"
    SYNDICATION = "syndication", "Syndication (per live listing per channel per month)"
    FULFILMENT = "fulfilment", "Fulfilment (per shipment)"
    STORAGE = "storage", "Storage (per m3 per month)"
    INSPECTION = "inspection", "Inspection (per unit)"
    REPACKAGING = "repackaging", "Repackaging and relabelling (per unit)"
    CUSTOMS_BROKERAGE = "customs_brokerage", "Customs brokerage (per declaration)"
    TRANSLATION = "translation", "Translation (per product per locale)"
    # Not the platform's: the commission an SME owes the trading company acting for it
    # (brands.models.Mandate), kept on the SME's statement with the platform's fees.
    AGENT_COMMISSION = "agent_commission", "Agent commission (per order line, to the SME's trading company)"
    # Not the platform's either: the SME's own share of a service ordered with a voucher, due on
    # confirmation and recovered from its payouts (ADR 0031). No programme covers it.
    SERVICE_CO_PAYMENT = "service_co_payment", "Co-payment for a voucher service (the SME's share)"


class FeeRate(models.Model):
    """The tariff: a rate per fee kind, optionally per scope (commission: `storefront:b2c`,
    `b2b_quote`, `channel:<code>`; "" is the default), in force from a date. Operators edit
    it in the admin; a new price is a new row with a later `valid_from`, so history stays."""

    class Basis(models.TextChoices):
        PERCENT = "percent", "Share of the amount (0.0800 is 8 %)"
        PER_UNIT = "per_unit", "Amount per unit"

    kind = models.CharField(max_length=20, choices=FeeKind.choices)
    scope = models.CharField(max_length=40, blank=True, help_text="'' is the default for the kind.")
    basis = models.CharField(max_length=10, choices=Basis.choices)
    value = models.DecimalField(max_digits=12, decimal_places=4)
    currency = models.CharField(max_length=3, blank=True, help_text="For per-unit rates.")
    valid_from = models.DateField()

    class Meta:
        ordering = ["kind", "scope", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "scope", "valid_from"], name="fee_rate_unique_per_day"),
            models.CheckConstraint(condition=Q(value__gte=0), name="fee_rate_non_negative"),
            models.CheckConstraint(
                condition=Q(basis="percent", value__lte=1, currency="") | (Q(basis="per_unit") & ~Q(currency="")),
                name="fee_rate_basis_consistent",
            ),
        ]

    def __str__(self):
        unit = f"{self.value:%}" if self.basis == self.Basis.PERCENT else f"{self.value} {self.currency}"
        return f"{self.kind} {self.scope or '(default)'}: {unit} from {self.valid_from}"


class SupportProgramme(models.Model):
    """A sponsor's co-financing of platform fees (the reference report's annex tables: total
    budget per year, maximum per SME, co-financed share, eligibility)."""

    name = models.CharField(max_length=200, unique=True)
    sponsor = models.CharField(max_length=200)
    starts_on = models.DateField()
    ends_on = models.DateField()
    currency = models.CharField(max_length=3, validators=[validate_currency_code])
    budget = models.DecimalField(max_digits=16, decimal_places=4)
    # Covered fee shares plus amounts set aside for vouchers; never beyond the budget.
    spent = models.DecimalField(max_digits=16, decimal_places=4, default=Decimal(0))
    per_company_cap = models.DecimalField(max_digits=16, decimal_places=4)
    share = models.DecimalField(max_digits=5, decimal_places=4, help_text="0.7000 co-finances 70 % of a fee.")
    fee_kinds = models.JSONField(default=list, help_text="Fee kinds covered.")
    # Eligibility: all of these must hold.
    sme_only = models.BooleanField(default=True, help_text="Only companies the SME rule set finds eligible.")
    export_stages = models.JSONField(default=list, blank=True, help_text="Export stages admitted; [] is any.")
    brand = models.ForeignKey(
        Brand, on_delete=models.PROTECT, null=True, blank=True, related_name="+", help_text="Active members only."
    )
    countries = models.JSONField(default=list, blank=True, help_text="Company countries admitted; [] is any.")
    priority = models.PositiveSmallIntegerField(default=100, help_text="Lower pays first.")
    # Rules for services ordered with the programme's vouchers (marketplace.services.vouchers and
    # service_orders).
    covers_services = models.BooleanField(default=False, help_text="Its vouchers pay for catalogue services.")
    year_shares = models.JSONField(
        default=list,
        blank=True,
        help_text='The programme\'s share of a service by year of participation, ["0.8", "0.5"]: the SME '
        "co-pays 20 % in its first year, 50 % in its second and later; [] is `share` every year.",
    )
    max_uses = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Service orders per company.")
    max_per_company_year = models.DecimalField(
        max_digits=16, decimal_places=4, null=True, blank=True, help_text="Programme spend per company per year."
    )
    service_stages = models.JSONField(default=list, blank=True, help_text="Export stages of services; [] is any.")
    service_sub_groups = models.JSONField(default=list, blank=True, help_text="Sub-groups of services; [] is any.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["priority", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(spent__lte=F("budget")), name="programme_spent_within_budget"),
            models.CheckConstraint(condition=Q(spent__gte=0), name="programme_spent_non_negative"),
            models.CheckConstraint(condition=Q(budget__gt=0), name="programme_budget_positive"),
            models.CheckConstraint(condition=Q(per_company_cap__gt=0), name="programme_cap_positive"),
            models.CheckConstraint(condition=Q(share__gt=0, share__lte=1), name="programme_share_fraction"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="programme_period_valid"),
        ]

    def __str__(self):
        return self.name

    @property
    def remaining(self) -> Money:
        return Money(self.budget - self.spent, self.currency)


class ProgrammeCompany(models.Model):
    """What a programme has spent on one company (direct cover and vouchers), against its cap."""

    programme = models.ForeignKey(SupportProgramme, on_delete=models.PROTECT, related_name="company_spend")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    spent = models.DecimalField(max_digits=16, decimal_places=4, default=Decimal(0))

    class Meta:
        ordering = ["programme", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "company"], name="programme_company_unique"),
            models.CheckConstraint(condition=Q(spent__gte=0), name="programme_company_spent_non_negative"),
        ]

    def __str__(self):
        return f"{self.programme} / {self.company}: {self.spent}"


class Voucher(models.Model):
    """An export voucher issued to a company under a programme: its amount is set aside from
    the programme's budget on issue; the company's fees of the covered kinds draw on it."""

    programme = models.ForeignKey(SupportProgramme, on_delete=models.PROTECT, related_name="vouchers")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="vouchers")
    amount = models.DecimalField(max_digits=16, decimal_places=4)
    currency = models.CharField(max_length=3, validators=[validate_currency_code])
    spent = models.DecimalField(max_digits=16, decimal_places=4, default=Decimal(0))
    fee_kinds = models.JSONField(
        default=list, blank=True, help_text="Platform fee kinds it pays; [] for services only."
    )
    # The company's year of participation when issued (1 for its first year with the sponsor),
    # which sets the programme's share of the services ordered with it.
    participation_year = models.PositiveSmallIntegerField(default=1)
    expires_on = models.DateField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="voucher_amount_positive"),
            models.CheckConstraint(condition=Q(spent__gte=0), name="voucher_spent_non_negative"),
            models.CheckConstraint(condition=Q(spent__lte=F("amount")), name="voucher_spent_within_amount"),
        ]

    def __str__(self):
        return f"voucher {self.pk} for {self.company}: {self.amount} {self.currency}"

    @property
    def balance(self) -> Money:
        return Money(self.amount - self.spent, self.currency)


class Fee(models.Model):
    """One fee charged to a company for one cause. The same cause is never charged twice."""

    class Status(models.TextChoices):
        CHARGED = "charged", "Charged"
        REVERSED = "reversed", "Reversed"

    Kind = FeeKind

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="fees")
    # Whom the fee is collected for when it is not the platform: the trading company an
    # `agent_commission` is owed to, credited on its statement (ADR 0023).
    beneficiary = models.ForeignKey(
        Company, on_delete=models.PROTECT, null=True, blank=True, related_name="fees_collected"
    )
    kind = models.CharField(max_length=20, choices=FeeKind.choices)
    cause_type = models.CharField(max_length=30, help_text="order_line, shipment, inbound_line, declaration, ...")
    cause_id = models.PositiveBigIntegerField()
    period = models.CharField(max_length=7, blank=True, help_text="YYYY-MM for monthly fees, else ''.")
    quantity = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal(1))
    rate = models.ForeignKey(FeeRate, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    amount = models.DecimalField(max_digits=14, decimal_places=4)
    currency = models.CharField(max_length=3, validators=[validate_currency_code])
    company_amount = models.DecimalField(max_digits=14, decimal_places=4, help_text="What the company pays.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CHARGED)
    charged_at = models.DateTimeField(default=timezone.now)
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversal_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "kind", "cause_type", "cause_id", "period"], name="fee_cause_charged_once"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="fee_amount_non_negative"),
            models.CheckConstraint(
                condition=Q(company_amount__gte=0, company_amount__lte=F("amount")), name="fee_company_part_within"
            ),
        ]
        indexes = [models.Index(fields=["company", "charged_at"]), models.Index(fields=["cause_type", "cause_id"])]

    def __str__(self):
        return f"{self.kind} {self.cause_type}:{self.cause_id} {self.amount} {self.currency}"


class FeeSplit(models.Model):
    """Who pays which part of a fee: a programme (directly or through a voucher) or, with both
    empty, the company. A charge's splits sum exactly to the fee; a reversal adds the same rows
    negated, so the ledger is append-only."""

    fee = models.ForeignKey(Fee, on_delete=models.PROTECT, related_name="splits")
    programme = models.ForeignKey(SupportProgramme, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, null=True, blank=True, related_name="splits")
    amount = models.DecimalField(max_digits=14, decimal_places=4, help_text="In the fee's currency.")
    # The same part in the programme's currency, at the rate recorded (1 for the same currency).
    programme_amount = models.DecimalField(max_digits=16, decimal_places=4, default=Decimal(0))
    programme_currency = models.CharField(max_length=3, blank=True)
    exchange_rate = models.DecimalField(max_digits=24, decimal_places=10, default=Decimal(1))
    is_reversal = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(voucher__isnull=True) | Q(programme__isnull=False), name="fee_split_voucher_has_programme"
            ),
        ]

    def __str__(self):
        payer = f"programme {self.programme_id}" if self.programme_id else "company"
        return f"{self.fee_id}: {payer} {self.amount}"


class BrandFund(models.Model):
    """A brand's common fund for packaging and marketing: a share of its members' sales, credited
    when their months are settled, and spent on the discounts of promotions it funds (held when
    the order is placed, drawn when it is paid). Its ledger is BrandFundEntry."""

    brand = models.OneToOneField(Brand, on_delete=models.CASCADE, related_name="fund")
    rate = models.DecimalField(max_digits=5, decimal_places=4, help_text="0.0200 is 2 % of sales.")
    currency = models.CharField(max_length=3, validators=[validate_currency_code], default="KRW")
    balance = models.DecimalField(max_digits=16, decimal_places=4, default=Decimal(0), editable=False)
    held = models.DecimalField(
        max_digits=16, decimal_places=4, default=Decimal(0), editable=False, help_text="Promised to unpaid orders."
    )

    class Meta:
        ordering = ["brand"]
        constraints = [
            models.CheckConstraint(condition=Q(rate__gte=0, rate__lte=1), name="brand_fund_rate_fraction"),
            # Never promised or spent beyond what the members paid in.
            models.CheckConstraint(condition=Q(held__gte=0, held__lte=F("balance")), name="brand_fund_covers_held"),
        ]

    def __str__(self):
        return f"{self.brand}: {self.rate:%}"

    @property
    def available(self) -> Decimal:
        return self.balance - self.held


class BrandFundEntry(models.Model):
    """The fund's append-only ledger, in the fund's currency (`amount` always positive; the kind
    says which way it moved). A promotion's entries name the order and, for a refund, the refund;
    `order_amount` is the discount in the order's currency the entry stands for."""

    class Kind(models.TextChoices):
        CONTRIBUTION = "contribution", "Members' contribution (settled month)"
        HELD = "held", "Held for an unpaid order's discount"
        RELEASED = "released", "Released (order cancelled unpaid)"
        DRAWN = "drawn", "Drawn for a paid order's discount"
        RETURNED = "returned", "Returned (discount refunded)"

    fund = models.ForeignKey(BrandFund, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    amount = models.DecimalField(max_digits=16, decimal_places=4)
    order = models.ForeignKey("marketplace.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    refund = models.ForeignKey("marketplace.Refund", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    statement = models.ForeignKey(
        "marketplace.Statement", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    order_amount = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["fund", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="brand_fund_entry_positive")]
        indexes = [models.Index(fields=["fund", "order"])]

    def __str__(self):
        return f"{self.fund.brand}: {self.kind} {self.amount} {self.fund.currency}"


class PayoutAccount(models.Model):
    """Where a company's payouts go: a Stripe Connect account, or a bank account an operator
    pays by hand. Statements and payouts are in its currency."""

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="payout_account")
    currency = models.CharField(max_length=3, validators=[validate_currency_code], default="KRW")
    stripe_account_id = models.CharField(max_length=100, blank=True, help_text="acct_...; empty pays by bank.")
    bank_details = models.TextField(blank=True, help_text="For manual bank transfers.")

    class Meta:
        ordering = ["company"]

    def __str__(self):
        return f"{self.company}: {self.stripe_account_id or 'bank transfer'} ({self.currency})"


class Statement(models.Model):
    """A company's monthly statement, frozen by the settlement run."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="statements")
    period = models.CharField(max_length=7)
    currency = models.CharField(max_length=3, validators=[validate_currency_code])
    sales = models.DecimalField(max_digits=16, decimal_places=4)
    refunds = models.DecimalField(max_digits=16, decimal_places=4)
    commission = models.DecimalField(max_digits=16, decimal_places=4)
    fees = models.DecimalField(max_digits=16, decimal_places=4, help_text="Other fees, the company's part.")
    programme_covered = models.DecimalField(max_digits=16, decimal_places=4, help_text="For information only.")
    brand_fund = models.DecimalField(max_digits=16, decimal_places=4)
    chargebacks = models.DecimalField(max_digits=16, decimal_places=4)
    agent_commissions = models.DecimalField(
        max_digits=16, decimal_places=4, default=0, help_text="Commission earned as a trading company's agent."
    )
    carried_in = models.DecimalField(
        max_digits=16,
        decimal_places=4,
        default=0,
        help_text="A negative balance brought forward from the company's previous statement (zero or less).",
    )
    net = models.DecimalField(max_digits=16, decimal_places=4)
    lines = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["company", "period"], name="statement_once_per_period"),
            models.CheckConstraint(condition=models.Q(carried_in__lte=0), name="statement_carries_only_what_is_owed"),
        ]

    def __str__(self):
        return f"{self.company} {self.period}"


class Payout(models.Model):
    class Method(models.TextChoices):
        STRIPE_CONNECT = "stripe_connect", "Stripe Connect transfer"
        BANK_TRANSFER = "bank_transfer", "Manual bank transfer"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PAID = "paid", "Paid"
        FAILED = "failed", "Failed"

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="payouts")
    statement = models.OneToOneField(Statement, on_delete=models.PROTECT, related_name="payout")
    period = models.CharField(max_length=7)
    amount = models.DecimalField(max_digits=16, decimal_places=4)
    currency = models.CharField(max_length=3, validators=[validate_currency_code])
    method = models.CharField(max_length=20, choices=Method.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    destination = models.CharField(max_length=100, blank=True)
    idempotency_key = models.CharField(max_length=100, unique=True)
    transfer_id = models.CharField(max_length=100, blank=True)
    failure = models.TextField(blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(fields=["company", "period"], name="payout_once_per_period"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive"),
        ]

    def __str__(self):
        return f"payout {self.company} {self.period}: {self.amount} {self.currency} ({self.status})"

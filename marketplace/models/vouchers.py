"""The Export Voucher as the reference report describes it (section III.C (m) and the annex): a
catalogue of services from performing institutions (providers), grouped by the four export
stages and their sub-groups; an SME applies to a programme, an operator approves, a voucher is
issued; the SME orders services with it, paying the co-payment share; the provider delivers, the
SME confirms (or an operator resolves a dispute); the programme owes the provider its part, paid
out per provider, programme and month ("balance account between operating and performing
institution"). See docs/decisions/ on how this relates to the fee ledger."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from brands.models import Company
from core.locales import validate_translations
from core.money import Money, validate_currency_code

from .settlement import SupportProgramme, Voucher

Stage = Company.ExportStage

# The report: "1) preparation stage with sub-groups as development and manufacturing, consulting for
# export strategy, and education, 2) beginning stage with sub-groups as promotion and marketing,
# research, conference and exhibition, and business matchmaking, 3) contract stage with sub-groups
# as before and after signing the contract, and 4) global expansion as a stage and a sub-group itself."
SUB_GROUPS = {
    Stage.PREPARATION: [
        ("development_manufacturing", "Development and manufacturing"),
        ("export_strategy", "Consulting for export strategy"),
        ("education", "Education"),
    ],
    Stage.BEGINNING: [
        ("promotion_marketing", "Promotion and marketing"),
        ("research", "Research"),
        ("conference_exhibition", "Conference and exhibition"),
        ("business_matchmaking", "Business matchmaking"),
    ],
    Stage.CONTRACT: [
        ("before_contract", "Before signing the contract"),
        ("after_contract", "After signing the contract"),
    ],
    Stage.GLOBAL_EXPANSION: [("global_expansion", "Global expansion")],
}
SUB_GROUP_CHOICES = [choice for choices in SUB_GROUPS.values() for choice in choices]


class ServiceProvider(models.Model):
    """A performing institution: translators, photographers, test labs, exhibition organisers,
    and the platform itself for its own fees."""

    class Kind(models.TextChoices):
        TRANSLATION = "translation", "Translation"
        PHOTOGRAPHY = "photography", "Product photography"
        CERTIFICATION = "certification_testing", "Certification testing"
        PACKAGING = "packaging_design", "Packaging design"
        MARKET_RESEARCH = "market_research", "Market research"
        EXHIBITION = "exhibition", "Exhibition booths"
        LOGISTICS = "logistics_consulting", "Logistics consulting"
        PLATFORM = "platform", "The platform"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    country = models.CharField(max_length=2, default="KR")
    contact_email = models.EmailField(blank=True)
    bank_details = models.TextField(blank=True, help_text="Where the programme pays the provider's part.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class SupportService(models.Model):
    """One service in the voucher's catalogue, at a price in the provider's currency."""

    provider = models.ForeignKey(ServiceProvider, on_delete=models.PROTECT, related_name="services")
    code = models.SlugField(max_length=60)
    name_translations = models.JSONField(validators=[validate_translations])
    description = models.JSONField(default=dict, blank=True, validators=[validate_translations])
    stage = models.CharField(max_length=20, choices=Stage.choices)
    sub_group = models.CharField(max_length=30, choices=SUB_GROUP_CHOICES)
    price = models.DecimalField(max_digits=16, decimal_places=4)
    currency = models.CharField(max_length=3, validators=[validate_currency_code])
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["stage", "sub_group", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "code"], name="support_service_code_unique"),
            models.CheckConstraint(condition=Q(price__gt=0), name="support_service_price_positive"),
            models.CheckConstraint(
                condition=Q(
                    *[Q(stage=stage, sub_group__in=[c for c, _ in groups]) for stage, groups in SUB_GROUPS.items()],
                    _connector=Q.OR,
                ),
                name="support_service_sub_group_in_stage",
            ),
        ]

    def __str__(self):
        return f"{self.provider}: {self.name_translations.get('en') or self.code}"

    @property
    def price_money(self) -> Money:
        return Money(self.price, self.currency)


class ProgrammeApplication(models.Model):
    """An SME's application to a programme (the selection procedure before support starts); an
    approval issues the voucher."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    programme = models.ForeignKey(SupportProgramme, on_delete=models.PROTECT, related_name="applications")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="programme_applications")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    amount_requested = models.DecimalField(max_digits=16, decimal_places=4)
    plan = models.TextField(help_text="What the company means to do with the support.")
    sub_groups = models.JSONField(default=list, blank=True, help_text="The sub-groups of services it needs.")
    decision_reasons = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    voucher = models.OneToOneField(Voucher, on_delete=models.PROTECT, null=True, blank=True, related_name="application")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "company"], condition=Q(status="submitted"), name="programme_application_one_open"
            ),
            models.CheckConstraint(condition=Q(amount_requested__gt=0), name="programme_application_amount_positive"),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(voucher__isnull=False),
                name="programme_application_approved_voucher",
            ),
        ]

    def __str__(self):
        return f"{self.company} to {self.programme} ({self.status})"


class ProviderPayout(models.Model):
    """What a programme pays one provider for one month's confirmed service orders; a manual bank
    transfer an operator confirms, never twice for the same provider, programme and month."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PAID = "paid", "Paid"

    provider = models.ForeignKey(ServiceProvider, on_delete=models.PROTECT, related_name="payouts")
    programme = models.ForeignKey(SupportProgramme, on_delete=models.PROTECT, related_name="provider_payouts")
    period = models.CharField(max_length=7)
    amount = models.DecimalField(max_digits=16, decimal_places=4)
    currency = models.CharField(max_length=3, validators=[validate_currency_code])
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reference = models.CharField(max_length=100, blank=True, help_text="The bank transfer's reference.")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "programme", "period"], name="provider_payout_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="provider_payout_amount_positive"),
        ]

    def __str__(self):
        return f"{self.provider} {self.period}: {self.amount} {self.currency} ({self.status})"


class ServiceOrder(models.Model):
    """A service ordered with a voucher: the programme's part is drawn from the voucher when
    ordered (and given back if the order is cancelled or a dispute goes the SME's way); the
    company's co-payment is charged to it in the settlement ledger on confirmation (ADR 0031)."""

    class Status(models.TextChoices):
        ORDERED = "ordered", "Ordered"
        DELIVERED = "delivered", "Delivered"
        CONFIRMED = "confirmed", "Confirmed"
        DISPUTED = "disputed", "Disputed"
        CANCELLED = "cancelled", "Cancelled"

    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="service_orders")
    programme = models.ForeignKey(SupportProgramme, on_delete=models.PROTECT, related_name="service_orders")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="service_orders")
    service = models.ForeignKey(SupportService, on_delete=models.PROTECT, related_name="orders")
    provider = models.ForeignKey(ServiceProvider, on_delete=models.PROTECT, related_name="orders")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    sub_group = models.CharField(max_length=30, choices=SUB_GROUP_CHOICES)
    price = models.DecimalField(max_digits=16, decimal_places=4)
    currency = models.CharField(max_length=3, validators=[validate_currency_code])
    share = models.DecimalField(max_digits=5, decimal_places=4, help_text="The programme's share, by year.")
    programme_amount = models.DecimalField(max_digits=16, decimal_places=4)
    company_amount = models.DecimalField(max_digits=16, decimal_places=4, help_text="The co-payment.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ORDERED)
    note = models.TextField(blank=True, help_text="The SME's brief to the provider.")
    payout = models.ForeignKey(
        ProviderPayout, on_delete=models.PROTECT, null=True, blank=True, related_name="service_orders"
    )
    ordered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="service_order_price_positive"),
            models.CheckConstraint(
                condition=Q(programme_amount__gte=0, company_amount__gte=0)
                & Q(price=F("programme_amount") + F("company_amount")),
                name="service_order_parts_sum_to_price",
            ),
            models.CheckConstraint(
                condition=Q(payout__isnull=True) | Q(status="confirmed"), name="service_order_paid_out_if_confirmed"
            ),
        ]
        indexes = [models.Index(fields=["programme", "company", "created_at"])]

    def __str__(self):
        return f"service order {self.pk}: {self.service} for {self.company} ({self.status})"


class ServiceOrderEvent(models.Model):
    order = models.ForeignKey(ServiceOrder, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.order_id}: {self.kind}"

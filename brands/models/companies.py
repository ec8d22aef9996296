"""Companies (SMEs, trading companies) and their staff, invitations and API keys."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_countries.fields import CountryField

from brands.eligibility import SECTOR_CHOICES, CompanyFigures
from core.locales import localized, validate_translations
from core.money import Money, validate_currency_code


class Company(models.Model):
    """An SME (or any seller company) on the platform, or a trading company acting for SMEs."""

    class Kind(models.TextChoices):
        MANUFACTURER = "manufacturer", "Manufacturer (SME)"
        # A Global Market Developer (reference report, section II): an experienced domestic
        # trading company that acts for SMEs under their mandates (brands.models.Mandate).
        TRADING_COMPANY = "trading_company", "Trading company (agent)"

    class ExportStage(models.TextChoices):
        # The Export Voucher's four stages (reference report, section III.C.1.m).
        PREPARATION = "preparation", "Preparation"
        BEGINNING = "beginning", "Beginning"
        CONTRACT = "contract", "Contract"
        GLOBAL_EXPANSION = "global_expansion", "Global expansion"

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.MANUFACTURER)
    legal_name = models.CharField(max_length=200)
    name_translations = models.JSONField(default=dict, blank=True, validators=[validate_translations])
    registration_number = models.CharField(max_length=50)
    country = CountryField()
    sector = models.CharField(max_length=50, choices=SECTOR_CHOICES)
    annual_sales_amount = models.DecimalField(max_digits=19, decimal_places=4)
    annual_sales_currency = models.CharField(max_length=3, validators=[validate_currency_code])
    balance_sheet_total_amount = models.DecimalField(max_digits=19, decimal_places=4, null=True, blank=True)
    balance_sheet_total_currency = models.CharField(max_length=3, blank=True, validators=[validate_currency_code])
    employees = models.PositiveIntegerField()
    is_large_enterprise_subsidiary = models.BooleanField(default=False)
    export_stage = models.CharField(max_length=20, choices=ExportStage.choices, default=ExportStage.PREPARATION)
    # Seller onboarding (brands.services.onboarding): until an operator approves the company's
    # application it may draft products but not publish, be an active brand member or be co-financed.
    seller_approved_at = models.DateTimeField(null=True, blank=True)
    # When an operator checked the figures behind the SME verdict against the company's documents;
    # cleared when those figures change.
    figures_verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "companies"
        constraints = [
            models.UniqueConstraint(fields=["country", "registration_number"], name="company_registration_unique"),
            models.CheckConstraint(condition=Q(annual_sales_amount__gte=Decimal(0)), name="company_sales_non_negative"),
            models.CheckConstraint(
                condition=Q(balance_sheet_total_amount__isnull=True)
                | (Q(balance_sheet_total_amount__gte=Decimal(0)) & ~Q(balance_sheet_total_currency="")),
                name="company_balance_sheet_with_currency",
            ),
        ]

    def __str__(self):
        return self.legal_name

    @property
    def annual_sales(self) -> Money:
        return Money(self.annual_sales_amount, self.annual_sales_currency)

    @property
    def balance_sheet_total(self) -> Money | None:
        if self.balance_sheet_total_amount is None:
            return None
        return Money(self.balance_sheet_total_amount, self.balance_sheet_total_currency)

    def display_name(self, locale: str | None = None) -> str:
        return localized(self.name_translations, locale)[0] or self.legal_name

    @property
    def is_approved_seller(self) -> bool:
        return self.seller_approved_at is not None

    def figures(self) -> CompanyFigures:
        return CompanyFigures(
            sector=self.sector,
            annual_sales=self.annual_sales,
            balance_sheet_total=self.balance_sheet_total,
            employees=self.employees,
            is_large_enterprise_subsidiary=self.is_large_enterprise_subsidiary,
        )


class CompanyStaff(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        EDITOR = "editor", "Editor"
        VIEWER = "viewer", "Viewer"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="company_roles")
    role = models.CharField(max_length=10, choices=Role.choices)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "company staff"
        constraints = [models.UniqueConstraint(fields=["company", "user"], name="company_staff_unique")]

    def __str__(self):
        return f"{self.user} ({self.role} of {self.company})"


class StaffInvitation(models.Model):
    """An invitation to join a company's staff, sent to an e-mail address without an account;
    accepting it (a signed link) creates the account with the role."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Revoked"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=CompanyStaff.Role.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "email"], condition=Q(status="pending"), name="staff_invitation_one_pending"
            )
        ]

    def __str__(self):
        return f"{self.email} to {self.company} ({self.status})"


class ApiKey(models.Model):
    """A key for an integration (an ERP, a warehouse system): acts for its company within its
    scopes (core.api.permissions.API_KEY_SCOPES), or platform-wide for an operator's key
    (company empty). Only the digest of the secret is stored (knox's hash, as for login tokens)."""

    PREFIX = "key_"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, null=True, blank=True, related_name="api_keys")
    name = models.CharField(max_length=100)
    scopes = models.JSONField(default=list)
    token_key = models.CharField(max_length=25, db_index=True, help_text="The start of the key, to find it.")
    digest = models.CharField(max_length=128, unique=True)
    # The key acts as its creator, confined to its company and scopes; it stops working when
    # the creator no longer owns the company (or, for a platform key, is no longer an operator).
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_keys")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.name} ({self.token_key}…)"

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
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


class Brand(models.Model):
    """A common brand: one name and one quality standard shared by several SMEs."""

    class Status(models.TextChoices):
        FORMING = "forming", "Forming"
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=140, unique=True)
    name_translations = models.JSONField(default=dict, blank=True, validators=[validate_translations])
    story = models.JSONField(default=dict, blank=True, validators=[validate_translations])
    lead_company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="led_brands")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.FORMING)
    # Whether a new standard version sends published products back to review for re-inspection,
    # or lets them keep their status until their next change.
    reinspect_on_new_standard = models.BooleanField(default=False)
    # Set when an active brand drops below the minimum of members; see docs/decisions/0001.
    below_minimum_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(Lower("name"), name="brand_name_unique_any_case")]

    def __str__(self):
        return self.name

    def display_name(self, locale: str | None = None) -> str:
        return localized(self.name_translations, locale)[0] or self.name


class QualityStandard(models.Model):
    """One version of a brand's checklist. A new version never changes an old one, so
    inspections keep pointing at what they were checked against."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="quality_standards")
    version = models.PositiveIntegerField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["brand", "-version"]
        get_latest_by = "version"
        constraints = [models.UniqueConstraint(fields=["brand", "version"], name="quality_standard_version_unique")]

    def __str__(self):
        return f"{self.brand} standard v{self.version}"


class QualityStandardItem(models.Model):
    standard = models.ForeignKey(QualityStandard, on_delete=models.CASCADE, related_name="items")
    code = models.SlugField(max_length=50)
    text = models.TextField()
    required = models.BooleanField(default=True)
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["standard", "position"]
        constraints = [models.UniqueConstraint(fields=["standard", "code"], name="quality_item_code_unique")]

    def __str__(self):
        return self.code


class Membership(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", "Lead"
        MEMBER = "member", "Member"

    class Status(models.TextChoices):
        APPLIED = "applied", "Applied"
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        LEFT = "left", "Left"
        REJECTED = "rejected", "Rejected"

    LIVE_STATUSES = [Status.APPLIED, Status.ACTIVE, Status.SUSPENDED]

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="memberships")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.APPLIED)
    eligibility_override_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            # A company may re-apply after leaving, but holds one live membership per brand.
            models.UniqueConstraint(
                fields=["brand", "company"],
                condition=Q(status__in=["applied", "active", "suspended"]),
                name="membership_one_live_per_company",
            ),
            models.UniqueConstraint(
                fields=["brand"], condition=Q(role="lead") & ~Q(status="left"), name="membership_one_lead_per_brand"
            ),
        ]

    def __str__(self):
        return f"{self.company} in {self.brand} ({self.status})"


class BrandEvent(models.Model):
    """The timeline of a brand and its memberships: who did what, when, from which state."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        ACTIVATED = "activated", "Activated"
        SUSPENDED = "suspended", "Suspended"
        BELOW_MINIMUM = "below_minimum", "Below minimum members"
        MINIMUM_RESTORED = "minimum_restored", "Minimum members restored"
        STANDARD_PUBLISHED = "standard_published", "Quality standard published"
        MEMBER_APPLIED = "member_applied", "Member applied"
        MEMBER_APPROVED = "member_approved", "Member approved"
        MEMBER_REJECTED = "member_rejected", "Member rejected"
        MEMBER_SUSPENDED = "member_suspended", "Member suspended"
        MEMBER_LEFT = "member_left", "Member left"

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="events")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, null=True, blank=True, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.brand}: {self.kind}"


def seller_document_upload_to(instance, filename):
    return f"seller-applications/{instance.company_id}/{filename}"


class SellerApplication(models.Model):
    """A company's application to sell on the platform (the Kmall24 procedure in the reference
    report's annex: documents, evaluation, approval of launching, training, first product).
    Documents are private media; one application per company, re-submitted after a rejection."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="seller_application")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    registration_certificate = models.FileField(upload_to=seller_document_upload_to, blank=True, max_length=300)
    registration_certificate_type = models.CharField(max_length=50, blank=True)
    figures_document = models.FileField(upload_to=seller_document_upload_to, blank=True, max_length=300)
    figures_document_type = models.CharField(max_length=50, blank=True)
    # The operator's evaluation: {item code: true/false} over ONBOARDING_CHECKLIST, and notes.
    checklist = models.JSONField(default=dict, blank=True)
    notes = models.TextField(blank=True)
    decision_reasons = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Onboarding steps after approval: training modules read (codes), first product approved.
    training_read = models.JSONField(default=list, blank=True)
    first_product_approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "rejected"]) | Q(decided_at__isnull=False),
                name="seller_application_decision_dated",
            )
        ]

    def __str__(self):
        return f"{self.company} ({self.status})"


class SellerApplicationEvent(models.Model):
    """The timeline of an application: who moved it, from which state, why."""

    application = models.ForeignKey(SellerApplication, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.application}: {self.kind}"


class MandateScope(models.TextChoices):
    """What an agent may do for the SME; each scope opens the SME's objects of one area to the
    agent's staff (brands.selectors.user_company_roles with `scope`)."""

    LISTINGS = "listings", "Listings (products, media, imports)"
    QUOTES = "quotes", "Quotes (RFQs, quotes, inquiries)"
    SHIPMENTS = "shipments", "Shipments (inbound shipments, stock)"
    STATEMENTS = "statements", "Statements and fees (read only)"


class Mandate(models.Model):
    """An SME's mandate to a trading company (the agent) to act for it within some scopes.
    The SME's owner grants it, the agent's owner accepts or declines it, the SME's owner
    revokes it at any time; only an active mandate opens anything."""

    class Status(models.TextChoices):
        OFFERED = "offered", "Offered"
        ACTIVE = "active", "Active"
        DECLINED = "declined", "Declined"
        REVOKED = "revoked", "Revoked"

    LIVE_STATUSES = [Status.OFFERED, Status.ACTIVE]

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="mandates_granted")
    agent = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="mandates_held")
    scopes = models.JSONField(default=list, help_text="A list of MandateScope values.")
    # The agent's commission, a share of the SME's sales while the mandate is active; charged on
    # the SME's statement as an `agent_commission` fee per order line (marketplace.services.commission).
    commission_rate = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal(0))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OFFERED)
    note = models.TextField(blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "agent"],
                condition=Q(status__in=["offered", "active"]),
                name="mandate_one_live_per_pair",
            ),
            # An SME pays commission on a sale to one agent at most.
            models.UniqueConstraint(
                fields=["company"],
                condition=Q(status="active", commission_rate__gt=Decimal(0)),
                name="mandate_one_commissioned_per_company",
            ),
            models.CheckConstraint(condition=~Q(company=models.F("agent")), name="mandate_not_to_itself"),
            models.CheckConstraint(
                condition=Q(commission_rate__gte=Decimal(0), commission_rate__lte=Decimal(1)),
                name="mandate_commission_rate_share",
            ),
        ]

    def __str__(self):
        return f"{self.company} -> {self.agent} ({self.status})"


class MandateEvent(models.Model):
    """The mandate's timeline: granted, accepted, declined, changed, revoked, by whom."""

    class Kind(models.TextChoices):
        GRANTED = "granted", "Granted"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        CHANGED = "changed", "Scopes or terms changed"
        REVOKED = "revoked", "Revoked"

    mandate = models.ForeignKey(Mandate, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"mandate {self.mandate_id}: {self.kind}"

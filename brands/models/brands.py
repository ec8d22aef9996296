"""Common brands: their lead company, quality standards, members and timeline."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from brands.models.companies import Company
from core.locales import localized, validate_translations


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

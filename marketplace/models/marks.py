"""The platform's own quality mark (the report's footnote 49: "KOTRA Brand", a mark for verified
products used in marketing): an operator awards it to a published product after checking it
against the platform standard; it lapses when it expires or when the product's content (its
content hash, what buyers and channels see) changes, and an operator may revoke it."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from listings.models import Product


class PlatformMark(models.Model):
    class Status(models.TextChoices):
        AWARDED = "awarded", "Awarded"
        REVOKED = "revoked", "Revoked"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="platform_marks")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.AWARDED)
    # The platform inspection: {item code: {"passed": bool, "note": str}} over PLATFORM_STANDARD.
    results = models.JSONField(default=dict)
    notes = models.TextField(blank=True)
    content_hash = models.CharField(max_length=64, help_text="The product's content hash when inspected.")
    awarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    awarded_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["product"], condition=Q(status="awarded"), name="platform_mark_one_awarded"
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("awarded_at")), name="platform_mark_expires_later"
            ),
        ]

    def __str__(self):
        return f"platform mark of {self.product} ({self.status})"

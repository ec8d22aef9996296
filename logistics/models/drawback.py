"""Duty drawback: duties and import taxes paid under DDP refunded when returned goods are
re-exported from a returns centre or destroyed under supervision, under the destination's rule."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_countries.fields import CountryField

from brands.models import Company
from logistics.models.customs import CustomsDeclaration


class DrawbackRule(models.Model):
    """A destination's drawback: the share of the duty refunded, whether import tax is refunded
    too, and the time limit from import; dated like the other trade rules."""

    country = CountryField()
    valid_from = models.DateField()
    duty_share = models.DecimalField(max_digits=5, decimal_places=4, help_text="1.0000 refunds all the duty.")
    tax_refundable = models.BooleanField(default=True, help_text="Import VAT/GST is refunded as well.")
    time_limit_days = models.PositiveIntegerField(help_text="Days from import within which to claim.")
    source = models.CharField(max_length=300)

    class Meta:
        ordering = ["country", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["country", "valid_from"], name="drawback_rule_unique_per_day"),
            models.CheckConstraint(
                condition=Q(duty_share__gte=0) & Q(duty_share__lte=1), name="drawback_share_fraction"
            ),
        ]

    def __str__(self):
        return f"{self.country} drawback {self.duty_share} from {self.valid_from}"


class DrawbackClaim(models.Model):
    class Disposition(models.TextChoices):
        RE_EXPORTED = "re_exported", "Re-exported from the returns centre"
        DESTROYED = "destroyed", "Destroyed under customs supervision"

    class Status(models.TextChoices):
        FILED = "filed", "Filed"
        SUBMITTED = "submitted", "Submitted to customs"
        REFUNDED = "refunded", "Refunded"
        REJECTED = "rejected", "Rejected"

    declaration = models.ForeignKey(CustomsDeclaration, on_delete=models.PROTECT, related_name="drawback_claims")
    rule = models.ForeignKey(DrawbackRule, on_delete=models.PROTECT, related_name="+")
    disposition = models.CharField(max_length=12, choices=Disposition.choices)
    reference = models.CharField(max_length=100, help_text="The return, export or destruction certificate.")
    # [{"line": id, "quantity": n, "duty_paid": "..", "tax_paid": ".."}], in the declaration's currency
    lines = models.JSONField(default=list)
    currency = models.CharField(max_length=3)
    duty_paid = models.DecimalField(max_digits=14, decimal_places=4)
    tax_paid = models.DecimalField(max_digits=14, decimal_places=4)
    refundable = models.DecimalField(max_digits=14, decimal_places=4)
    refunded = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    # The payer of the duties under DDP, credited with the refund.
    credited_company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.FILED)
    customs_reference = models.CharField(max_length=100, blank=True)
    note = models.TextField(blank=True)
    document = models.FileField(upload_to="drawback/%Y/%m/", blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duty_paid__gte=0) & Q(tax_paid__gte=0) & Q(refundable__gte=0),
                name="drawback_amounts_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(refunded__isnull=True) | (Q(refunded__gte=0) & Q(refunded__lte=models.F("refundable"))),
                name="drawback_refund_within_refundable",
            ),
        ]

    def __str__(self):
        return f"Drawback {self.pk} on CD-{self.declaration_id} ({self.status})"

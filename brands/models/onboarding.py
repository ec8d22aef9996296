"""Sellers' applications to sell and their evaluation timeline."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from brands.models.companies import Company


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

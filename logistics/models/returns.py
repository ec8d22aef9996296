"""The physical side of a return: goods travel to the returns centre of the buyer's zone (not
back to Korea), are received, inspected unit by unit and then restocked, refurbished or disposed."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from listings.models import Variant
from logistics.models.network import Warehouse


class PhysicalReturn(models.Model):
    class Status(models.TextChoices):
        LABEL_CREATED = "label_created", "Label created"
        IN_TRANSIT = "in_transit", "In transit"
        RECEIVED = "received", "Received"
        INSPECTED = "inspected", "Inspected"
        RESOLVED = "resolved", "Resolved"

    reference = models.CharField(max_length=100, unique=True, help_text="e.g. return:42, set by marketplace.")
    returns_centre = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="returns")
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.LABEL_CREATED)
    carrier = models.CharField(max_length=50)
    tracking_number = models.CharField(max_length=60)
    label_url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    received_at = models.DateTimeField(null=True, blank=True)
    inspected_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self):
        return f"{self.reference} -> {self.returns_centre.code} ({self.status})"


class PhysicalReturnLine(models.Model):
    class Grade(models.TextChoices):
        A = "A", "A: as new, resellable"
        B = "B", "B: opened or minor flaw, resellable after refurbishing"
        C = "C", "C: damaged, not resellable"

    class Disposition(models.TextChoices):
        RESTOCK = "restock", "Restock in the returns centre"
        REFURBISH = "refurbish", "Refurbish"
        DISPOSE = "dispose", "Dispose"

    physical_return = models.ForeignKey(PhysicalReturn, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="+")
    quantity_expected = models.PositiveIntegerField()
    quantity_received = models.PositiveIntegerField(null=True, blank=True)
    quantity_damaged = models.PositiveIntegerField(null=True, blank=True)
    # {"A": 2, "B": 1, "C": 0}: a grade per unit received.
    grades = models.JSONField(default=dict, blank=True)
    disposition = models.CharField(max_length=10, choices=Disposition.choices, blank=True)

    class Meta:
        ordering = ["physical_return", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_damaged__isnull=True) | Q(quantity_damaged__lte=F("quantity_received")),
                name="return_line_damaged_within_received",
            )
        ]

    def __str__(self):
        return f"{self.quantity_expected} x {self.variant}"


class PhysicalReturnEvent(models.Model):
    class Kind(models.TextChoices):
        LABEL_CREATED = "label_created", "Label created"
        IN_TRANSIT = "in_transit", "In transit"
        RECEIVED = "received", "Received"
        INSPECTED = "inspected", "Inspected"
        RESOLVED = "resolved", "Resolved"

    physical_return = models.ForeignKey(PhysicalReturn, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.physical_return.reference}: {self.kind}"

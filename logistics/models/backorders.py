"""Units sold beyond stock for an opaque reference (a preorder or a made-to-order line), waiting
for goods: allocated to the inbound shipment line that brings them, then reserved from stock and
handed back to the reference's owner when that shipment is stocked (docs/decisions/0029)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from listings.models import Variant
from logistics.models.inbound import InboundLine


class Backorder(models.Model):
    class Kind(models.TextChoices):
        PREORDER = "preorder", "Preorder"
        MADE_TO_ORDER = "made_to_order", "Made to order"

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for an inbound shipment"
        ALLOCATED = "allocated", "Allocated to an inbound shipment"
        RELEASED = "released", "Stocked and reserved"
        CANCELLED = "cancelled", "Cancelled"

    reference = models.CharField(max_length=100)
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="backorders")
    kind = models.CharField(max_length=13, choices=Kind.choices)
    quantity = models.PositiveIntegerField()
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.WAITING)
    inbound_line = models.ForeignKey(
        InboundLine, on_delete=models.PROTECT, null=True, blank=True, related_name="backorders"
    )
    # The date promised at the sale; an allocated backorder ships by its inbound's expected date.
    expected_on = models.DateField()
    # The reservation its units were reserved under when its inbound was stocked.
    released_reference = models.CharField(max_length=100, blank=True)
    # Kept when a backorder is split over two inbound lines, so the oldest sale stays first.
    sold_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sold_at", "pk"]
        indexes = [models.Index(fields=["variant", "status"]), models.Index(fields=["reference"])]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="backorder_quantity_positive"),
            models.CheckConstraint(
                condition=Q(status="allocated", inbound_line__isnull=False) | ~Q(status="allocated"),
                name="backorder_allocated_has_inbound_line",
            ),
        ]

    def __str__(self):
        return f"{self.quantity} x {self.variant} for {self.reference} ({self.status})"

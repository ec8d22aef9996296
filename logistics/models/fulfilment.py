"""Outbound: a fulfilment request for a reference, picked and packed from reserved stock in one
warehouse, and the shipments (parcels with a carrier and tracking number) that carry it."""

from django.db import models
from django.db.models import F, Q
from django_countries.fields import CountryField

from listings.models import Variant
from logistics.models.inbound import Consignment
from logistics.models.network import Warehouse
from logistics.models.stock import ReservationLine


class Fulfilment(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        PICKING = "picking", "Picking"
        PACKED = "packed", "Packed"
        PARTIALLY_SHIPPED = "partially_shipped", "Partially shipped"
        SHIPPED = "shipped", "Shipped"
        CANCELLED = "cancelled", "Cancelled"

    reference = models.CharField(max_length=100)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="fulfilments")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    recipient_name = models.CharField(max_length=200)
    address_lines = models.JSONField(default=list)
    city = models.CharField(max_length=100)
    postal_code = models.CharField(max_length=20, blank=True)
    country = CountryField()
    incoterm = models.CharField(max_length=3, default="DAP")
    # Packed and waiting for the carrier, in Shipment.parcels' shape; they leave with the next shipment.
    parcels = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        indexes = [models.Index(fields=["reference"])]

    def __str__(self):
        return f"F-{self.pk} {self.reference} from {self.warehouse.code} ({self.status})"


class FulfilmentLine(models.Model):
    fulfilment = models.ForeignKey(Fulfilment, on_delete=models.CASCADE, related_name="lines")
    reservation_line = models.ForeignKey(ReservationLine, on_delete=models.PROTECT, related_name="fulfilment_lines")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    quantity_shipped = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["fulfilment", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="fulfilment_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(quantity_shipped__lte=F("quantity")), name="fulfilment_line_shipped_within_quantity"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} x {self.variant}"


class Shipment(models.Model):
    class Status(models.TextChoices):
        IN_TRANSIT = "in_transit", "In transit"
        CUSTOMS = "customs", "In customs"
        OUT_FOR_DELIVERY = "out_for_delivery", "Out for delivery"
        DELIVERED = "delivered", "Delivered"
        EXCEPTION = "exception", "Exception"

    fulfilment = models.ForeignKey(
        Fulfilment, on_delete=models.PROTECT, null=True, blank=True, related_name="shipments"
    )
    consignment = models.ForeignKey(
        Consignment, on_delete=models.PROTECT, null=True, blank=True, related_name="shipments"
    )
    carrier = models.CharField(max_length=50)
    service = models.CharField(max_length=30)
    tracking_number = models.CharField(max_length=60)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_TRANSIT)
    # [{"weight_kg": "1.2", "length_cm": "30", "width_cm": "20", "height_cm": "10"}]
    parcels = models.JSONField(default=list)
    shipped_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(fields=["carrier", "tracking_number"], name="shipment_tracking_unique"),
            models.CheckConstraint(
                condition=Q(fulfilment__isnull=False) | Q(consignment__isnull=False), name="shipment_has_a_source"
            ),
        ]

    def __str__(self):
        return f"{self.carrier} {self.tracking_number} ({self.status})"


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    fulfilment_line = models.ForeignKey(FulfilmentLine, on_delete=models.PROTECT, related_name="shipment_lines")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["shipment", "pk"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="shipment_line_quantity_positive")]

    def __str__(self):
        return f"{self.quantity} x {self.fulfilment_line.variant}"


class TrackingEvent(models.Model):
    class Source(models.TextChoices):
        OPERATOR = "operator", "Operator"
        CARRIER = "carrier", "Carrier webhook"

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=20, choices=Shipment.Status.choices)
    description = models.CharField(max_length=300, blank=True)
    location = models.CharField(max_length=150, blank=True)
    occurred_at = models.DateTimeField()
    source = models.CharField(max_length=10, choices=Source.choices)
    # The carrier's own event id, so a webhook delivered twice records the event once.
    external_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["shipment", "occurred_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["shipment", "external_id"], condition=~Q(external_id=""), name="tracking_event_once"
            )
        ]

    def __str__(self):
        return f"{self.shipment.tracking_number}: {self.status} at {self.occurred_at}"

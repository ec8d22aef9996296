"""Stock per variant per warehouse, its append-only ledger, and reservations for a reference."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from listings.models import Variant
from logistics.models.network import Warehouse


class Stock(models.Model):
    """on_hand counts sellable units in the building; reserved is the part promised to a
    reference; quarantined units (failed inspection, damaged returns) are kept apart and are
    never sellable. The database holds the invariants."""

    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="stock")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock")
    on_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    quarantined = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["warehouse", "variant"]
        constraints = [
            models.UniqueConstraint(fields=["variant", "warehouse"], name="stock_unique_variant_warehouse"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_non_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_reserved_non_negative"),
            models.CheckConstraint(condition=Q(quarantined__gte=0), name="stock_quarantined_non_negative"),
            models.CheckConstraint(condition=Q(reserved__lte=F("on_hand")), name="stock_reserved_within_on_hand"),
        ]

    def __str__(self):
        return f"{self.variant} @ {self.warehouse.code}: {self.on_hand} on hand, {self.reserved} reserved"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class StockMovement(models.Model):
    """One change of a stock row. The ledger is append-only: for every stock row the sum of
    on_hand_delta equals on_hand, of reserved_delta equals reserved, of quarantined_delta equals
    quarantined (tests check it after every scenario)."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", "Inbound receipt"
        QUARANTINE = "quarantine", "Quarantined on inspection"
        RESERVE = "reserve", "Reserved"
        RELEASE = "release", "Reservation released"
        SHIP = "ship", "Shipped (reservation consumed)"
        TRANSFER_OUT = "transfer_out", "Consolidated out"
        RETURN_RESTOCK = "return_restock", "Return restocked"
        RETURN_QUARANTINE = "return_quarantine", "Return quarantined"
        DISPOSE = "dispose", "Disposed"
        ADJUST = "adjust", "Count adjustment"

    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    on_hand_delta = models.IntegerField(default=0)
    reserved_delta = models.IntegerField(default=0)
    quarantined_delta = models.IntegerField(default=0)
    reference = models.CharField(max_length=100, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["reference"])]

    def __str__(self):
        return f"{self.kind} {self.on_hand_delta:+}/{self.reserved_delta:+} {self.reference}"


class Reservation(models.Model):
    """Stock promised to an opaque reference (e.g. "order:123"), all or nothing, possibly split
    across warehouses; released, consumed by shipping, or expired."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        RELEASED = "released", "Released"
        CONSUMED = "consumed", "Consumed"
        EXPIRED = "expired", "Expired"

    reference = models.CharField(max_length=100)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    destination_country = models.CharField(max_length=2, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            # One live reservation per reference, so a retried request cannot reserve twice.
            models.UniqueConstraint(fields=["reference"], condition=Q(status="active"), name="reservation_one_active"),
        ]
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self):
        return f"{self.reference} ({self.status})"


class ReservationLine(models.Model):
    reservation = models.ForeignKey(Reservation, on_delete=models.CASCADE, related_name="lines")
    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="reservation_lines")
    quantity = models.PositiveIntegerField()
    quantity_shipped = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["reservation", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="reservation_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(quantity_shipped__lte=F("quantity")), name="reservation_line_shipped_within_quantity"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} x {self.stock}"

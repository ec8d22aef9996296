"""Goods travelling into the network: an SME's inbound shipment (an ASN) to a warehouse, and
consolidated export consignments that several member SMEs of one brand send out together."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django_countries.fields import CountryField

from brands.models import Brand, Company
from listings.models import Variant
from logistics.models.network import Warehouse


class InboundShipment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_TRANSIT = "in_transit", "In transit"
        RECEIVED = "received", "Received"
        INSPECTED = "inspected", "Inspected"
        STOCKED = "stocked", "Stocked"
        CANCELLED = "cancelled", "Cancelled"

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="inbound_shipments")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="inbound_shipments")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    carrier = models.CharField(max_length=50, blank=True)
    tracking_number = models.CharField(max_length=60, blank=True)
    expected_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    # The trading company that created it on behalf of `company` (a mandate), if one did.
    agent = models.ForeignKey(Company, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    inspected_at = models.DateTimeField(null=True, blank=True)
    stocked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self):
        return f"ASN-{self.pk} {self.company} -> {self.warehouse.code} ({self.status})"


class InboundLine(models.Model):
    class Service(models.TextChoices):
        NONE = "none", "None"
        REPACKAGE = "repackage", "Repackage into the brand's packaging"
        RELABEL = "relabel", "Relabel"

    shipment = models.ForeignKey(InboundShipment, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="+")
    lot = models.CharField(max_length=60, blank=True)
    quantity_expected = models.PositiveIntegerField()
    # Counted on receipt; a discrepancy with the expected quantity is kept, not corrected.
    quantity_received = models.PositiveIntegerField(null=True, blank=True)
    quantity_passed = models.PositiveIntegerField(null=True, blank=True)
    quantity_failed = models.PositiveIntegerField(null=True, blank=True)
    defect_codes = models.JSONField(default=list, blank=True)
    service = models.CharField(max_length=10, choices=Service.choices, default=Service.NONE)
    # The warehouse service's fee, recorded here; settlement turns it into a charge.
    service_fee_amount = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    service_fee_currency = models.CharField(max_length=3, blank=True)

    class Meta:
        ordering = ["shipment", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity_expected__gte=1), name="inbound_line_expected_positive"),
            models.CheckConstraint(
                condition=Q(quantity_passed__isnull=True)
                | Q(quantity_passed__lte=F("quantity_received") - F("quantity_failed")),
                name="inbound_line_inspected_within_received",
            ),
            models.CheckConstraint(
                condition=Q(service_fee_amount__isnull=True) | Q(service_fee_amount__gte=Decimal(0)),
                name="inbound_line_fee_non_negative",
            ),
        ]

    def __str__(self):
        return f"{self.quantity_expected} x {self.variant}"

    @property
    def discrepancy(self) -> int | None:
        """Counted minus expected: negative is a shortage, positive an overage."""
        return None if self.quantity_received is None else self.quantity_received - self.quantity_expected


class Consignment(models.Model):
    """An export consignment leaving a consolidation warehouse. Under a brand, it carries goods
    of several member SMEs together; each line keeps its manufacturer, HS code and origin."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        DISPATCHED = "dispatched", "Dispatched"
        CANCELLED = "cancelled", "Cancelled"

    class Incoterm(models.TextChoices):
        DAP = "DAP", "DAP (buyer pays duties)"
        DDP = "DDP", "DDP (seller pays duties)"

    reference = models.CharField(max_length=100, unique=True)
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, null=True, blank=True, related_name="consignments")
    exporter = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="exported_consignments")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="consignments")
    destination_country = CountryField()
    # The importer of record (bill to): the buyer's billing party when it gave one, else the consignee.
    importer_name = models.CharField(max_length=200)
    importer_address = models.TextField()
    # Where the goods go (ship to); the importer's own address when both are one party.
    consignee_name = models.CharField(max_length=200, blank=True)
    consignee_address = models.TextField(blank=True)
    incoterm = models.CharField(max_length=3, choices=Incoterm.choices, default=Incoterm.DAP)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self):
        return self.reference


class ConsignmentLine(models.Model):
    consignment = models.ForeignKey(Consignment, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="+")
    manufacturer = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    unit_value = models.DecimalField(max_digits=14, decimal_places=4)
    currency = models.CharField(max_length=3)

    class Meta:
        ordering = ["consignment", "pk"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="consignment_line_quantity_positive")]

    def __str__(self):
        return f"{self.quantity} x {self.variant}"

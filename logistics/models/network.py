"""The distribution network: warehouses, zones of destination countries, which warehouse serves
which zone first, storage allotments, and shipping rates. All of it is data an operator edits."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django_countries.fields import CountryField

from brands.models import Company
from core.money import validate_currency_code


class Zone(models.Model):
    """A group of destination countries (e.g. north_america, east_asia), used for warehouse
    choice, shipping rates and return centres."""

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=100)
    countries = CountryField(multiple=True, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.code


class Warehouse(models.Model):
    class Kind(models.TextChoices):
        CONSOLIDATION = "consolidation", "Consolidation (export hub)"
        BONDED = "bonded", "Bonded warehouse"
        OVERSEAS_DC = "overseas_dc", "Overseas distribution centre"
        RETURNS_CENTRE = "returns_centre", "Returns centre"

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=150)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    country = CountryField()
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="warehouses")
    capacity_m3 = models.DecimalField(max_digits=10, decimal_places=2)
    address = models.TextField()
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=Q(capacity_m3__gt=0), name="warehouse_capacity_positive")]

    def __str__(self):
        return f"{self.code} ({self.get_kind_display()}, {self.country})"


class WarehouseRoute(models.Model):
    """Which warehouses ship to a zone, best first: the routing rule as data."""

    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="routes")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="routes")
    priority = models.PositiveSmallIntegerField(help_text="1 is tried first.")

    class Meta:
        ordering = ["zone", "priority"]
        constraints = [models.UniqueConstraint(fields=["zone", "warehouse"], name="warehouse_route_unique")]

    def __str__(self):
        return f"{self.zone} <- {self.warehouse} ({self.priority})"


class StorageAllotment(models.Model):
    """Space a company rents in a warehouse for a year (60, 120 or 240 m3, as in the report's
    Overseas Distribution Network programme)."""

    SIZES_M3 = [60, 120, 240]

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="storage_allotments")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="allotments")
    volume_m3 = models.PositiveSmallIntegerField(choices=[(size, f"{size} m3") for size in SIZES_M3])
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["company", "warehouse"]
        constraints = [
            models.UniqueConstraint(fields=["company", "warehouse", "starts_on"], name="allotment_unique_start"),
            models.CheckConstraint(condition=Q(ends_on__gt=models.F("starts_on")), name="allotment_period_valid"),
        ]

    def __str__(self):
        return f"{self.company} {self.volume_m3} m3 in {self.warehouse}"


class ShippingRate(models.Model):
    """A price for parcels from a warehouse to a zone up to a weight (the chargeable weight:
    the greater of actual and volumetric)."""

    class Service(models.TextChoices):
        ECONOMY = "economy", "Economy"
        STANDARD = "standard", "Standard"
        EXPRESS = "express", "Express"

    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="rates")
    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="rates")
    service = models.CharField(max_length=10, choices=Service.choices)
    carrier = models.CharField(max_length=50)
    max_weight_kg = models.DecimalField(max_digits=8, decimal_places=3)
    amount = models.DecimalField(max_digits=12, decimal_places=4)
    currency = models.CharField(max_length=3, validators=[validate_currency_code])
    transit_days_min = models.PositiveSmallIntegerField()
    transit_days_max = models.PositiveSmallIntegerField()
    volumetric_divisor = models.PositiveIntegerField(default=5000, help_text="cm3 per kg, 5000 for most couriers.")

    class Meta:
        ordering = ["warehouse", "zone", "service", "max_weight_kg"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "zone", "service", "max_weight_kg"], name="rate_unique_band"),
            models.CheckConstraint(condition=Q(amount__gt=Decimal(0)), name="rate_amount_positive"),
            models.CheckConstraint(condition=Q(max_weight_kg__gt=0), name="rate_weight_positive"),
        ]

    def __str__(self):
        return f"{self.warehouse.code}->{self.zone.code} {self.service} <= {self.max_weight_kg} kg"

"""Trade rules per destination (duties by HS prefix, VAT/GST and de minimis, restricted goods),
dated because they change overnight, and customs declarations with their documents."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_countries.fields import CountryField

from brands.models import Company
from core.money import validate_currency_code
from listings.models import Product
from logistics.models.fulfilment import Shipment
from logistics.models.inbound import Consignment


class TaxRule(models.Model):
    """Import VAT/GST/consumption tax and de minimis thresholds of a destination, from a date."""

    country = CountryField()
    valid_from = models.DateField()
    tax_name = models.CharField(max_length=30, help_text="VAT, GST, consumption tax, IVA, ...")
    tax_rate = models.DecimalField(max_digits=6, decimal_places=4, help_text="0.1000 is 10 %.")
    currency = models.CharField(max_length=3, validators=[validate_currency_code])
    duty_de_minimis = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal(0), help_text="No duty at or below this goods value."
    )
    tax_de_minimis = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal(0), help_text="No import tax at or below this goods value."
    )
    tax_on_duty = models.BooleanField(default=True, help_text="Tax is levied on goods value plus duty.")
    # WTO Valuation Agreement art. 1: the transaction value is the price actually paid, so a
    # discount the buyer was given lowers it. A destination valuing at list price unticks this.
    discounts_reduce_value = models.BooleanField(
        default=True, help_text="Customs value is the price paid: discounts reduce it."
    )
    source = models.CharField(max_length=300, help_text="Where the figures come from.")

    class Meta:
        ordering = ["country", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["country", "valid_from"], name="tax_rule_unique_per_day"),
            models.CheckConstraint(condition=Q(tax_rate__gte=0) & Q(tax_rate__lt=1), name="tax_rate_fraction"),
        ]

    def __str__(self):
        return f"{self.country} {self.tax_name} {self.tax_rate} from {self.valid_from}"


class DutyRule(models.Model):
    """Duty rate for goods whose HS code starts with hs_prefix; the longest prefix wins."""

    country = CountryField()
    hs_prefix = models.CharField(max_length=10, help_text="2 to 10 digits; '' is the default rate.", blank=True)
    rate = models.DecimalField(max_digits=6, decimal_places=4)
    valid_from = models.DateField()
    source = models.CharField(max_length=300)

    class Meta:
        ordering = ["country", "hs_prefix", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["country", "hs_prefix", "valid_from"], name="duty_rule_unique"),
            models.CheckConstraint(condition=Q(rate__gte=0), name="duty_rate_non_negative"),
        ]

    def __str__(self):
        return f"{self.country} {self.hs_prefix or '*'}: {self.rate} from {self.valid_from}"


class LowValueScheme(models.Model):
    """A scheme that moves a low-value consignment's import VAT/GST to the sale: the seller or
    platform charges it at checkout at the destination's rate (the TaxRule's) and declares its
    registration number, and no import tax is levied at the border. EU IOSS, the UK's GBP 135
    rule, Australia's GST on low-value imports."""

    code = models.SlugField(max_length=20, help_text="EU-IOSS, UK-LVG, AU-LVG, ...")
    name = models.CharField(max_length=100)
    countries = CountryField(multiple=True, help_text="The destinations the scheme covers.")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True, help_text="The last day the scheme applies.")
    threshold = models.DecimalField(
        max_digits=14, decimal_places=2, help_text="Applies to consignments of at most this intrinsic value."
    )
    currency = models.CharField(max_length=3, validators=[validate_currency_code])
    registration_number = models.CharField(
        max_length=40, help_text="The platform's number under the scheme (IOSS number, UK VAT number, ATO ARN)."
    )
    source = models.CharField(max_length=300)

    class Meta:
        ordering = ["code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="low_value_scheme_unique"),
            models.CheckConstraint(condition=Q(threshold__gt=0), name="low_value_scheme_threshold_positive"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="low_value_scheme_dates_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.code} from {self.valid_from}"


class RestrictedGood(models.Model):
    class Restriction(models.TextChoices):
        PROHIBITED = "prohibited", "Prohibited"
        LICENCE = "licence", "Needs an import licence"

    country = CountryField()
    hs_prefix = models.CharField(max_length=10)
    restriction = models.CharField(max_length=10, choices=Restriction.choices)
    reason = models.CharField(max_length=300)
    # Applied by the shipment's date, like the duty rules: a new restriction is a row from its day.
    valid_from = models.DateField(default=timezone.localdate)
    valid_to = models.DateField(null=True, blank=True, help_text="The last day the restriction applies.")
    source = models.CharField(max_length=300)

    class Meta:
        ordering = ["country", "hs_prefix", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["country", "hs_prefix", "valid_from"], name="restricted_good_unique"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="restricted_good_dates_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.country} {self.hs_prefix}: {self.restriction}"


class CustomsDeclaration(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        CLEARED = "cleared", "Cleared"
        HELD = "held", "Held"
        RELEASED = "released", "Released"

    shipment = models.OneToOneField(
        Shipment, on_delete=models.PROTECT, null=True, blank=True, related_name="declaration"
    )
    consignment = models.OneToOneField(
        Consignment, on_delete=models.PROTECT, null=True, blank=True, related_name="declaration"
    )
    exporter = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    exporter_name = models.CharField(
        max_length=200, help_text="The seller, or the brand for a consolidated consignment."
    )
    importer_name = models.CharField(max_length=200, help_text="The importer of record (bill to).")
    importer_address = models.TextField()
    consignee_name = models.CharField(max_length=200, blank=True, help_text="Ship to; empty: the importer.")
    consignee_address = models.TextField(blank=True)
    destination_country = CountryField()
    incoterm = models.CharField(max_length=3)
    currency = models.CharField(max_length=3, validators=[validate_currency_code])
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    hold_reason = models.TextField(blank=True)
    goods_value = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal(0))
    duty_amount = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal(0))
    tax_amount = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal(0))
    # Which rule rows the estimate used: {"tax_rule": id, "duty_rules": {"line 1": id}, "valid_on": date}
    rule_versions = models.JSONField(default=dict, blank=True)
    # A low-value scheme's code and the platform's number under it: the import VAT was charged at
    # sale, and the documents say so (tax_amount is then what was charged, none is due at the border).
    tax_scheme = models.CharField(max_length=20, blank=True)
    tax_registration_number = models.CharField(max_length=40, blank=True)
    commercial_invoice = models.FileField(upload_to="customs/%Y/%m/", blank=True)
    cn23 = models.FileField(upload_to="customs/%Y/%m/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(shipment__isnull=False) | Q(consignment__isnull=False), name="declaration_has_goods"
            ),
        ]

    def __str__(self):
        return f"CD-{self.pk} to {self.destination_country} ({self.status})"


class DeclarationLine(models.Model):
    declaration = models.ForeignKey(CustomsDeclaration, on_delete=models.CASCADE, related_name="lines")
    description = models.CharField(max_length=300, help_text="In English, as customs read it.")
    hs_code = models.CharField(max_length=10, blank=True)
    origin_country = CountryField(blank=True)
    manufacturer = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    # The product whose origin qualifications may earn the line a preferential rate.
    product = models.ForeignKey(Product, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    quantity = models.PositiveIntegerField()
    unit_value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    net_weight_kg = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    gross_weight_kg = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    duty_rate = models.DecimalField(max_digits=6, decimal_places=4, null=True, blank=True)
    mfn_rate = models.DecimalField(
        max_digits=6, decimal_places=4, null=True, blank=True, help_text="The rate without a preference."
    )
    agreement_code = models.CharField(max_length=20, blank=True, help_text="The FTA whose rate applies, if any.")
    origin_statement = models.TextField(blank=True, help_text="The origin statement the agreement requires.")

    class Meta:
        ordering = ["declaration", "pk"]

    def __str__(self):
        return f"{self.quantity} x {self.hs_code} {self.description}"

"""Free trade agreements as data (parties, entry into force, rules of origin, the proof they ask
for), their preferential duty rates by destination and HS prefix (dated, like DutyRule), and a
product's origin qualification under an agreement, declared by its SME and checked by an operator."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_countries.fields import CountryField

from listings.models import Product


class TradeAgreement(models.Model):
    class Proof(models.TextChoices):
        # The exporter's statement on the commercial invoice: the platform prints it per line.
        STATEMENT = "statement", "Origin statement on the invoice"
        # A certificate issued by an authority: the qualification must carry its number.
        CERTIFICATE = "certificate", "Certificate of origin"

    code = models.SlugField(max_length=20, unique=True, help_text="KORUS, KOREU, KCFTA, RCEP, ...")
    name = models.CharField(max_length=200)
    parties = models.JSONField(
        default=list, help_text='ISO 3166 codes of the parties, e.g. ["KR", "US"] (each EU member state for the EU).'
    )
    in_force_from = models.DateField()
    rules_of_origin = models.TextField(help_text="A summary of the origin criteria and the proof.")
    proof = models.CharField(max_length=12, choices=Proof.choices)
    origin_statement = models.TextField(
        blank=True,
        help_text="The statement text the agreement prescribes; {exporter} and {authorisation} are filled in.",
    )
    source = models.CharField(max_length=300)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.code

    def covers(self, origin: str, destination: str) -> bool:
        return origin != destination and origin in self.parties and destination in self.parties


class PreferentialRate(models.Model):
    """The agreement's duty rate for goods of a party's origin whose HS code starts with
    hs_prefix entering `country`, from valid_from; the longest prefix wins, as for DutyRule."""

    agreement = models.ForeignKey(TradeAgreement, on_delete=models.PROTECT, related_name="rates")
    country = CountryField(help_text="The importing party.")
    hs_prefix = models.CharField(max_length=10, blank=True, help_text="'' is the agreement's default rate.")
    rate = models.DecimalField(max_digits=6, decimal_places=4)
    valid_from = models.DateField()
    source = models.CharField(max_length=300)

    class Meta:
        ordering = ["agreement", "country", "hs_prefix", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "country", "hs_prefix", "valid_from"], name="preferential_rate_unique"
            ),
            models.CheckConstraint(condition=Q(rate__gte=0), name="preferential_rate_non_negative"),
        ]

    def __str__(self):
        return f"{self.agreement} {self.country} {self.hs_prefix or '*'}: {self.rate} from {self.valid_from}"


class OriginQualification(models.Model):
    class Criterion(models.TextChoices):
        WHOLLY_OBTAINED = "wholly_obtained", "Wholly obtained (WO)"
        TARIFF_SHIFT = "tariff_shift", "Change in tariff classification (CTC)"
        REGIONAL_VALUE_CONTENT = "regional_value_content", "Regional value content (RVC)"
        SPECIFIC_PROCESS = "specific_process", "Specific manufacturing process"

    class Status(models.TextChoices):
        DECLARED = "declared", "Declared by the SME"
        VERIFIED = "verified", "Verified by an operator"
        REJECTED = "rejected", "Rejected"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="origin_qualifications")
    agreement = models.ForeignKey(TradeAgreement, on_delete=models.PROTECT, related_name="qualifications")
    criterion = models.CharField(max_length=30, choices=Criterion.choices)
    declaration = models.TextField(help_text="The SME's declaration: how the product meets the criterion.")
    supporting_document = models.FileField(upload_to="origin/%Y/%m/", help_text="Cost breakdown, BOM, certificate.")
    certificate_number = models.CharField(
        max_length=60, blank=True, help_text="For agreements proven by a certificate of origin."
    )
    exporter_authorisation = models.CharField(
        max_length=60, blank=True, help_text="Approved-exporter number, where the agreement's statement names one."
    )
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True, help_text="The last day the declaration covers.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DECLARED)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    check_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["product", "agreement"]
        constraints = [
            models.UniqueConstraint(fields=["product", "agreement"], name="origin_qualification_unique"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="origin_qualification_dates_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.product_id} under {self.agreement_id}: {self.status}"

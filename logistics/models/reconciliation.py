"""What the carrier or broker finally billed in duty and import tax for a declared shipment,
against the estimate frozen on the declaration, and who the incoterm makes bear the difference."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from brands.models import Company
from core.money import validate_currency_code
from logistics.models.customs import CustomsDeclaration


class DutyBill(models.Model):
    class Party(models.TextChoices):
        SELLER = "seller", "Seller / platform (DDP: duties were prepaid)"
        BUYER = "buyer", "Buyer / importer (DAP: duties are paid on delivery)"

    declaration = models.OneToOneField(CustomsDeclaration, on_delete=models.PROTECT, related_name="duty_bill")
    billed_by = models.CharField(max_length=100, help_text="The carrier or customs broker.")
    reference = models.CharField(max_length=60, help_text="Their invoice or entry number.")
    currency = models.CharField(max_length=3, validators=[validate_currency_code])
    duty_billed = models.DecimalField(max_digits=14, decimal_places=4)
    tax_billed = models.DecimalField(max_digits=14, decimal_places=4)
    # The declaration's estimate when the bill was recorded (it is frozen at submission).
    duty_estimated = models.DecimalField(max_digits=14, decimal_places=4)
    tax_estimated = models.DecimalField(max_digits=14, decimal_places=4)
    difference = models.DecimalField(
        max_digits=14, decimal_places=4, help_text="Billed minus estimated: positive when the bill is higher."
    )
    responsible_party = models.CharField(max_length=6, choices=Party.choices)
    responsible_company = models.ForeignKey(
        Company, on_delete=models.PROTECT, null=True, blank=True, related_name="+", help_text="The seller (DDP)."
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duty_billed__gte=0) & Q(tax_billed__gte=0), name="duty_bill_amounts_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(
                    difference=models.F("duty_billed")
                    + models.F("tax_billed")
                    - models.F("duty_estimated")
                    - models.F("tax_estimated")
                ),
                name="duty_bill_difference_is_billed_minus_estimated",
            ),
        ]

    def __str__(self):
        return f"Bill {self.reference} for CD-{self.declaration_id}"

    @property
    def estimated(self) -> Decimal:
        return self.duty_estimated + self.tax_estimated

    @property
    def billed(self) -> Decimal:
        return self.duty_billed + self.tax_billed

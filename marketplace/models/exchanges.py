"""Exchanges: a return request that asks for a replacement instead of a refund (docs/decisions/0028)."""

from decimal import Decimal

from django.db import models
from django.db.models import Q

from listings.models import Variant

from .orders import Payment, Refund, ReturnRequest


class Exchange(models.Model):
    """The replacement a return request asks for: `quantity` units (the return's) of a variant of
    the same product, priced when requested. Shipped from its own reservation and fulfilment
    under the reference exchange:<id>, on the same order; the order's lines and totals stay what
    the buyer bought. `difference` is per the whole replacement, in the order's currency and its
    minor units: positive the buyer pays it (`payment`), negative it is refunded (`refund`)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested (waiting for the returned goods)"
        AWAITING_PAYMENT = "awaiting_payment", "Reserved, waiting for the price difference"
        FULFILMENT_REQUESTED = "fulfilment_requested", "Reserved, fulfilment requested"
        SHIPPED = "shipped", "Shipped"
        DELIVERED = "delivered", "Delivered"
        DECLINED = "declined", "Declined (the return's normal outcome applied)"

    return_request = models.OneToOneField(ReturnRequest, on_delete=models.PROTECT, related_name="exchange")
    replacement_variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="+")
    replacement_sku = models.CharField(max_length=64)
    unit_price = models.DecimalField(max_digits=14, decimal_places=4, help_text="The replacement's, when requested.")
    difference = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal(0))
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.REQUESTED)
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="exchange")
    refund = models.OneToOneField(Refund, on_delete=models.PROTECT, null=True, blank=True, related_name="exchange")
    note = models.CharField(max_length=300, blank=True, help_text="Why it was declined.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="exchange_unit_price_non_negative"),
            # Money moves one way only: a payment for a dearer replacement, a refund for a cheaper one.
            models.CheckConstraint(
                condition=Q(payment__isnull=True) | Q(difference__gt=0), name="exchange_payment_only_when_dearer"
            ),
            models.CheckConstraint(
                condition=Q(refund__isnull=True) | Q(difference__lt=0), name="exchange_refund_only_when_cheaper"
            ),
        ]

    def __str__(self):
        return f"exchange {self.pk} for {self.replacement_sku} ({self.status})"

    @property
    def reference(self) -> str:
        return f"exchange:{self.pk}"

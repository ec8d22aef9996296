"""Promotions (discount codes and automatic promotions), their redemptions, and buyers' address
books. How promotions are applied and stacked: marketplace.services.promotions."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from brands.models import Brand, Company
from listings.models import Category, Product

from .orders import Order


class Promotion(models.Model):
    """A discount on goods in scope: a share of the price, a fixed amount per currency, or free
    shipping. With a code the buyer enters it at checkout; without one it applies by itself.
    `company` is the seller it is limited to (and, for an SME's own promotion, its owner)."""

    class Kind(models.TextChoices):
        PERCENTAGE = "percentage", "Percentage off the goods in scope"
        FIXED = "fixed", "Fixed amount off the goods in scope (per currency)"
        FREE_SHIPPING = "free_shipping", "Free shipping"

    class FundedBy(models.TextChoices):
        SELLER = "seller", "The seller (its sales are reduced)"
        BRAND_FUND = "brand_fund", "The brand's common fund"
        PLATFORM = "platform", "The platform"

    name = models.CharField(max_length=200)
    code = models.CharField(max_length=40, blank=True, help_text="Upper case; empty applies automatically.")
    kind = models.CharField(max_length=15, choices=Kind.choices)
    percent = models.DecimalField(
        max_digits=5, decimal_places=4, null=True, blank=True, help_text="0.1500 is 15 % off."
    )
    amounts = models.JSONField(default=dict, blank=True, help_text='Fixed amounts per currency: {"USD": "5.00"}.')
    minimum_subtotal = models.JSONField(
        default=dict, blank=True, help_text='Per currency, of the goods in scope: {"USD": "50.00"}; {} is none.'
    )
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, null=True, blank=True, related_name="promotions", help_text="Seller scope."
    )
    brands = models.ManyToManyField(Brand, blank=True, related_name="+")
    categories = models.ManyToManyField(Category, blank=True, related_name="+", help_text="And their subcategories.")
    products = models.ManyToManyField(Product, blank=True, related_name="+")
    funded_by = models.CharField(max_length=10, choices=FundedBy.choices, default=FundedBy.SELLER)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    usage_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Orders in all; empty is no limit.")
    usage_limit_per_buyer = models.PositiveIntegerField(null=True, blank=True)
    times_used = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(fields=["code"], condition=~Q(code=""), name="promotion_code_unique"),
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(times_used__lte=F("usage_limit")),
                name="promotion_used_within_limit",
            ),
            models.CheckConstraint(
                condition=~Q(kind="percentage") | Q(percent__gt=0, percent__lte=1), name="promotion_percent_fraction"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")), name="promotion_window_valid"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})" if self.code else self.name


class PromotionRedemption(models.Model):
    """A promotion used by one order: what it took off the goods and off shipping."""

    promotion = models.ForeignKey(Promotion, on_delete=models.PROTECT, related_name="redemptions")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="redemptions")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    email = models.EmailField()
    currency = models.CharField(max_length=3)
    goods_discount = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal(0))
    shipping_discount = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal(0))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(fields=["promotion", "order"], name="promotion_redeemed_once_per_order"),
            models.CheckConstraint(
                condition=Q(goods_discount__gte=0, shipping_discount__gte=0), name="redemption_non_negative"
            ),
        ]
        indexes = [models.Index(fields=["promotion", "email"])]

    def __str__(self):
        return f"{self.promotion} on {self.order}"


class BuyerAddress(models.Model):
    """An address in a buyer's address book, kept in the shape orders keep (see
    marketplace.services.addresses). At most one is the default."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(max_length=60, blank=True, help_text="Home, office, ...")
    address = models.JSONField()
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "pk"]
        verbose_name_plural = "buyer addresses"
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(is_default=True), name="buyer_address_one_default")
        ]

    def __str__(self):
        return f"{self.label or self.address.get('name', '')}, {self.address.get('city', '')}"

"""B2B commercial terms for a verified buyer company: a seller's negotiated price list, and the
net payment terms (days and a credit limit) an operator grants, with one receivable per order
placed on them."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from brands.models import Company
from core.money import Money, validate_currency_code
from listings.models import Product

from .orders import Order
from .trade import BuyerCompany


class PriceList(models.Model):
    """A seller's negotiated prices for one buyer company, by product and quantity tier. A new
    list for the same buyer replaces the active one (archived), so past quotes keep theirs."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ARCHIVED = "archived", "Archived"

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="price_lists")
    buyer_company = models.ForeignKey(BuyerCompany, on_delete=models.PROTECT, related_name="price_lists")
    name = models.CharField(max_length=200)
    currency = models.CharField(max_length=3, validators=[validate_currency_code])
    valid_until = models.DateField(null=True, blank=True, help_text="Empty: until archived.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "buyer_company"], condition=Q(status="active"), name="price_list_one_active"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.company} for {self.buyer_company})"


class PriceListEntry(models.Model):
    """The negotiated unit price of a product from `min_quantity` units (1: any B2B quantity)."""

    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="entries")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    min_quantity = models.PositiveIntegerField(default=1)
    unit_price = models.DecimalField(max_digits=14, decimal_places=4)

    class Meta:
        ordering = ["price_list", "product", "min_quantity"]
        verbose_name_plural = "price list entries"
        constraints = [
            models.UniqueConstraint(
                fields=["price_list", "product", "min_quantity"], name="price_list_entry_unique_tier"
            ),
            models.CheckConstraint(condition=Q(min_quantity__gte=1), name="price_list_entry_min_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gt=0), name="price_list_entry_price_positive"),
        ]

    def __str__(self):
        return f"{self.product} from {self.min_quantity}: {self.unit_price}"


class CreditLine(models.Model):
    """Net terms an operator grants a verified buyer company: orders on terms are payable
    `net_days` after they are placed, and the open ones never add up beyond `credit_limit`."""

    class NetDays(models.IntegerChoices):
        NET_30 = 30, "Net 30"
        NET_60 = 60, "Net 60"
        NET_90 = 90, "Net 90"

    buyer_company = models.OneToOneField(BuyerCompany, on_delete=models.PROTECT, related_name="credit_line")
    net_days = models.PositiveSmallIntegerField(choices=NetDays.choices)
    credit_limit = models.DecimalField(max_digits=14, decimal_places=4)
    currency = models.CharField(max_length=3, validators=[validate_currency_code])
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    granted_at = models.DateTimeField()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(net_days__in=[30, 60, 90]), name="credit_line_net_days_known"),
            models.CheckConstraint(condition=Q(credit_limit__gte=0), name="credit_line_limit_non_negative"),
        ]

    def __str__(self):
        return f"{self.buyer_company}: net {self.net_days}, {self.money('credit_limit')}"

    def money(self, field: str) -> Money:
        return Money(getattr(self, field), self.currency)


class TermsInvoice(models.Model):
    """What a buyer company owes for one order placed on net terms, due on `due_on`. `credit_used`
    is the amount in the credit line's currency at the day's rate, what the limit counts."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PAID = "paid", "Paid"
        VOID = "void", "Void (order cancelled)"

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="terms_invoice")
    credit_line = models.ForeignKey(CreditLine, on_delete=models.PROTECT, related_name="invoices")
    buyer_company = models.ForeignKey(BuyerCompany, on_delete=models.PROTECT, related_name="terms_invoices")
    amount = models.DecimalField(max_digits=14, decimal_places=4)
    currency = models.CharField(max_length=3, validators=[validate_currency_code])
    credit_used = models.DecimalField(max_digits=14, decimal_places=4)
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_reference = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(credit_used__gte=0), name="terms_invoice_amounts_positive"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "void"], paid_at__isnull=True)
                | Q(status="paid", paid_at__isnull=False),
                name="terms_invoice_paid_at_when_paid",
            ),
        ]

    def __str__(self):
        return f"{self.order} due {self.due_on} ({self.status})"

    def money(self, field: str) -> Money:
        return Money(getattr(self, field), self.currency)

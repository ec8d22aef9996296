from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round

from brands.models import Company
from core.money import Money, validate_currency_code
from listings.models import Variant

from .storefront import Checkout

# Totals add up. Rounded to the stored precision because SQLite (the embedded default) adds
# decimals as floating point; PostgreSQL's numeric sum is exact either way.
ADDS_UP = Round(F("subtotal") + F("shipping") + F("duties") + F("taxes"), 4)
# An order's discount (goods and shipping, marketplace.services.promotions) comes off before duties and taxes.
ORDER_ADDS_UP = Round(F("subtotal") - F("discount") + F("shipping") + F("duties") + F("taxes"), 4)


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending payment"
        PAID = "paid", "Paid"
        PARTIALLY_FULFILLED = "partially_fulfilled", "Partially fulfilled"
        FULFILLED = "fulfilled", "Fulfilled"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        REFUNDED = "refunded", "Refunded"

    class Source(models.TextChoices):
        STOREFRONT = "storefront", "Storefront checkout"
        B2B_QUOTE = "b2b_quote", "Accepted B2B quote"
        CHANNEL = "channel", "Outside marketplace"

    number = models.CharField(max_length=20, unique=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.STOREFRONT)
    # For channel orders: the outside marketplace's code and its order id; importing twice makes nothing.
    channel = models.CharField(max_length=20, blank=True)
    external_id = models.CharField(max_length=100, blank=True)
    # One order per checkout: the database refuses a second, whatever races.
    checkout = models.OneToOneField(Checkout, on_delete=models.PROTECT, null=True, blank=True, related_name="order")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    # The buyer company whose accepted quote the order is (B2B); its webhook endpoints hear of it.
    buyer_company = models.ForeignKey(
        "marketplace.BuyerCompany", on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    email = models.EmailField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    currency = models.CharField(max_length=3, validators=[validate_currency_code])
    subtotal = models.DecimalField(max_digits=14, decimal_places=4)
    shipping = models.DecimalField(max_digits=14, decimal_places=4)
    discount = models.DecimalField(
        max_digits=14, decimal_places=4, default=Decimal(0), help_text="Promotions, off goods and shipping."
    )
    duties = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal(0))
    taxes = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal(0))
    total = models.DecimalField(max_digits=14, decimal_places=4)
    incoterm = models.CharField(max_length=3, default="DAP")
    # The language the buyer checked out in: their e-mails are written in it (with fallback).
    locale = models.CharField(max_length=10, blank=True)
    shipping_address = models.JSONField(default=dict)
    billing_address = models.JSONField(default=dict, blank=True, help_text="{} is the shipping address.")
    shipping_option = models.JSONField(null=True, blank=True)
    rule_versions = models.JSONField(default=dict, blank=True, help_text="Duty and tax rules the totals used.")
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(total=ORDER_ADDS_UP), name="order_total_adds_up"),
            models.CheckConstraint(
                condition=Q(subtotal__gte=0) & Q(shipping__gte=0), name="order_amounts_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(discount__gte=0) & Q(discount__lte=F("subtotal") + F("shipping")),
                name="order_discount_within_amounts",
            ),
            models.UniqueConstraint(
                fields=["channel", "external_id"], condition=~Q(external_id=""), name="order_channel_external_id_unique"
            ),
        ]

    def __str__(self):
        return self.number

    def money(self, field: str) -> Money:
        return Money(getattr(self, field), self.currency)

    @property
    def reservation_reference(self) -> str:
        return f"order:{self.pk}"

    @property
    def billing(self) -> dict:
        return self.billing_address or self.shipping_address


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="+")
    seller = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="order_lines")
    sku = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=14, decimal_places=4)
    # What the buyer pays for the line: unit price times quantity less the discount.
    total = models.DecimalField(max_digits=14, decimal_places=4)
    discount = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal(0))
    promotion = models.ForeignKey(
        "Promotion", on_delete=models.PROTECT, null=True, blank=True, related_name="order_lines"
    )
    quantity_fulfilled = models.PositiveIntegerField(default=0)
    quantity_returned = models.PositiveIntegerField(default=0)
    # Sold beyond stock (preorder or made to order): these units ship when goods arrive, not at
    # payment (docs/decisions/0029).
    availability = models.CharField(max_length=13, choices=Variant.Availability.choices, default="in_stock")
    quantity_backordered = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(quantity_backordered__lte=F("quantity")), name="order_line_backordered_within_quantity"
            ),
            models.CheckConstraint(condition=Q(discount__gte=0), name="order_line_discount_non_negative"),
            models.CheckConstraint(
                condition=Q(quantity_fulfilled__lte=F("quantity")), name="order_line_fulfilled_within_quantity"
            ),
            models.CheckConstraint(
                condition=Q(quantity_returned__lte=F("quantity_fulfilled")), name="order_line_returned_within_delivered"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} x {self.sku}"


class OrderEvent(models.Model):
    """The order's timeline. Some kinds also mark a step as done once (fulfilment_requested,
    shipment_delivered), so services match them exactly: hence a closed set."""

    class Kind(models.TextChoices):
        PLACED = "placed", "Placed"
        IMPORTED = "imported", "Imported from a channel"
        PAID = "paid", "Paid"
        PAYMENT_FAILED = "payment_failed", "Payment failed"
        PAYMENT_TIMED_OUT = "payment_timed_out", "Payment timed out"
        PAID_AFTER_CANCELLATION = "paid_after_cancellation", "Paid after cancellation"
        STOCK_SHORTFALL = "stock_shortfall", "Stock shortfall"
        STOCK_RELEASED = "stock_released", "Stock released"
        FULFILMENT_REQUESTED = "fulfilment_requested", "Fulfilment requested"
        SHIPMENT_DELIVERED = "shipment_delivered", "Shipment delivered"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        REFUND_GRANTED = "refund_granted", "Refund granted"
        REFUND_EXECUTED = "refund_executed", "Refund executed"
        ON_TERMS = "on_terms", "Placed on net terms"
        TERMS_PAID = "terms_paid", "Invoice on terms paid"
        EXCHANGE_PAID = "exchange_paid", "Exchange: price difference paid"
        EXCHANGE_FULFILMENT_REQUESTED = "exchange_fulfilment_requested", "Exchange: replacement fulfilment requested"
        EXCHANGE_SHIPPED = "exchange_shipped", "Exchange: replacement shipped"
        EXCHANGE_DELIVERED = "exchange_delivered", "Exchange: replacement delivered"
        BACKORDERED = "backordered", "Sold beyond stock"
        BACKORDER_STOCKED = "backorder_stocked", "Backordered goods stocked"
        BACKORDER_FULFILMENT_REQUESTED = "backorder_fulfilment_requested", "Fulfilment of backordered goods requested"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.order}: {self.kind}"


class Payment(models.Model):
    class Status(models.TextChoices):
        REQUIRES_PAYMENT_METHOD = "requires_payment_method", "Requires payment method"
        REQUIRES_ACTION = "requires_action", "Requires action"
        PROCESSING = "processing", "Processing"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELED = "canceled", "Canceled"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    gateway = models.CharField(max_length=20)
    intent_id = models.CharField(max_length=100, unique=True)
    client_secret = models.CharField(max_length=200)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.REQUIRES_PAYMENT_METHOD)
    amount = models.DecimalField(max_digits=14, decimal_places=4)
    currency = models.CharField(max_length=3)
    captured_amount = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal(0))
    refunded_amount = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal(0))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            # The sum of refunds never exceeds what was captured.
            models.CheckConstraint(
                condition=Q(refunded_amount__lte=F("captured_amount")), name="payment_refunds_within_captured"
            ),
            models.CheckConstraint(
                condition=Q(captured_amount__lte=F("amount")), name="payment_captured_within_amount"
            ),
            models.CheckConstraint(condition=Q(refunded_amount__gte=0), name="payment_refunded_non_negative"),
        ]

    def __str__(self):
        return f"{self.gateway} {self.intent_id} ({self.status})"


class PaymentWebhookEvent(models.Model):
    """Each gateway event is recorded once; a repeat is acknowledged and ignored."""

    gateway = models.CharField(max_length=20)
    event_id = models.CharField(max_length=100)
    type = models.CharField(max_length=100)
    intent_id = models.CharField(max_length=100, blank=True)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["gateway", "event_id"], name="webhook_event_once")]

    def __str__(self):
        return f"{self.gateway} {self.type} {self.event_id}"


class Refund(models.Model):
    """Granted first (the money is owed), executed through the gateway after, as separate steps:
    a refund can be granted without goods (a lost parcel), and goods received without a second
    refund."""

    class Status(models.TextChoices):
        GRANTED = "granted", "Granted"
        EXECUTED = "executed", "Executed"
        FAILED = "failed", "Failed"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=14, decimal_places=4)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.GRANTED)
    reason = models.CharField(max_length=300)
    gateway_refund_id = models.CharField(max_length=100, blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    executed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]

    def __str__(self):
        return f"refund {self.amount} {self.currency} ({self.status})"


class ReturnRequest(models.Model):
    """The buyer's side of a return; the goods' journey is logistics' PhysicalReturn, linked by
    the reference return:<id>."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        IN_TRANSIT = "in_transit", "In transit"
        RECEIVED = "received", "Received"
        INSPECTED = "inspected", "Inspected"
        RESOLVED = "resolved", "Resolved"

    class Reason(models.TextChoices):
        DAMAGED = "damaged", "Arrived damaged"
        DEFECTIVE = "defective", "Defective"
        NOT_AS_DESCRIBED = "not_as_described", "Not as described"
        WRONG_ITEM = "wrong_item", "Wrong item"
        CHANGED_MIND = "changed_mind", "Changed my mind"

    class Resolution(models.TextChoices):
        REFUND = "refund", "Refund"
        EXCHANGE = "exchange", "Exchange for a replacement"

    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="return_requests")
    quantity = models.PositiveIntegerField()
    reason = models.CharField(max_length=20, choices=Reason.choices)
    resolution = models.CharField(max_length=10, choices=Resolution.choices, default=Resolution.REFUND)
    note = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)
    refund = models.OneToOneField(
        Refund, on_delete=models.PROTECT, null=True, blank=True, related_name="return_request"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="return_request_quantity_positive")]

    def __str__(self):
        return f"return {self.pk} of {self.order_line} ({self.status})"

    @property
    def reference(self) -> str:
        return f"return:{self.pk}"


class ReturnEvent(models.Model):
    class Kind(models.TextChoices):
        REQUESTED = "requested", "Requested"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        RECEIVED = "received", "Goods received"
        INSPECTED = "inspected", "Goods inspected"
        RESOLVED = "resolved", "Resolved"
        EXCHANGE_AWAITING_PAYMENT = "exchange_awaiting_payment", "Replacement reserved, price difference due"
        EXCHANGE_FULFILMENT_REQUESTED = "exchange_fulfilment_requested", "Replacement reserved and to be shipped"
        EXCHANGE_SHIPPED = "exchange_shipped", "Replacement shipped"
        EXCHANGE_DELIVERED = "exchange_delivered", "Replacement delivered"
        EXCHANGE_DECLINED = "exchange_declined", "Exchange declined"

    return_request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.return_request}: {self.kind}"

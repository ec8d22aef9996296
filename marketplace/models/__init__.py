"""Marketplace models, one module per area; import them from here."""

from .orders import Order, OrderEvent, OrderLine, Payment, PaymentWebhookEvent, Refund, ReturnEvent, ReturnRequest
from .storefront import Checkout, CheckoutLine, SearchDocument

__all__ = [
    "Checkout",
    "CheckoutLine",
    "Order",
    "OrderEvent",
    "OrderLine",
    "Payment",
    "PaymentWebhookEvent",
    "Refund",
    "ReturnEvent",
    "ReturnRequest",
    "SearchDocument",
]

"""Marketplace models, one module per area; import them from here."""

from .orders import Order, OrderEvent, OrderLine, Payment, PaymentWebhookEvent, Refund, ReturnEvent, ReturnRequest
from .storefront import Checkout, CheckoutLine, SearchDocument
from .trade import (  # noqa: I001 - the trade desk
    RFQ,
    BuyerCompany,
    BuyerStaff,
    InquiryMessage,
    InquiryThread,
    Quote,
    QuoteLine,
    TradeEvent,
)

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
    # the trade desk
    "RFQ",
    "BuyerCompany",
    "BuyerStaff",
    "InquiryMessage",
    "InquiryThread",
    "Quote",
    "QuoteLine",
    "TradeEvent",
]

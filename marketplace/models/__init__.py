"""Marketplace models, one module per area; import them from here."""

from .marks import PlatformMark
from .orders import Order, OrderEvent, OrderLine, Payment, PaymentWebhookEvent, Refund, ReturnEvent, ReturnRequest
from .settlement import (
    BrandFund,
    Fee,
    FeeKind,
    FeeRate,
    FeeSplit,
    Payout,
    PayoutAccount,
    ProgrammeCompany,
    Statement,
    SupportProgramme,
    Voucher,
)
from .storefront import Checkout, CheckoutLine, FacetCount, SearchDocument
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
from .vouchers import (  # noqa: I001 - the export voucher's services
    ProgrammeApplication,
    ProviderPayout,
    ServiceOrder,
    ServiceOrderEvent,
    ServiceProvider,
    SupportService,
)

__all__ = [
    "BrandFund",
    "FacetCount",
    "Fee",
    "FeeKind",
    "FeeRate",
    "FeeSplit",
    "Payout",
    "PayoutAccount",
    "ProgrammeCompany",
    "Statement",
    "SupportProgramme",
    "Voucher",
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
    # the export voucher's services
    "ProgrammeApplication",
    "ProviderPayout",
    "ServiceOrder",
    "ServiceOrderEvent",
    "ServiceProvider",
    "SupportService",
    "PlatformMark",
]

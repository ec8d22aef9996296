"""Marketplace models, one module per area; import them from here."""

from .b2b import CreditLine, PriceList, PriceListEntry, TermsInvoice
from .exchanges import Exchange
from .marks import PlatformMark
from .matchmaking import BusinessProposal, BuyerProfile, MatchmakingEvent, Meeting
from .orders import Order, OrderEvent, OrderLine, Payment, PaymentWebhookEvent, Refund, ReturnEvent, ReturnRequest
from .promotions import BuyerAddress, Promotion, PromotionRedemption
from .settlement import (
    BrandFund,
    BrandFundEntry,
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
    "Exchange",
    "BuyerAddress",
    "Promotion",
    "PromotionRedemption",
    "BrandFund",
    "BrandFundEntry",
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
    # B2B terms
    "CreditLine",
    "PriceList",
    "PriceListEntry",
    "TermsInvoice",
    # the export voucher's services
    "ProgrammeApplication",
    "ProviderPayout",
    "ServiceOrder",
    "ServiceOrderEvent",
    "ServiceProvider",
    "SupportService",
    # matchmaking
    "BusinessProposal",
    "BuyerProfile",
    "MatchmakingEvent",
    "Meeting",
    "PlatformMark",
]

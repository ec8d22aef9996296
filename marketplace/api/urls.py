from django.urls import path
from rest_framework.routers import SimpleRouter

from core.api.fields import ID_PATTERN
from marketplace.api.b2b_views import CreditLineViewSet, PriceListViewSet, TermsInvoiceViewSet
from marketplace.api.mark_views import PlatformMarkViewSet
from marketplace.api.matchmaking_views import (
    BuyerDirectoryViewSet,
    BuyerProfileViewSet,
    MatchmakingEventViewSet,
    MeetingViewSet,
    ProposalViewSet,
)
from marketplace.api.order_views import (
    CheckoutViewSet,
    DummyConfirmView,
    OrderViewSet,
    SellerOrderViewSet,
    StripeWebhookView,
)
from marketplace.api.promotion_views import BuyerAddressViewSet, PromotionViewSet
from marketplace.api.return_views import ReturnViewSet
from marketplace.api.settlement_views import (
    CompanyFeeViewSet,
    CompanyStatementViewSet,
    PayoutViewSet,
    ProgrammeViewSet,
)
from marketplace.api.trade_views import (
    B2BOrderViewSet,
    BuyerCompanyViewSet,
    InquiryViewSet,
    QuoteViewSet,
    RFQViewSet,
)
from marketplace.api.voucher_views import (
    ProgrammeApplicationViewSet,
    ProviderPayoutViewSet,
    ServiceOrderViewSet,
    ServiceProviderViewSet,
    SupportServiceViewSet,
)
from marketplace.api.webhooks import WebhookEndpointViewSet

router = SimpleRouter()
router.register("checkouts", CheckoutViewSet, basename="checkout")
router.register("orders", OrderViewSet, basename="order")
router.register("seller/orders", SellerOrderViewSet, basename="seller-order")
router.register("returns", ReturnViewSet, basename="return")
# The B2B trade desk.
router.register("buyer-companies", BuyerCompanyViewSet, basename="buyer-company")
router.register("rfqs", RFQViewSet, basename="rfq")
router.register("webhooks", WebhookEndpointViewSet, basename="webhook")
router.register("quotes", QuoteViewSet, basename="quote")
router.register("b2b-orders", B2BOrderViewSet, basename="b2b-order")
router.register("inquiries", InquiryViewSet, basename="inquiry")
router.register("price-lists", PriceListViewSet, basename="price-list")
router.register("credit-lines", CreditLineViewSet, basename="credit-line")
router.register("terms-invoices", TermsInvoiceViewSet, basename="terms-invoice")
router.register("programmes", ProgrammeViewSet, basename="programme")
router.register(rf"companies/(?P<company_id>{ID_PATTERN})/fees", CompanyFeeViewSet, basename="company-fee")
router.register(
    rf"companies/(?P<company_id>{ID_PATTERN})/statements", CompanyStatementViewSet, basename="company-statement"
)
router.register("payouts", PayoutViewSet, basename="payout")
router.register("promotions", PromotionViewSet, basename="promotion")
router.register("addresses", BuyerAddressViewSet, basename="buyer-address")
# The export voucher's service catalogue, applications, orders and provider settlement.
router.register("service-providers", ServiceProviderViewSet, basename="service-provider")
router.register("support-services", SupportServiceViewSet, basename="support-service")
router.register("programme-applications", ProgrammeApplicationViewSet, basename="programme-application")
router.register("service-orders", ServiceOrderViewSet, basename="service-order")
router.register("provider-payouts", ProviderPayoutViewSet, basename="provider-payout")
# Matchmaking.
router.register("buyer-directory", BuyerDirectoryViewSet, basename="buyer-directory")
router.register("buyer-profiles", BuyerProfileViewSet, basename="buyer-profile")
router.register("proposals", ProposalViewSet, basename="proposal")
router.register("matchmaking-events", MatchmakingEventViewSet, basename="matchmaking-event")
router.register("meetings", MeetingViewSet, basename="meeting")
# The platform quality mark.
router.register("platform-marks", PlatformMarkViewSet, basename="platform-mark")

urlpatterns = [
    path("payments/stripe/webhook/", StripeWebhookView.as_view(), name="stripe-webhook"),
    path("payments/dummy/confirm/", DummyConfirmView.as_view(), name="dummy-payment-confirm"),
    *router.urls,
]

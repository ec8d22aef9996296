"""Demo data, B2B terms part: the trade desk's verified Berlin buyer company gets a member SME's
negotiated price list for its hanji lamp and net-60 terms from the operator, then reorders the
lamp CIF Hamburg-style (freight and insurance priced) from that list and accepts on its terms:
an order cleared to ship with an open invoice due in 60 days. Loaded after the trade desk part.
Idempotent: the price list is found by name, the credit line by buyer, the RFQ by title."""

from collections import Counter
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from brands.models import Brand
from core.models import User
from core.money import Money
from marketplace.models import RFQ, BuyerCompany, CreditLine, PriceList
from marketplace.services.b2b_terms import PriceEntrySpec, credit_line_grant, price_list_create
from marketplace.services.orders import NET_TERMS
from marketplace.services.quotes import QuoteLineSpec, quote_create
from marketplace.services.trade import rfq_create
from marketplace.services.trade_orders import quote_accept
from marketplace.trade_demo import BERLIN, TradeDemo

PRICE_LIST = "Papierhaus 2027 framework prices"
REORDER_TITLE = "Hanji table lamps: spring reorder on our framework prices"
# The negotiated discount on the lamp's list tiers, as the framework agreement puts it.
FRAMEWORK_DISCOUNT = Decimal("0.90")


class TermsDemo:
    def __init__(self, tally: Counter):
        self.tally = tally

    def count(self, kind: str, created: bool) -> None:
        self.tally[kind, "created" if created else "existing"] += 1

    def load(self, context: dict) -> dict:
        operator: User = context["operator"]
        company: BuyerCompany = context["buyer_company"]
        _, lamp = TradeDemo(self.tally).lamps(Brand.objects.get(slug="hanji-living"))
        price_list = self.load_price_list(company, lamp)
        credit_line = self.load_credit_line(company, operator)
        reorder = self.load_reorder(company, context["buyers"][0], lamp)
        return {"price_list": price_list, "credit_line": credit_line, "reorder": reorder}

    def load_price_list(self, company: BuyerCompany, lamp) -> PriceList:
        price_list = PriceList.objects.filter(company=lamp.company, buyer_company=company, name=PRICE_LIST).first()
        self.count("price lists", price_list is None)
        if price_list is None:
            price_list = price_list_create(
                actor=lamp.company.staff.order_by("pk").first().user,
                company=lamp.company,
                buyer_company=company,
                name=PRICE_LIST,
                currency=lamp.base_currency,
                entries=[
                    PriceEntrySpec(
                        lamp,
                        Money((tier.unit_price_amount * FRAMEWORK_DISCOUNT).quantize(Decimal(1)), lamp.base_currency),
                        tier.min_quantity,
                    )
                    for tier in lamp.price_tiers.order_by("min_quantity")
                ],
            )
        return price_list

    def load_credit_line(self, company: BuyerCompany, operator: User) -> CreditLine:
        line = CreditLine.objects.filter(buyer_company=company).first()
        self.count("credit lines", line is None)
        if line is None:
            line = credit_line_grant(
                actor=operator, buyer_company=company, net_days=60, credit_limit=Money(Decimal("25000"), "EUR")
            )
        return line

    def load_reorder(self, company: BuyerCompany, user: User, lamp) -> RFQ:
        rfq = RFQ.objects.filter(buyer_company=company, title=REORDER_TITLE).first()
        self.count("RFQs", rfq is None)
        if rfq is not None:
            return rfq
        rfq = rfq_create(
            actor=user,
            buyer_company=company,
            title=REORDER_TITLE,
            description="Same lamp as the winter order, CIF: we clear customs ourselves.",
            category=lamp.category,
            quantity=lamp.moq,
            currency="EUR",
            destination_country="DE",
            incoterm=RFQ.Incoterm.CIF,
            deadline=timezone.now() + timedelta(days=10),
        )
        quote = quote_create(
            actor=lamp.company.staff.order_by("pk").first().user,
            rfq=rfq,
            line=QuoteLineSpec(product=lamp, quantity=lamp.moq),
            incoterm="CIF",
            valid_until=timezone.localdate() + timedelta(days=30),
            lead_time_days=lamp.lead_time_days or 21,
            note="Framework prices; freight and cargo insurance to Germany included.",
        )
        self.count("quotes", True)
        quote_accept(actor=user, quote=quote, payment_terms=NET_TERMS, shipping_address=BERLIN)
        self.count("B2B orders", True)
        rfq.refresh_from_db()
        return rfq

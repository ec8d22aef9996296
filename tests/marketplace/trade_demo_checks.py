"""The demo's trade desk part (marketplace/trade_demo.py) as `load_demo` builds it: a verified
buyer company, an RFQ with two competing SME quotes and a brand quote, the brand quote accepted
into one order with a line per SME, an inquiry thread with an attachment; a rerun adds nothing.
tests/test_demo.py runs these checks on its one load of the whole demo (a load takes half a minute).
"""

from marketplace.models import RFQ, BuyerCompany, InquiryMessage, InquiryThread, Order, Quote, QuoteLine, TradeEvent
from marketplace.trade_demo import RFQ_TITLE

MODELS = [BuyerCompany, RFQ, Quote, QuoteLine, TradeEvent, InquiryThread, InquiryMessage, Order]


def after_first_load(first: str):
    rfq = RFQ.objects.get(title=RFQ_TITLE)  # the terms part adds a reorder
    assert rfq.status == "awarded" and rfq.buyer_company.verified
    quotes = rfq.quotes.order_by("pk")
    assert [(q.brand_id is not None, q.status) for q in quotes] == [
        (False, "declined"),
        (False, "declined"),
        (True, "accepted"),
    ]
    assert quotes[0].company_id != quotes[1].company_id  # two competing SMEs
    brand_quote = quotes[2]
    order = brand_quote.order
    assert order.source == "b2b_quote" and order.total == brand_quote.total and order.status == "pending"
    assert order.payments.get().gateway == "bank_transfer"
    sellers = set(order.lines.values_list("seller_id", flat=True))
    assert len(sellers) == 2 and sellers == {q.company_id for q in quotes[:2]}
    thread = InquiryThread.objects.get()
    assert thread.messages.count() == 2 and thread.buyer_unread == 1
    assert thread.messages.get(side="seller").attachment_type == "application/pdf"

    return None


def after_second_load(second: str, state) -> None:
    assert "nothing changed" in second

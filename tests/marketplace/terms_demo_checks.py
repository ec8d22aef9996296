"""The demo's B2B terms part (marketplace/terms_demo.py) as `load_demo` builds it: the Berlin
buyer company with a member SME's negotiated price list and net-60 terms, and a CIF reorder
priced from the list, accepted on its terms: paid (cleared to ship) with an open invoice."""

from datetime import timedelta

from django.utils import timezone

from marketplace.models import CreditLine, PriceList, PriceListEntry, TermsInvoice
from marketplace.terms_demo import REORDER_TITLE

MODELS = [PriceList, PriceListEntry, CreditLine, TermsInvoice]


def after_first_load(first: str):
    price_list = PriceList.objects.get()
    assert price_list.buyer_company.verified and price_list.status == "active" and price_list.entries.exists()
    line = CreditLine.objects.get()
    assert (line.buyer_company_id, line.net_days, line.currency) == (price_list.buyer_company_id, 60, "EUR")
    invoice = TermsInvoice.objects.get()
    order = invoice.order
    quote = order.quote
    assert quote.rfq.title == REORDER_TITLE and quote.incoterm == "CIF" and quote.insurance > 0
    assert quote.lines.get().price_list == price_list
    assert order.status == "paid" and order.total == quote.total == invoice.amount
    assert invoice.status == "open" and invoice.due_on == timezone.localdate() + timedelta(days=60)
    return None


def after_second_load(second: str, state) -> None:
    assert "nothing changed" in second

"""Accepting a quote: one B2B order at the quote's frozen amounts, lines per SME, stock reserved,
paid by card through the gateway, on manual terms (bank transfer, letter of credit) that an
operator confirms, or on the buyer company's net terms (cleared to ship at once, payable by the
invoice's due date: docs/decisions/0016-net-terms-price-lists-and-incoterms.md)."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.errors import InvalidInput, NotPermitted, WrongState
from core.money import Money
from marketplace.models import RFQ, Order, Payment, Quote, TradeEvent
from marketplace.payments import payment_gateway
from marketplace.services.addresses import shipping_address_clean
from marketplace.services.b2b_terms import terms_invoice_open
from marketplace.services.orders import (
    MANUAL_GATEWAYS,
    NET_TERMS,
    PaymentExpected,
    PlacedLine,
    Totals,
    order_lock,
    order_mark_paid,
    order_place,
    order_stock_reserve,
)
from marketplace.services.quotes import quote_lock
from marketplace.services.trade import QS, trade_event_record
from marketplace.trade_selectors import buyer_company_ids

CARD = "card"
PAYMENT_TERMS = (CARD, *MANUAL_GATEWAYS)
K = TradeEvent.Kind


def _acceptable(*, actor, rfq: RFQ, quote: Quote, payment_terms: str) -> None:
    if rfq.buyer_company_id not in buyer_company_ids(actor):
        raise NotPermitted("Only the RFQ's buyer accepts a quote.")
    if payment_terms not in PAYMENT_TERMS:
        raise InvalidInput(f"Payment terms are one of {', '.join(PAYMENT_TERMS)}.", attr="payment_terms")
    if quote.status != QS.ACTIVE:
        raise WrongState(f"The quote is {quote.status}; only an active one can be accepted.")
    if quote.valid_until < timezone.localdate():
        raise WrongState(f"The quote expired on {quote.valid_until}.")
    if rfq.status != RFQ.Status.OPEN:
        raise WrongState(f"The RFQ is {rfq.status}.")


def quote_accept(*, actor, quote: Quote, payment_terms: str, shipping_address: dict) -> tuple[Order, Payment]:
    """The RFQ's buyer accepts: one order at the quote's frozen amounts, lines per SME, stock
    reserved (a shortage is a 409 and nothing is written), a payment by card through the
    gateway or a manual one (bank transfer, letter of credit) an operator confirms. The RFQ is
    awarded and the other active quotes declined. A card intent is created before anything is
    locked (the quote's amounts are frozen, so its key is the quote's)."""
    quote = Quote.objects.select_related("rfq").get(pk=quote.pk)
    _acceptable(actor=actor, rfq=quote.rfq, quote=quote, payment_terms=payment_terms)
    address = shipping_address_clean(shipping_address)
    if address["country"] != str(quote.rfq.destination_country):
        raise InvalidInput(
            f"The quote was priced for delivery to {quote.rfq.destination_country}.", attr="shipping_address.country"
        )
    card = payment_terms == CARD
    if card:
        gateway = payment_gateway()
        intent = gateway.create_intent(
            amount=Money(quote.total, quote.currency),
            idempotency_key=f"quote:{quote.pk}:intent",
            metadata={"quote": str(quote.pk), "rfq": str(quote.rfq_id)},
        )
        payment = PaymentExpected(gateway.name, intent.id, intent.client_secret, intent.status)
    elif payment_terms == NET_TERMS:
        payment = PaymentExpected(NET_TERMS, f"{NET_TERMS}:quote:{quote.pk}", status=Payment.Status.PROCESSING)
    else:
        payment = PaymentExpected(payment_terms, f"{payment_terms}:quote:{quote.pk}")
    with transaction.atomic():
        rfq, quote = quote_lock(quote)
        _acceptable(actor=actor, rfq=rfq, quote=quote, payment_terms=payment_terms)
        lines = list(quote.lines.select_related("variant__product").prefetch_related("variant__product__translations"))
        order, placed_payment = order_place(
            source=Order.Source.B2B_QUOTE,
            buyer=actor,
            buyer_company_id=rfq.buyer_company_id,
            actor=actor,
            email=actor.email,
            currency=quote.currency,
            lines=[
                PlacedLine(line.variant, line.quantity, line.unit_price, line.total, line.seller_id) for line in lines
            ],
            shipping_address=address,
            shipping_option=quote.freight,
            incoterm=quote.incoterm,
            totals=Totals.of(
                currency=quote.currency,
                subtotal=quote.subtotal,
                shipping=quote.shipping + quote.insurance,  # CIF insurance, itemised in shipping_option
                duties=quote.duties,
                taxes=quote.taxes,
                rule_versions=quote.rule_versions,
            ),
            payment=payment,
            placed={"quote": quote.pk, "rfq": rfq.pk, "payment_terms": payment_terms},
        )
        order_stock_reserve(
            order=order,
            # A card payment is awaited as at checkout; manual terms hold the stock until confirmed.
            expires_at=timezone.now() + timedelta(minutes=settings.PAYMENT_TIMEOUT_MINUTES) if card else None,
            actor=actor,
        )
        if payment_terms == NET_TERMS:
            # The credit line stands for the payment: the order ships now, the invoice is due later.
            invoice = terms_invoice_open(order=order, buyer_company_id=rfq.buyer_company_id)
            order_mark_paid(
                locked=order_lock(order_id=order.pk), payment=None, actor=actor, on_terms=str(invoice.due_on)
            )
        quote.status = QS.ACCEPTED
        quote.order = order
        quote.save(update_fields=["status", "order"])
        trade_event_record(rfq, K.QUOTE_ACCEPTED, actor, quote, order=order.number, payment_terms=payment_terms)
        for other in Quote.objects.filter(rfq=rfq, status=QS.ACTIVE).exclude(pk=quote.pk).order_by("pk"):
            other.status = QS.DECLINED
            other.save(update_fields=["status"])
            trade_event_record(rfq, K.QUOTE_DECLINED, actor, other, reason="another quote was accepted")
        rfq.status = RFQ.Status.AWARDED
        rfq.save(update_fields=["status"])
        trade_event_record(rfq, K.AWARDED, actor, quote)
    return order, placed_payment

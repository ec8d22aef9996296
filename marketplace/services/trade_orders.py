"""Accepting a quote: one B2B order at the quote's frozen amounts, lines per SME, stock reserved,
paid by card through the gateway or on manual terms (bank transfer, letter of credit) that an
operator confirms."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.errors import InvalidInput, NotPermitted, WrongState
from core.permissions import is_operator
from listings.selectors import product_text
from logistics.services import Line, stock_reserve
from marketplace.models import (
    RFQ,
    Order,
    OrderEvent,
    OrderLine,
    Payment,
    Quote,
)
from marketplace.payments import payment_gateway
from marketplace.services.checkout import _address as shipping_address_check
from marketplace.services.checkout import _order_number
from marketplace.services.quotes import _lock_quote
from marketplace.services.trade import QS, _event
from marketplace.trade_selectors import buyer_company_ids

CARD = "card"
MANUAL_PAYMENT_TERMS = ("bank_transfer", "letter_of_credit")
PAYMENT_TERMS = (CARD, *MANUAL_PAYMENT_TERMS)


@transaction.atomic
def quote_accept(*, actor, quote: Quote, payment_terms: str, shipping_address: dict) -> tuple[Order, Payment]:
    """The RFQ's buyer accepts: one order at the quote's frozen amounts, lines per SME, stock
    reserved (a shortage is a 409 and nothing is written), a payment by card through the
    gateway or a manual one (bank transfer, letter of credit) an operator confirms. The RFQ is
    awarded and the other active quotes declined."""
    rfq, quote = _lock_quote(quote)
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
    address = shipping_address_check(shipping_address)
    if address["country"] != str(rfq.destination_country):
        raise InvalidInput(
            f"The quote was priced for delivery to {rfq.destination_country}.", attr="shipping_address.country"
        )
    order = Order.objects.create(
        number=_order_number(),
        source=Order.Source.B2B_QUOTE,
        buyer=actor,
        email=actor.email,
        currency=quote.currency,
        subtotal=quote.subtotal,
        shipping=quote.shipping,
        duties=quote.duties,
        taxes=quote.taxes,
        total=quote.total,
        incoterm=quote.incoterm,
        shipping_address=address,
        shipping_option=quote.freight,
        rule_versions=quote.rule_versions,
    )
    lines = list(quote.lines.select_related("product", "variant").prefetch_related("product__translations"))
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            variant=line.variant,
            seller_id=line.seller_id,
            sku=line.variant.sku,
            title=product_text(line.product, "en")["title"][:200],
            quantity=line.quantity,
            unit_price=line.unit_price,
            total=line.total,
        )
        for line in lines
    )
    card = payment_terms == CARD
    stock_reserve(
        reference=order.reservation_reference,
        lines=[Line(line.variant_id, line.quantity) for line in lines],
        destination_country=address["country"],
        # A card payment is awaited as at checkout; manual terms hold the stock until confirmed.
        expires_at=timezone.now() + timedelta(minutes=settings.PAYMENT_TIMEOUT_MINUTES) if card else None,
        actor=actor,
    )
    total = order.money("total")
    if card:
        gateway = payment_gateway()
        intent = gateway.create_intent(
            amount=total,
            idempotency_key=f"quote:{quote.pk}:intent",
            metadata={"order": order.number, "quote": str(quote.pk)},
        )
        payment = Payment.objects.create(
            order=order,
            gateway=gateway.name,
            intent_id=intent.id,
            client_secret=intent.client_secret,
            status=intent.status,
            amount=total.amount,
            currency=total.currency,
        )
    else:
        payment = Payment.objects.create(
            order=order,
            gateway=payment_terms,
            intent_id=f"{payment_terms}:{order.number}",
            client_secret="",
            amount=total.amount,
            currency=total.currency,
        )
    OrderEvent.objects.create(
        order=order,
        kind="placed",
        actor=actor,
        data={"total": total.as_dict(), "quote": quote.pk, "rfq": rfq.pk, "payment_terms": payment_terms},
    )
    quote.status = QS.ACCEPTED
    quote.order = order
    quote.save(update_fields=["status", "order"])
    _event(rfq, "quote_accepted", actor, quote, order=order.number, payment_terms=payment_terms)
    for other in Quote.objects.filter(rfq=rfq, status=QS.ACTIVE).exclude(pk=quote.pk).order_by("pk"):
        other.status = QS.DECLINED
        other.save(update_fields=["status"])
        _event(rfq, "quote_declined", actor, other, reason="another quote was accepted")
    rfq.status = RFQ.Status.AWARDED
    rfq.save(update_fields=["status"])
    _event(rfq, "awarded", actor, quote)
    return order, payment


@transaction.atomic
def order_payment_confirm(*, actor, order: Order, reference: str = "") -> Order:
    """An operator confirms a bank transfer or letter of credit arrived: the order is paid, its
    stock held for good and its fulfilment requested."""
    if not is_operator(actor):
        raise NotPermitted("Only an operator confirms a manual payment.")
    order = Order.objects.select_for_update().get(pk=order.pk)
    payment = (
        Payment.objects.select_for_update().filter(order=order, gateway__in=MANUAL_PAYMENT_TERMS).order_by("pk").first()
    )
    if payment is None:
        raise WrongState("The order is not paid by bank transfer or letter of credit.")
    if order.status != Order.Status.PENDING or payment.status == Payment.Status.SUCCEEDED:
        raise WrongState(f"The order is {order.status}; only a pending one is confirmed as paid.")
    payment.status = Payment.Status.SUCCEEDED
    payment.captured_amount = payment.amount
    payment.save(update_fields=["status", "captured_amount", "updated_at"])
    order.status = Order.Status.PAID
    order.paid_at = timezone.now()
    order.save(update_fields=["status", "paid_at"])
    OrderEvent.objects.create(
        order=order, kind="paid", actor=actor, data={"payment": payment.intent_id, "reference": reference}
    )
    order_id = order.pk
    transaction.on_commit(lambda: _queue_fulfilment(order_id))
    return order


def _queue_fulfilment(order_id: int) -> None:
    from marketplace.tasks import order_request_fulfilment_task

    order_request_fulfilment_task.delay(order_id)

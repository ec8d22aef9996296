"""B2B terms for a verified buyer company: a seller's negotiated price lists, the net terms an
operator grants (30, 60 or 90 days, up to a credit limit) and the invoices of orders placed on
them. The credit line's row is the lock that holds the limit: every order on terms takes it
before it sums what is open, so two orders at once can never both use the last of the credit."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from brands.models import Company
from brands.selectors import user_has_company_role
from core.errors import Conflict, InvalidInput, NotPermitted, WrongState
from core.money import Money
from core.permissions import is_operator
from core.selectors import exchange_rates_get
from listings.models import Product
from marketplace.b2b_selectors import credit_used_get, overdue
from marketplace.models import BuyerCompany, CreditLine, Order, OrderEvent, PriceList, PriceListEntry, TermsInvoice
from marketplace.services.orders import NET_TERMS, order_event_record, order_lock
from marketplace.services.quote_pricing import MAX_AMOUNT
from marketplace.services.trade import EDITOR


@dataclass(frozen=True)
class PriceEntrySpec:
    product: Product
    unit_price: Money
    min_quantity: int = 1


# --- price lists --------------------------------------------------------------------------


@transaction.atomic
def price_list_create(
    *,
    actor,
    company: Company,
    buyer_company: BuyerCompany,
    name: str,
    currency: str,
    entries: list[PriceEntrySpec],
    valid_until: date | None = None,
) -> PriceList:
    """The seller's negotiated prices for a verified buyer company, replacing its active list
    for that buyer (archived). Each entry is one of the seller's B2B products, priced in the
    list's currency from a minimum quantity; all entries are checked before anything is written."""
    if not user_has_company_role(actor, company.pk, EDITOR):
        raise NotPermitted("Editors and owners of the company set its price lists.")
    errors: dict = {}
    if not buyer_company.verified:
        errors["buyer_company"] = [("not_verified", "Negotiated prices are for verified buyer companies.")]
    if valid_until is not None and valid_until < timezone.localdate():
        errors["valid_until"] = [("in_the_past", "The list must be valid today or later.")]
    if not entries:
        errors["entries"] = [("required", "Price at least one product.")]
    seen = set()
    for i, entry in enumerate(entries):
        prefix = f"entries.{i}."
        if entry.product.company_id != company.pk:
            errors[f"{prefix}product"] = [("not_own", "Price the company's own products.")]
        elif not entry.product.sells_b2b:
            errors[f"{prefix}product"] = [("not_b2b", "This product is not sold B2B.")]
        if entry.unit_price.currency != currency:
            errors[f"{prefix}unit_price"] = [("currency_mismatch", f"Price in the list's currency, {currency}.")]
        elif not 0 < entry.unit_price.amount < MAX_AMOUNT:
            errors[f"{prefix}unit_price"] = [("out_of_range", f"A positive unit price below {MAX_AMOUNT}.")]
        if (entry.product.pk, entry.min_quantity) in seen:
            errors[f"{prefix}min_quantity"] = [("duplicate", "One price per product and minimum quantity.")]
        seen.add((entry.product.pk, entry.min_quantity))
    if errors:
        raise InvalidInput("The price list is invalid.", fields=errors)
    # The lock on the buyer company serialises two lists for the same buyer (the constraint
    # would refuse the second anyway; this turns it into a replacement, not an error).
    BuyerCompany.objects.select_for_update().get(pk=buyer_company.pk)
    PriceList.objects.filter(company=company, buyer_company=buyer_company, status=PriceList.Status.ACTIVE).update(
        status=PriceList.Status.ARCHIVED
    )
    price_list = PriceList.objects.create(
        company=company,
        buyer_company=buyer_company,
        name=name,
        currency=currency,
        valid_until=valid_until,
        created_by=actor,
    )
    PriceListEntry.objects.bulk_create(
        PriceListEntry(
            price_list=price_list,
            product=entry.product,
            min_quantity=entry.min_quantity,
            unit_price=entry.unit_price.amount,
        )
        for entry in entries
    )
    return price_list


@transaction.atomic
def price_list_archive(*, actor, price_list: PriceList) -> PriceList:
    price_list = PriceList.objects.select_for_update().get(pk=price_list.pk)
    if not (is_operator(actor) or user_has_company_role(actor, price_list.company_id, EDITOR)):
        raise NotPermitted("Editors and owners of the company archive its price lists.")
    if price_list.status != PriceList.Status.ACTIVE:
        raise WrongState("The price list is archived already.")
    price_list.status = PriceList.Status.ARCHIVED
    price_list.save(update_fields=["status"])
    return price_list


# --- net terms ----------------------------------------------------------------------------


def credit_line_check(*, buyer_company: BuyerCompany, net_days: int, credit_limit: Money) -> dict:
    """What is wrong with these terms, by field (empty when they may be granted); the admin's
    form asks the same before it calls credit_line_grant."""
    errors: dict = {}
    if not buyer_company.verified:
        errors["buyer_company"] = [("not_verified", "Net terms are for verified buyer companies.")]
    if net_days not in CreditLine.NetDays.values:
        errors["net_days"] = [("invalid_choice", "Net 30, 60 or 90 days.")]
    if not 0 <= credit_limit.amount < MAX_AMOUNT:
        errors["credit_limit"] = [("out_of_range", f"A limit from 0 to below {MAX_AMOUNT}.")]
    line = CreditLine.objects.filter(buyer_company=buyer_company).first()
    if line is not None and line.currency != credit_limit.currency and line.invoices.filter(status="open").exists():
        errors["credit_limit"] = [("currency_locked", f"Open invoices count in {line.currency}; keep it.")]
    return errors


@transaction.atomic
def credit_line_grant(*, actor, buyer_company: BuyerCompany, net_days: int, credit_limit: Money) -> CreditLine:
    """An operator grants (or changes) a verified buyer company's net terms. A lower limit than
    what is open is allowed: it only stops new orders on terms until invoices are paid."""
    if not is_operator(actor):
        raise NotPermitted("Only an operator grants net terms.")
    line = CreditLine.objects.select_for_update().filter(buyer_company=buyer_company).first()
    errors = credit_line_check(buyer_company=buyer_company, net_days=net_days, credit_limit=credit_limit)
    if errors:
        raise InvalidInput("The net terms are invalid.", fields=errors)
    values = {
        "net_days": net_days,
        "credit_limit": credit_limit.amount,
        "currency": credit_limit.currency,
        "granted_by": actor,
        "granted_at": timezone.now(),
    }
    if line is None:
        return CreditLine.objects.create(buyer_company=buyer_company, **values)
    for field, value in values.items():
        setattr(line, field, value)
    line.save(update_fields=list(values))
    return line


def terms_invoice_open(*, order: Order, buyer_company_id: int) -> TermsInvoice:
    """Puts a new order on the buyer company's net terms: refused (nothing written by the
    caller's transaction) without a credit line, with an invoice overdue, or beyond the limit.
    Takes the credit line's lock; the caller holds its own source row's lock and no outside call
    is made. Returns the open invoice, due `net_days` from today."""
    line = CreditLine.objects.select_for_update().filter(buyer_company_id=buyer_company_id).first()
    if line is None:
        raise InvalidInput("The buyer company has no net terms; an operator grants them.", attr="payment_terms")
    if TermsInvoice.objects.filter(overdue(), buyer_company_id=buyer_company_id).exists():
        raise Conflict("An invoice on terms is overdue; pay it before ordering on terms again.", attr="payment_terms")
    total = order.money("total")
    used_now = exchange_rates_get().convert(total, line.currency)
    available = line.credit_limit - credit_used_get(line).amount
    if used_now.amount > available:
        raise Conflict(
            f"The order ({used_now}) exceeds the credit available ({Money(available, line.currency).quantized()}).",
            attr="payment_terms",
        )
    due_on = timezone.localdate() + timedelta(days=line.net_days)
    invoice = TermsInvoice.objects.create(
        order=order,
        credit_line=line,
        buyer_company_id=buyer_company_id,
        amount=order.total,
        currency=order.currency,
        credit_used=used_now.amount,
        due_on=due_on,
    )
    order_event_record(order, OrderEvent.Kind.ON_TERMS, net_days=line.net_days, due_on=str(due_on))
    return invoice


@transaction.atomic
def terms_invoice_settle(*, actor, invoice: TermsInvoice, reference: str = "") -> TermsInvoice:
    """An operator records the buyer's payment of an invoice on terms: the invoice is paid, the
    order's payment succeeded, and the credit it used is free again."""
    if not is_operator(actor):
        raise NotPermitted("Only an operator records a payment on terms.")
    locked = order_lock(order_id=invoice.order_id, payments=True)
    invoice = TermsInvoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != TermsInvoice.Status.OPEN:
        raise WrongState(f"The invoice is {invoice.status}; only an open one is paid.")
    invoice.status = TermsInvoice.Status.PAID
    invoice.paid_at = timezone.now()
    invoice.paid_reference = reference
    invoice.save(update_fields=["status", "paid_at", "paid_reference"])
    payment = next((p for p in locked.payments if p.gateway == NET_TERMS), None)
    if payment is not None:
        payment.status = payment.Status.SUCCEEDED
        payment.captured_amount = payment.amount
        payment.save(update_fields=["status", "captured_amount", "updated_at"])
    order_event_record(
        locked.order, OrderEvent.Kind.TERMS_PAID, actor, reference=reference, late=invoice.due_on < timezone.localdate()
    )
    return invoice


def terms_invoice_void(*, order: Order) -> None:
    """The order on terms was cancelled (order_cancel, holding the order's lock): its open
    invoice is void and the credit it used free again."""
    TermsInvoice.objects.filter(order=order, status=TermsInvoice.Status.OPEN).update(status=TermsInvoice.Status.VOID)

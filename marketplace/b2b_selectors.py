"""Reads of B2B terms: negotiated prices for a buyer company, price lists, credit lines and
invoices on terms, each list scoped to what the caller may see (the seller's staff and the
buyer's see their own; operators everything)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from brands.selectors import user_company_ids
from core.errors import InvalidInput
from core.money import Money
from core.permissions import is_operator
from core.selectors import RateTable
from listings.models import Product
from marketplace.models import CreditLine, PriceList, PriceListEntry, TermsInvoice
from marketplace.selectors import QuantityPrice, quantity_price_get
from marketplace.trade_selectors import buyer_company_ids


@dataclass(frozen=True)
class NegotiatedPrice:
    unit_price: Money  # in the currency asked for
    price_list: PriceList
    min_quantity: int


def b2b_quantity_fits(product: Product, quantity: int) -> bool:
    """A B2B quantity by the product's terms (MOQ, order multiple): negotiated prices apply to these."""
    return product.sells_b2b and quantity >= (product.moq or 1) and quantity % product.order_multiple == 0


def negotiated_price_get(
    *, product: Product, quantity: int, buyer_company_ids: list[int], currency: str, rates: RateTable
) -> NegotiatedPrice | None:
    """The lowest negotiated unit price for the quantity over the buyer companies' active,
    unexpired price lists from the product's seller (each list's highest tier reached); None
    when none applies. Only verified buyer companies have negotiated prices."""
    if not buyer_company_ids or not b2b_quantity_fits(product, quantity):
        return None
    today = timezone.localdate()
    entries = (
        PriceListEntry.objects.filter(
            product=product,
            min_quantity__lte=quantity,
            price_list__company_id=product.company_id,
            price_list__buyer_company_id__in=buyer_company_ids,
            price_list__buyer_company__verified=True,
            price_list__status=PriceList.Status.ACTIVE,
        )
        .filter(Q(price_list__valid_until__isnull=True) | Q(price_list__valid_until__gte=today))
        .select_related("price_list")
        .order_by("price_list_id", "-min_quantity")
    )
    best: NegotiatedPrice | None = None
    seen = set()
    for entry in entries:
        if entry.price_list_id in seen:
            continue  # a lower tier of a list already priced
        seen.add(entry.price_list_id)
        unit = rates.convert(Money(entry.unit_price, entry.price_list.currency), currency)
        if best is None or unit.amount < best.unit_price.amount:
            best = NegotiatedPrice(unit, entry.price_list, entry.min_quantity)
    return best


@dataclass(frozen=True)
class BuyerPrice(QuantityPrice):
    list_unit_price: Money | None = None  # the public price, where a negotiated one replaced it
    price_list: int | None = None


def buyer_price_get(*, user, product: Product, quantity: int, currency: str, rates: RateTable) -> BuyerPrice:
    """quantity_price_get for this caller: the negotiated price of their buyer companies where
    one applies (the public price shown beside it), else the public price."""
    public, refused = None, None
    try:
        public = quantity_price_get(product=product, quantity=quantity, currency=currency, rates=rates)
    except InvalidInput as error:
        refused = error
    negotiated = negotiated_price_get(
        product=product, quantity=quantity, buyer_company_ids=buyer_company_ids(user), currency=currency, rates=rates
    )
    if negotiated is None:
        if refused is not None:
            raise refused
        return BuyerPrice(public.quantity, public.unit_price, public.total, public.tier_min_quantity)
    unit = negotiated.unit_price
    return BuyerPrice(
        quantity,
        unit,
        Money(unit.amount * quantity, currency).quantized(),
        negotiated.min_quantity,
        list_unit_price=public.unit_price if public else None,
        price_list=negotiated.price_list.pk,
    )


def price_list_list(*, user) -> QuerySet[PriceList]:
    lists = PriceList.objects.select_related("company", "buyer_company").prefetch_related(
        Prefetch("entries", queryset=PriceListEntry.objects.select_related("product"))
    )
    if not is_operator(user):
        lists = lists.filter(Q(company__in=user_company_ids(user)) | Q(buyer_company__in=buyer_company_ids(user)))
    return lists.order_by("-pk")


def credit_used_get(credit_line: CreditLine) -> Money:
    """What the buyer company's open invoices on terms take of its limit."""
    used = TermsInvoice.objects.filter(credit_line=credit_line, status=TermsInvoice.Status.OPEN).aggregate(
        used=Sum("credit_used")
    )["used"]
    return Money(used or Decimal(0), credit_line.currency)


def overdue() -> Q:
    """Open invoices on terms past their due date."""
    return Q(status=TermsInvoice.Status.OPEN, due_on__lt=timezone.localdate())


def credit_line_list(*, user) -> QuerySet[CreditLine]:
    lines = (
        CreditLine.objects.select_related("buyer_company")
        .annotate(used=Sum("invoices__credit_used", filter=Q(invoices__status=TermsInvoice.Status.OPEN)))
        .order_by("pk")
    )
    return lines if is_operator(user) else lines.filter(buyer_company__in=buyer_company_ids(user))


def terms_invoice_list(*, user) -> QuerySet[TermsInvoice]:
    invoices = TermsInvoice.objects.select_related("order", "buyer_company").order_by("due_on", "pk")
    return invoices if is_operator(user) else invoices.filter(buyer_company__in=buyer_company_ids(user))

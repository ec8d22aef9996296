"""Quotes on RFQs: an SME's for one of its own B2B products, or a brand's drawing on several
member SMEs; priced by marketplace.services.quote_pricing (the product's tiers, or explicitly
overridden with a reason, and what the incoterm includes), frozen on the quote; superseded,
withdrawn or declined."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from brands.models import Brand, CompanyStaff, MandateScope, Membership
from brands.selectors import user_has_company_role
from core.errors import Conflict, InvalidInput, NotPermitted, WrongState
from core.money import Money
from core.selectors import exchange_rates_get
from listings.models import Product
from marketplace.models import RFQ, Quote, QuoteLine, TradeEvent
from marketplace.services.quote_pricing import QuoteLineSpec, landed_cost, price_line
from marketplace.services.trade import EDITOR, QS, quote_lock, rfq_lock, trade_event_record
from marketplace.trade_selectors import buyer_company_ids

K = TradeEvent.Kind


def _check_quote_terms(rfq: RFQ, valid_until: date, lead_time_days: int) -> None:
    errors = {}
    if valid_until < timezone.localdate():
        errors["valid_until"] = [("in_the_past", "The quote must be valid today or later.")]
    if not 0 <= lead_time_days <= 365:
        errors["lead_time_days"] = [("out_of_range", "0 to 365 days.")]
    if errors:
        raise InvalidInput("The quote terms are invalid.", fields=errors)


def _open_for_quotes(rfq: RFQ) -> RFQ:
    rfq = rfq_lock(rfq)
    if rfq.status != RFQ.Status.OPEN:
        raise WrongState(f"The RFQ is {rfq.status}; it takes no more quotes.")
    if rfq.deadline <= timezone.now():
        raise WrongState("The RFQ's deadline has passed; it takes no more quotes.")
    return rfq


def _save_quote(rfq, *, actor, company, brand, priced, landed, incoterm, valid_until, lead_time_days, note) -> Quote:
    """Supersedes the company's (or brand's) active quote and writes the new one."""
    previous = Quote.objects.select_for_update().filter(rfq=rfq, status=QS.ACTIVE)
    previous = previous.filter(brand=brand) if brand else previous.filter(company=company, brand__isnull=True)
    for old in previous.order_by("pk"):
        old.status = QS.SUPERSEDED
        old.save(update_fields=["status"])
        trade_event_record(rfq, K.QUOTE_SUPERSEDED, actor, old)
    try:
        with transaction.atomic():
            quote = Quote.objects.create(
                rfq=rfq,
                company=company,
                brand=brand,
                created_by=actor,
                currency=rfq.currency,
                incoterm=incoterm,
                valid_until=valid_until,
                lead_time_days=lead_time_days,
                note=note,
                subtotal=landed.subtotal.amount,
                shipping=landed.shipping.amount,
                insurance=landed.insurance.amount,
                duties=landed.duties.amount,
                taxes=landed.taxes.amount,
                total=landed.total.amount,
                freight=landed.freight,
                duty_estimate=landed.duty_estimate,
                rule_versions=landed.rule_versions,
            )
    except IntegrityError:
        raise Conflict("Another quote was submitted at the same moment; try again.") from None
    QuoteLine.objects.bulk_create(
        QuoteLine(
            quote=quote,
            product=line.product,
            variant=line.variant,
            seller_id=line.product.company_id,
            quantity=line.quantity,
            unit_price=line.unit.amount,
            list_unit_price=line.list_unit.amount if line.list_unit else None,
            price_override_reason=line.reason,
            price_list=line.price_list,
            total=Money(line.unit.amount * line.quantity, rfq.currency).quantized().amount,
        )
        for line in priced
    )
    trade_event_record(rfq, K.QUOTED, actor, quote, company=company.pk, brand=brand.pk if brand else None)
    return quote


@transaction.atomic
def quote_create(
    *,
    actor,
    rfq: RFQ,
    line: QuoteLineSpec,
    incoterm: str,
    valid_until: date,
    lead_time_days: int,
    note: str = "",
) -> Quote:
    """An SME quotes one of its own published B2B products."""
    product = line.product
    if not user_has_company_role(actor, product.company_id, CompanyStaff.Role.VIEWER, scope=MandateScope.QUOTES):
        raise InvalidInput("Quote one of your own companies' products.", attr="product")
    if not user_has_company_role(actor, product.company_id, EDITOR, scope=MandateScope.QUOTES):
        raise NotPermitted("Editors and owners of the company quote.")
    if product.status != Product.Status.PUBLISHED:
        raise InvalidInput("Quote a published product.", attr="product")
    _check_quote_terms(rfq, valid_until, lead_time_days)
    rfq = _open_for_quotes(rfq)
    rates = exchange_rates_get()
    errors: dict = {}
    priced = price_line(rfq, line, rates, "", errors)
    if errors:
        raise InvalidInput("The quote does not meet the product's terms.", fields=errors)
    landed = landed_cost(rfq, [priced], incoterm, rates)
    return _save_quote(
        rfq,
        actor=actor,
        company=product.company,
        brand=None,
        priced=[priced],
        landed=landed,
        incoterm=incoterm,
        valid_until=valid_until,
        lead_time_days=lead_time_days,
        note=note,
    )


@transaction.atomic
def brand_quote_create(
    *,
    actor,
    rfq: RFQ,
    brand: Brand,
    lines: list[QuoteLineSpec],
    incoterm: str,
    valid_until: date,
    lead_time_days: int,
    note: str = "",
) -> Quote:
    """The brand's lead company answers with one quote drawing on several member SMEs'
    products; each line keeps its SME, so the order's lines, shipments and settlement do too."""
    if not user_has_company_role(actor, brand.lead_company_id, EDITOR):
        raise NotPermitted("Only editors and owners of the brand's lead company quote for the brand.")
    if brand.status != Brand.Status.ACTIVE:
        raise WrongState(f"The brand is {brand.status}; only an active brand quotes.")
    if not lines:
        raise InvalidInput("Quote at least one line.", attr="lines")
    _check_quote_terms(rfq, valid_until, lead_time_days)
    rfq = _open_for_quotes(rfq)
    members = set(
        Membership.objects.filter(brand=brand, status=Membership.Status.ACTIVE).values_list("company_id", flat=True)
    )
    rates = exchange_rates_get()
    errors: dict = {}
    priced = []
    seen = set()
    for i, spec in enumerate(lines):
        prefix = f"lines.{i}."
        product = spec.product
        if product.brand_id != brand.pk or product.status != Product.Status.PUBLISHED:
            errors[f"{prefix}product"] = [("not_in_brand", "A published product under this brand is required.")]
            continue
        if product.company_id not in members:
            errors[f"{prefix}product"] = [("not_a_member", "The product's company is not an active member.")]
            continue
        if product.pk in seen:
            errors[f"{prefix}product"] = [("duplicate", "Each product once; set its quantity instead.")]
            continue
        seen.add(product.pk)
        line = price_line(rfq, spec, rates, prefix, errors)
        if line is not None:
            priced.append(line)
    if errors:
        raise InvalidInput("Some lines do not meet their product's terms.", fields=errors)
    landed = landed_cost(rfq, priced, incoterm, rates)
    return _save_quote(
        rfq,
        actor=actor,
        company=brand.lead_company,
        brand=brand,
        priced=priced,
        landed=landed,
        incoterm=incoterm,
        valid_until=valid_until,
        lead_time_days=lead_time_days,
        note=note,
    )


@transaction.atomic
def quote_withdraw(*, actor, quote: Quote) -> Quote:
    rfq, quote = quote_lock(quote)
    if not user_has_company_role(actor, quote.company_id, EDITOR, scope=MandateScope.QUOTES):
        raise NotPermitted("Editors and owners of the quoting company withdraw its quote.")
    if quote.status != QS.ACTIVE:
        raise WrongState(f"The quote is {quote.status}; only an active one can be withdrawn.")
    quote.status = QS.WITHDRAWN
    quote.save(update_fields=["status"])
    trade_event_record(rfq, K.QUOTE_WITHDRAWN, actor, quote)
    return quote


@transaction.atomic
def quote_decline(*, actor, quote: Quote, reason: str = "") -> Quote:
    rfq, quote = quote_lock(quote)
    if rfq.buyer_company_id not in buyer_company_ids(actor):
        raise NotPermitted("Only the RFQ's buyer declines a quote.")
    if quote.status != QS.ACTIVE:
        raise WrongState(f"The quote is {quote.status}; only an active one can be declined.")
    quote.status = QS.DECLINED
    quote.save(update_fields=["status"])
    trade_event_record(rfq, K.QUOTE_DECLINED, actor, quote, reason=reason)
    return quote

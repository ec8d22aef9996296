"""Quotes on RFQs: an SME's for one of its own B2B products, or a brand's drawing on several
member SMEs; priced from the product's tiers (or explicitly overridden with a reason), their
freight, duties and taxes frozen for the destination; superseded, withdrawn or declined."""

import math
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_UP, Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from brands.models import Brand, CompanyStaff, MandateScope, Membership
from brands.selectors import user_has_company_role
from core.errors import Conflict, InvalidInput, NotPermitted, WrongState
from core.money import Money
from core.selectors import RateTable, exchange_rates_get
from listings.models import Product, Variant
from logistics.services import GoodsLine, TradeRulesMissing, duties_estimate, shipping_options
from marketplace.b2b_selectors import negotiated_price_get
from marketplace.models import (
    RFQ,
    PriceList,
    Quote,
    QuoteLine,
    TradeEvent,
)
from marketplace.selectors import quantity_price_get
from marketplace.services.checkout_options import rule_versions_plain
from marketplace.services.trade import EDITOR, QS, quote_lock, rfq_lock, trade_event_record
from marketplace.trade_selectors import buyer_company_ids

# Freight for B2B quantities is estimated in cartons of at most this weight, each priced on the
# carrier rate tables (whose heaviest band is a parcel's), 40 x 30 x 30 cm.
CARTON_MAX_KG = Decimal(20)
CARTON_CM = ("40", "30", "30")
# Amounts are stored with 14 digits, 4 of them decimals: anything near that is a typo, refused as input.
MAX_AMOUNT = Decimal(10) ** 9
K = TradeEvent.Kind


@dataclass(frozen=True)
class QuoteLineSpec:
    product: Product
    quantity: int
    variant: Variant | None = None
    unit_price: Money | None = None
    price_override_reason: str = ""


@dataclass(frozen=True)
class _Priced:
    product: Product
    variant: Variant
    quantity: int
    unit: Money
    list_unit: Money | None
    reason: str
    price_list: PriceList | None = None


def _price_line(rfq: RFQ, spec: QuoteLineSpec, rates: RateTable, prefix: str, errors: dict) -> _Priced | None:
    """Checks one line against the product's B2B terms and prices it from the RFQ's buyer's
    negotiated price list, else from its tiers, unless the price is explicitly overridden with
    a reason. Problems go into `errors` under `prefix`."""
    currency = rfq.currency
    product = spec.product
    found = len(errors)
    if not product.sells_b2b:
        errors[f"{prefix}product"] = [("not_b2b", "This product is not sold B2B.")]
        return None
    moq = product.moq or 1
    if spec.quantity < moq:
        errors[f"{prefix}quantity"] = [("below_moq", f"The minimum order quantity is {moq}.")]
    elif spec.quantity % product.order_multiple:
        errors[f"{prefix}quantity"] = [("not_a_multiple", f"Quote in multiples of {product.order_multiple}.")]
    variants = list(product.variants.all())
    variant = spec.variant
    if variant is None:
        variant = variants[0] if len(variants) == 1 else None
        if variant is None:
            errors[f"{prefix}variant"] = [("required", "The product has several variants: name one.")]
    elif variant.product_id != product.pk:
        errors[f"{prefix}variant"] = [("not_of_product", "The variant is not one of the product's.")]
    if variant is not None and variant.weight_kg is None:
        errors[f"{prefix}variant"] = [("no_weight", "The variant has no weight, so freight cannot be quoted.")]
    if len(errors) > found:
        return None
    list_unit = None
    negotiated = negotiated_price_get(
        product=product,
        quantity=spec.quantity,
        buyer_company_ids=[rfq.buyer_company_id],
        currency=currency,
        rates=rates,
    )
    if negotiated is not None:
        list_unit = negotiated.unit_price
    elif product.price_tiers.exists():
        list_unit = quantity_price_get(
            product=product, quantity=spec.quantity, currency=currency, rates=rates
        ).unit_price
    unit = spec.unit_price
    if unit is None:
        if list_unit is None:
            errors[f"{prefix}unit_price"] = [("required", "The product has no price tiers: give a unit price.")]
            return None
        unit = list_unit
    elif unit.currency != currency:
        errors[f"{prefix}unit_price"] = [("currency_mismatch", f"Quote in the RFQ's currency, {currency}.")]
        return None
    elif not 0 < unit.amount < MAX_AMOUNT:
        errors[f"{prefix}unit_price"] = [("out_of_range", f"A positive unit price below {MAX_AMOUNT}.")]
        return None
    elif list_unit is not None and unit.amount != list_unit.amount and not spec.price_override_reason.strip():
        errors[f"{prefix}price_override_reason"] = [
            ("required", f"The list price for this quantity is {list_unit}; say why the quote differs.")
        ]
        return None
    return _Priced(
        product,
        variant,
        spec.quantity,
        unit.quantized(),
        list_unit,
        spec.price_override_reason.strip(),
        negotiated.price_list if negotiated else None,
    )


@dataclass(frozen=True)
class _Landed:
    subtotal: Money
    shipping: Money
    insurance: Money
    duties: Money
    taxes: Money
    freight: dict
    duty_estimate: dict
    rule_versions: dict

    @property
    def total(self) -> Money:
        parts = (self.subtotal, self.shipping, self.insurance, self.duties, self.taxes)
        return Money(sum((part.amount for part in parts), Decimal(0)), self.subtotal.currency)


# Incoterms 2020: which terms carry the main freight to the destination (the others end at the
# seller's warehouse or on board at the port of export, the platform's consolidation warehouse).
CARRIAGE_PAID = {Quote.Incoterm.CIF, Quote.Incoterm.DAP, Quote.Incoterm.DDP}
# CIF insurance: the minimum cover Incoterms 2020 asks of the seller (Institute Cargo Clauses C)
# is 110% of the contract price; priced at a cargo premium rate typical for that cover.
CIF_COVER = Decimal("1.10")
CIF_PREMIUM_RATE = Decimal("0.003")


def _freight(country: str, lines: list[_Priced], currency: str, rates: RateTable) -> tuple[Money, dict]:
    """Freight from the carrier rates: the best warehouse for the destination, its first
    service, per carton."""
    weight = sum((line.variant.weight_kg * line.quantity for line in lines), Decimal(0))
    cartons = max(1, math.ceil(weight / CARTON_MAX_KG))
    carton_kg = (weight / cartons).quantize(Decimal("0.001"), rounding=ROUND_UP)
    parcel = dict(zip(("length_cm", "width_cm", "height_cm"), CARTON_CM, strict=True), weight_kg=str(carton_kg))
    options = shipping_options(destination_country=country, parcels=[parcel])
    if not options:
        raise Conflict(f"No carrier rate reaches {country}; an operator must add one before quoting.")
    option = options[0]
    per_carton = rates.convert(option.price, currency)
    shipping = Money(per_carton.amount * cartons, currency).quantized()
    return shipping, {
        "warehouse": option.warehouse.code,
        "carrier": option.carrier,
        "service": option.service,
        "cartons": cartons,
        "carton_weight_kg": str(carton_kg),
        "price_per_carton": per_carton.as_dict(),
        "price": shipping.as_dict(),
        "transit_days": [option.transit_days_min, option.transit_days_max],
    }


def _landed_cost(rfq: RFQ, lines: list[_Priced], incoterm: str, rates: RateTable) -> _Landed:
    """Prices only what the incoterm puts on the seller: the goods (EXW, FOB), plus freight and
    insurance (CIF), plus freight (DAP), plus freight, duties and taxes (DDP). Duties and taxes
    at the destination are always estimated, and charged only under DDP."""
    currency, country = rfq.currency, str(rfq.destination_country)
    subtotal = Money(sum((line.unit.amount * line.quantity for line in lines), Decimal(0)), currency).quantized()
    if subtotal.amount >= MAX_AMOUNT:
        raise InvalidInput(f"A quote totals less than {MAX_AMOUNT} {currency}.", attr="quantity")
    zero = Money(Decimal(0), currency)
    shipping, freight, insurance = zero, {"included": False}, zero
    if incoterm in CARRIAGE_PAID:
        shipping, freight = _freight(country, lines, currency, rates)
        freight["included"] = True
    if incoterm == Quote.Incoterm.CIF:
        premium = (subtotal.amount + shipping.amount) * CIF_COVER * CIF_PREMIUM_RATE
        insurance = Money(premium, currency).quantized()
        freight["insurance"] = {
            "cover": str(CIF_COVER),
            "premium_rate": str(CIF_PREMIUM_RATE),
            "premium": insurance.as_dict(),
        }
    ddp = incoterm == Quote.Incoterm.DDP
    try:
        estimate = duties_estimate(
            destination_country=country,
            lines=[
                GoodsLine(
                    line.variant.hs_code or line.product.hs_code,
                    str(line.variant.origin_country or line.product.origin_country),
                    line.quantity,
                    line.unit,
                    product_id=line.product.pk,
                )
                for line in lines
            ],
            currency=currency,
        )
    except TradeRulesMissing as error:
        if ddp:
            raise InvalidInput(f"{error.detail} Quote DAP instead.", attr="incoterm") from None
        return _Landed(subtotal, shipping, insurance, zero, zero, freight, {"available": False}, {})
    versions = rule_versions_plain(estimate.rule_versions)
    summary = {
        "available": True,
        "charged": ddp,
        "duties": estimate.duty.as_dict(),
        "taxes": estimate.tax.as_dict(),
        "tax_name": estimate.tax_name,
        "preferences": estimate.preferences_summary(),
        "mfn_duties": estimate.mfn_duty.as_dict(),
        "saving": estimate.saving.as_dict(),
        # A low-value scheme: the tax is charged with the sale whatever the incoterm.
        "tax_scheme": versions["tax_scheme"] if estimate.tax_scheme else None,
    }
    # Duties only under DDP; the tax too, or under a low-value scheme whatever the incoterm.
    duties = estimate.duty if ddp else zero
    taxes = estimate.tax if ddp or estimate.tax_scheme else zero
    return _Landed(subtotal, shipping, insurance, duties, taxes, freight, summary, versions)


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
    priced = _price_line(rfq, line, rates, "", errors)
    if errors:
        raise InvalidInput("The quote does not meet the product's terms.", fields=errors)
    landed = _landed_cost(rfq, [priced], incoterm, rates)
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
        line = _price_line(rfq, spec, rates, prefix, errors)
        if line is not None:
            priced.append(line)
    if errors:
        raise InvalidInput("Some lines do not meet their product's terms.", fields=errors)
    landed = _landed_cost(rfq, priced, incoterm, rates)
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

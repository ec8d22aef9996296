"""Pricing a quote: each line from the buyer's negotiated price list, else the product's tiers,
else an explicit price with a reason; then what the incoterm puts on the seller (freight by
carton, CIF insurance, duties and taxes under DDP), frozen on the quote by marketplace.services.quotes."""

import math
from dataclasses import dataclass
from decimal import ROUND_UP, Decimal

from core.errors import Conflict, InvalidInput
from core.money import Money
from core.selectors import RateTable
from listings.models import Product, Variant
from logistics.services import GoodsLine, TradeRulesMissing, duties_estimate, shipping_options
from marketplace.b2b_selectors import negotiated_price_get
from marketplace.models import RFQ, PriceList, Quote
from marketplace.selectors import quantity_price_get
from marketplace.services.checkout_options import rule_versions_plain

# Freight for B2B quantities is estimated in cartons of at most this weight, each priced on the
# carrier rate tables (whose heaviest band is a parcel's), 40 x 30 x 30 cm.
CARTON_MAX_KG = Decimal(20)
CARTON_CM = ("40", "30", "30")
# Amounts are stored with 14 digits, 4 of them decimals: anything near that is a typo, refused as input.
MAX_AMOUNT = Decimal(10) ** 9


@dataclass(frozen=True)
class QuoteLineSpec:
    product: Product
    quantity: int
    variant: Variant | None = None
    unit_price: Money | None = None
    price_override_reason: str = ""


@dataclass(frozen=True)
class PricedLine:
    product: Product
    variant: Variant
    quantity: int
    unit: Money
    list_unit: Money | None
    reason: str
    price_list: PriceList | None = None


def price_line(rfq: RFQ, spec: QuoteLineSpec, rates: RateTable, prefix: str, errors: dict) -> PricedLine | None:
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
    return PricedLine(
        product,
        variant,
        spec.quantity,
        unit.quantized(),
        list_unit,
        spec.price_override_reason.strip(),
        negotiated.price_list if negotiated else None,
    )


@dataclass(frozen=True)
class LandedCost:
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


def freight_estimate(country: str, lines: list[PricedLine], currency: str, rates: RateTable) -> tuple[Money, dict]:
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


def landed_cost(rfq: RFQ, lines: list[PricedLine], incoterm: str, rates: RateTable) -> LandedCost:
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
        shipping, freight = freight_estimate(country, lines, currency, rates)
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
        return LandedCost(subtotal, shipping, insurance, zero, zero, freight, {"available": False}, {})
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
    return LandedCost(subtotal, shipping, insurance, duties, taxes, freight, summary, versions)

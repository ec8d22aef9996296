"""A checkout's shipping options, each rate quoted twice: DAP (the buyer pays duties on delivery,
estimated here) and DDP (duties and taxes prepaid), with the duties estimate of its priced goods.
checkout_price (marketplace.services.checkout) calls it once per pricing."""

import json
from dataclasses import dataclass
from decimal import Decimal

from core.money import Money
from core.selectors import RateTable
from listings.models import Variant
from logistics.models import Warehouse
from logistics.services import GoodsLine, TradeRulesMissing, duties_estimate, shipping_options
from marketplace.models import Checkout
from marketplace.services.promotions import Deal


@dataclass(frozen=True)
class Good:
    variant: Variant
    quantity: int
    price: Money
    title: str  # the English title (with fallback) order lines keep
    category_path: str  # the product's category, for the promotions' scopes


def checkout_options_quote(
    checkout: Checkout, goods: list[Good], rates: RateTable, warehouses: list[Warehouse], deal: Deal
) -> list[dict]:
    country = checkout.shipping_address["country"]
    try:
        estimate = duties_estimate(
            rates=rates,
            destination_country=country,
            lines=[
                GoodsLine(
                    g.variant.hs_code or g.variant.product.hs_code,
                    str(g.variant.origin_country or g.variant.product.origin_country),
                    g.quantity,
                    g.price,
                    discount=Money(deal.line_amount(g.variant.pk), checkout.currency),
                    product_id=g.variant.product_id,
                )
                for g in goods
            ],
            currency=checkout.currency,
        )
    except TradeRulesMissing:
        estimate = None
    zero = Money(Decimal(0), checkout.currency).as_dict()
    versions = rule_versions_plain(estimate.rule_versions) if estimate else {}
    options = []
    lines = [(g.variant, g.quantity) for g in goods]
    for option in shipping_options(destination_country=country, lines=lines, warehouses=warehouses):
        base = {
            "warehouse": option.warehouse.code,
            "carrier": option.carrier,
            "service": option.service,
            "price": rates.convert(option.price, checkout.currency).as_dict(),
            "transit_days": [option.transit_days_min, option.transit_days_max],
        }
        dap = {
            **base,
            "id": f"{option.warehouse.code}:{option.service}:DAP",
            "incoterm": "DAP",
            "duties": zero,
            "taxes": zero,
        }
        if estimate is None:
            options.append(dap)
            continue
        scheme = estimate.rule_versions["tax_scheme"] if estimate.tax_scheme else None
        if scheme:  # a low-value scheme: the tax is charged now whatever the incoterm, none at the border
            dap.update(taxes=estimate.tax.as_dict(), tax_scheme=scheme, rule_versions=versions)
        dap["estimated_on_delivery"] = {"duties": estimate.duty.as_dict(), "taxes": estimate.border_tax.as_dict()}
        options.append(dap)
        options.append(
            {
                **base,
                "id": f"{option.warehouse.code}:{option.service}:DDP",
                "incoterm": "DDP",
                "duties": estimate.duty.as_dict(),
                "taxes": estimate.tax.as_dict(),
                # FTA preferences applied per line, and what they save against MFN duty and tax.
                "preferences": estimate.preferences_summary(),
                "mfn_duties": estimate.mfn_duty.as_dict(),
                "saving": estimate.saving.as_dict(),
                "tax_scheme": scheme,
                "rule_versions": versions,
            }
        )
    return options


def rule_versions_plain(value):
    """Rule versions as JSON-safe data (dates and decimals as strings)."""
    return json.loads(json.dumps(value, default=str))

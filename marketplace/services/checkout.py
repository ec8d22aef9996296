"""Checkout: lines by SKU, an address, a shipping option (DAP or DDP), totals in the buyer's
currency, and completion into an order with reserved stock and a payment intent."""

import json
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_countries import countries

from core.errors import Conflict, InvalidInput, WrongState
from core.money import Money
from core.selectors import PIVOT_CURRENCY, RateTable, exchange_rates_get
from listings.models import Product, Variant
from listings.selectors import product_text
from logistics.services import (
    GoodsLine,
    Line,
    TradeRulesMissing,
    duties_estimate,
    restricted_goods_check,
    shipping_options,
    stock_reserve,
)
from marketplace.models import Checkout, CheckoutLine, Order, OrderEvent, OrderLine, Payment
from marketplace.payments import payment_gateway
from marketplace.selectors import product_shop_price, storefront_visible

# Postal codes of the main destinations; elsewhere any 2 to 10 letters, digits, spaces or dashes.
POSTAL_CODES = {
    "US": r"\d{5}(-\d{4})?",
    "JP": r"\d{3}-?\d{4}",
    "CN": r"\d{6}",
    "DE": r"\d{5}",
    "KR": r"\d{5}",
    "MX": r"\d{5}",
    "BR": r"\d{5}-?\d{3}",
    "CL": r"\d{7}",
    "FR": r"\d{5}",
    "GB": r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}",
    "CA": r"[A-Z]\d[A-Z] ?\d[A-Z]\d",
    "AU": r"\d{4}",
}


@dataclass(frozen=True)
class Totals:
    subtotal: Money
    shipping: Money
    duties: Money
    taxes: Money
    total: Money
    rule_versions: dict


def _address(address: dict) -> dict:
    """Validates a shipping address: name, lines, city, country (ISO), postal code by country."""
    errors = {}
    country = str(address.get("country", "")).upper()
    if country not in countries:
        errors["shipping_address.country"] = [("required", "A valid ISO 3166 country code is required.")]
    for field in ("name", "city"):
        if not str(address.get(field, "")).strip():
            errors[f"shipping_address.{field}"] = [("required", f"The {field} is required.")]
    lines = address.get("lines")
    if not isinstance(lines, list) or not lines or not all(isinstance(x, str) and x.strip() for x in lines):
        errors["shipping_address.lines"] = [("required", "At least one address line is required.")]
    postal = str(address.get("postal_code", "")).strip().upper()
    pattern = POSTAL_CODES.get(country, r"[A-Z0-9 -]{2,10}")
    if (country in POSTAL_CODES or postal) and not re.fullmatch(pattern, postal):
        errors["shipping_address.postal_code"] = [("invalid_postal_code", f"Not a valid postal code for {country}.")]
    if errors:
        raise InvalidInput("The shipping address is incomplete.", fields=errors)
    return {
        "name": address["name"].strip(),
        "lines": [x.strip() for x in lines],
        "city": address["city"].strip(),
        "postal_code": postal,
        "country": country,
        "phone": str(address.get("phone", ""))[:30],
    }


def _variants(lines: list[dict]) -> list[tuple[Variant, int]]:
    if not lines:
        raise InvalidInput("Add at least one line.", attr="lines")
    if len(lines) > settings.CHECKOUT_MAX_LINES:
        raise InvalidInput(f"At most {settings.CHECKOUT_MAX_LINES} lines per checkout.", attr="lines")
    skus = [line["sku"] for line in lines]
    shop = Product.objects.filter(storefront_visible()).values("pk")
    found = {v.sku: v for v in Variant.objects.filter(sku__in=skus, product__in=shop).select_related("product")}
    errors = {}
    for i, line in enumerate(lines):
        variant = found.get(line["sku"])
        if variant is None:
            errors[f"lines.{i}.sku"] = [("unknown_sku", "No product in the shop has this SKU.")]
        elif not variant.product.sells_b2c:
            errors[f"lines.{i}.sku"] = [("not_sold_retail", "This product is sold B2B only; request a quote.")]
        if skus.count(line["sku"]) > 1:
            errors[f"lines.{i}.sku"] = [("duplicate_sku", "Each SKU once; set its quantity instead.")]
    if errors:
        raise InvalidInput("Some lines cannot be bought.", fields=errors)
    return [(found[line["sku"]], line["quantity"]) for line in lines]


def _refuse_restricted(variants: list[tuple[Variant, int]], country: str) -> None:
    codes = {(v.hs_code or v.product.hs_code): v for v, _ in variants}
    refused = restricted_goods_check(destination_country=country, hs_codes=[c for c in codes if c])
    if refused:
        raise InvalidInput(
            f"Some goods cannot be shipped to {country}.",
            fields={"lines": [("restricted_goods", f"{codes[hs].sku}: {reason}") for hs, _, reason in refused]},
        )


@transaction.atomic
def checkout_create(*, buyer, email: str, currency: str, lines: list[dict], shipping_address: dict) -> Checkout:
    if not exchange_rates_get().converts(PIVOT_CURRENCY, currency):  # before anything is written
        raise InvalidInput(
            f"The platform has no exchange rate for {currency}; pay in another currency.", attr="currency"
        )
    address = _address(shipping_address)
    variants = _variants(lines)
    _refuse_restricted(variants, address["country"])
    checkout = Checkout.objects.create(
        buyer=buyer if buyer and buyer.is_authenticated else None,
        email=email,
        currency=currency,
        shipping_address=address,
    )
    CheckoutLine.objects.bulk_create(CheckoutLine(checkout=checkout, variant=v, quantity=q) for v, q in variants)
    return checkout


def _lock(checkout: Checkout) -> Checkout:
    checkout = Checkout.objects.select_for_update().get(pk=checkout.pk)
    if checkout.status != Checkout.Status.OPEN:
        raise WrongState("The checkout is completed; it cannot change.")
    return checkout


@transaction.atomic
def checkout_update(*, checkout: Checkout, **changes) -> Checkout:
    """Changes email, lines, address, the chosen shipping option or the incoterm. A new address
    or new lines drop the chosen option, whose price they change."""
    checkout = _lock(checkout)
    if "email" in changes:
        checkout.email = changes["email"]
    if "shipping_address" in changes:
        checkout.shipping_address = _address(changes["shipping_address"])
        checkout.shipping_option = None
    if "lines" in changes:
        variants = _variants(changes["lines"])
        checkout.lines.all().delete()
        CheckoutLine.objects.bulk_create(CheckoutLine(checkout=checkout, variant=v, quantity=q) for v, q in variants)
        checkout.shipping_option = None
    lines = [(line.variant, line.quantity) for line in checkout.lines.select_related("variant__product")]
    _refuse_restricted(lines, checkout.shipping_address["country"])
    if "shipping_option" in changes:
        options = {option["id"]: option for option in checkout_shipping_options(checkout=checkout)}
        chosen = options.get(changes["shipping_option"])
        if chosen is None:
            raise InvalidInput("Pick one of the checkout's shipping options.", attr="shipping_option")
        checkout.shipping_option = chosen
        checkout.incoterm = chosen["incoterm"]
    checkout.save()
    return checkout


def _goods(checkout: Checkout, rates: RateTable) -> list[tuple[Variant, int, Money]]:
    goods = []
    for line in checkout.lines.select_related("variant__product").prefetch_related(
        "variant__product__b2c_prices", "variant__product__price_tiers"
    ):
        price = product_shop_price(line.variant.product, checkout.currency, rates)
        goods.append((line.variant, line.quantity, price))
    return goods


def checkout_shipping_options(*, checkout: Checkout) -> list[dict]:
    """Each rate twice: DAP (the buyer pays duties on delivery, estimated here) and DDP (duties
    and taxes paid now, shown apart from shipping). Without trade rules for the destination,
    duties cannot be prepaid, so only DAP is offered."""
    rates = exchange_rates_get()
    goods = _goods(checkout, rates)
    country = checkout.shipping_address["country"]
    try:
        estimate = duties_estimate(
            destination_country=country,
            lines=[
                GoodsLine(v.hs_code or v.product.hs_code, str(v.origin_country or v.product.origin_country), q, price)
                for v, q, price in goods
            ],
            currency=checkout.currency,
        )
    except TradeRulesMissing:
        estimate = None
    zero = Money(Decimal(0), checkout.currency).as_dict()
    options = []
    for option in shipping_options(destination_country=country, lines=[(v, q) for v, q, _ in goods]):
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
        dap["estimated_on_delivery"] = {"duties": estimate.duty.as_dict(), "taxes": estimate.tax.as_dict()}
        options.append(dap)
        options.append(
            {
                **base,
                "id": f"{option.warehouse.code}:{option.service}:DDP",
                "incoterm": "DDP",
                "duties": estimate.duty.as_dict(),
                "taxes": estimate.tax.as_dict(),
                "rule_versions": _plain(estimate.rule_versions),
            }
        )
    return options


def _plain(value):
    """Rule versions as JSON-safe data (dates and decimals as strings)."""
    return json.loads(json.dumps(value, default=str))


def checkout_totals(*, checkout: Checkout) -> Totals:
    rates = exchange_rates_get()
    currency = checkout.currency
    zero = Money(Decimal(0), currency)
    subtotal = Money(
        sum((price.amount * q for _, q, price in _goods(checkout, rates)), Decimal(0)), currency
    ).quantized()
    option = checkout.shipping_option or {}
    shipping = Money(Decimal(option["price"]["amount"]), currency) if option else zero
    duties = Money(Decimal(option["duties"]["amount"]), currency) if option else zero
    taxes = Money(Decimal(option["taxes"]["amount"]), currency) if option else zero
    total = Money(subtotal.amount + shipping.amount + duties.amount + taxes.amount, currency)
    return Totals(subtotal, shipping, duties, taxes, total, option.get("rule_versions", {}))


def _order_number() -> str:
    return f"{timezone.now():%y%m%d}-{secrets.token_hex(3).upper()}"


@transaction.atomic
def checkout_complete(*, checkout: Checkout, actor) -> tuple[Order, Payment]:
    """In one transaction: re-price, create the order with its lines per seller, reserve the
    stock (never beyond on hand: a shortage is a 409 and nothing is written) and create the
    payment intent with our own idempotency key."""
    checkout = Checkout.objects.select_for_update().get(pk=checkout.pk)
    if checkout.status == Checkout.Status.COMPLETED:
        order = checkout.order
        return order, order.payments.order_by("pk").first()
    if not checkout.shipping_option:
        raise InvalidInput("Choose a shipping option first.", attr="shipping_option")
    # Options are re-quoted now: prices or rules may have changed since the buyer chose.
    current = {option["id"]: option for option in checkout_shipping_options(checkout=checkout)}
    if checkout.shipping_option["id"] not in current:
        raise Conflict("The chosen shipping option is no longer offered; choose again.", attr="shipping_option")
    checkout.shipping_option = current[checkout.shipping_option["id"]]
    totals = checkout_totals(checkout=checkout)
    rates = exchange_rates_get()
    try:
        with transaction.atomic():
            order = Order.objects.create(
                number=_order_number(),
                checkout=checkout,
                buyer=checkout.buyer,
                email=checkout.email,
                currency=checkout.currency,
                subtotal=totals.subtotal.amount,
                shipping=totals.shipping.amount,
                duties=totals.duties.amount,
                taxes=totals.taxes.amount,
                total=totals.total.amount,
                incoterm=checkout.incoterm,
                shipping_address=checkout.shipping_address,
                shipping_option=checkout.shipping_option,
                rule_versions=totals.rule_versions,
            )
    except IntegrityError:
        raise Conflict("This checkout was completed by another request.") from None
    for variant, quantity, price in _goods(checkout, rates):
        OrderLine.objects.create(
            order=order,
            variant=variant,
            seller_id=variant.product.company_id,
            sku=variant.sku,
            title=product_text(variant.product, "en")["title"][:200],
            quantity=quantity,
            unit_price=price.amount,
            total=price.amount * quantity,
        )
    stock_reserve(
        reference=order.reservation_reference,
        lines=[Line(line.variant_id, line.quantity) for line in checkout.lines.all()],
        destination_country=checkout.shipping_address["country"],
        expires_at=timezone.now() + timedelta(minutes=settings.PAYMENT_TIMEOUT_MINUTES),
    )
    gateway = payment_gateway()
    intent = gateway.create_intent(
        amount=totals.total,
        idempotency_key=f"checkout:{checkout.pk}:intent",
        metadata={"order": order.number, "checkout": str(checkout.pk)},
    )
    payment = Payment.objects.create(
        order=order,
        gateway=gateway.name,
        intent_id=intent.id,
        client_secret=intent.client_secret,
        status=intent.status,
        amount=totals.total.amount,
        currency=totals.total.currency,
    )
    OrderEvent.objects.create(
        order=order,
        kind="placed",
        actor=actor if actor and actor.is_authenticated else None,
        data={"total": totals.total.as_dict(), "payment": payment.intent_id},
    )
    checkout.status = Checkout.Status.COMPLETED
    checkout.save(update_fields=["status", "shipping_option", "updated_at"])
    return order, payment

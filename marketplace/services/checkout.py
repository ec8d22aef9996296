"""Checkout: lines by SKU, an address, a shipping option (DAP or DDP), totals in the buyer's
currency, and completion into an order with reserved stock and a payment intent.

Completion prices everything once and creates (or reuses) the payment intent before anything is
locked; the transaction that follows only places the order and reserves its stock, so a slow
gateway never holds other buyers' stock rows."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connections, router, transaction
from django.utils import timezone

from brands.models import Brand
from core.errors import Conflict, InvalidInput, WrongState
from core.locales import fallback_chain
from core.money import Money
from core.selectors import PIVOT_CURRENCY, RateTable, exchange_rates_get
from core.sql import columns, instance, table, typed_rows
from listings.models import B2CPrice, Category, PriceTier, Product, ProductTranslation, Variant
from logistics.models import Warehouse
from logistics.services import (
    Line,
    restricted_goods_check,
    warehouses_for_destination,
)
from marketplace.models import Checkout, CheckoutLine, Order, Payment
from marketplace.payments import payment_gateway
from marketplace.selectors import (
    EXPLICIT_PRICE_SQL,
    LOWEST_TIER_SQL,
    STOREFRONT_VISIBLE_PARAMS,
    STOREFRONT_VISIBLE_SQL,
    shop_price,
)
from marketplace.services.addresses import buyer_address_resolve
from marketplace.services.checkout_options import Good, checkout_options_quote
from marketplace.services.order_backorders import order_backorders_mark
from marketplace.services.orders import PaymentExpected, PlacedLine, Totals, order_place, order_stock_reserve
from marketplace.services.promotions import Deal, promotion_code_check, promotion_redeem, promotions_apply

VARIANT_FIELDS = tuple(Variant._meta.concrete_fields)
PRODUCT_FIELDS = tuple(Product._meta.concrete_fields)
GOODS_FIELDS = (
    CheckoutLine._meta.get_field("quantity"),
    *VARIANT_FIELDS,
    *PRODUCT_FIELDS,
    Category._meta.get_field("path"),
    B2CPrice._meta.get_field("amount"),  # the explicit price in the checkout's currency
    PriceTier._meta.get_field("unit_price_amount"),  # the lowest tier
    ProductTranslation._meta.get_field("title"),  # in the first locale of English's fallback chain
)


def _variant(connection, row: tuple) -> Variant:
    """The variant with its product, from a row that starts with their columns (core.sql)."""
    variant = instance(Variant, connection, row[: len(VARIANT_FIELDS)])
    variant.product = instance(
        Product, connection, row[len(VARIANT_FIELDS) : len(VARIANT_FIELDS) + len(PRODUCT_FIELDS)]
    )
    return variant


def _variants(lines: list[dict]) -> list[tuple[Variant, int]]:
    if not lines:
        raise InvalidInput("Add at least one line.", attr="lines")
    if len(lines) > settings.CHECKOUT_MAX_LINES:
        raise InvalidInput(f"At most {settings.CHECKOUT_MAX_LINES} lines per checkout.", attr="lines")
    skus = [line["sku"] for line in lines]
    connection = connections[router.db_for_read(Variant)]
    sql = f"""
        SELECT {columns(Variant, "v")}, {columns(Product, "p")} FROM {table(Variant)} v
        JOIN {table(Product)} p ON p.id = v.product_id
        LEFT JOIN {table(Brand)} b ON b.id = p.brand_id
        WHERE v.sku IN ({", ".join(["%s"] * len(skus))}) AND {STOREFRONT_VISIBLE_SQL}
    """  # noqa: S608 - table names from the models, values bound as parameters
    rows = typed_rows(connection, sql, [*skus, *STOREFRONT_VISIBLE_PARAMS], VARIANT_FIELDS + PRODUCT_FIELDS)
    found = {variant.sku: variant for variant in (_variant(connection, row) for row in rows)}
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


def _addresses(buyer, changes: dict) -> dict:
    """Shipping and billing addresses as sent, or from the buyer's address book by id; a
    signed-in buyer who sends no shipping address at creation ships to their default."""
    found = {}
    for attr in ("shipping_address", "billing_address"):
        if attr in changes or f"{attr}_id" in changes:
            found[attr] = buyer_address_resolve(
                user=buyer, address=changes.get(attr), address_id=changes.get(f"{attr}_id"), attr=attr
            )
    return found


@transaction.atomic
def checkout_create(
    *,
    buyer,
    email: str,
    currency: str,
    lines: list[dict],
    discount_code: str = "",
    rates: RateTable | None = None,
    **addresses,
) -> Checkout:
    """`addresses`: shipping_address or shipping_address_id (else the buyer's default), and
    optionally billing_address or billing_address_id (else billing goes to the shipping address).
    `rates`: the day's, when the caller has read them (to price the new checkout as well)."""
    rates = rates or exchange_rates_get()
    if not rates.converts(PIVOT_CURRENCY, currency):  # before anything is written
        raise InvalidInput(
            f"The platform has no exchange rate for {currency}; pay in another currency.", attr="currency"
        )
    buyer = buyer if buyer and buyer.is_authenticated else None
    if "shipping_address" not in addresses and "shipping_address_id" not in addresses:
        default = buyer.addresses.filter(is_default=True).first() if buyer else None
        if default is None:
            raise InvalidInput("A shipping address is required.", attr="shipping_address")
        addresses["shipping_address_id"] = default.pk
    found = _addresses(buyer, addresses)
    variants = _variants(lines)
    _refuse_restricted(variants, found["shipping_address"]["country"])
    checkout = Checkout.objects.create(
        buyer=buyer,
        email=email,
        currency=currency,
        shipping_address=found["shipping_address"],
        billing_address=found.get("billing_address", {}),
    )
    CheckoutLine.objects.bulk_create(CheckoutLine(checkout=checkout, variant=v, quantity=q) for v, q in variants)
    if discount_code:
        checkout_code_set(checkout=checkout, code=discount_code, rates=rates)
        checkout.save(update_fields=["discount_code"])
    return checkout


def checkout_code_set(*, checkout: Checkout, code: str, rates: RateTable | None = None) -> None:
    """Sets the checkout's discount code ('' removes it) if it is valid for this buyer and gives
    these goods a discount: else a 400 naming discount_code. The caller saves."""
    if not code:
        checkout.discount_code = ""
        return
    promotion = promotion_code_check(code=code, buyer=checkout.buyer, email=checkout.email)
    goods = _goods(checkout, rates or exchange_rates_get())
    deal = promotions_apply(goods=goods, currency=checkout.currency, code=code)
    if promotion.pk not in {p.pk for p in deal.promotions}:
        minimum = promotion.minimum_subtotal.get(checkout.currency)
        detail = f" (a minimum of {minimum} {checkout.currency} in its goods)" if minimum else ""
        raise InvalidInput(
            "This code gives nothing on these goods.",
            fields={"discount_code": [("not_applicable", f"The code does not apply to these goods{detail}.")]},
        )
    checkout.discount_code = promotion.code


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
    found = _addresses(checkout.buyer, changes)
    if "billing_address" in found:
        checkout.billing_address = found["billing_address"]
    if "shipping_address" in found:
        checkout.shipping_address = found["shipping_address"]
        checkout.shipping_option = None
    if "lines" in changes:
        variants = _variants(changes["lines"])
        checkout.lines.all().delete()
        CheckoutLine.objects.bulk_create(CheckoutLine(checkout=checkout, variant=v, quantity=q) for v, q in variants)
        checkout.shipping_option = None
    lines = [(line.variant, line.quantity) for line in checkout.lines.select_related("variant__product")]
    _refuse_restricted(lines, checkout.shipping_address["country"])
    if "discount_code" in changes:
        checkout_code_set(checkout=checkout, code=changes["discount_code"].strip())
        checkout.shipping_option = None  # its duties were estimated on other prices
    if "shipping_option" in changes:
        options = {option["id"]: option for option in checkout_shipping_options(checkout=checkout)}
        chosen = options.get(changes["shipping_option"])
        if chosen is None:
            raise InvalidInput("Pick one of the checkout's shipping options.", attr="shipping_option")
        checkout.shipping_option = chosen
        checkout.incoterm = chosen["incoterm"]
    checkout.save()
    return checkout


def _goods(checkout: Checkout, rates: RateTable) -> list[Good]:
    """The lines priced now, in one query whatever the number of lines: the variants with their
    products and category paths, the explicit price in the checkout's currency, the lowest tier
    and the order line's title as subqueries. Plain SQL (core.sql): every checkout request prices
    its goods, and the queryset cost four times more to compile and build than to run."""
    connection = connections[router.db_for_read(CheckoutLine, instance=checkout)]
    chain = fallback_chain("en")
    first = " ".join(f"WHEN %s THEN {n}" for n in range(len(chain)))
    sql = f"""
        SELECT l.quantity, {columns(Variant, "v")}, {columns(Product, "p")}, c.path,
            {EXPLICIT_PRICE_SQL},
            {LOWEST_TIER_SQL},
            (SELECT tr.title FROM {table(ProductTranslation)} tr
                WHERE tr.product_id = p.id AND tr.locale IN ({", ".join(["%s"] * len(chain))})
                ORDER BY CASE tr.locale {first} END LIMIT 1)
        FROM {table(CheckoutLine)} l
        JOIN {table(Variant)} v ON v.id = l.variant_id
        JOIN {table(Product)} p ON p.id = v.product_id
        JOIN {table(Category)} c ON c.id = p.category_id
        WHERE l.checkout_id = %s
        ORDER BY l.id
    """  # noqa: S608 - table names from the models, values bound as parameters
    checkout_id = CheckoutLine._meta.get_field("checkout").get_db_prep_value(checkout.pk, connection)
    goods = []
    for row in typed_rows(connection, sql, [checkout.currency, *chain, *chain, checkout_id], GOODS_FIELDS):
        quantity, variant = row[0], _variant(connection, row[1:])
        path, override, lowest_tier, title = row[1 + len(VARIANT_FIELDS) + len(PRODUCT_FIELDS) :]
        price = shop_price(
            product=variant.product, currency=checkout.currency, rates=rates, override=override, lowest_tier=lowest_tier
        )
        goods.append(Good(variant, quantity, price, title or "", path))
    return goods


@dataclass(frozen=True)
class Priced:
    """A checkout priced once: its goods, the shipping options quoted for them (DAP and DDP),
    and the warehouses that serve the destination (so the reservation need not look again)."""

    goods: list[Good]
    options: list[dict]
    warehouses: list[Warehouse]
    deal: Deal

    def totals(self, currency: str, option: dict | None) -> "Totals":
        return _totals(currency, self.goods, option, self.deal)


def checkout_price(*, checkout: Checkout, rates: RateTable | None = None, with_options: bool = True) -> Priced:
    """The one place a checkout is priced: the goods, then (unless only the goods are wanted)
    the duties estimate and the shipping options, with the rates read once."""
    rates = rates or exchange_rates_get()
    goods = _goods(checkout, rates)
    deal = promotions_apply(goods=goods, currency=checkout.currency, code=checkout.discount_code)
    if not with_options:
        return Priced(goods, [], [], deal)
    warehouses = warehouses_for_destination(country=checkout.shipping_address["country"])
    return Priced(goods, checkout_options_quote(checkout, goods, rates, warehouses, deal), warehouses, deal)


def checkout_shipping_options(*, checkout: Checkout) -> list[dict]:
    """Each rate twice: DAP (the buyer pays duties on delivery, estimated here) and DDP (duties
    and taxes paid now, shown apart from shipping). Without trade rules for the destination,
    duties cannot be prepaid, so only DAP is offered."""
    return checkout_price(checkout=checkout).options


def _totals(currency: str, goods: list[Good], option: dict | None, deal: Deal) -> Totals:
    subtotal = Money(sum((g.price.amount * g.quantity for g in goods), Decimal(0)), currency).quantized()
    option = option or {}
    if not option:
        return Totals.of(currency=currency, subtotal=subtotal.amount, discount=deal.goods_discount)
    shipping = Decimal(option["price"]["amount"])
    return Totals.of(
        currency=currency,
        subtotal=subtotal.amount,
        discount=deal.goods_discount + (shipping if deal.free_shipping else Decimal(0)),
        shipping=shipping,
        duties=Decimal(option["duties"]["amount"]),
        taxes=Decimal(option["taxes"]["amount"]),
        rule_versions=option.get("rule_versions", {}),
    )


def checkout_totals(*, checkout: Checkout) -> Totals:
    priced = checkout_price(checkout=checkout, with_options=False)
    return priced.totals(checkout.currency, checkout.shipping_option)


def checkout_complete(*, checkout: Checkout, actor, locale: str = "") -> tuple[Order, Payment]:
    """Re-prices the checkout and creates (or reuses: the key is the checkout's and the amount's)
    the payment intent with no row locked; then, in one short transaction, places the order
    with its lines per seller and reserves the stock (never beyond on hand: a shortage is a 409,
    nothing is written). A second call returns the first order."""
    if checkout.status == Checkout.Status.COMPLETED:
        return _completed(checkout)
    if not checkout.shipping_option:
        raise InvalidInput("Choose a shipping option first.", attr="shipping_option")
    # Priced once; the options are re-quoted now: prices or rules may have changed since the buyer chose.
    priced = checkout_price(checkout=checkout)
    chosen = next((option for option in priced.options if option["id"] == checkout.shipping_option["id"]), None)
    if chosen is None:
        raise Conflict("The chosen shipping option is no longer offered; choose again.", attr="shipping_option")
    totals = priced.totals(checkout.currency, chosen)
    gateway = payment_gateway()
    intent = gateway.create_intent(
        amount=totals.total,
        idempotency_key=f"checkout:{checkout.pk}:intent:{totals.total.quantized().amount}{totals.total.currency}",
        metadata={"checkout": str(checkout.pk)},
    )
    # Nothing to undo if this fails: an intent nobody confirms never charges, and a retry with
    # the same amount reuses it.
    # No savepoint of its own: any error here leaves the caller's transaction (the idempotency
    # key's) as well, which rolls back with it.
    with transaction.atomic(savepoint=False):
        locked = Checkout.objects.select_for_update().get(pk=checkout.pk)
        if locked.status == Checkout.Status.COMPLETED:
            return _completed(locked)
        if locked.updated_at != checkout.updated_at:
            raise Conflict("The checkout changed while it was being completed; complete it again.")
        order, payment = order_place(
            source=Order.Source.STOREFRONT,
            checkout=locked,
            buyer=locked.buyer,
            actor=actor,
            email=locked.email,
            currency=locked.currency,
            lines=[
                PlacedLine(
                    g.variant,
                    g.quantity,
                    g.price.amount,
                    g.price.amount * g.quantity - priced.deal.line_amount(g.variant.pk),
                    title=g.title,
                    discount=priced.deal.line_amount(g.variant.pk),
                    promotion_id=priced.deal.line_promotion_id(g.variant.pk),
                )
                for g in priced.goods
            ],
            shipping_address=locked.shipping_address,
            billing_address=locked.billing_address,
            shipping_option=chosen,
            incoterm=chosen["incoterm"],
            totals=totals,
            payment=PaymentExpected(gateway.name, intent.id, intent.client_secret, intent.status),
            placed={"payment": intent.id},
            locale=locale,
        )
        promotion_redeem(order=order, deal=priced.deal)
        beyond_stock = any(g.variant.sells_beyond_stock for g in priced.goods)
        order_stock_reserve(
            order=order,
            expires_at=timezone.now() + timedelta(minutes=settings.PAYMENT_TIMEOUT_MINUTES),
            lines=[Line(g.variant.pk, g.quantity) for g in priced.goods],
            warehouses=priced.warehouses,
            backorders=beyond_stock,
        )
        if beyond_stock:
            order_backorders_mark(order=order)
        locked.status = Checkout.Status.COMPLETED
        locked.shipping_option = chosen
        locked.save(update_fields=["status", "shipping_option", "updated_at"])
    return order, payment


def _completed(checkout: Checkout) -> tuple[Order, Payment]:
    order = checkout.order
    return order, order.payments.order_by("pk").first()

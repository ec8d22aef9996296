"""Promotions: discount codes and automatic promotions, priced into checkouts and redeemed once
per order under their usage limits.

Stacking rule (docs/promotions.md): each line takes the single largest goods discount offered on
it, whether from the code or from an automatic promotion: discounts never add up on a line. A
fixed amount is spread over the lines in its scope in proportion to their price. Free shipping
combines with goods discounts. A checkout carries at most one code.

Limits: `promotion_redeem` locks the promotions an order uses (by pk) and counts their uses under
that lock, in the transaction that places the order, so concurrent checkouts never spend a use
twice; the database refuses `times_used` beyond `usage_limit` in any case."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import connections, router, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from brands.models import CompanyStaff
from brands.selectors import user_company_ids
from core.errors import Conflict, InvalidInput, NotPermitted
from core.money import Money, currency_codes, quantize
from core.permissions import is_operator
from core.sql import columns, instance, table, typed_rows
from listings.models import Category, Product
from marketplace.models import Order, Promotion, PromotionRedemption
from marketplace.services.brand_funds import brand_fund_hold

P = Promotion
SCOPE_RELATIONS = ("brands", "categories", "products")
ZERO = Decimal(0)
CODE_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


def _bad(attr: str, code: str, message: str) -> InvalidInput:
    return InvalidInput(message, fields={attr: [(code, message)]})


# Scope


def promotions_visible(*, user) -> QuerySet[Promotion]:
    """Operators see every promotion; SME staff those of their companies."""
    promotions = Promotion.objects.select_related("company").prefetch_related("brands", "categories", "products")
    if is_operator(user):
        return promotions
    return promotions.filter(company_id__in=user_company_ids(user))


def promotions_in_force(*, now: datetime | None = None) -> QuerySet[Promotion]:
    now = now or timezone.now()
    return Promotion.objects.filter(is_active=True, starts_at__lte=now).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=now)
    )


@dataclass(frozen=True)
class Scope:
    company_id: int | None
    brand_ids: frozenset = frozenset()
    category_paths: tuple = ()
    product_ids: frozenset = frozenset()

    def covers(self, product: Product, category_path: str) -> bool:
        if self.company_id and product.company_id != self.company_id:
            return False
        if self.brand_ids and product.brand_id not in self.brand_ids:
            return False
        if self.category_paths and not any(
            category_path == path or category_path.startswith(f"{path}/") for path in self.category_paths
        ):
            return False
        return not self.product_ids or product.pk in self.product_ids


# Pricing


@dataclass(frozen=True)
class LineDiscount:
    amount: Money
    promotion: Promotion


@dataclass(frozen=True)
class Deal:
    """The discounts a checkout gets: per line (by variant id) and, maybe, free shipping."""

    currency: str
    lines: dict = field(default_factory=dict)
    free_shipping: Promotion | None = None

    def line(self, variant_id: int) -> LineDiscount | None:
        return self.lines.get(variant_id)

    def line_promotion_id(self, variant_id: int) -> int | None:
        found = self.lines.get(variant_id)
        return found.promotion.pk if found else None

    def line_amount(self, variant_id: int) -> Decimal:
        found = self.lines.get(variant_id)
        return found.amount.amount if found else ZERO

    @property
    def goods_discount(self) -> Decimal:
        return sum((d.amount.amount for d in self.lines.values()), ZERO)

    @property
    def promotions(self) -> list[Promotion]:
        used = {d.promotion.pk: d.promotion for d in self.lines.values()}
        if self.free_shipping is not None:
            used[self.free_shipping.pk] = self.free_shipping
        return [used[pk] for pk in sorted(used)]


def _offers(promotion: Promotion, scope: Scope, goods: list, currency: str) -> dict | None:
    """{variant_id: discount} the promotion offers on these goods, or None if it does not apply."""
    covered = [g for g in goods if scope.covers(g.variant.product, g.category_path)]
    if not covered:
        return None
    subtotal = sum((g.price.amount * g.quantity for g in covered), ZERO)
    if promotion.minimum_subtotal:
        minimum = promotion.minimum_subtotal.get(currency)
        if minimum is None or subtotal < Decimal(minimum):
            return None
    if promotion.kind == P.Kind.FREE_SHIPPING:
        return {}
    if promotion.kind == P.Kind.PERCENTAGE:
        return {g.variant.pk: quantize(g.price.amount * g.quantity * promotion.percent, currency) for g in covered}
    if currency not in promotion.amounts or not subtotal:
        return None
    amount = min(Decimal(promotion.amounts[currency]), subtotal)
    offers, left = {}, amount
    for i, g in enumerate(covered):  # in proportion to price; the last line takes the rounding
        line = g.price.amount * g.quantity
        share = left if i == len(covered) - 1 else min(quantize(amount * line / subtotal, currency), left)
        offers[g.variant.pk] = share
        left -= share
    return offers


PROMOTION_FIELDS = tuple(Promotion._meta.concrete_fields)


def _candidates(connection, *, code: str, now: datetime) -> list[Promotion]:
    """The promotions in force that may apply: the automatic ones with uses left, by pk, then the
    code's (its uses are counted when the order is placed)."""
    with_code = " OR p.code = %s" if code else ""
    sql = f"""
        SELECT {columns(Promotion, "p")} FROM {table(Promotion)} p
        WHERE p.is_active AND p.starts_at <= %s AND (p.ends_at IS NULL OR p.ends_at > %s)
            AND ((p.code = '' AND (p.usage_limit IS NULL OR p.times_used < p.usage_limit)){with_code})
        ORDER BY p.id
    """  # noqa: S608 - the table name from the model, values bound as parameters
    at = connection.ops.adapt_datetimefield_value(now)
    rows = typed_rows(connection, sql, [at, at, *([code.upper()] if code else [])], PROMOTION_FIELDS)
    found = [instance(Promotion, connection, row) for row in rows]
    return [p for p in found if not p.code] + [p for p in found if p.code]


def _scopes(connection, promotions: list[Promotion]) -> dict[int, Scope]:
    """Each promotion's scope, its brands, categories' paths and products in one query."""
    ids = [p.pk for p in promotions]
    among = ", ".join(["%s"] * len(ids))
    brands, categories, products = (Promotion._meta.get_field(name).remote_field.through for name in SCOPE_RELATIONS)
    sql = f"""
        SELECT promotion_id, 'brands', brand_id, NULL FROM {table(brands)} WHERE promotion_id IN ({among})
        UNION ALL
        SELECT s.promotion_id, 'categories', NULL, c.path FROM {table(categories)} s
            JOIN {table(Category)} c ON c.id = s.category_id WHERE s.promotion_id IN ({among})
        UNION ALL
        SELECT promotion_id, 'products', product_id, NULL FROM {table(products)} WHERE promotion_id IN ({among})
    """  # noqa: S608 - table names from the models, values bound as parameters
    found = {p.pk: {name: [] for name in SCOPE_RELATIONS} for p in promotions}
    with connection.cursor() as cursor:
        cursor.execute(sql, ids * 3)
        for promotion_id, relation, pk, path in cursor.fetchall():
            found[promotion_id][relation].append(path if relation == "categories" else pk)
    return {
        p.pk: Scope(
            p.company_id,
            frozenset(found[p.pk]["brands"]),
            tuple(found[p.pk]["categories"]),
            frozenset(found[p.pk]["products"]),
        )
        for p in promotions
    }


def promotions_apply(*, goods: list, currency: str, code: str = "", now: datetime | None = None) -> Deal:
    """The deal for priced goods (marketplace.services.checkout's Good: variant with product,
    quantity, unit price, category path): automatic promotions in force with uses left, and the
    code's promotion while in force (its uses are counted when the order is placed). Plain SQL
    (core.sql), two queries at most: checkout prices through here on every request, and the
    querysets with their prefetches cost ten times more than the database's work."""
    connection = connections[router.db_for_read(Promotion)]
    candidates = _candidates(connection, code=code, now=now or timezone.now())
    if not candidates or not goods:
        return Deal(currency)
    scopes = _scopes(connection, candidates)
    best: dict[int, LineDiscount] = {}
    free_shipping = None
    for promotion in candidates:
        offers = _offers(promotion, scopes[promotion.pk], goods, currency)
        if offers is None:
            continue
        if promotion.kind == P.Kind.FREE_SHIPPING:
            free_shipping = free_shipping or promotion
        for variant_id, amount in offers.items():
            if amount > 0 and (variant_id not in best or amount > best[variant_id].amount.amount):
                best[variant_id] = LineDiscount(Money(amount, currency), promotion)
    return Deal(currency, best, free_shipping)


def _uses_by(promotion: Promotion, *, buyer, email: str) -> int:
    redemptions = PromotionRedemption.objects.filter(promotion=promotion)
    if buyer is not None and buyer.is_authenticated:
        return redemptions.filter(Q(buyer=buyer) | Q(email__iexact=email)).count()
    return redemptions.filter(email__iexact=email).count()


def promotion_code_check(*, code: str, buyer, email: str, now: datetime | None = None) -> Promotion:
    """The promotion of a code a buyer entered, or a 400 naming discount_code and why."""
    now = now or timezone.now()
    promotion = Promotion.objects.filter(code=code.strip().upper()).exclude(code="").first()
    if promotion is None or not promotion.is_active:
        raise _bad("discount_code", "unknown_code", "No promotion has this code.")
    if promotion.starts_at > now:
        raise _bad("discount_code", "not_started", f"This code is valid from {promotion.starts_at:%Y-%m-%d %H:%M}.")
    if promotion.ends_at and promotion.ends_at <= now:
        raise _bad("discount_code", "expired", "This code has expired.")
    if promotion.usage_limit is not None and promotion.times_used >= promotion.usage_limit:
        raise _bad("discount_code", "exhausted", "This code has been used up.")
    limit = promotion.usage_limit_per_buyer
    if limit is not None and _uses_by(promotion, buyer=buyer, email=email) >= limit:
        raise _bad("discount_code", "used_by_buyer", "You have used this code as often as it allows.")
    return promotion


# Placement


def promotion_redeem(*, order: Order, deal: Deal, code: str = "") -> list[PromotionRedemption]:
    """Records the promotions the new order uses, counting each use under the promotion's row
    lock (by pk), within the caller's transaction that places the order. A code used up or
    over its per-buyer limit meanwhile is a 400 naming discount_code (an automatic promotion
    that ran out, a 409): the caller's transaction rolls back, nothing is written. Then the
    brand fund holds what its promotions give (services/brand_funds.py), refusing alike."""
    promotions = deal.promotions
    if not promotions:
        return []
    locked = list(Promotion.objects.select_for_update().filter(pk__in=[p.pk for p in promotions]).order_by("pk"))
    redemptions = []
    for promotion in locked:
        attr = "discount_code" if promotion.code else "promotions"
        if promotion.usage_limit is not None and promotion.times_used >= promotion.usage_limit:
            if promotion.code:
                raise _bad(attr, "exhausted", "This code has been used up; remove it and complete again.")
            raise Conflict(f"The promotion {promotion.name} has run out; complete the checkout again.")
        limit = promotion.usage_limit_per_buyer
        if limit is not None and _uses_by(promotion, buyer=order.buyer, email=order.email) >= limit:
            raise _bad(attr, "used_by_buyer", "You have used this promotion as often as it allows.")
        goods = sum((d.amount.amount for d in deal.lines.values() if d.promotion.pk == promotion.pk), ZERO)
        shipping = order.shipping if deal.free_shipping and deal.free_shipping.pk == promotion.pk else ZERO
        Promotion.objects.filter(pk=promotion.pk).update(times_used=F("times_used") + 1)
        redemptions.append(
            PromotionRedemption(
                promotion=promotion,
                order=order,
                buyer=order.buyer,
                email=order.email,
                currency=order.currency,
                goods_discount=goods,
                shipping_discount=shipping,
            )
        )
    PromotionRedemption.objects.bulk_create(redemptions)
    brand_fund_hold(order=order)
    return redemptions


# Management

WRITABLE = {
    "name",
    "code",
    "kind",
    "percent",
    "amounts",
    "minimum_subtotal",
    "company",
    "brands",
    "categories",
    "products",
    "funded_by",
    "starts_at",
    "ends_at",
    "usage_limit",
    "usage_limit_per_buyer",
    "is_active",
}


def _per_currency(value, attr: str, errors: dict) -> dict:
    """[Money] or {"USD": "5.00"} to {"USD": "5.00"}: known currencies, positive, in minor units."""
    items = [(m.currency, m.amount) for m in value] if isinstance(value, list) else list((value or {}).items())
    clean = {}
    for currency, amount in items:
        try:
            amount = Decimal(str(amount))
        except InvalidOperation:
            amount = None
        if currency not in currency_codes() or amount is None or amount <= 0 or amount != quantize(amount, currency):
            errors[attr] = [("invalid", f"Positive amounts in a known currency's minor units; {currency} is not.")]
            return {}
        clean[currency] = str(amount)
    return clean


def promotion_validate(data: dict, *, actor, existing: Promotion | None) -> dict:
    """All problems at once, under each field's name; nothing is written when there is one."""
    errors: dict = {}
    merged = {"funded_by": P.FundedBy.SELLER, "is_active": True}
    if existing is not None:
        merged = {name: getattr(existing, name) for name in WRITABLE - {"brands", "categories", "products"}}
        merged |= {name: list(getattr(existing, name).all()) for name in ("brands", "categories", "products")}
    merged |= data
    code = str(merged.get("code") or "").strip().upper()
    if code and (len(code) < 4 or not set(code) <= CODE_CHARS):
        errors["code"] = [("invalid", "4 to 40 letters, digits, dashes or underscores.")]
    elif code and Promotion.objects.filter(code=code).exclude(pk=getattr(existing, "pk", None)).exists():
        errors["code"] = [("taken", "Another promotion has this code.")]
    merged["code"] = code
    kind = merged.get("kind")
    if kind == P.Kind.PERCENTAGE:
        percent = merged.get("percent")
        if percent is None or not ZERO < Decimal(percent) <= 1:
            errors["percent"] = [("invalid", "A share above 0 and at most 1 (0.15 is 15 % off).")]
    elif kind == P.Kind.FIXED:
        merged["amounts"] = _per_currency(merged.get("amounts"), "amounts", errors)
        if not merged["amounts"] and "amounts" not in errors:
            errors["amounts"] = [("required", "A fixed promotion needs an amount in at least one currency.")]
    elif kind != P.Kind.FREE_SHIPPING:
        errors["kind"] = [("invalid", "percentage, fixed or free_shipping.")]
    if kind != P.Kind.PERCENTAGE:
        merged["percent"] = None
    if kind != P.Kind.FIXED:
        merged["amounts"] = {}
    merged["minimum_subtotal"] = _per_currency(merged.get("minimum_subtotal"), "minimum_subtotal", errors)
    if merged.get("starts_at") is None:
        errors["starts_at"] = [("required", "When the promotion starts.")]
    elif merged.get("ends_at") and merged["ends_at"] <= merged["starts_at"]:
        errors["ends_at"] = [("invalid", "The end comes after the start.")]
    if not str(merged.get("name") or "").strip():
        errors["name"] = [("required", "A name is required.")]
    company = merged.get("company")
    if not is_operator(actor):
        allowed = user_company_ids(actor, CompanyStaff.Role.EDITOR)
        if company is None or company.pk not in allowed:
            errors["company"] = [("required", "One of your companies: SMEs promote their own products.")]
        if merged.get("funded_by", P.FundedBy.SELLER) != P.FundedBy.SELLER:
            errors["funded_by"] = [("operators_only", "Only operators spend the platform's or a brand fund's money.")]
    if company is not None and any(p.company_id != company.pk for p in merged.get("products") or []):
        errors["products"] = [("not_the_sellers", "Every product must be the seller company's.")]
    if merged.get("funded_by") == P.FundedBy.BRAND_FUND and not merged.get("brands"):
        errors["brands"] = [("required", "A promotion the brand fund pays is limited to that brand.")]
    if errors:
        raise InvalidInput("The promotion is not valid.", fields=errors)
    return merged


def _write(promotion: Promotion, merged: dict) -> None:
    for name in WRITABLE - {"brands", "categories", "products"}:
        if name in merged:
            setattr(promotion, name, merged[name])
    promotion.save()
    for name in ("brands", "categories", "products"):
        getattr(promotion, name).set(merged.get(name) or [])


@transaction.atomic
def promotion_create(*, actor, **data) -> Promotion:
    unknown = set(data) - WRITABLE
    if unknown:
        raise InvalidInput(f"Unknown fields: {', '.join(sorted(unknown))}.", attr=sorted(unknown)[0])
    merged = promotion_validate(data, actor=actor, existing=None)
    promotion = Promotion(created_by=actor if actor.is_authenticated else None)
    _write(promotion, merged)
    return promotion


@transaction.atomic
def promotion_update(*, actor, promotion: Promotion, **changes) -> Promotion:
    """Uses and the redemptions stay; a new limit below the uses so far is refused."""
    promotion = Promotion.objects.select_for_update().get(pk=promotion.pk)
    _may_manage(actor, promotion)
    merged = promotion_validate(changes, actor=actor, existing=promotion)
    limit = merged.get("usage_limit")
    if limit is not None and limit < promotion.times_used:
        raise _bad("usage_limit", "below_uses", f"The promotion has been used {promotion.times_used} times already.")
    _write(promotion, merged)
    return promotion


@transaction.atomic
def promotion_delete(*, actor, promotion: Promotion) -> None:
    """Only a promotion never used; a used one is deactivated instead (its redemptions stay)."""
    promotion = Promotion.objects.select_for_update().get(pk=promotion.pk)
    _may_manage(actor, promotion)
    if promotion.times_used or promotion.redemptions.exists():
        raise Conflict("The promotion has been used; deactivate it instead (is_active false).")
    promotion.delete()


def _may_manage(actor, promotion: Promotion) -> None:
    if is_operator(actor):
        return
    if promotion.company_id not in user_company_ids(actor, CompanyStaff.Role.EDITOR):
        raise NotPermitted("Only the seller's editors or an operator change this promotion.")

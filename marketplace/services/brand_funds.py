"""The brand fund's balance: its members' contributions come in when their months are settled; a
discount a brand-funded promotion gives is held when the order is placed (refused when the fund
cannot cover it), drawn when the order is paid, released when it is cancelled unpaid, and given
back as far as a refund returns the discount. Every move is a BrandFundEntry in the fund's
currency; the balance and what is held are on the fund row, checked by the database (held never
beyond the balance).

Lock order: the order (order_lock) or, at placement, the promotions; then the funds by pk; then
stock. The discount is converted into the fund's currency once, when it is held, and every later
entry for the order uses that conversion, so exchange rates never leave a remainder."""

from collections import defaultdict
from decimal import Decimal

from core.errors import Conflict, InvalidInput
from core.money import Money, quantize
from core.selectors import exchange_rates_get
from marketplace.models import BrandFund, BrandFundEntry, Order, OrderLine, Promotion, Refund, Statement

E = BrandFundEntry.Kind
ZERO = Decimal(0)


def _funds_lock(**filters) -> dict[int, BrandFund]:
    return {fund.pk: fund for fund in BrandFund.objects.select_for_update().filter(**filters).order_by("pk")}


def _brand_funded_lines(order: Order) -> list[OrderLine]:
    lines = order.lines.filter(promotion__funded_by=Promotion.FundedBy.BRAND_FUND, discount__gt=0)
    return list(lines.select_related("variant__product", "promotion").order_by("pk"))


def brand_fund_hold(*, order: Order) -> list[BrandFundEntry]:
    """Holds the brand-funded discounts of a new order, in the transaction that places it (after
    promotion_redeem). A fund that cannot cover them refuses: a 400 naming discount_code for a
    code (an automatic promotion, a 409), and the caller's transaction rolls back."""
    discounts: dict[int, Decimal] = defaultdict(Decimal)
    promotions: dict[int, Promotion] = {}
    for line in _brand_funded_lines(order):
        brand_id = line.variant.product.brand_id
        discounts[brand_id] += line.discount
        promotions.setdefault(brand_id, line.promotion)
    if not discounts:
        return []
    funds = {fund.brand_id: fund for fund in _funds_lock(brand_id__in=list(discounts)).values()}
    rates = exchange_rates_get()
    entries = []
    for brand_id in sorted(discounts):
        fund, discount = funds.get(brand_id), discounts[brand_id]
        needed = rates.convert(Money(discount, order.currency), fund.currency).quantized().amount if fund else None
        if fund is None or needed > fund.available:
            message = "The brand fund behind this promotion cannot cover its discount now."
            if promotions[brand_id].code:
                raise InvalidInput(
                    message + " Remove the code and complete again.",
                    fields={"discount_code": [("fund_exhausted", message)]},
                )
            raise Conflict(message + " Complete the checkout again.")
        fund.held += needed
        fund.save(update_fields=["held"])
        entries.append(BrandFundEntry(fund=fund, kind=E.HELD, amount=needed, order=order, order_amount=discount))
    return BrandFundEntry.objects.bulk_create(entries)


def _open(order: Order) -> dict[int, dict]:
    """Per fund: what is still held for the order and what is drawn and not given back, with the
    order-currency discounts they stand for."""
    sign = {E.HELD: (1, 0), E.RELEASED: (-1, 0), E.DRAWN: (-1, 1), E.RETURNED: (0, -1)}
    totals: dict[int, dict] = defaultdict(lambda: {"held": ZERO, "drawn": ZERO, "held_at": ZERO, "drawn_at": ZERO})
    for entry in BrandFundEntry.objects.filter(order=order).order_by("pk"):
        held_sign, drawn_sign = sign[entry.kind]
        row = totals[entry.fund_id]
        row["held"] += held_sign * entry.amount
        row["drawn"] += drawn_sign * entry.amount
        row["held_at"] += held_sign * (entry.order_amount or ZERO)
        row["drawn_at"] += drawn_sign * (entry.order_amount or ZERO)
    return totals


def _settle_holds(order: Order, kind: str) -> list[BrandFundEntry]:
    held = {fund_id: row for fund_id, row in _open(order).items() if row["held"] > 0}
    if not held:
        return []
    entries = []
    for fund in _funds_lock(pk__in=list(held)).values():
        row = held[fund.pk]
        fund.held -= row["held"]
        if kind == E.DRAWN:
            fund.balance -= row["held"]
        fund.save(update_fields=["held", "balance"])
        entries.append(
            BrandFundEntry(fund=fund, kind=kind, amount=row["held"], order=order, order_amount=row["held_at"])
        )
    return BrandFundEntry.objects.bulk_create(entries)


def brand_fund_draw(*, order: Order) -> list[BrandFundEntry]:
    """When the order is paid (order_mark_paid, the order locked): what was held is spent."""
    return _settle_holds(order, E.DRAWN)


def brand_fund_release(*, order: Order) -> list[BrandFundEntry]:
    """When an unpaid order is cancelled (the order locked): what was held is free again."""
    return _settle_holds(order, E.RELEASED)


def brand_fund_give_back(*, refund: Refund, order_line: OrderLine | None = None) -> list[BrandFundEntry]:
    """As far as the refund returns a brand-funded discount, the fund gets it back: a return's
    refund (`order_line`) the line's discount in the refund's share of the line's total; any
    other refund every brand-funded line's discount in its share of the order's total. Capped at
    what was drawn for the order and not given back yet."""
    order = refund.order
    lines = _brand_funded_lines(order)
    if order_line is not None:
        lines = [line for line in lines if line.pk == order_line.pk]
    returned: dict[int, Decimal] = defaultdict(Decimal)
    for line in lines:
        whole = line.total if order_line is not None else order.total
        if whole > 0:
            returned[line.variant.product.brand_id] += min(line.discount * refund.amount / whole, line.discount)
    if not returned:
        return []
    drawn = {fund_id: row for fund_id, row in _open(order).items() if row["drawn"] > 0 and row["drawn_at"] > 0}
    funds = _funds_lock(pk__in=list(drawn), brand_id__in=list(returned))
    entries = []
    for fund in funds.values():
        row, discount = drawn[fund.pk], min(returned[fund.brand_id], drawn[fund.pk]["drawn_at"])
        back = min(quantize(row["drawn"] * discount / row["drawn_at"], fund.currency), row["drawn"])
        if back <= 0:
            continue
        fund.balance += back
        fund.save(update_fields=["balance"])
        entries.append(
            BrandFundEntry(fund=fund, kind=E.RETURNED, amount=back, order=order, refund=refund, order_amount=discount)
        )
    return BrandFundEntry.objects.bulk_create(entries)


def brand_funds_credit(*, statement: Statement, contributions: dict[int, Decimal]) -> list[BrandFundEntry]:
    """A settled month's contributions (per brand, in the statement's currency, refunds already
    taken off) go into the funds, converted at today's rates. A brand whose month came out
    negative credits nothing: the fund is never charged for its members' refunds."""
    positive = {brand_id: amount for brand_id, amount in contributions.items() if amount > 0}
    if not positive:
        return []
    rates = exchange_rates_get()
    entries = []
    for fund in _funds_lock(brand_id__in=list(positive)).values():
        amount = rates.convert(Money(positive[fund.brand_id], statement.currency), fund.currency).quantized().amount
        fund.balance += amount
        fund.save(update_fields=["balance"])
        entries.append(BrandFundEntry(fund=fund, kind=E.CONTRIBUTION, amount=amount, statement=statement))
    return BrandFundEntry.objects.bulk_create(entries)

"""Statements: what each SME earns per month.

Every ledger item belongs to exactly one period by its own timestamp, so nothing is counted
twice: a sale by its order's `paid_at`, a fee by `charged_at` (the company's part only; what
programmes covered is shown, never deducted), a fee reversal by `reversed_at` (credited back),
a refund by its `created_at`. Amounts are converted to the company's settlement currency at
the rates in force on the period's last day, each item rounded to minor units, so a statement's
totals are exact sums of its lines. The run that freezes them is marketplace.services.settlement.

Promotions (marketplace.services.promotions): a line's `total` is after its discount, so a
discount the seller funds is already off its sales; one the platform or a brand fund pays is
credited back to the seller as a `promotion` line; free shipping a seller funds is charged to it."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from brands.models import Company
from core.errors import InvalidInput
from core.money import Money
from core.selectors import RateTable, exchange_rates_get
from marketplace.models import (
    BrandFund,
    Exchange,
    Fee,
    FeeKind,
    OrderEvent,
    OrderLine,
    PayoutAccount,
    Promotion,
    PromotionRedemption,
    Refund,
    ReturnRequest,
    Statement,
)

ZERO = Decimal(0)
# Returns the seller answers for: the goods were at fault, not the buyer's mind.
SELLER_FAULT = {
    ReturnRequest.Reason.DAMAGED,
    ReturnRequest.Reason.DEFECTIVE,
    ReturnRequest.Reason.NOT_AS_DESCRIBED,
    ReturnRequest.Reason.WRONG_ITEM,
}


def period_parse(period: str, attr: str = "period") -> tuple[datetime, datetime]:
    """`YYYY-MM` to the month's [start, end) in the current time zone."""
    try:
        year, month = (int(part) for part in period.split("-"))
        first = date(year, month, 1)
    except ValueError:
        raise InvalidInput("A period is YYYY-MM, for example 2026-10.", attr=attr) from None
    if len(period) != 7:
        raise InvalidInput("A period is YYYY-MM, for example 2026-10.", attr=attr)
    following = date(year + month // 12, month % 12 + 1, 1)
    tz = timezone.get_current_timezone()
    start = datetime(first.year, first.month, 1, tzinfo=tz)
    end = datetime(following.year, following.month, 1, tzinfo=tz)
    return start, end


def settlement_currency(company: Company) -> str:
    account = PayoutAccount.objects.filter(company=company).first()
    return account.currency if account else settings.SETTLEMENT_CURRENCY


MONEY_FIELDS = (
    "sales",
    "refunds",
    "chargebacks",
    "commission",
    "fees",
    "programme_covered",
    "brand_fund",
    "agent_commissions",
    "carried_in",
    "net",
)


@dataclass
class Figures:
    company_id: int
    period: str
    currency: str
    sales: Decimal = ZERO
    refunds: Decimal = ZERO
    chargebacks: Decimal = ZERO
    commission: Decimal = ZERO
    fees: Decimal = ZERO
    programme_covered: Decimal = ZERO
    brand_fund: Decimal = ZERO
    agent_commissions: Decimal = ZERO
    carried_in: Decimal = ZERO
    lines: list[dict] = field(default_factory=list)
    # brand id -> the contribution to its fund (in `currency`), what settlement credits the fund.
    brand_funds: dict[int, Decimal] = field(default_factory=dict)

    def contribute(self, brand_id: int | None, amount: Decimal) -> None:
        self.brand_fund += amount
        if brand_id is not None and amount:
            self.brand_funds[brand_id] = self.brand_funds.get(brand_id, ZERO) + amount

    @property
    def net(self) -> Decimal:
        earned = self.sales - self.refunds - self.chargebacks - self.commission - self.fees - self.brand_fund
        return earned + self.agent_commissions + self.carried_in

    def as_dict(self, *, status: str) -> dict:
        money = {name: Money(getattr(self, name), self.currency).as_dict() for name in MONEY_FIELDS}
        return {
            "company": self.company_id,
            "period": self.period,
            "currency": self.currency,
            "status": status,
            **money,
            "lines": self.lines,
        }


class _Converter:
    def __init__(self, rates: RateTable, currency: str):
        self.rates, self.currency = rates, currency

    def __call__(self, amount: Decimal, currency: str) -> Decimal:
        return self.rates.convert(Money(Decimal(amount), currency), self.currency).amount


def statement_compute(*, company: Company, period: str) -> Figures:
    start, end = period_parse(period)
    currency = settlement_currency(company)
    convert = _Converter(exchange_rates_get(on=(end - timedelta(days=1)).date()), currency)
    figures = Figures(company_id=company.pk, period=period, currency=currency)
    funds = dict(BrandFund.objects.values_list("brand_id", "rate"))

    sold = (
        OrderLine.objects.filter(seller=company, order__paid_at__gte=start, order__paid_at__lt=end)
        .select_related("order", "variant__product", "promotion")
        .order_by("order_id", "pk")
    )
    for line in sold:
        amount = convert(line.total, line.order.currency)
        rate = funds.get(line.variant.product.brand_id)
        fund = convert(line.total * rate, line.order.currency) if rate else ZERO
        figures.sales += amount
        figures.contribute(line.variant.product.brand_id, fund)
        figures.lines.append(
            {
                "type": "sale",
                "order": line.order.number,
                "order_line": line.pk,
                "sku": line.sku,
                "quantity": line.quantity,
                "original": Money(line.total, line.order.currency).as_dict(),
                "amount": str(amount),
                "brand_fund": str(fund),
            }
        )
        if line.promotion is not None and line.discount:
            _promotion_line(figures, line.order, line.promotion, line.discount, convert, order_line=line.pk)

    _exchange_difference_lines(figures, company, start, end, convert)

    shipping = PromotionRedemption.objects.filter(
        promotion__company=company,
        promotion__funded_by=Promotion.FundedBy.SELLER,
        shipping_discount__gt=0,
        order__paid_at__gte=start,
        order__paid_at__lt=end,
    ).select_related("order", "promotion")
    for redemption in shipping.order_by("pk"):
        _promotion_line(figures, redemption.order, redemption.promotion, -redemption.shipping_discount, convert)

    refunds = (
        Refund.objects.filter(created_at__gte=start, created_at__lt=end, order__lines__seller=company)
        .distinct()
        .select_related("order", "return_request__order_line__variant__product")
        .prefetch_related("order__lines__variant__product")
        .order_by("pk")
    )
    for refund in refunds:
        request = getattr(refund, "return_request", None)
        kind = "refund"
        if request is not None:
            if request.order_line.seller_id != company.pk:
                continue
            share = refund.amount
            kind = "chargeback" if request.reason in SELLER_FAULT else "refund"
            brand_id = request.order_line.variant.product.brand_id
            shares = {brand_id: share * funds.get(brand_id, ZERO)}
        else:
            lines = [line for line in refund.order.lines.all() if line.seller_id == company.pk]
            mine = sum((line.total for line in lines), start=ZERO)
            order_total = refund.order.total or Decimal(1)
            share = min(refund.amount * mine / order_total, mine)
            shares = {}
            for line in lines if mine else []:
                brand_id = line.variant.product.brand_id
                part = share * line.total / mine * funds.get(brand_id, ZERO)
                shares[brand_id] = shares.get(brand_id, ZERO) + part
        amount = convert(share, refund.currency)
        # What was refunded was never really sold: its brand fund contribution comes back.
        fund_back = ZERO
        for brand_id, fund_share in shares.items():
            back = convert(fund_share, refund.currency) if fund_share else ZERO
            figures.contribute(brand_id, -back)
            fund_back += back
        if kind == "chargeback":
            figures.chargebacks += amount
        else:
            figures.refunds += amount
        figures.lines.append(
            {
                "type": kind,
                "order": refund.order.number,
                "refund": refund.pk,
                "reason": request.reason if request is not None else refund.reason,
                "original": Money(share, refund.currency).quantized().as_dict(),
                "amount": str(amount),
                "brand_fund": str(-fund_back),
            }
        )

    for fee in (
        Fee.objects.filter(company=company)
        .filter(Q(charged_at__gte=start, charged_at__lt=end) | Q(reversed_at__gte=start, reversed_at__lt=end))
        .order_by("pk")
    ):
        events = []
        if start <= fee.charged_at < end:
            events.append(("fee", Decimal(1)))
        if fee.reversed_at and start <= fee.reversed_at < end:
            events.append(("fee_reversal", Decimal(-1)))
        for kind, sign in events:
            mine = sign * convert(fee.company_amount, fee.currency)
            covered = sign * convert(fee.amount - fee.company_amount, fee.currency)
            if fee.kind == FeeKind.COMMISSION:
                figures.commission += mine
            else:
                figures.fees += mine
            figures.programme_covered += covered
            figures.lines.append(
                {
                    "type": kind,
                    "fee": fee.pk,
                    "kind": fee.kind,
                    "cause": f"{fee.cause_type}:{fee.cause_id}",
                    "period": fee.period,
                    "original": Money(fee.amount, fee.currency).as_dict(),
                    "amount": str(mine),
                    "programme_covered": str(covered),
                }
            )

    _agent_commission_lines(figures, company, start, end, convert)

    # A month that ended owing the platform is recovered from the next one the company settles.
    # Only the latest earlier statement counts: its own net already includes what it carried in.
    previous = Statement.objects.filter(company=company, period__lt=period).order_by("-period").first()
    if previous is not None and previous.net < 0:
        figures.carried_in = convert(previous.net, previous.currency)
        figures.lines.append(
            {
                "type": "carried_in",
                "period": previous.period,
                "original": Money(previous.net, previous.currency).as_dict(),
                "amount": str(figures.carried_in),
            }
        )
    return figures


def _exchange_difference_lines(figures: Figures, company: Company, start, end, convert) -> None:
    """A dearer replacement's price difference (marketplace.services.exchanges) is a sale of the
    exchanged line's seller in the month the buyer paid it (the order's `exchange_paid` event).
    A cheaper one's difference is a refund of the return, counted with the refunds."""
    paid = OrderEvent.objects.filter(kind=OrderEvent.Kind.EXCHANGE_PAID, created_at__gte=start, created_at__lt=end)
    exchanges = Exchange.objects.filter(
        pk__in=[pk for pk in paid.values_list("data__exchange", flat=True) if pk],
        return_request__order_line__seller=company,
    ).select_related("return_request__order_line__order")
    for exchange in exchanges.order_by("pk"):
        order = exchange.return_request.order_line.order
        amount = convert(exchange.difference, order.currency)
        figures.sales += amount
        figures.lines.append(
            {
                "type": "exchange_difference",
                "order": order.number,
                "exchange": exchange.pk,
                "sku": exchange.replacement_sku,
                "original": Money(exchange.difference, order.currency).quantized().as_dict(),
                "amount": str(amount),
            }
        )


def _agent_commission_lines(figures: Figures, company: Company, start, end, convert) -> None:
    """What the company earned as a trading company's agent: each `agent_commission` fee charged
    to the SMEs it acts for, in full (a programme's cover of the SME's part is the platform's to
    claim from the sponsor), credited by `charged_at` and taken back by `reversed_at`."""
    collected = (
        Fee.objects.filter(beneficiary=company)
        .filter(Q(charged_at__gte=start, charged_at__lt=end) | Q(reversed_at__gte=start, reversed_at__lt=end))
        .select_related("company")
        .order_by("pk")
    )
    for fee in collected:
        events = []
        if start <= fee.charged_at < end:
            events.append(("agent_commission", Decimal(1)))
        if fee.reversed_at and start <= fee.reversed_at < end:
            events.append(("agent_commission_reversal", Decimal(-1)))
        for kind, sign in events:
            amount = sign * convert(fee.amount, fee.currency)
            figures.agent_commissions += amount
            figures.lines.append(
                {
                    "type": kind,
                    "fee": fee.pk,
                    "company": fee.company.legal_name,
                    "cause": f"{fee.cause_type}:{fee.cause_id}",
                    "original": Money(fee.amount, fee.currency).as_dict(),
                    "amount": str(amount),
                }
            )


def _promotion_line(figures: Figures, order, promotion: Promotion, discount: Decimal, convert, **where) -> None:
    """A goods discount (positive) is credited when the platform or a brand fund pays it (the
    seller's own is already off the line); free shipping the seller funds (negative) is charged."""
    if discount > 0 and promotion.funded_by == Promotion.FundedBy.SELLER:
        return
    amount = convert(discount, order.currency)
    figures.sales += amount
    figures.lines.append(
        {
            "type": "promotion",
            "order": order.number,
            **where,
            "promotion": promotion.pk,
            "funded_by": promotion.funded_by,
            "original": Money(discount, order.currency).as_dict(),
            "amount": str(amount),
        }
    )


def statement_get(*, company: Company, period: str) -> dict:
    """The frozen statement when the period is settled, else a draft computed now."""
    period_parse(period)
    statement = Statement.objects.filter(company=company, period=period).select_related("payout").first()
    if statement is None:
        return statement_compute(company=company, period=period).as_dict(status="draft")
    return statement_as_dict(statement)


def statement_as_dict(statement: Statement) -> dict:
    payout = getattr(statement, "payout", None)
    money = {name: Money(getattr(statement, name), statement.currency).as_dict() for name in MONEY_FIELDS}
    return {
        "company": statement.company_id,
        "period": statement.period,
        "currency": statement.currency,
        "status": "settled",
        **money,
        "lines": statement.lines,
        "payout": None
        if payout is None
        else {"id": payout.pk, "status": payout.status, "method": payout.method, "transfer_id": payout.transfer_id},
    }


def previous_period(now: datetime | None = None) -> str:
    first = timezone.localtime(now or timezone.now()).date().replace(day=1)
    last = first - timedelta(days=1)
    return f"{last.year:04d}-{last.month:02d}"

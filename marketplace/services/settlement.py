"""Settlement: what each SME earns per month, frozen as a statement, and paid out once.

Every ledger item belongs to exactly one period by its own timestamp, so nothing is counted
twice: a sale by its order's `paid_at`, a fee by `charged_at` (the company's part only; what
programmes covered is shown, never deducted), a fee reversal by `reversed_at` (credited back),
a refund by its `created_at`. Amounts are converted to the company's settlement currency at
the rates in force on the period's last day, each item rounded to minor units, so a statement's
totals are exact sums of its lines.

The run settles each company in its own transaction: a statement and a payout are unique per
company and period, so a rerun, or a run taken up after a worker died, settles nothing twice.
Stripe Connect transfers carry the payout's idempotency key, so a transfer retried after a
crash between Stripe's answer and our commit is the same transfer."""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from brands.models import Company
from core.errors import InvalidInput, NotPermitted, WrongState
from core.models import Job, SecurityEvent
from core.money import Money
from core.permissions import is_operator
from core.selectors import RateTable, exchange_rates_get
from core.services import job_create, job_finish, job_record_progress, security_event_record
from marketplace.models import (
    BrandFund,
    Fee,
    FeeKind,
    OrderLine,
    Payout,
    PayoutAccount,
    Refund,
    ReturnRequest,
    Statement,
)
from marketplace.payments import payment_gateway

logger = logging.getLogger(__name__)
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


def period_of(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.year:04d}-{local.month:02d}"


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
    carried_in: Decimal = ZERO
    lines: list[dict] = field(default_factory=list)

    @property
    def net(self) -> Decimal:
        earned = self.sales - self.refunds - self.chargebacks - self.commission - self.fees - self.brand_fund
        return earned + self.carried_in

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
        .select_related("order", "variant__product")
        .order_by("order_id", "pk")
    )
    for line in sold:
        amount = convert(line.total, line.order.currency)
        rate = funds.get(line.variant.product.brand_id)
        fund = convert(line.total * rate, line.order.currency) if rate else ZERO
        figures.sales += amount
        figures.brand_fund += fund
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
            fund_share = share * funds.get(request.order_line.variant.product.brand_id, ZERO)
        else:
            lines = [line for line in refund.order.lines.all() if line.seller_id == company.pk]
            mine = sum((line.total for line in lines), start=ZERO)
            order_total = refund.order.total or Decimal(1)
            share = min(refund.amount * mine / order_total, mine)
            fund_share = sum(
                (share * line.total / mine * funds.get(line.variant.product.brand_id, ZERO) for line in lines if mine),
                start=ZERO,
            )
        amount = convert(share, refund.currency)
        # What was refunded was never really sold: its brand fund contribution comes back.
        fund_back = convert(fund_share, refund.currency) if fund_share else ZERO
        figures.brand_fund -= fund_back
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


# The run


def _period_closed(period: str, now: datetime | None) -> None:
    _start, end = period_parse(period)
    if end > (now or timezone.now()):
        raise InvalidInput(f"{period} has not ended yet; it is settled after its last day.", attr="period")


@transaction.atomic
def company_settle(*, company: Company, period: str) -> tuple[Statement, Payout | None]:
    """Freezes the company's statement for the period and creates its payout when it earned
    something. Settling again returns what the first time made."""
    Company.objects.select_for_update().get(pk=company.pk)
    statement = Statement.objects.filter(company=company, period=period).first()
    if statement is not None:
        return statement, Payout.objects.filter(statement=statement).first()
    figures = statement_compute(company=company, period=period)
    statement = Statement.objects.create(
        company=company,
        period=period,
        currency=figures.currency,
        sales=figures.sales,
        refunds=figures.refunds,
        commission=figures.commission,
        fees=figures.fees,
        programme_covered=figures.programme_covered,
        brand_fund=figures.brand_fund,
        carried_in=figures.carried_in,
        chargebacks=figures.chargebacks,
        net=figures.net,
        lines=figures.lines,
    )
    if figures.net <= 0:
        return statement, None
    account = PayoutAccount.objects.filter(company=company).first()
    stripe_account = account.stripe_account_id if account else ""
    payout = Payout.objects.create(
        company=company,
        statement=statement,
        period=period,
        amount=figures.net,
        currency=figures.currency,
        method=Payout.Method.STRIPE_CONNECT if stripe_account else Payout.Method.BANK_TRANSFER,
        destination=stripe_account,
        idempotency_key=f"payout:{company.pk}:{period}",
    )
    return statement, payout


def _companies_active(period: str) -> list[int]:
    start, end = period_parse(period)
    sellers = OrderLine.objects.filter(order__paid_at__gte=start, order__paid_at__lt=end).values_list(
        "seller_id", flat=True
    )
    refunded = OrderLine.objects.filter(
        order__refunds__created_at__gte=start, order__refunds__created_at__lt=end
    ).values_list("seller_id", flat=True)
    charged = Fee.objects.filter(
        Q(charged_at__gte=start, charged_at__lt=end) | Q(reversed_at__gte=start, reversed_at__lt=end)
    ).values_list("company_id", flat=True)
    return sorted(set(sellers) | set(refunded) | set(charged))


def settlement_run(
    *, period: str, now: datetime | None = None, progress: Callable[[int, int], None] | None = None
) -> dict:
    """Settles every company with activity in the period, then pays what is due by Stripe
    Connect. Rerunning settles and pays nothing new."""
    _period_closed(period, now)
    companies = _companies_active(period)
    counts = {"companies": len(companies), "statements": 0, "payouts": 0, "transfers": 0, "failed": 0}
    for done, company in enumerate(Company.objects.filter(pk__in=companies).order_by("pk"), start=1):
        existed = Statement.objects.filter(company=company, period=period).exists()
        statement, payout = company_settle(company=company, period=period)
        if not existed:
            counts["statements"] += 1
            counts["payouts"] += payout is not None
        if progress:
            progress(done, len(companies))
    for payout_id in Payout.objects.filter(
        period=period, method=Payout.Method.STRIPE_CONNECT, status=Payout.Status.PENDING
    ).values_list("pk", flat=True):
        try:
            payout = payout_execute(payout_id=payout_id)
            counts["transfers"] += payout.status == Payout.Status.PAID
        except Exception:  # noqa: BLE001 - one company's transfer failing must not stop the others
            logger.exception("payout %s failed", payout_id)
            counts["failed"] += 1
    return counts


SETTLEMENT_RUN = "settlement_run"


class _RunCancelled(Exception):
    pass


def settlement_run_as_job(*, period: str) -> Job:
    """The settlement run under a job row, so operators watch its progress in the API and admin.
    A task redelivered after its worker died carries on the period's unfinished job; the run is
    idempotent, so what the dead worker settled or paid is not done again."""
    _period_closed(period, None)
    job = (
        Job.objects.filter(kind=SETTLEMENT_RUN, scope__period=period).exclude(status__in=Job.FINISHED).first()
    ) or job_create(kind=SETTLEMENT_RUN, owner=None, scope={"period": period})
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, started_at=job.started_at or timezone.now())
    job.refresh_from_db()

    def progress(done: int, total: int) -> None:
        if not Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(processed=done, total=total):
            raise _RunCancelled  # between two companies: each one's settlement is its own transaction

    try:
        counts = settlement_run(period=period, progress=progress)
    except _RunCancelled:
        job.refresh_from_db()
        return job
    errors = [{"message": f"{counts['failed']} Stripe transfers failed; the next run retries them."}]
    job.refresh_from_db()
    job_record_progress(job=job, processed=job.processed, counts=counts, new_errors=errors if counts["failed"] else [])
    return job_finish(job=job, succeeded=counts["companies"], message=f"Settled {period}.")


def payout_execute(*, payout_id: int) -> Payout:
    """Sends a pending Stripe Connect payout once; our idempotency key makes a retry the same transfer."""
    payout = Payout.objects.get(pk=payout_id)
    if payout.status != Payout.Status.PENDING or payout.method != Payout.Method.STRIPE_CONNECT:
        return payout
    transfer_id = payment_gateway().transfer_create(
        amount=Money(payout.amount, payout.currency),
        destination=payout.destination,
        idempotency_key=payout.idempotency_key,
        metadata={"payout": str(payout.pk), "company": str(payout.company_id), "period": payout.period},
    )
    with transaction.atomic():
        payout = Payout.objects.select_for_update().get(pk=payout_id)
        if payout.status == Payout.Status.PENDING:
            payout.status = Payout.Status.PAID
            payout.transfer_id = transfer_id
            payout.paid_at = timezone.now()
            payout.save(update_fields=["status", "transfer_id", "paid_at"])
    return payout


@transaction.atomic
def payout_confirm(*, payout: Payout, actor, reference: str = "") -> Payout:
    """An operator confirms a manual bank transfer was made."""
    if not is_operator(actor):
        raise NotPermitted("Only an operator confirms payouts.")
    payout = Payout.objects.select_for_update().get(pk=payout.pk)
    if payout.method != Payout.Method.BANK_TRANSFER:
        raise WrongState("Stripe Connect payouts are confirmed by Stripe, not by hand.")
    if payout.status != Payout.Status.PENDING:
        raise WrongState(f"The payout is {payout.status}.")
    payout.status = Payout.Status.PAID
    payout.confirmed_by = actor
    payout.transfer_id = reference[:100]
    payout.paid_at = timezone.now()
    payout.save(update_fields=["status", "confirmed_by", "transfer_id", "paid_at"])
    return payout


def payout_account_set(*, company: Company, currency: str, stripe_account_id: str = "", bank_details: str = ""):
    try:
        with transaction.atomic():
            account, _ = PayoutAccount.objects.update_or_create(
                company=company,
                defaults={"currency": currency, "stripe_account_id": stripe_account_id, "bank_details": bank_details},
            )
    except IntegrityError:
        account = PayoutAccount.objects.get(company=company)
    # Who changed it is not known here yet (no actor argument): the row says what and when.
    security_event_record(kind=SecurityEvent.Kind.PAYOUT_ACCOUNT_CHANGED, company_id=company.pk, currency=currency)
    return account


def previous_period(now: datetime | None = None) -> str:
    first = timezone.localtime(now or timezone.now()).date().replace(day=1)
    last = first - timedelta(days=1)
    return f"{last.year:04d}-{last.month:02d}"

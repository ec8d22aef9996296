"""Settlement: each SME's month frozen as a statement (marketplace.services.statements) and
paid out once.

The run settles each company in its own transaction: a statement and a payout are unique per
company and period, so a rerun, or a run taken up after a worker died, settles nothing twice.
Stripe Connect transfers carry the payout's idempotency key, so a transfer retried after a
crash between Stripe's answer and our commit is the same transfer."""

import logging
from collections.abc import Callable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from brands.models import Company
from core.errors import InvalidInput, NotPermitted, WrongState
from core.events import EventType
from core.models import Job, SecurityEvent
from core.money import Money
from core.permissions import is_operator
from core.services import event_record, job_create, job_finish, job_record_progress, job_resume, security_event_record
from marketplace.models import Fee, OrderLine, Payout, PayoutAccount, Statement
from marketplace.payments import payment_gateway
from marketplace.services.brand_funds import brand_funds_credit
from marketplace.services.statements import period_parse, statement_compute

logger = logging.getLogger(__name__)


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
        agent_commissions=figures.agent_commissions,
        net=figures.net,
        lines=figures.lines,
    )
    brand_funds_credit(statement=statement, contributions=figures.brand_funds)
    event_record(
        type=EventType.STATEMENT_READY,
        data={
            "statement": {
                "id": statement.pk,
                "company": company.pk,
                "period": period,
                "net": Money(statement.net, statement.currency).as_dict(),
            }
        },
        company_ids=[company.pk],
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
    fees = Fee.objects.filter(
        Q(charged_at__gte=start, charged_at__lt=end) | Q(reversed_at__gte=start, reversed_at__lt=end)
    )
    charged = fees.values_list("company_id", flat=True)
    agents = fees.filter(beneficiary__isnull=False).values_list("beneficiary_id", flat=True)
    return sorted(set(sellers) | set(refunded) | set(charged) | set(agents))


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
    job_id = job.pk
    job = job_resume(job_id=job.pk)
    if job is None:  # cancelled between the lookup and now
        return Job.objects.get(pk=job_id)

    def progress(done: int, total: int) -> None:
        if not job_record_progress(job=job, processed=done, counts=job.counts, new_errors=[], total=total):
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
            payout_event_publish(payout)
    return payout


def payout_event_publish(payout: Payout) -> None:
    data = {
        "payout": {
            "id": payout.pk,
            "company": payout.company_id,
            "period": payout.period,
            "amount": Money(payout.amount, payout.currency).as_dict(),
            "method": payout.method,
            "reference": payout.transfer_id,
            "paid_at": payout.paid_at,
        }
    }
    event_record(type=EventType.PAYOUT_SENT, data=data, company_ids=[payout.company_id])


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
    payout_event_publish(payout)
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

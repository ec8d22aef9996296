"""A real Celery worker runs the monthly settlement run and is killed with SIGKILL halfway
through the companies; Redis redelivers the unacknowledged task to a new worker, which carries on
the same job: every company settled once, every payout made once, with its idempotency key."""

import hashlib
import signal
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from core.models import Job
from marketplace.models import Order, Payout, PayoutAccount, Statement
from marketplace.services.settlement import SETTLEMENT_RUN
from marketplace.services.statements import previous_period
from marketplace.tasks import settlement_run_task
from tests.factories import company_with_owner
from tests.marketplace.settlement_helpers import paid_order
from tests.workers import wait_for, worker_start, worker_stop

COMPANIES = 40


def test_a_worker_killed_mid_run_settles_and_pays_each_company_once(celery_worker_process):
    period = previous_period()
    sellers = [company_with_owner() for _ in range(COMPANIES)]
    for number, seller in enumerate(sellers, start=1):
        PayoutAccount.objects.create(company=seller, currency="USD", stripe_account_id=f"acct_{number:04d}")
        paid_order(seller, total=Decimal(f"{100 + number}.25"))
    Order.objects.update(paid_at=timezone.now().replace(day=1) - timedelta(days=3))  # into last month

    settlement_run_task.delay()
    jobs = Job.objects.filter(kind=SETTLEMENT_RUN, scope__period=period)
    assert wait_for(lambda: (jobs.values_list("processed", flat=True).first() or 0) >= 3, step=0.05)
    celery_worker_process.send_signal(signal.SIGKILL)
    celery_worker_process.wait(timeout=10)
    job = jobs.get()
    settled_before = dict(Statement.objects.values_list("company_id", "pk"))
    assert job.status == Job.Status.RUNNING and 3 <= len(settled_before) < COMPANIES, (job.status, len(settled_before))

    replacement = worker_start(TEST_BROKER_VISIBILITY_TIMEOUT="2")
    try:
        assert wait_for(lambda: jobs.get().status in Job.FINISHED, timeout=120), jobs.get().processed
    finally:
        worker_stop(replacement)

    job = jobs.get()
    assert job.status == Job.Status.SUCCEEDED and (job.processed, job.total) == (COMPANIES, COMPANIES)
    assert jobs.count() == 1  # the redelivered task carried on the same job
    statements = dict(Statement.objects.values_list("company_id", "pk"))
    assert sorted(statements) == sorted(s.pk for s in sellers)
    assert {c: statements[c] for c in settled_before} == settled_before  # the dead worker's work kept, not redone
    payouts = list(Payout.objects.order_by("company_id"))
    assert len(payouts) == COMPANIES and {p.status for p in payouts} == {Payout.Status.PAID}
    for payout in payouts:
        assert payout.idempotency_key == f"payout:{payout.company_id}:{period}"
        # The dummy gateway's transfer id is derived from the key: one key, one transfer.
        assert payout.transfer_id == f"dummy_tr_{hashlib.sha256(payout.idempotency_key.encode()).hexdigest()[:24]}"
    assert sum(p.amount for p in payouts) == sum(Decimal(f"{100 + n}.25") for n in range(1, COMPANIES + 1)) - sum(
        Statement.objects.values_list("commission", flat=True), Decimal(0)
    )

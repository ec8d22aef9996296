"""The simulator answers 503 to everything for a while: the channel's breaker opens after at most
5 failures, lets at most one probe through per reset interval, the batch is put off (not failed,
no attempt spent) and the job completes once the channel is back."""

import time

import pytest

from core.models import Job
from integrations.http.state import breaker_state
from integrations.models import ChannelListing, SyndicationBatch
from integrations.services import syndication_batch_run, syndication_job_plan, syndication_job_start
from integrations.services.batches import _inline
from tests.factories import OperatorFactory
from tests.integrations.syndication_helpers import channel, listable, quick_breaker_limits

pytestmark = pytest.mark.django_db
RESET = 1.5


@pytest.fixture
def quick_breaker(settings):
    quick_breaker_limits(settings, reset=RESET, max_attempts=3)


def test_an_outage_defers_the_job_and_it_completes_after_recovery(channel_simulator, quick_breaker, settings):
    kmall = channel(channel_simulator, "kmall24", batch_size=10)
    products = [listable() for _ in range(6)]
    syndication = syndication_job_start(actor=OperatorFactory(), channel=kmall, mode="full", run=False)
    _inline.active = True
    try:
        syndication_job_plan(syndication_id=syndication.pk)
        [batch] = syndication.batches.all()
        channel_simulator.control(outage=True)

        assert syndication_batch_run(batch_id=batch.pk) == "deferred"
        during = channel_simulator.requests("kmall24")
        # The breaker opened at the 5th failure; calls already let through before it (at most one
        # per other thread of the batch's concurrent calls) still went out, and nothing after it.
        concurrency = settings.CHANNEL_LIMITS["default"]["concurrency"]
        assert concurrency == 4
        assert 5 <= len(during) <= 5 + concurrency - 1
        assert breaker_state("kmall24")["state"] == "open"

        # Within the reset interval nothing goes out at all.
        assert syndication_batch_run(batch_id=batch.pk) == "deferred"
        assert len(channel_simulator.requests("kmall24")) == len(during)

        # After it, one probe per interval (it fails: still down).
        time.sleep(RESET + 0.2)
        assert syndication_batch_run(batch_id=batch.pk) == "deferred"
        after = channel_simulator.requests("kmall24")
        assert len(after) == len(during) + 1, [(r["path"], r["time"], r["status"], r["fault"]) for r in after]

        batch.refresh_from_db()
        syndication.job.refresh_from_db()
        assert batch.state == SyndicationBatch.State.QUEUED and batch.attempts == 0 and batch.deferrals == 3
        assert syndication.job.status == Job.Status.RUNNING and syndication.job.error_count == 0
        assert not ChannelListing.objects.filter(status=ChannelListing.Status.ERROR).exists()

        channel_simulator.control(outage=False)
        time.sleep(RESET + 0.2)
        assert syndication_batch_run(batch_id=batch.pk) == "done"
    finally:
        _inline.active = False
    syndication.job.refresh_from_db()
    assert syndication.job.status == Job.Status.SUCCEEDED
    assert syndication.job.counts["live"] == 6 and syndication.job.counts["deferred"] == 3
    live = [s for s in channel_simulator.listings("kmall24") if s["status"] != "delisted"]
    assert sorted(s["sku"] for s in live) == sorted(p.slug for p in products)
    assert all(s["creates"] == 1 for s in live)

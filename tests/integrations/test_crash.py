"""A real Celery worker on Redis runs a syndication job and is killed with SIGKILL mid-job; a new
worker (and the beat task that resumes stale work) finishes it: every listing live, nothing lost,
no duplicate created at the simulator, counts exact."""

import signal
import time

import pytest

from core.models import Job
from integrations.models import ChannelListing, SyndicationBatch
from integrations.services import syndication_job_start, syndication_jobs_resume
from tests.factories import OperatorFactory
from tests.integrations.syndication_helpers import channel, listable
from tests.workers import wait_for, worker_start, worker_stop

STALE = 3


@pytest.fixture
def quick_stale(monkeypatch, settings):
    """Workers started after this take a batch claimed STALE seconds ago as a dead worker's."""
    monkeypatch.setenv("SYNDICATION_BATCH_STALE_SECONDS", str(STALE))
    settings.SYNDICATION_BATCH_STALE_SECONDS = STALE


def test_a_worker_killed_mid_job_loses_nothing_and_duplicates_nothing(
    quick_stale, channel_simulator, celery_worker_process
):
    kmall = channel(channel_simulator, "kmall24", batch_size=2)
    products = [listable() for _ in range(12)]
    channel_simulator.control(channel="kmall24", latency_ms=250)
    syndication = syndication_job_start(actor=OperatorFactory(), channel=kmall, mode="full")
    job = syndication.job

    def midway():
        job.refresh_from_db()
        return 2 <= job.processed < 10 and syndication.batches.filter(state=SyndicationBatch.State.RUNNING).exists()

    assert wait_for(midway), (job.status, job.processed)
    celery_worker_process.send_signal(signal.SIGKILL)
    celery_worker_process.wait(timeout=10)
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and job.processed < 12

    replacement = worker_start()
    try:
        time.sleep(STALE + 0.5)
        assert syndication_jobs_resume() >= 1  # what the beat task does every two minutes
        assert wait_for(lambda: Job.objects.get(pk=job.pk).status in Job.FINISHED, timeout=180)
    finally:
        worker_stop(replacement)

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.errors
    assert job.counts["live"] == 12 and job.processed == 12
    assert ChannelListing.objects.filter(channel=kmall, status="live").count() == 12
    rows = channel_simulator.listings("kmall24")
    assert sorted(r["sku"] for r in rows) == sorted(p.slug for p in products)
    assert all(r["creates"] == 1 for r in rows)
    assert all(b.state == "done" and b.attempts <= 2 for b in syndication.batches.all())

"""Syndication jobs: start one (an operator, or the beat schedule when a channel is due), cancel
it, resume what a lost message or a dead worker left behind, or run one in this process. A run is
planned (planning.py: what it sends), then pushes and delists in batches, each a Celery task taking
ids only (batches.py)."""

import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from brands.models import Brand, Company
from core.errors import InvalidInput, NotPermitted
from core.models import Job, User
from core.outages import broker_require
from core.permissions import is_operator
from core.services import job_cancel, job_create
from integrations.models import Channel, SyndicationBatch, SyndicationJob
from integrations.services.batches import COUNT_KEYS, _enqueue_batch, _finish_if_done, _inline, syndication_batch_run
from integrations.services.planning import syndication_job_plan
from listings.models import Product

B = SyndicationBatch.State
JOB_KIND = "syndication"


def _enqueue_plan(syndication_id: int) -> None:
    from integrations.tasks import syndication_job_plan_task

    syndication_job_plan_task.delay(syndication_id)


def syndication_job_start(
    *,
    actor: User | None,
    channel: Channel,
    mode: str = SyndicationJob.Mode.INCREMENTAL,
    brand: Brand | None = None,
    company: Company | None = None,
    products: list[int] | None = None,
    run: bool = True,
) -> SyndicationJob:
    """Operators (or the beat schedule, actor None) start a run; it is planned by a task.
    run=False leaves it queued (the command can run it inline instead)."""
    if actor is not None and not is_operator(actor):
        raise NotPermitted("Only operators start syndication jobs.")
    if mode not in SyndicationJob.Mode.values:
        raise InvalidInput(f"Mode is one of {', '.join(SyndicationJob.Mode.values)}.", attr="mode")
    if not channel.active:
        raise InvalidInput(f"The channel {channel.code} is inactive.", attr="channel")
    product_ids = sorted(set(products or []))
    if product_ids:
        found = set(Product.objects.filter(pk__in=product_ids).values_list("pk", flat=True))
        unknown = [pk for pk in product_ids if pk not in found]
        if unknown:
            raise InvalidInput(f"No such products: {', '.join(map(str, unknown))}.", attr="products")
    scope = {"channel": channel.code, "mode": mode}
    if brand:
        scope["brand"] = brand.slug
    if company:
        scope["company"] = company.pk
    if product_ids:
        scope["products"] = product_ids
    if run:
        broker_require()  # a 503 before anything is written, not a queued job no worker will see
    with transaction.atomic():
        job = job_create(kind=JOB_KIND, owner=actor, scope=scope)
        job.counts = dict.fromkeys(COUNT_KEYS, 0)
        job.save(update_fields=["counts"])
        syndication = SyndicationJob.objects.create(
            job=job,
            channel=channel,
            brand=brand,
            company=company,
            product_ids=product_ids,
            mode=mode,
            created_by=actor,
        )
        if run:
            transaction.on_commit(lambda: _enqueue_plan(syndication.pk))
    return syndication


@transaction.atomic
def syndication_job_cancel(*, actor: User, syndication: SyndicationJob) -> SyndicationJob:
    """Stops the run: batches not started yet never start; a running one stops after its call."""
    if not is_operator(actor):
        raise NotPermitted("Only operators cancel syndication jobs.")
    job_cancel(job=syndication.job)
    syndication.batches.filter(state=B.QUEUED).update(state=B.CANCELLED, finished_at=timezone.now())
    syndication.job.refresh_from_db()
    return syndication


def syndication_due_start() -> list[int]:
    """Beat: starts an incremental run for each active channel whose interval has passed and
    which has no run queued or running."""
    started = []
    now = timezone.now()
    for channel in Channel.objects.filter(active=True).order_by("pk"):
        due = channel.last_synced_at is None or (now - channel.last_synced_at).total_seconds() >= (
            channel.sync_interval_minutes * 60
        )
        busy = SyndicationJob.objects.filter(
            channel=channel, job__status__in=[Job.Status.QUEUED, Job.Status.RUNNING]
        ).exists()
        if due and not busy:
            Channel.objects.filter(pk=channel.pk).update(last_synced_at=now)
            started.append(syndication_job_start(actor=None, channel=channel).pk)
    return started


def syndication_job_run_inline(*, syndication: SyndicationJob, on_progress=None) -> SyndicationJob:
    """Plans and runs every batch in this process, one after another (the command's --inline
    and the demo): the same code the tasks run, without a queue."""
    _inline.active = True
    try:
        _run_inline(syndication, on_progress)
    finally:
        _inline.active = False
    _finish_if_done(syndication.pk)
    syndication.job.refresh_from_db()
    return syndication


def _run_inline(syndication: SyndicationJob, on_progress) -> None:
    syndication_job_plan(syndication_id=syndication.pk)
    while True:
        batch = (
            SyndicationBatch.objects.filter(syndication=syndication)
            .exclude(state__in=SyndicationBatch.FINISHED)
            .order_by("seq")
            .first()
        )
        if batch is None:
            break
        outcome = syndication_batch_run(batch_id=batch.pk)
        if outcome in ("deferred", "retry", "skipped"):
            time.sleep(min(settings.SYNDICATION_RETRY_SECONDS, 5))
        if on_progress:
            on_progress(Job.objects.get(pk=syndication.job_id))


def syndication_jobs_resume(*, stale_seconds: int | None = None) -> int:
    """Beat: re-queues what a lost message or a dead worker left behind (a queued plan, a batch
    not finished long after it was claimed or queued). Running a batch twice is harmless."""
    if stale_seconds is None:
        stale_seconds = settings.SYNDICATION_BATCH_STALE_SECONDS
    cutoff = timezone.now() - timedelta(seconds=stale_seconds)
    resumed = 0
    for syndication in SyndicationJob.objects.filter(job__status=Job.Status.QUEUED, job__created_at__lt=cutoff):
        _enqueue_plan(syndication.pk)
        resumed += 1
    stale = SyndicationBatch.objects.filter(syndication__job__status=Job.Status.RUNNING).filter(
        Q(state=B.RUNNING, started_at__lt=cutoff) | Q(state=B.QUEUED, syndication__job__started_at__lt=cutoff)
    )
    for pk in stale.values_list("pk", flat=True):
        _enqueue_batch(pk)
        resumed += 1
    return resumed

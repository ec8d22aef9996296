"""Running one syndication batch: push or delist its listings and store every result as it comes,
so a redelivered task (a worker killed mid-batch) resends only what has no result yet, and the
connector's idempotency key (reference and content version) keeps the channel from creating a
duplicate of something whose answer was lost. A channel that is down puts the batch off without
spending an attempt; too many failed attempts bury it. The job finishes with its last batch."""

import json
import logging
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.events import EventType
from core.lookups import rows_create, rows_update
from core.models import Job
from core.services import event_record, events_record, job_finish
from integrations.connectors.base import PushResult
from integrations.http.errors import ChannelUnavailable
from integrations.models import ChannelListing, ChannelListingEvent, SyndicationBatch, SyndicationJob
from integrations.readiness import blocking_codes
from integrations.selectors import channel_connector, listing_data_for

logger = logging.getLogger(__name__)
L = ChannelListing.Status
B = SyndicationBatch.State
COUNT_KEYS = ["sent", "live", "submitted", "rejected", "unchanged", "delisted", "failed", "deferred"]
POLL_ROUNDS = 20
MAX_DEFERRALS = 500


_inline = threading.local()


def _enqueue_batch(batch_id: int, countdown: float = 0) -> None:
    if getattr(_inline, "active", False):
        return  # syndication_job_run_inline runs the batches itself
    from integrations.tasks import syndication_batch_run_task

    # Every countdown stays below the broker's visibility timeout (the task would else run twice).
    limit = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600) / 2
    syndication_batch_run_task.apply_async((batch_id,), countdown=min(countdown, limit))


# The listing states in the event catalogue (docs/events.md).
PUBLISHED = {
    L.LIVE: EventType.CHANNEL_LISTING_LIVE,
    L.REJECTED: EventType.CHANNEL_LISTING_REJECTED,
    L.ERROR: EventType.CHANNEL_LISTING_ERROR,
}


def channel_listing_event(listing: ChannelListing, to_status: str, message: str) -> dict:
    """channel_listing.live|rejected|error with the normalised issues, for the product's company
    (`core.services.event_record`'s arguments)."""
    company_id = listing.product.company_id
    data = {
        "channel_listing": {
            "id": listing.pk,
            "channel": listing.channel.code,
            "product": {"id": listing.product_id, "company": company_id},
            "status": to_status,
            "external_id": listing.external_id,
            "issues": listing.issues,
            "blocking_codes": [c for c in listing.blocking_codes.split(",") if c],
            "message": message,
        }
    }
    return {"type": PUBLISHED[to_status], "data": data, "company_ids": [company_id]}


class Moves:
    """The history rows and outbox events of many listings' status changes, written by `save`
    with one insert each (a batch's answers)."""

    def __init__(self):
        self.history: list[ChannelListingEvent] = []
        self.outbox: list[dict] = []

    def save(self) -> None:
        rows_create(self.history)
        events_record(events=self.outbox)


def _move(listing: ChannelListing, to_status: str, job_id: int | None, message: str = "", moves=None) -> None:
    """The status change with its history row and event: written now, or added to `moves` for the
    caller's bulk inserts."""
    if listing.status == to_status:
        return
    event = ChannelListingEvent(
        listing=listing, job_id=job_id, from_status=listing.status, to_status=to_status, message=message[:2000]
    )
    published = channel_listing_event(listing, to_status, message[:2000]) if to_status in PUBLISHED else None
    if moves is None:
        event.save()
        if published:
            event_record(**published)
    else:
        moves.history.append(event)
        if published:
            moves.outbox.append(published)
    now = timezone.now()
    listing.status = to_status
    stamp = {L.SUBMITTED: "submitted_at", L.LIVE: "live_at", L.REJECTED: "rejected_at", L.DELISTED: "delisted_at"}
    if to_status in stamp:
        setattr(listing, stamp[to_status], now)


def _outcome(listing: ChannelListing, product_id: int, reference: str, outcome: str, issues=()) -> dict:
    return {
        "product": product_id,
        "reference": reference,
        "outcome": outcome,
        "external_id": listing.external_id,
        "issues": [{"code": i["code"], "attribute": i["attribute"], "message": i["message"]} for i in issues][:20],
    }


class _Deferred(Exception):
    pass


def _claim(batch_id: int) -> SyndicationBatch | None:
    """Locks the batch, counts the attempt and marks it running (committed before any call
    goes out, so a worker killed mid-call still leaves the attempt counted)."""
    with transaction.atomic():
        batch = (
            SyndicationBatch.objects.select_for_update()
            .select_related("syndication__job")
            .defer("syndication__outcomes")  # up to MAX_OUTCOMES entries, read by no batch
            .get(pk=batch_id)
        )
        if batch.state in SyndicationBatch.FINISHED:
            return None
        if batch.syndication.job.status != Job.Status.RUNNING:
            batch.state, batch.finished_at = B.CANCELLED, timezone.now()
            batch.save(update_fields=["state", "finished_at"])
            return None
        stale = timezone.now() - timedelta(seconds=settings.SYNDICATION_BATCH_STALE_SECONDS)
        if batch.state == B.RUNNING and batch.started_at and batch.started_at > stale:
            return None  # another worker has it now; a dead worker's batch is taken once stale
        if batch.attempts >= SyndicationBatch.MAX_ATTEMPTS:
            _bury(batch, "Gave up after 5 attempts: " + (batch.last_error or "no answer"))
            return None
        batch.attempts += 1
        batch.state, batch.started_at = B.RUNNING, timezone.now()
        batch.save(update_fields=["attempts", "state", "started_at"])
    return batch


def _bury(batch: SyndicationBatch, reason: str) -> None:
    """A poison batch: every listing without a result is an error; the job moves on."""
    pending = [pk for pk in batch.listing_ids if pk not in set(batch.done_ids)]
    listings = list(ChannelListing.objects.filter(pk__in=pending).select_related("product", "channel").order_by("pk"))
    outcomes, errors = [], []
    for listing in listings:
        _move(listing, L.ERROR, batch.syndication.job_id, reason)
        listing.save(update_fields=["status", "updated_at"])
        outcomes.append(_outcome(listing, listing.product_id, listing.product.slug, "failed"))
        errors.append({"item": listing.product.slug, "message": reason[:500]})
    batch.state, batch.finished_at, batch.last_error = B.DEAD, timezone.now(), reason[:2000]
    batch.done_ids = batch.listing_ids
    batch.save(update_fields=["state", "finished_at", "last_error", "done_ids"])
    _record(batch.syndication_id, {"failed": len(listings)}, len(listings), outcomes, errors)


def syndication_batch_run(*, batch_id: int) -> str:
    """Runs one batch; returns what happened (done, deferred, retry, dead, skipped)."""
    batch = _claim(batch_id)
    if batch is None:
        _finish_if_done(SyndicationBatch.objects.get(pk=batch_id).syndication_id)
        return "skipped"
    syndication = SyndicationJob.objects.select_related("channel").defer("outcomes").get(pk=batch.syndication_id)
    try:
        _run(batch, syndication)
    except _Deferred as deferred:
        _put_off(batch, str(deferred))
        return "deferred"
    except ChannelUnavailable as error:
        _put_off(batch, f"Channel unavailable: {error}")
        return "deferred"
    except Exception as error:  # noqa: BLE001 - any failure counts as an attempt; 5 make it dead
        logger.exception("syndication batch %s failed (attempt %s)", batch.pk, batch.attempts)
        with transaction.atomic():
            batch = SyndicationBatch.objects.select_for_update().get(pk=batch.pk)
            batch.last_error = f"{type(error).__name__}: {error}"[:2000]
            if batch.attempts >= SyndicationBatch.MAX_ATTEMPTS:
                batch.save(update_fields=["last_error"])
                _bury(batch, f"Gave up after {batch.attempts} attempts: {batch.last_error}")
            else:
                batch.state = B.QUEUED
                batch.save(update_fields=["last_error", "state"])
                countdown = settings.SYNDICATION_RETRY_SECONDS * 2 ** (batch.attempts - 1)
                transaction.on_commit(lambda: _enqueue_batch(batch.pk, countdown))
                return "retry"
        _finish_if_done(batch.syndication_id)
        return "dead"
    _finish_if_done(batch.syndication_id)
    return "done"


def _put_off(batch: SyndicationBatch, reason: str) -> None:
    """The channel is down (its breaker is open): not the batch's fault, so no attempt is spent."""
    with transaction.atomic():
        batch = SyndicationBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.state in SyndicationBatch.FINISHED:
            return
        if batch.deferrals >= MAX_DEFERRALS:
            _bury(batch, f"The channel stayed unavailable: {reason}")
            return
        batch.attempts = max(batch.attempts - 1, 0)
        batch.deferrals += 1
        batch.state, batch.last_error = B.QUEUED, reason[:2000]
        batch.save(update_fields=["attempts", "deferrals", "state", "last_error"])
        _record(batch.syndication_id, {"deferred": 1}, 0, [], [])
        transaction.on_commit(lambda: _enqueue_batch(batch.pk, settings.SYNDICATION_DEFER_SECONDS))


def _run(batch: SyndicationBatch, syndication: SyndicationJob) -> None:
    done = set(batch.done_ids)
    pending = [pk for pk in batch.listing_ids if pk not in done]
    # Only what the calls and the results name: the product's slug and company (its other columns
    # are read as plain rows by listing_data_for). _store locks and writes the full rows.
    listings = {
        listing.product_id: listing
        for listing in ChannelListing.objects.filter(pk__in=pending)
        .select_related("product")
        .only("product", "external_id", "product__slug", "product__company_id")
        .order_by("pk")
    }
    connector = channel_connector(syndication.channel)
    if batch.kind == SyndicationBatch.Kind.DELIST:
        refs = [(listing.product.slug, listing.external_id) for listing in listings.values()]
        results = connector.delist(refs) if refs else []
        by_ref = {listing.product.slug: listing for listing in listings.values()}
        _store(
            batch, syndication, [(by_ref[r.reference], r, "") for r in results if r.reference in by_ref], delist=True
        )
        return
    data = listing_data_for(listings)
    results = connector.push(data) if data else []
    for _ in range(POLL_ROUNDS):
        if not any(r.status == "submitted" and not r.temporary for r in results):
            break
        time.sleep(0.2)
        results = connector.poll(results)
    hashes = {d.reference: (d.product_id, d.content_hash) for d in data}
    stored = []
    for result in results:
        if result.reference in hashes:
            product_id, content_hash = hashes[result.reference]
            stored.append((listings[product_id], result, content_hash))
    _store(batch, syndication, stored, delist=False)


def _issues(result: PushResult) -> list[dict]:
    return [
        {"code": i.code, "severity": i.severity, "attribute": i.attribute, "message": i.message, "source": "channel"}
        for i in result.issues
    ]


def _message(issues: list[dict]) -> str:
    return "; ".join(i["message"] for i in issues)[:2000]


def listing_result_apply(listing: ChannelListing, result: PushResult, job_id: int | None, moves=None) -> str:
    """One listing's transition from one definitive (not temporary) push or poll answer, with its
    event row: live / submitted (external id, the channel's issues replaced), rejected (issues,
    blocking codes, not ready) or error. The caller holds the row lock and saves; returns the
    outcome (live, submitted, rejected, failed)."""
    issues = _issues(result)
    if result.status in ("live", "submitted"):
        listing.external_id = result.external_id or listing.external_id
        _move(listing, L.LIVE if result.status == "live" else L.SUBMITTED, job_id, moves=moves)
        listing.issues = [i for i in listing.issues if i.get("source") != "channel"] + issues
        return result.status
    if result.status == "rejected":
        listing.issues = [i for i in listing.issues if i.get("source") != "channel"] + issues
        listing.blocking_codes = blocking_codes(listing.issues)
        listing.ready = False
        _move(listing, L.REJECTED, job_id, _message(issues), moves)
        return "rejected"
    _move(listing, L.ERROR, job_id, _message(issues), moves)
    return "failed"


STORED_FIELDS = [
    "status",
    "external_id",
    "last_sent_hash",
    "last_tried_hash",
    "issues",
    "ready",
    "blocking_codes",
    "attempts",
    "submitted_at",
    "live_at",
    "rejected_at",
    "delisted_at",
    "updated_at",
]


def _store(batch: SyndicationBatch, syndication: SyndicationJob, results: list, *, delist: bool) -> None:
    """Writes each definitive answer, marks it done in the batch, and adds to the job's counts;
    temporary errors stay pending, and the batch is put off to retry them. The batch's listings
    are locked with one query (in id order) and written back with one update and one insert of
    their events."""
    counts = dict.fromkeys(COUNT_KEYS, 0)
    outcomes, errors, done, temporary, changed = [], [], [], [], []
    moves = Moves()
    job_id = syndication.job_id
    with transaction.atomic():
        batch = SyndicationBatch.objects.select_for_update().get(pk=batch.pk)
        already = set(batch.done_ids)  # stored by an earlier delivery of this batch: not counted twice
        wanted = [listing.pk for listing, _, _ in results if listing.pk not in already]
        locked = ChannelListing.objects.select_for_update().order_by("pk")
        locked = {listing.pk: listing for listing in locked.filter(pk__in=wanted)} if wanted else {}
        done = [pk for pk in wanted if pk not in locked]  # deleted meanwhile (with its product): nothing to store
        now = timezone.now()
        for listing, result, content_hash in results:
            if listing.pk in already or listing.pk not in locked:
                continue
            # With the product (slug, company) and channel already read, not joined again under the lock.
            listing, read = locked[listing.pk], listing
            listing.product, listing.channel = read.product, syndication.channel
            if result.temporary:
                temporary.append(listing.pk)
                continue
            issues = _issues(result)
            if delist:
                if result.status == "delisted":
                    _move(listing, L.DELISTED, job_id, "Removed from the channel.", moves)
                    counts["delisted"] += 1
                    outcome = "delisted"
                else:
                    counts["failed"] += 1
                    outcome = "failed"
            else:
                listing.attempts += 1
                if result.status in ("live", "submitted"):
                    listing.last_sent_hash = listing.last_tried_hash = content_hash
                elif result.status == "rejected":
                    listing.last_tried_hash = content_hash
                outcome = listing_result_apply(listing, result, job_id, moves)
                counts[outcome] += 1
                if outcome == "failed":
                    errors.append({"item": listing.product.slug, "message": _message(issues)[:500] or "error"})
                else:
                    counts["sent"] += 1
            listing.updated_at = now
            changed.append(listing)
            done.append(listing.pk)
            outcomes.append(_outcome(listing, listing.product_id, listing.product.slug, outcome, issues))
        rows_update(changed, STORED_FIELDS)
        moves.save()
        batch.done_ids = sorted(already | set(done))
        remaining = [pk for pk in batch.listing_ids if pk not in set(batch.done_ids)]
        if not remaining:
            batch.state, batch.finished_at = B.DONE, timezone.now()
        batch.save(update_fields=["done_ids", "state", "finished_at"])
        _record(syndication.pk, counts, len(done), outcomes, errors)
    if remaining:
        raise _Deferred(f"{len(remaining)} listings got a temporary error; retrying later.")


def _record(syndication_id: int, counts: dict, processed: int, outcomes: list, errors: list) -> None:
    """Adds to the job's counts under a lock on the job row, so batches finishing together add up."""
    syndication = SyndicationJob.objects.select_for_update().only("job_id").get(pk=syndication_id)
    job = Job.objects.select_for_update().get(pk=syndication.job_id)
    merged = {**dict.fromkeys(COUNT_KEYS, 0), **job.counts}
    for key, value in counts.items():
        merged[key] = merged.get(key, 0) + value
    job.counts = merged
    job.processed += processed
    room = Job.MAX_ERRORS - len(job.errors)
    job.errors.extend(errors[: max(room, 0)])
    job.error_count += len(errors)
    job.save(update_fields=["counts", "processed", "errors", "error_count"])
    if outcomes:
        _outcomes_append(syndication_id, outcomes)


def _outcomes_append(syndication_id: int, outcomes: list) -> None:
    """Adds to the end of the run's outcome list until it holds MAX_OUTCOMES (the caller holds the
    row lock). On PostgreSQL in SQL: reading the list back (thousands of entries) cost a batch
    more than its own writes, and every batch did it."""
    full = SyndicationJob.MAX_OUTCOMES
    if connection.vendor != "postgresql":
        syndication = SyndicationJob.objects.only("outcomes").get(pk=syndication_id)
        room = full - len(syndication.outcomes)
        if room > 0:  # a full list is not written again by every later batch
            syndication.outcomes.extend(outcomes[:room])
            syndication.save(update_fields=["outcomes"])
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE integrations_syndicationjob SET outcomes = outcomes || jsonb_path_query_array("
            "%s::jsonb, '$[0 to $last]', jsonb_build_object('last', %s - 1 - jsonb_array_length(outcomes))) "
            "WHERE id = %s AND jsonb_array_length(outcomes) < %s",
            [json.dumps(outcomes), full, syndication_id, full],
        )


def _finish_if_done(syndication_id: int) -> None:
    with transaction.atomic():
        syndication = SyndicationJob.objects.select_for_update().only("job_id").get(pk=syndication_id)
        job = Job.objects.select_for_update().get(pk=syndication.job_id)
        if job.status != Job.Status.RUNNING:
            return
        if syndication.batches.exclude(state__in=SyndicationBatch.FINISHED).exists():
            return
        counts = job.counts
        succeeded = counts.get("live", 0) + counts.get("submitted", 0) + counts.get("unchanged", 0)
        succeeded += counts.get("delisted", 0) + counts.get("rejected", 0)
        job_finish(job=job, succeeded=succeeded, message=", ".join(f"{counts.get(k, 0)} {k}" for k in COUNT_KEYS))

"""Planning a syndication run: a readiness dry run of every product in scope, then what the run
pushes (full, or incremental by content hash) and delists, cut into batches for the tasks."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Subquery
from django.utils import timezone

from core.lookups import rows_create, rows_update
from core.models import Job
from core.services import job_record_progress, job_start
from integrations.models import Channel, ChannelListing, SyndicationBatch, SyndicationJob
from integrations.readiness import blocking_codes, findings_as_json, readiness_evaluate
from integrations.selectors import channel_connector, listing_data_list
from integrations.services.batches import COUNT_KEYS, _enqueue_batch, _finish_if_done, _move, _outcome
from listings.models import Product
from marketplace.models import PlatformMark

L = ChannelListing.Status
PLAN_CHUNK = 500


def _scope_products(syndication: SyndicationJob):
    products = Product.objects.all()
    if syndication.brand_id:
        products = products.filter(brand_id=syndication.brand_id)
    if syndication.company_id:
        products = products.filter(company_id=syndication.company_id)
    if syndication.product_ids:
        products = products.filter(pk__in=syndication.product_ids)
    return products


def syndication_job_plan(*, syndication_id: int) -> SyndicationJob | None:
    """Decides what the run sends and queues its batches; idempotent (a redelivered plan task
    only re-queues batches that have not finished)."""
    syndication = SyndicationJob.objects.select_related("channel", "job").get(pk=syndication_id)
    job = syndication.job
    if job.status == Job.Status.QUEUED:
        with transaction.atomic():
            job = Job.objects.select_for_update().get(pk=job.pk)
            if job.status != Job.Status.QUEUED:
                return syndication
            to_push, to_delist, counts, outcomes = _plan(syndication)
            batches = _make_batches(syndication, to_push, to_delist)
            job = job_start(
                job_id=job.pk, total=len(to_push) + len(to_delist) + counts["unchanged"] + counts["rejected"]
            )
            job_record_progress(
                job=job,
                processed=counts["unchanged"] + counts["rejected"],
                counts={**dict.fromkeys(COUNT_KEYS, 0), **counts},
                new_errors=[],
            )
            syndication.outcomes = outcomes[: SyndicationJob.MAX_OUTCOMES]
            syndication.save(update_fields=["outcomes"])
            Channel.objects.filter(pk=syndication.channel_id).update(last_synced_at=timezone.now())
            ids = [b.pk for b in batches]
            transaction.on_commit(lambda: [_enqueue_batch(pk) for pk in ids])
        if not batches:
            _finish_if_done(syndication.pk)
        return syndication
    if job.status == Job.Status.RUNNING:
        for pk in syndication.batches.exclude(state__in=SyndicationBatch.FINISHED).values_list("pk", flat=True):
            _enqueue_batch(pk)
    return syndication


def _plan(syndication: SyndicationJob):
    """(listing ids to push, listing ids to delist, counts, outcomes)."""
    channel = syndication.channel
    connector = channel_connector(channel)
    full = syndication.mode == SyndicationJob.Mode.FULL
    job_id = syndication.job_id
    to_push, to_delist, outcomes = [], [], []
    counts = {"unchanged": 0, "rejected": 0}
    scope = _scope_products(syndication).filter(status=Product.Status.PUBLISHED)
    if not full:
        # An incremental run compares hashes in SQL first: a listing the channel answered for
        # the product's current content (live, submitted, or rejected by the channel itself),
        # found ready within SYNDICATION_RECHECK_HOURS, is unchanged without building or
        # rendering anything. The rest get the dry run below. A product that has had the
        # platform's mark is sent with a hash of its own (selectors.listing_content_hash), which
        # SQL cannot compute: those few always get the dry run, which compares that hash.
        current = (
            ChannelListing.objects.filter(
                channel=channel,
                product__in=scope,
                ready=True,
                status__in=[L.LIVE, L.SUBMITTED, L.REJECTED],
                last_tried_hash=F("product__content_hash"),
                checked_at__gte=timezone.now() - timedelta(hours=settings.SYNDICATION_RECHECK_HOURS),
            )
            .exclude(product__in=PlatformMark.objects.values("product_id"))
            .values("product_id")
        )
        counts["unchanged"] = current.count()
        scope = scope.exclude(pk__in=Subquery(current))
    published = list(scope.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(published), PLAN_CHUNK):
        pairs = listing_data_list(published[start : start + PLAN_CHUNK])
        verdicts = readiness_evaluate(channel=channel, connector=connector, pairs=pairs)
        existing = {
            listing.product_id: listing
            for listing in ChannelListing.objects.filter(channel=channel, product_id__in=[f.pk for f, _ in pairs])
        }
        new = [ChannelListing(product_id=f.pk, channel=channel) for f, _ in pairs if f.pk not in existing]
        for listing in rows_create(new):
            existing[listing.product_id] = listing
        changed = []
        for facts, data in pairs:
            listing = existing[facts.pk]
            findings = findings_as_json(verdicts[facts.pk])
            ready = not any(f["severity"] == "error" for f in findings)
            was = (listing.status, listing.blocking_codes)
            listing.ready, listing.issues, listing.blocking_codes = ready, findings, blocking_codes(findings)
            listing.checked_at = timezone.now()
            if not ready:
                # Held back by our own dry run: nothing is sent, and last_tried_hash (the channel's
                # last answer) stays, so the product goes out once it is ready, even unchanged.
                if listing.status in (L.LIVE, L.SUBMITTED) and listing.external_id:
                    to_delist.append(listing.pk)
                elif was == (L.REJECTED, listing.blocking_codes) and not full:
                    counts["unchanged"] += 1
                else:
                    codes = ", ".join(listing.blocking_issue_codes)
                    _move(listing, L.REJECTED, job_id, f"Not ready: {codes}")
                    counts["rejected"] += 1
                    outcomes.append(
                        _outcome(
                            listing,
                            facts.pk,
                            data.reference,
                            "rejected",
                            [f for f in findings if f["severity"] == "error"],
                        )
                    )
            elif (
                full
                or listing.last_tried_hash != data.content_hash
                or listing.status in (L.PENDING, L.ERROR, L.DELISTED)
            ):
                to_push.append(listing.pk)
            else:
                counts["unchanged"] += 1
            changed.append(listing)
        rows_update(
            changed,
            [
                "ready",
                "issues",
                "blocking_codes",
                "checked_at",
                "status",
                "rejected_at",
                "last_tried_hash",
                "updated_at",
            ],
        )
    # Listed products that left the scope's published catalogue come off the channel.
    gone = (
        ChannelListing.objects.filter(channel=channel, status__in=[L.LIVE, L.SUBMITTED])
        .filter(product__in=_scope_products(syndication))
        .filter(~Q(product__status=Product.Status.PUBLISHED))
        .values_list("pk", flat=True)
    )
    to_delist.extend(gone)
    return to_push, sorted(set(to_delist)), counts, outcomes


def _make_batches(syndication: SyndicationJob, to_push: list[int], to_delist: list[int]) -> list[SyndicationBatch]:
    size = syndication.channel.batch_size
    batches = []
    for kind, ids in ((SyndicationBatch.Kind.PUSH, to_push), (SyndicationBatch.Kind.DELIST, to_delist)):
        for start in range(0, len(ids), size):
            batches.append(
                SyndicationBatch(
                    syndication=syndication, seq=len(batches) + 1, kind=kind, listing_ids=ids[start : start + size]
                )
            )
    return SyndicationBatch.objects.bulk_create(batches)

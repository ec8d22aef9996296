"""Celery doors to the syndication services: ids only, idempotent, acks_late and rejected back
to the queue when a worker dies (a batch stores each result as it comes, so a redelivery only
resends what has no result, and the connector's idempotency key prevents duplicates)."""

from celery import shared_task

from core.tasks import DATABASE_RETRY
from integrations import services


@shared_task(acks_late=True, reject_on_worker_lost=True, **DATABASE_RETRY)
def syndication_job_plan_task(syndication_id: int) -> None:
    services.syndication_job_plan(syndication_id=syndication_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, **DATABASE_RETRY)
def syndication_batch_run_task(batch_id: int) -> str:
    return services.syndication_batch_run(batch_id=batch_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def syndication_due_start_task() -> list[int]:
    return services.syndication_due_start()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def syndication_jobs_resume_task() -> int:
    return services.syndication_jobs_resume()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def channel_submissions_resolve_task() -> dict:
    """Listings an asynchronous channel left `submitted` after their batch: asked again."""
    return services.channel_submissions_resolve()


@shared_task(acks_late=True, reject_on_worker_lost=True, **DATABASE_RETRY)
def channel_listings_mark_inventory_task(variant_id: int) -> int:
    return services.channel_listings_mark_inventory(variant_id=variant_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, **DATABASE_RETRY)
def channel_inventory_push_task() -> int:
    return services.channel_inventory_push()


@shared_task(acks_late=True, reject_on_worker_lost=True, **DATABASE_RETRY)
def channel_orders_import_task(channel_id: int) -> int:
    return services.channel_orders_import(channel_id=channel_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def channel_orders_import_all_task() -> int:
    return services.channel_orders_import_all()


@shared_task(acks_late=True, reject_on_worker_lost=True, **DATABASE_RETRY)
def channel_tracking_push_task(shipment_id: int) -> bool:
    return services.channel_tracking_push(shipment_id=shipment_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, **DATABASE_RETRY)
def channel_listing_fees_charge_task(period: str | None = None) -> int:
    """Last month's syndication fees (or `period`'s), before the settlement run settles that month."""
    from marketplace.services.statements import previous_period

    return services.channel_listing_fees_charge(period=period or previous_period())

from celery import shared_task
from django.db import InterfaceError, OperationalError

from listings.imports import products_import

# An import of the largest file allowed runs for minutes; give it room beyond the default limits.
IMPORT_SOFT_TIME_LIMIT = 2 * 60 * 60


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=IMPORT_SOFT_TIME_LIMIT,
    time_limit=IMPORT_SOFT_TIME_LIMIT + 300,
)
def products_import_task(job_id: int) -> None:
    """Idempotent: job_start only starts a queued job, so a redelivery or a retry after the
    job began does nothing (a database outage before the start is retried with backoff)."""
    products_import(job_id=job_id)

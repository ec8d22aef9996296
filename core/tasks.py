from celery import shared_task

from core.services import exchange_rates_refresh, idempotency_keys_purge


@shared_task(acks_late=True)
def idempotency_keys_purge_task() -> int:
    return idempotency_keys_purge()


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def exchange_rates_refresh_task() -> int:
    return exchange_rates_refresh()

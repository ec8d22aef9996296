from celery import shared_task

from core.services import idempotency_keys_purge


@shared_task(acks_late=True)
def idempotency_keys_purge_task() -> int:
    return idempotency_keys_purge()

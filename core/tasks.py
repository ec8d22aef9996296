from celery import shared_task
from django.db import InterfaceError, OperationalError

from core.emails import message_send, messages_send_sweep
from core.services import exchange_rates_refresh, idempotency_keys_purge
from core.webhooks import event_dispatch, events_dispatch_sweep, webhook_delivery_attempt

# What a task retries with backoff: the database gone for a moment (a failover, a restart).
# Anything else is a bug or a refusal, and retrying it would only repeat it.
DATABASE_RETRY = {"autoretry_for": (OperationalError, InterfaceError), "retry_backoff": True, "max_retries": 5}


@shared_task(acks_late=True)
def idempotency_keys_purge_task() -> int:
    return idempotency_keys_purge()


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def exchange_rates_refresh_task() -> int:
    return exchange_rates_refresh()


@shared_task(acks_late=True, **DATABASE_RETRY)
def event_dispatch_task(event_id: int) -> int:
    return event_dispatch(event_id=event_id)


@shared_task(acks_late=True, **DATABASE_RETRY)
def events_dispatch_task(event_ids: list[int]) -> int:
    # Each event in its own transaction; a retry skips those already dispatched.
    return sum(event_dispatch(event_id=event_id) for event_id in event_ids)


@shared_task(acks_late=True, **DATABASE_RETRY)
def webhook_delivery_attempt_task(delivery_id: int) -> str | None:
    return webhook_delivery_attempt(delivery_id=delivery_id)


@shared_task(acks_late=True)
def events_dispatch_sweep_task() -> int:
    return events_dispatch_sweep()


@shared_task(acks_late=True, **DATABASE_RETRY)
def message_send_task(message_id: int) -> str | None:
    return message_send(message_id=message_id)


@shared_task(acks_late=True)
def messages_send_sweep_task() -> int:
    return messages_send_sweep()

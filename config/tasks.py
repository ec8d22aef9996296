from celery import shared_task

from config.digest import operator_digest_send


@shared_task(acks_late=True)
def operator_digest_send_task() -> int:
    return operator_digest_send()

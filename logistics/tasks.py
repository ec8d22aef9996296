from celery import shared_task

from logistics.services import reservations_expire


@shared_task(acks_late=True)
def reservations_expire_task() -> int:
    return reservations_expire()

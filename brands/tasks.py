from celery import shared_task

from brands.services import brands_enforce_minimum_members


@shared_task(acks_late=True)
def brands_enforce_minimum_members_task() -> list[int]:
    return brands_enforce_minimum_members()

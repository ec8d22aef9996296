from celery import shared_task

from marketplace.payments import PaymentGatewayError
from marketplace.services.orders import order_request_fulfilment, orders_complete, orders_expire_unpaid, refund_execute


@shared_task(acks_late=True, autoretry_for=(PaymentGatewayError,), retry_backoff=True, max_retries=8)
def refund_execute_task(refund_id: int) -> None:
    refund_execute(refund_id=refund_id)


@shared_task(acks_late=True, retry_backoff=True, max_retries=5)
def order_request_fulfilment_task(order_id: int) -> int:
    return order_request_fulfilment(order_id=order_id)


@shared_task(acks_late=True)
def orders_expire_unpaid_task() -> int:
    return orders_expire_unpaid()


@shared_task(acks_late=True)
def orders_complete_task() -> int:
    return orders_complete()


# The B2B trade desk.
@shared_task(acks_late=True, retry_backoff=True, max_retries=5)
def rfq_notify_sellers_task(rfq_id: int) -> int:
    from marketplace.services.trade import rfq_notify_sellers

    return rfq_notify_sellers(rfq_id=rfq_id)


@shared_task(acks_late=True)
def rfqs_expire_task() -> int:
    from marketplace.services.trade import rfqs_expire

    return rfqs_expire()

import smtplib

from celery import shared_task

from core.tasks import DATABASE_RETRY
from marketplace.payments import PaymentGatewayError
from marketplace.services.exchanges import exchange_payment_request, exchanges_payment_sweep
from marketplace.services.fee_accrual import fees_accrue
from marketplace.services.order_backorders import order_backorder_fulfil
from marketplace.services.order_fulfilment import order_request_fulfilment, orders_complete, orders_fulfilment_sweep
from marketplace.services.orders import orders_expire_unpaid
from marketplace.services.refunds import refund_execute, refunds_execute_sweep
from marketplace.services.settlement import settlement_run_as_job
from marketplace.services.statements import previous_period


@shared_task(acks_late=True, autoretry_for=(PaymentGatewayError,), retry_backoff=True, max_retries=8)
def refund_execute_task(refund_id: int) -> None:
    refund_execute(refund_id=refund_id)


@shared_task(acks_late=True, autoretry_for=(PaymentGatewayError,), retry_backoff=True, max_retries=8)
def exchange_payment_request_task(exchange_id: int) -> None:
    exchange_payment_request(exchange_id=exchange_id)


@shared_task(acks_late=True, **DATABASE_RETRY)
def order_request_fulfilment_task(order_id: int) -> int:
    return order_request_fulfilment(order_id=order_id)


# Sweeps for work whose task was lost (broker down at commit, a worker gone); both only queue.
@shared_task(acks_late=True)
def orders_fulfilment_sweep_task() -> int:
    return orders_fulfilment_sweep()


@shared_task(acks_late=True)
def refunds_execute_sweep_task() -> int:
    return refunds_execute_sweep()


@shared_task(acks_late=True)
def exchanges_payment_sweep_task() -> int:
    return exchanges_payment_sweep()


@shared_task(acks_late=True)
def orders_expire_unpaid_task() -> int:
    return orders_expire_unpaid()


@shared_task(acks_late=True)
def orders_complete_task() -> int:
    return orders_complete()


# The B2B trade desk. A mail server refusing or unreachable is temporary; the notification is
# recorded once sent, so a retry never mails twice.
@shared_task(
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, OSError, *DATABASE_RETRY["autoretry_for"]),
    retry_backoff=True,
    max_retries=5,
)
def rfq_notify_sellers_task(rfq_id: int) -> int:
    from marketplace.services.trade import rfq_notify_sellers

    return rfq_notify_sellers(rfq_id=rfq_id)


@shared_task(acks_late=True)
def rfqs_notify_sweep_task() -> int:
    from marketplace.services.trade import rfqs_notify_sweep

    return rfqs_notify_sweep()


@shared_task(acks_late=True)
def rfqs_expire_task() -> int:
    from marketplace.services.trade import rfqs_expire

    return rfqs_expire()


@shared_task(acks_late=True)
def rfqs_closing_soon_announce_task() -> int:
    from marketplace.services.trade import rfqs_closing_soon_announce

    return rfqs_closing_soon_announce()


@shared_task(acks_late=True)
def fees_accrue_task() -> dict:
    return fees_accrue()


@shared_task(acks_late=True)
def settlement_run_task(period: str | None = None) -> int:
    """Settles the previous month (or `period`) under a job row; idempotent, so a redelivery
    (its worker died) carries on the same job and pays nothing twice. Returns the job's id."""
    return settlement_run_as_job(period=period or previous_period()).pk


@shared_task(acks_late=True, **DATABASE_RETRY)
def order_backorder_fulfilment_task(order_id: int, reservation_reference: str) -> int:
    return order_backorder_fulfil(order_id=order_id, reservation_reference=reservation_reference)

"""What counts as an outage of a dependency rather than a bug: the database gone or restarting,
the broker or cache unreachable. Such errors answer 503 (retry) instead of 500."""

import logging

from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.http import JsonResponse
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.errors import Unavailable

logger = logging.getLogger(__name__)

OUTAGES = (
    DatabaseOperationalError,
    DatabaseInterfaceError,
    BrokerOperationalError,
    RedisConnectionError,
    RedisTimeoutError,
    Unavailable,
)


def is_outage(error: BaseException) -> bool:
    return isinstance(error, OUTAGES)


def outage_response() -> JsonResponse:
    body = {
        "type": "server_error",
        "errors": [
            {
                "code": "service_unavailable",
                "detail": "A service the platform depends on is unavailable; retry shortly.",
                "attr": None,
            }
        ],
    }
    return JsonResponse(body, status=503, headers={"Retry-After": "5"})


def broker_require(timeout: float = 2.0) -> None:
    """Raises Unavailable when the Celery broker does not answer, so a job start refuses before
    writing anything rather than leaving a queued job no worker will ever see."""
    from celery import current_app

    if current_app.conf.task_always_eager:
        return
    try:
        with current_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout)
    except Exception as error:  # noqa: BLE001 - any failure to reach the broker is an outage
        logger.warning("broker unavailable: %s", error)
        raise Unavailable("The task queue is unavailable; retry shortly.") from error

import logging

from celery import current_app as celery_app
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache():
    cache.set("healthz", "ok", 5)
    if cache.get("healthz") != "ok":
        raise RuntimeError("cache did not return what was written")


def _check_broker():
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


CHECKS = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}


@require_GET
def healthz(request):
    """200 when every dependency answers, else 503 naming what failed."""
    results, failed = {}, []
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as error:  # noqa: BLE001 - any failure of a dependency is a 503, not a 500
            logger.warning("healthz: %s failed: %s", name, error)
            results[name] = "failed"
            failed.append(name)
    return JsonResponse(
        {"status": "fail" if failed else "ok", "checks": results, "failed": failed}, status=503 if failed else 200
    )

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

# Every record gets the current request id, whichever logger or handler it goes through
# (Django logs a response's status after the middleware has returned).
_default_factory = logging.getLogRecordFactory()


def _record_with_request_id(*args, **kwargs):
    record = _default_factory(*args, **kwargs)
    record.request_id = request_id_var.get()
    return record


logging.setLogRecordFactory(_record_with_request_id)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for production log shippers."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class OutageFilter(logging.Filter):
    """An outage (the database restarting, Redis gone) answers every request with a 503 until it
    is over; one warning line per request says so, where a traceback each would bury the logs."""

    def filter(self, record):
        from core.outages import is_outage

        if record.exc_info and is_outage(record.exc_info[1]):
            error = record.exc_info[1]
            record.msg = f"{record.getMessage()} ({type(error).__name__}: {str(error).strip()[:200]})"
            record.args = None
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True

"""Domain errors: services raise these; core.api.errors maps them to HTTP statuses in one place."""


class ApplicationError(Exception):
    code = "application_error"
    status_code = 400

    def __init__(self, detail: str, *, attr: str | None = None, reasons: list[tuple[str, str]] | None = None):
        """reasons: (code, message) pairs when one refusal has several causes, each reported."""
        super().__init__(detail)
        self.detail = detail
        self.attr = attr
        self.reasons = reasons or []


class WrongState(ApplicationError):
    """A transition asked from a state that does not allow it."""

    code = "wrong_state"
    status_code = 409


class Conflict(ApplicationError):
    code = "conflict"
    status_code = 409


class NotPermitted(ApplicationError):
    code = "permission_denied"
    status_code = 403


class EmailNotVerified(NotPermitted):
    code = "email_not_verified"


class Unavailable(ApplicationError):
    """A dependency (database, broker) is down: the client may retry; nothing was written."""

    code = "service_unavailable"
    status_code = 503


class InvalidInput(ApplicationError):
    """Bad input found by a service. `fields` carries several field errors at once:
    {attr: [(code, message), ...]}, so a client learns everything wrong in one answer."""

    code = "invalid"
    status_code = 400

    def __init__(self, detail: str, *, attr: str | None = None, reasons=None, fields: dict | None = None):
        super().__init__(detail, attr=attr, reasons=reasons)
        self.fields = fields or {}


class TooManyAttempts(ApplicationError):
    """Throttled by the platform's own counters (failed logins, reset requests, resends)."""

    code = "throttled"
    status_code = 429

    def __init__(self, detail: str, *, retry_after: int):
        super().__init__(detail)
        self.retry_after = max(1, int(retry_after))

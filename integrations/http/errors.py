"""What a call to an outside channel raises; connectors and syndication services catch these."""

from core.errors import ApplicationError


class ChannelError(ApplicationError):
    """A call to an outside channel failed. `temporary`: worth trying again later."""

    code = "channel_error"
    status_code = 502
    temporary = False
    outcome_unknown = False  # a write without an idempotency key got no answer: it may have been applied
    retry_at: float | None = None  # epoch seconds before which the channel asked not to be called

    def __init__(self, detail: str, *, channel: str = "", temporary: bool | None = None, status: int | None = None):
        super().__init__(detail)
        self.channel = channel
        self.status = status
        if temporary is not None:
            self.temporary = temporary


class ChannelUnavailable(ChannelError):
    """The channel's circuit breaker is open (or it answered 503s until it opened): defer, don't fail."""

    code = "channel_unavailable"
    status_code = 503
    temporary = True


class ChannelRejected(ChannelError):
    """The channel refused the request itself (a 4xx other than 429); trying again changes nothing."""

    code = "channel_rejected"
    status_code = 422
    temporary = False

    def __init__(self, detail: str, *, channel: str = "", status: int | None = None, body=None):
        super().__init__(detail, channel=channel, temporary=False, status=status)
        self.body = body

"""Which base URLs a channel may be pointed at: none that reaches into our own network
(core.urlguard, shared with webhook endpoints), the configured simulator aside."""

from urllib.parse import urlsplit

from django.conf import settings

from core.urlguard import URLRefused, public_url_check


class ChannelURLRefused(URLRefused):
    """A base URL that points at a private, loopback, link-local or reserved address."""

    def __init__(self, detail: str):
        super().__init__(detail, attr="base_url")


def _same_origin(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.scheme, pa.hostname, pa.port) == (pb.scheme, pb.hostname, pb.port)


def base_url_check(url: str) -> str:
    """The URL if a channel may be pointed at it; ChannelURLRefused (a 400 on `base_url`) if not.

    Refuses hosts that are or resolve to private, loopback, link-local, multicast or reserved
    addresses (cloud metadata at 169.254.169.254 among them), unless the URL is the configured
    simulator or CHANNEL_ALLOW_PRIVATE_URLS is on.
    """
    allow = _same_origin(url or "", settings.CHANNEL_SIMULATOR_URL) or settings.CHANNEL_ALLOW_PRIVATE_URLS
    try:
        return public_url_check(url, attr="base_url", allow_private=allow)
    except URLRefused as exc:
        raise ChannelURLRefused(exc.detail) from exc

"""Which base URLs a channel may be pointed at: none that reaches into our own network."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

from core.errors import InvalidInput


class ChannelURLRefused(InvalidInput):
    """A base URL that points at a private, loopback, link-local or reserved address."""

    code = "unsafe_url"

    def __init__(self, detail: str):
        super().__init__(detail, attr="base_url", fields={"base_url": [("unsafe_url", detail)]})


def _same_origin(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.scheme, pa.hostname, pa.port) == (pb.scheme, pb.hostname, pb.port)


def base_url_check(url: str) -> str:
    """The URL if a channel may be pointed at it; ChannelURLRefused (a 400 on `base_url`) if not.

    Refuses hosts that are or resolve to private, loopback, link-local, multicast or reserved
    addresses (cloud metadata at 169.254.169.254 among them), unless the URL is the configured
    simulator or CHANNEL_ALLOW_PRIVATE_URLS is on.
    """
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ChannelURLRefused(f"'{url}' is not an http(s) URL with a host.")
    if parts.username or parts.password:
        raise ChannelURLRefused("A channel URL may not carry credentials; they come from the environment.")
    if _same_origin(url, settings.CHANNEL_SIMULATOR_URL) or settings.CHANNEL_ALLOW_PRIVATE_URLS:
        return url
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except socket.gaierror as exc:
        raise ChannelURLRefused(f"The host '{parts.hostname}' does not resolve.") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if (
            address.is_private
            or address.is_loopback
            or address.is_link_local
            or address.is_reserved
            or address.is_multicast
            or address.is_unspecified
        ):
            raise ChannelURLRefused(
                f"'{parts.hostname}' resolves to {address}, a private, loopback, link-local or reserved address."
            )
    return url

"""Which outside URLs the platform may call (channel base URLs, webhook endpoints): none that
reaches into our own network. Checked when the URL is saved and again before each call, after
DNS resolution; the callers never follow redirects, which could lead where no check looked."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

from core.errors import InvalidInput


class URLRefused(InvalidInput):
    """A URL that is not http(s), carries credentials, or points at a private, loopback,
    link-local or reserved address."""

    code = "unsafe_url"

    def __init__(self, detail: str, *, attr: str = "url"):
        super().__init__(detail, attr=attr, fields={attr: [("unsafe_url", detail)]})


def public_url_check(url: str, *, attr: str = "url", allow_private: bool | None = None) -> str:
    """The URL if it reaches only public addresses; URLRefused (a 400 on `attr`) if not.
    `allow_private` defaults to CHANNEL_ALLOW_PRIVATE_URLS (tests and local set-ups on loopback)."""
    if allow_private is None:
        allow_private = settings.CHANNEL_ALLOW_PRIVATE_URLS
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise URLRefused(f"'{url}' is not an http(s) URL with a host.", attr=attr)
    if parts.username or parts.password:
        raise URLRefused("The URL may not carry credentials.", attr=attr)
    if allow_private:
        return url
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except socket.gaierror as exc:
        raise URLRefused(f"The host '{parts.hostname}' does not resolve.", attr=attr) from exc
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
            raise URLRefused(
                f"'{parts.hostname}' resolves to {address}, a private, loopback, link-local or reserved address.",
                attr=attr,
            )
    return url

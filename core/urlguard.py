"""Which outside URLs the platform may call (channel base URLs, webhook endpoints): none that
reaches into our own network. Checked when the URL is saved and again before each call, after
DNS resolution; the callers never follow redirects, which could lead where no check looked.

A webhook delivery connects to the very address the check approved (`pinned_request`): were the
HTTP client to resolve the name again, a host whose DNS answer changes between the check and the
connect (DNS rebinding) could still reach a private address."""

import ipaddress
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter

from core.errors import InvalidInput


class URLRefused(InvalidInput):
    """A URL that is not http(s), carries credentials, or points at a private, loopback,
    link-local or reserved address."""

    code = "unsafe_url"

    def __init__(self, detail: str, *, attr: str = "url"):
        super().__init__(detail, attr=attr, fields={attr: [("unsafe_url", detail)]})


def _url_parts(url: str, attr: str):
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise URLRefused(f"'{url}' is not an http(s) URL with a host.", attr=attr)
    if parts.username or parts.password:
        raise URLRefused("The URL may not carry credentials.", attr=attr)
    return parts


def public_address_resolve(url: str, *, attr: str = "url") -> str:
    """The address to connect to for the URL's host, after checking every address the name
    resolves to; URLRefused (a 400 on `attr`) if the URL is unsafe."""
    parts = _url_parts(url, attr)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        raise URLRefused(f"The host '{parts.hostname}' does not resolve.", attr=attr) from exc
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    for address in addresses:
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
    return str(addresses[0])


def public_url_check(url: str, *, attr: str = "url", allow_private: bool | None = None) -> str:
    """The URL if it reaches only public addresses; URLRefused (a 400 on `attr`) if not."""
    if allow_private is None:
        allow_private = settings.CHANNEL_ALLOW_PRIVATE_URLS
    if allow_private:  # no lookup: a channel saved while its host is down is still saved
        _url_parts(url, attr)
    else:
        public_address_resolve(url, attr=attr)
    return url


class PinnedHostAdapter(HTTPAdapter):
    """For a request sent to an IP address in place of `hostname`: TLS still sends `hostname` as
    SNI and verifies the certificate against it (urllib3's server_hostname and assert_hostname)."""

    def __init__(self, *, hostname: str):
        self.hostname = hostname
        super().__init__()

    def init_poolmanager(self, connections, maxsize, block=False, **pool_kwargs):
        pool_kwargs.update(server_hostname=self.hostname, assert_hostname=self.hostname)
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)


@contextmanager
def pinned_request(
    method: str, url: str, *, timeout: tuple[float, float], attr: str = "url", **kwargs
) -> Iterator[requests.Response]:
    """`requests.request` against the address the guard approved: the URL's host is checked,
    the connection goes to the checked address, and the Host header and SNI keep the name.
    Proxies from the environment are ignored: a proxy would resolve the name again. Where
    CHANNEL_ALLOW_PRIVATE_URLS lets every address through, nothing needs pinning: a plain request."""
    if settings.CHANNEL_ALLOW_PRIVATE_URLS:
        _url_parts(url, attr)
        with requests.request(method, url, timeout=timeout, **kwargs) as response:
            yield response
        return
    address = public_address_resolve(url, attr=attr)
    parts = urlsplit(url)
    host = f"[{address}]" if ":" in address else address
    netloc = f"{host}:{parts.port}" if parts.port else host
    headers = {**kwargs.pop("headers", {}), "Host": parts.netloc}
    with requests.Session() as session:
        session.trust_env = False
        session.mount(f"{parts.scheme}://", PinnedHostAdapter(hostname=parts.hostname))
        pinned_url = urlunsplit(parts._replace(netloc=netloc))
        with session.request(method, pinned_url, headers=headers, timeout=timeout, **kwargs) as response:
            yield response

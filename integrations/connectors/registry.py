"""Which connector speaks for which channel, and how to get one ready to call."""

from __future__ import annotations

from integrations.connectors.amazon import AmazonConnector
from integrations.connectors.base import ChannelConfig, Connector
from integrations.connectors.buykorea import BuyKoreaConnector
from integrations.connectors.ebay import EbayConnector
from integrations.connectors.kmall24 import Kmall24Connector
from integrations.connectors.tmall import TmallConnector

CONNECTORS: dict[str, type[Connector]] = {
    "kmall24": Kmall24Connector,
    "buykorea": BuyKoreaConnector,
    "amazon": AmazonConnector,
    "ebay": EbayConnector,
    "tmall": TmallConnector,
}


def connector_class(code: str) -> type[Connector]:
    try:
        return CONNECTORS[code]
    except KeyError:
        raise KeyError(f"No connector for channel '{code}'; known: {', '.join(sorted(CONNECTORS))}.") from None


def connector_for(config: ChannelConfig, client=None, *, rates=None, **client_overrides) -> Connector:
    """The channel's connector with a ChannelClient built from settings (CHANNEL_LIMITS), unless given.

    `rates` is a core.selectors.RateTable; without it the connector loads today's on first use.
    `client_overrides` adjust the client's limits (timeouts, attempts, breaker) for this use.
    """
    from integrations.http.client import client_for

    cls = connector_class(config.connector)
    if client is None:
        client = client_for(
            config,
            headers=cls.auth_headers(config.credentials),
            idempotency_header=cls.idempotency_header,
            **client_overrides,
        )
    return cls(config, client, rates=rates)


def channel_rules() -> dict[str, dict]:
    """Every channel's rules, for `GET channels/`."""
    return {code: cls.rules() for code, cls in CONNECTORS.items()}

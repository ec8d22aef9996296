"""The channel simulator as a real subprocess on a free loopback port, and ListingData samples.

`channel_simulator` (function scope) hands out one simulator process per test session (per xdist
worker), reset before each test:
    sim.url                                  base URL, e.g. http://127.0.0.1:43121
    sim.control(channel=None, **faults)      set faults (error_rate, rate_limit_rate, timeout_rate, reset_rate,
                                             lost_response_rate, latency_ms, timeout_ms, retry_after_min/max,
                                             outage, seed, grace_ms, clear); returns the fault settings
    sim.requests(channel=None)               every recorded request (method, path, channel, headers minus
                                             secrets, body, time, fault, status, early, early_by)
    sim.reset(seed=0)                        forget listings, orders, requests, faults
    sim.listings(channel)                    listings held by the channel (sku, id, status, creates, updates, data)
    sim.records(channel)                     {"inventory": [...], "tracking": [...]} received
    sim.create_orders(channel, skus, quantities=None, **extra)   an order placed on the channel
    sim.config(code, **overrides)            a ChannelConfig pointing at the simulator
    sim.connector(code, rates=None, config=None, **client_overrides)   a connector with a real ChannelClient
`listing_sample(**overrides)` builds a ListingData every channel accepts (given a category mapping).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from integrations.connectors.base import ChannelConfig, CompanyProfile, ListingData, VariantData

ROOT = Path(__file__).resolve().parents[2]

# Our category path -> each channel's category id, as an operator maps them.
CATEGORY_MAPPING = {"home/tableware": {"ebay": "20625", "tmall": "50008163", "amazon": "KITCHEN"}}


def fixed_rates():
    """Today's fixed exchange rates (core.rates.FixedRateProvider) as a RateTable, without the database."""
    from core.rates import FixedRateProvider
    from core.selectors import RateTable

    return RateTable(on=date.today(), rates={("USD", c): r for c, r in FixedRateProvider().fetch().items()})


def listing_sample(index: int = 1, **overrides) -> ListingData:
    """A complete B2C-and-B2B listing (ceramic tableware from Korea) that passes every channel's rules."""
    reference = overrides.pop("reference", f"celadon-bowl-{index:05d}")
    values = {
        "product_id": index,
        "reference": reference,
        "content_hash": f"{index:016x}" + "ab" * 24,
        "mode": "both",
        "category_path": "home/tableware",
        "hs_code": "691200",
        "origin_country": "KR",
        "material": "porcelain",
        "attributes": {"colour": "jade", "shelf_life_days": ""},
        "titles": {
            "ko": f"청자 사발 {index}",
            "en": f"Celadon bowl {index}",
            "zh-hans": f"青瓷碗 {index}",
            "ja": f"青磁の碗 {index}",
        },
        "descriptions": {
            "ko": "손으로 빚은 청자 사발.",
            "en": "A hand-thrown celadon bowl.",
            "zh-hans": "手工拉坯的青瓷碗。",
            "ja": "手びねりの青磁の碗。",
        },
        "image_urls": (f"https://cdn.example.com/{reference}/1.jpg", f"https://cdn.example.com/{reference}/2.jpg"),
        "base_currency": "USD",
        "retail_price": Decimal("24.50"),
        "prices": {},
        "moq": 50,
        "order_multiple": 10,
        "lead_time_days": 21,
        "incoterms": ("FOB", "DAP"),
        "tiers": ((50, Decimal("12.00")), (200, Decimal("10.50"))),
        "variants": (
            VariantData(
                sku=f"{reference}-std",
                gtin="",
                options={"size": "M"},
                weight_kg=Decimal("0.450"),
                dimensions_cm=(Decimal("15"), Decimal("15"), Decimal("7")),
                available=40,
            ),
        ),
        "company": CompanyProfile(id=7, legal_name="Hanji Ceramics Co.", country="KR", sector="manufacturing"),
        "brand": "Hanji Living",
    }
    values.update(overrides)
    return ListingData(**values)


class SimulatorHandle:
    def __init__(self, url: str):
        self.url = url
        self.http = requests.Session()

    def _call(self, method, path, **kwargs):
        response = self.http.request(method, f"{self.url}{path}", timeout=10, **kwargs)
        response.raise_for_status()
        return response.json()

    def control(self, channel: str | None = None, **faults) -> dict:
        return self._call("POST", "/_control/faults", json={"channel": channel or "", **faults})

    def requests(self, channel: str | None = None) -> list[dict]:
        return self._call("GET", "/_control/requests", params={"channel": channel or ""})["requests"]

    def reset(self, seed: int = 0) -> None:
        self._call("POST", "/_control/reset", json={"seed": seed})

    def listings(self, channel: str) -> list[dict]:
        return self._call("GET", "/_control/listings", params={"channel": channel})["listings"]

    def records(self, channel: str) -> dict:
        return self._call("GET", "/_control/records", params={"channel": channel})

    def create_orders(self, channel: str, skus: list[str], quantities: list[int] | None = None, **extra) -> dict:
        body = {"channel": channel, "skus": skus, "quantities": quantities or [], **extra}
        return self._call("POST", "/_control/orders", json=body)["order"]

    def config(self, code: str, **overrides) -> ChannelConfig:
        from django.conf import settings

        values = {
            "code": code,
            "connector": code,
            "base_url": f"{self.url}/{code}",
            "credentials": dict(settings.CHANNEL_CREDENTIALS[code]),
            "category_mapping": {path: ids[code] for path, ids in CATEGORY_MAPPING.items() if code in ids},
        }
        values.update(overrides)
        return ChannelConfig(**values)

    def connector(self, code: str, *, rates=None, config: ChannelConfig | None = None, **client_overrides):
        from integrations.connectors.registry import connector_for

        client_overrides.setdefault("backoff_base", 0.01)
        return connector_for(config or self.config(code), rates=rates or fixed_rates(), **client_overrides)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def _simulator_process():
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "integrations.simulator", "--port", str(port), "--seed", "0"],
        cwd=ROOT,
        env={**os.environ},
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            requests.get(f"{url}/_control/health", timeout=1).raise_for_status()
            break
        except requests.RequestException:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("the channel simulator did not start") from None
            time.sleep(0.1)
    yield SimulatorHandle(url)
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def channel_simulator(_simulator_process, settings):
    """The simulator subprocess, reset (no listings, no faults, seed 0) for this test, and no
    channel state (breaker, Retry-After, rate buckets) left from an earlier test."""
    from django.core.cache import cache

    from integrations.connectors.tmall import schemas_forget
    from integrations.http.state import channel_state_store

    _simulator_process.reset()
    settings.CHANNEL_SIMULATOR_URL = _simulator_process.url
    channel_state_store().clear_all()
    schemas_forget()
    cache.clear()
    return _simulator_process


@pytest.fixture
def listing():
    return listing_sample

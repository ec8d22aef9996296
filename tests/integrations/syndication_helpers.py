"""Channels pointing at the test's simulator, and products every channel can take (or not)."""

from decimal import Decimal

from integrations.models import Channel
from tests.factories import add_image, category, company_with_owner, product, published

CHANNELS = {
    "kmall24": {"name": "Kmall24", "locales": ["en", "zh", "ja"], "currency": "USD", "destination_country": "US"},
    "buykorea": {"name": "buyKOREA", "locales": ["en"], "currency": "USD", "destination_country": "US"},
    "amazon": {"name": "Amazon US", "locales": ["en"], "currency": "USD", "destination_country": "US"},
    "ebay": {"name": "eBay US", "locales": ["en"], "currency": "USD", "destination_country": "US"},
    "tmall": {"name": "Tmall Global", "locales": ["zh"], "currency": "CNY", "destination_country": "CN"},
}
MAPPING = {"home/tableware": {"ebay": "20625", "tmall": "50008163", "amazon": "KITCHEN"}}


def channel(sim, code: str = "kmall24", **overrides) -> Channel:
    values = {
        **CHANNELS[code],
        "code": code,
        "connector": code,
        "base_url": f"{sim.url}/{code}",
        "category_mapping": {path: ids[code] for path, ids in MAPPING.items() if code in ids},
        "batch_size": 10,
    }
    values.update(overrides)
    existing = Channel.objects.filter(code=code).first()
    if existing:
        Channel.objects.filter(pk=existing.pk).update(**values)
        existing.refresh_from_db()
        return existing
    return Channel.objects.create(**values)


def texts(n: int, *, locales=("ko", "en", "zh-hans", "ja")) -> dict:
    words = {"ko": "청자 사발", "en": "Celadon bowl", "zh-hans": "青瓷碗", "ja": "青磁の碗"}
    return {loc: {"title": f"{words[loc]} {n}", "description": f"{words[loc]} — {n}"} for loc in locales}


_n = iter(range(1, 10**6))


def listable(company=None, *, locales=("ko", "en", "zh-hans", "ja"), images: int = 2, **overrides):
    """A published B2C product with the content every simulated B2C channel asks for."""
    n = next(_n)
    item = product(
        company or company_with_owner(),
        category=category("home/tableware"),
        translations=texts(n, locales=locales),
        retail_price=overrides.pop("retail_price", Decimal("33810")),
        variants=[{"sku": f"CEL-{n}", "weight_kg": Decimal("0.450")}],
        hs_code=overrides.pop("hs_code", "691200"),
        **overrides,
    )
    for _ in range(images - 1):
        add_image(item)
    return published(item)


def quick_breaker_limits(settings, *, reset: float, max_attempts: int) -> None:
    """Channel limits for breaker tests: it opens after 5 failures, probes after `reset` seconds,
    and retries back off for milliseconds, not seconds."""
    settings.CHANNEL_LIMITS = {
        "default": {
            **settings.CHANNEL_LIMITS["default"],
            "breaker_threshold": 5,
            "breaker_reset_seconds": reset,
            "backoff_base": 0.01,
            "backoff_cap": 0.05,
            "max_attempts": max_attempts,
        }
    }

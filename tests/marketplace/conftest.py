from collections import Counter
from decimal import Decimal

import pytest

from logistics.demo import LogisticsDemo
from marketplace import payments
from tests.factories import product, published
from tests.marketplace.stripe_transport import FakeStripeTransport

TOKYO = {
    "name": "Sato Hanako",
    "lines": ["1-2-3 Ginza, Chuo-ku"],
    "city": "Tokyo",
    "postal_code": "104-0061",
    "country": "JP",
}
LA = {"name": "Ana Lopez", "lines": ["200 Main St"], "city": "Los Angeles", "postal_code": "90012", "country": "US"}


@pytest.fixture
def network(db):
    """The demo distribution network with its shipping rates (no stock: tests receive their own)."""
    return LogisticsDemo(Counter()).load_network()


@pytest.fixture
def eager_celery(settings):
    """Tasks queued on commit run in the test process."""
    from celery import current_app

    current_app.conf.task_always_eager = True
    yield
    current_app.conf.task_always_eager = False


@pytest.fixture
def stripe_gateway(settings, monkeypatch):
    """Stripe's SDK for real, with only its network replaced by a transport that answers like Stripe."""
    settings.STRIPE_SECRET_KEY = "sk_test_platform"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test_platform"
    transport = FakeStripeTransport()
    monkeypatch.setattr(payments, "STRIPE_HTTP_CLIENT", transport)
    return transport


def lamp(company=None, **overrides):
    texts = {
        "ko": {"title": "한지 달 무드등", "description": "닥나무 한지로 만든 무드등"},
        "en": {"title": "Hanji moon lamp", "description": "A mood lamp of mulberry paper."},
        "zh-hans": {"title": "韩纸月亮灯", "description": "手工桑皮纸制成的氛围灯"},
    }
    overrides.setdefault("retail_price", Decimal("45000"))
    return published(product(company, translations=overrides.pop("translations", texts), **overrides))

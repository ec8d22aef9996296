"""`make screenshots`: the operator dashboard and an order page with the demo data, as PNGs in
docs/screenshots/, taken in the same browser and through the same login form as the e2e tests.
Not collected by `make test` (the file name is not test_*.py)."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count

from brands.demo import OPERATOR, PASSWORD
from marketplace.models import Order
from tests.integrations.demo_checks import free_port

pytestmark = pytest.mark.django_db(transaction=True)
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def screenshot(page, path: str, name: str, *, full_page: bool = True) -> Path:
    """The page at `path` (in full, or what the window shows), once its charts (if any) are drawn."""
    page.open(path)
    for canvas in page.locator("canvas[data-chart]").all():
        canvas.wait_for()
    DOCS.mkdir(parents=True, exist_ok=True)
    target = DOCS / name
    page.screenshot(path=str(target), full_page=full_page)
    return target


def test_screenshots_of_the_demo(page, settings):
    # No simulator answers on this port, so the demo starts its own for the load.
    settings.CHANNEL_SIMULATOR_URL = f"http://127.0.0.1:{free_port()}"
    call_command("load_demo", stdout=StringIO())
    page.log_in(OPERATOR["email"], PASSWORD)
    # The paid storefront order with the most lines (Paris: two sellers).
    order = Order.objects.filter(status="paid").annotate(n=Count("lines")).order_by("-n", "pk").first()
    for target in (
        screenshot(page, "/admin/", "operator-dashboard.png", full_page=False),
        screenshot(page, f"/admin/marketplace/order/{order.pk}/change/", "order-page.png"),
    ):
        assert target.stat().st_size > 10_000
        print(f"\n{target}")

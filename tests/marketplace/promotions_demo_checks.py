"""The demo's promotions part: a live discount code a buyer can use at checkout, automatic free
shipping, and a buyer's address book. tests/test_demo.py runs these checks on its one load."""

from django.utils import timezone

from marketplace.models import BuyerAddress, Promotion
from marketplace.services.promotions import promotion_code_check, promotions_in_force

MODELS = [Promotion, BuyerAddress]


def after_first_load(first: str):
    live = promotions_in_force(now=timezone.now())
    code = live.get(code="HANJI10")
    assert code.funded_by == "brand_fund" and [b.slug for b in code.brands.all()] == ["hanji-living"]
    assert promotion_code_check(code="hanji10", buyer=None, email="someone@example.com") == code
    assert live.filter(code="", kind="free_shipping").count() == 1
    addresses = BuyerAddress.objects.filter(user__email="buyer@demo.example")
    assert sorted(addresses.values_list("label", "is_default")) == [("Home", True), ("Office", False)]
    assert "promotions: 2 created" in first
    return None


def after_second_load(second: str, state) -> None:
    assert "promotions: 0 created, 2 already there" in second

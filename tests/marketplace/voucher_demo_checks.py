"""The demo's Export Voucher services: a catalogue in all four stages, and Green Cosmetic's
approved application with a translation and an exhibition booth confirmed, each co-paid 20 %.
tests/test_demo.py runs these checks on its one load of the whole demo."""

from decimal import Decimal

from brands.models import SellerApplication
from marketplace.models import (
    PlatformMark,
    ProgrammeApplication,
    ServiceOrder,
    ServiceOrderEvent,
    ServiceProvider,
    SupportService,
)
from marketplace.settlement_selectors import programme_report

MODELS = [
    ServiceProvider,
    SupportService,
    ProgrammeApplication,
    ServiceOrder,
    ServiceOrderEvent,
    SellerApplication,
    PlatformMark,
]


def after_first_load(first: str):
    assert set(SupportService.objects.values_list("stage", flat=True)) == {
        "preparation",
        "beginning",
        "contract",
        "global_expansion",
    }
    assert ServiceProvider.objects.count() >= 5
    application = ProgrammeApplication.objects.get()
    assert application.status == "approved" and application.company.display_name("en").startswith("Green")
    orders = ServiceOrder.objects.filter(voucher=application.voucher).order_by("pk")
    assert [(o.sub_group, o.status) for o in orders] == [
        ("development_manufacturing", "confirmed"),
        ("conference_exhibition", "confirmed"),
    ]
    for order in orders:
        assert order.company_amount == order.price * Decimal("0.2")  # the first year's co-payment
    voucher = application.voucher
    assert 0 < voucher.spent < voucher.amount  # part of the voucher is spent
    report = programme_report(programme=application.programme)
    assert report["services"]["orders"] == 2
    assert {(r["stage"], r["sub_group"]) for r in report["services"]["by_stage"]} == {
        ("preparation", "development_manufacturing"),
        ("beginning", "conference_exhibition"),
    }
    # Every demo company went through seller onboarding.
    assert set(SellerApplication.objects.values_list("status", flat=True)) == {"approved"}
    assert "voucher applications: 1 created" in first
    mark = PlatformMark.objects.get()
    assert mark.status == "awarded" and mark.product.brand.name == "Hanji Living"
    assert mark.content_hash == mark.product.content_hash
    return None


def after_second_load(second: str, state) -> None:
    assert "voucher applications: 0 created, 1 already there" in second

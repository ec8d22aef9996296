"""A brand-funded discount spends the brand fund: held when the order is placed (refused when the
fund cannot cover it), drawn when it is paid, released when it is cancelled unpaid, given back as
far as a refund returns the discount. The orders are in JPY, the fund in KRW (no minor units):
10 % off 3 lamps of 14,673 JPY is 1,467 JPY, at 9.2 KRW per JPY 13,496.4, held as 13,496 KRW."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from marketplace.models import BrandFund, BrandFundEntry, Order, Promotion, PromotionRedemption
from marketplace.services.orders import orders_expire_unpaid
from tests.factories import OperatorFactory, active_brand
from tests.marketplace.test_checkout import authed, choose, complete, start, stocked_lamp
from tests.marketplace.test_promotions import pay, promo
from tests.race import run_before

pytestmark = pytest.mark.django_db
E = BrandFundEntry.Kind


def brand_lamp(network, balance="20000"):
    brand = active_brand()
    member = brand.memberships.filter(role="member").first().company
    item = stocked_lamp(network, company=member, brand=brand)
    fund = BrandFund.objects.create(brand=brand, rate=Decimal("0.02"), currency="KRW", balance=Decimal(balance))
    return item, fund


def checkout_with(code, item, email="buyer@example.com"):
    client = APIClient()
    checkout = start(client, item.variants.get().sku, quantity=3, email=email)
    response = client.patch(f"/api/v1/checkouts/{checkout['id']}/", {"discount_code": code})
    assert response.status_code == 200, response.json()
    choose(client, checkout["id"], "DAP")
    return client, checkout["id"]


def ledger(fund) -> list[tuple[str, Decimal]]:
    return [(e.kind, e.amount) for e in BrandFundEntry.objects.filter(fund=fund).order_by("pk")]


def figures(fund) -> tuple[Decimal, Decimal]:
    fund.refresh_from_db()
    return fund.balance, fund.held


def test_the_discount_is_held_at_placement_drawn_when_paid_and_given_back_when_the_paid_order_is_cancelled(network):
    item, fund = brand_lamp(network)
    promo(code="HANJI10", funded_by="brand_fund", brands=[item.brand])
    client, checkout_id = checkout_with("HANJI10", item)

    placed = complete(client, checkout_id)
    assert placed.status_code == 201, placed.json()
    assert figures(fund) == (Decimal(20000), Decimal(13496))
    assert ledger(fund) == [(E.HELD, Decimal(13496))]
    order = Order.objects.get(number=placed.json()["order"])
    assert order.discount == Decimal(1467)

    secret = placed.json()["payment"]["client_secret"]
    confirm = {"client_secret": secret, "card_number": "4242424242424242"}
    assert APIClient().post("/api/v1/payments/dummy/confirm/", confirm).status_code < 300
    assert figures(fund) == (Decimal(6504), Decimal(0))
    drawn = BrandFundEntry.objects.get(fund=fund, kind=E.DRAWN)
    assert (drawn.amount, drawn.order_amount, drawn.order_id) == (Decimal(13496), Decimal(1467), order.pk)

    cancelled = authed(OperatorFactory()).post(f"/api/v1/orders/{order.pk}/cancel/", {"reason": "Out of time"})
    assert cancelled.status_code == 200, cancelled.json()
    assert figures(fund) == (Decimal(20000), Decimal(0))
    assert ledger(fund) == [(E.HELD, Decimal(13496)), (E.DRAWN, Decimal(13496)), (E.RETURNED, Decimal(13496))]


def test_a_partial_refund_gives_back_the_discount_in_its_share_of_the_order(network):
    item, fund = brand_lamp(network)
    promo(code="HANJI10", funded_by="brand_fund", brands=[item.brand])
    client, checkout_id = checkout_with("HANJI10", item)
    order = pay(client, checkout_id)
    half = (order.total / 2).to_integral_value()

    response = authed(OperatorFactory()).post(
        f"/api/v1/orders/{order.pk}/refunds/",
        {"amount": {"amount": str(half), "currency": "JPY"}, "reason": "Goodwill"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="refund-1",
    )

    assert response.status_code == 201, response.json()
    # 1,467 JPY x half / total of the discount comes back, at the rate it was drawn: 13,496 x half / total KRW.
    back = (Decimal(13496) * half / order.total).quantize(Decimal(1))
    assert ledger(fund)[-1] == (E.RETURNED, back)
    assert figures(fund) == (Decimal(6504) + back, Decimal(0))


def test_a_fund_that_cannot_cover_the_discount_refuses_the_code_and_writes_nothing(network):
    item, fund = brand_lamp(network, balance="13495")
    promotion = promo(code="HANJI10", funded_by="brand_fund", brands=[item.brand])
    client, checkout_id = checkout_with("HANJI10", item)

    refused = complete(client, checkout_id)

    assert refused.status_code == 400, refused.json()
    error = refused.json()["errors"][0]
    assert (error["attr"], error["code"]) == ("discount_code", "fund_exhausted")
    assert not Order.objects.exists() and not PromotionRedemption.objects.exists()
    assert Promotion.objects.get(pk=promotion.pk).times_used == 0
    assert figures(fund) == (Decimal(13495), Decimal(0)) and ledger(fund) == []


def test_an_order_cancelled_unpaid_releases_what_was_held(network, settings):
    item, fund = brand_lamp(network)
    promo(code="HANJI10", funded_by="brand_fund", brands=[item.brand])
    client, checkout_id = checkout_with("HANJI10", item)
    assert complete(client, checkout_id).status_code == 201
    settings.PAYMENT_TIMEOUT_MINUTES = 0

    assert orders_expire_unpaid() == 1

    assert figures(fund) == (Decimal(20000), Decimal(0))
    assert ledger(fund) == [(E.HELD, Decimal(13496)), (E.RELEASED, Decimal(13496))]


@pytest.mark.django_db(transaction=True)
def test_two_checkouts_for_the_last_of_the_fund_get_it_once(network):
    """Two codes of the same brand fund, so the checkouts meet at the fund's row lock, not at a
    promotion's. The second starts when the first holds the fund and has written its hold: it
    waits for the lock, then finds 6,504 KRW left for a 13,496 KRW discount."""
    item, fund = brand_lamp(network)
    promo(code="HANJI10", funded_by="brand_fund", brands=[item.brand])
    promo(code="MOON10", funded_by="brand_fund", brands=[item.brand])
    first = checkout_with("HANJI10", item, email="a@example.com")
    second = checkout_with("MOON10", item, email="b@example.com")

    with run_before(BrandFundEntry.objects, "bulk_create", lambda: complete(*second, key="b")) as overlap:
        mine = complete(*first, key="a")

    assert mine.status_code == 201, mine.json()
    assert overlap.waited_for_lock and overlap.error is None
    refused = overlap.result
    assert refused.status_code == 400 and refused.json()["errors"][0]["code"] == "fund_exhausted"
    assert Order.objects.count() == 1
    assert figures(fund) == (Decimal(20000), Decimal(13496))

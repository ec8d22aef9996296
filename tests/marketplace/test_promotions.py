"""Promotions through the API: SMEs' and operators' promotions, codes at checkout, the discount
per line before duties and taxes, the customs value, stacking, usage limits under concurrency and
who funds a discount in the statements."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone
from rest_framework.test import APIClient

from logistics.models import TaxRule
from marketplace.models import Order, Promotion, PromotionRedemption
from marketplace.services.promotions import promotion_create
from marketplace.services.statements import statement_compute
from marketplace.statement_pdf import statement_pdf
from tests.factories import OperatorFactory, UserFactory, company_with_owner, owner_of
from tests.marketplace.conftest import TOKYO
from tests.marketplace.test_checkout import authed, choose, complete, start, stocked_lamp

pytestmark = pytest.mark.django_db
NOW = timezone.now


def promo(actor=None, **fields) -> Promotion:
    data = {"name": "Autumn", "kind": "percentage", "percent": Decimal("0.1000"), "starts_at": NOW() - timedelta(1)}
    return promotion_create(actor=actor or OperatorFactory(), **data | fields)


def money(amount, currency="JPY"):
    return {"amount": str(amount), "currency": currency}


def amount(value) -> Decimal:
    return Decimal(value["amount"])


def pay(client, checkout_id, key="key-1"):
    response = complete(client, checkout_id, key)
    assert response.status_code == 201, response.json()
    secret = response.json()["payment"]["client_secret"]
    confirm = {"client_secret": secret, "card_number": "4242424242424242"}
    assert APIClient().post("/api/v1/payments/dummy/confirm/", confirm).status_code < 300
    return Order.objects.get(number=response.json()["order"])


def test_smes_promote_their_own_products_and_operators_any(network):
    item = stocked_lamp(network)
    seller = item.company
    owner = authed(owner_of(seller))
    body = {"name": "Launch", "code": "lamp10", "kind": "percentage", "percent": "0.1", "starts_at": NOW()}
    created = owner.post("/api/v1/promotions/", body | {"company": seller.pk, "products": [item.pk]}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["code"] == "LAMP10" and created.json()["funded_by"] == "seller"

    other = company_with_owner()
    cases = [
        ({"company": other.pk, "code": "X-1234"}, "company"),
        ({"company": seller.pk, "code": "X-1235", "funded_by": "platform"}, "funded_by"),
        ({"company": seller.pk, "code": "LAMP10"}, "code"),
        ({"company": seller.pk, "code": "X-1236", "kind": "fixed"}, "amounts"),
        ({"company": seller.pk, "code": "X-1237", "percent": "1.5"}, "percent"),
        ({"company": seller.pk, "code": "X-1238", "ends_at": NOW() - timedelta(days=3)}, "ends_at"),
    ]
    for change, attr in cases:
        response = owner.post("/api/v1/promotions/", body | change, format="json")
        assert response.status_code == 400, (change, response.json())
        assert attr in {e["attr"] for e in response.json()["errors"]}, response.json()
    assert Promotion.objects.count() == 1

    # Another SME sees none of it: its list is empty and the promotion a 404.
    stranger = authed(owner_of(other))
    promotion_id = created.json()["id"]
    assert stranger.get("/api/v1/promotions/").json()["count"] == 0
    assert owner.get("/api/v1/promotions/?code=LAMP10&is_active=true").json()["count"] == 1
    assert owner.get("/api/v1/promotions/?kind=fixed").json()["count"] == 0
    assert owner.get("/api/v1/promotions/?kind=nonsense").status_code == 400
    assert stranger.get(f"/api/v1/promotions/{promotion_id}/").status_code == 404
    assert stranger.patch(f"/api/v1/promotions/{promotion_id}/", {"name": "x"}, format="json").status_code == 404

    operator = authed(OperatorFactory())
    platform = operator.post(
        "/api/v1/promotions/",
        body
        | {"code": "WELCOME", "kind": "fixed", "amounts": [money(500), money("3.50", "USD")]}
        | {"funded_by": "platform", "usage_limit": 100},
        format="json",
    )
    assert platform.status_code == 201, platform.json()
    assert platform.json()["amounts"] == [money(500), money("3.50", "USD")]
    changed = owner.patch(f"/api/v1/promotions/{promotion_id}/", {"usage_limit": 3}, format="json")
    assert changed.status_code == 200 and changed.json()["usage_limit"] == 3
    assert owner.delete(f"/api/v1/promotions/{promotion_id}/").status_code == 204


def test_a_code_shows_its_discount_per_line_before_duties_and_taxes_and_lowers_the_customs_value(network):
    item = stocked_lamp(network)
    promo(code="HANJI10")
    client = APIClient()
    checkout = start(client, item.variants.get().sku, quantity=3)
    plain, option = choose(client, checkout["id"], "DDP", "tyo-dc")
    response = client.patch(f"/api/v1/checkouts/{checkout['id']}/", {"discount_code": "hanji10"}, format="json")
    assert response.status_code == 200, response.json()
    body, _ = choose(client, checkout["id"], "DDP", "tyo-dc")
    line = body["lines"][0]
    # 3 x 4,891 JPY = 14,673 JPY; 10 % off is 1,467 JPY.
    assert line["unit_price"] == money(4891) and line["discount"] == money(1467) and line["total"] == money(13206)
    totals = body["totals"]
    assert totals["subtotal"] == money(14673) and totals["discount"] == money(1467)
    assert amount(totals["total"]) == amount(totals["subtotal"]) - amount(totals["discount"]) + sum(
        amount(totals[k]) for k in ("shipping", "duties", "taxes")
    )
    # Japan values goods at the price paid: the tax is levied on the discounted value.
    assert amount(totals["taxes"]) < amount(plain["totals"]["taxes"])

    order = pay(client, checkout["id"])
    assert order.discount == Decimal(1467) and order.subtotal == Decimal(14673)
    assert order.lines.get().discount == Decimal(1467) and order.lines.get().total == Decimal(13206)
    assert Promotion.objects.get().times_used == 1
    redemption = PromotionRedemption.objects.get()
    assert redemption.order == order and redemption.goods_discount == Decimal(1467)


def test_where_customs_values_at_list_price_the_discount_leaves_the_duties_alone(network):
    item = stocked_lamp(network)
    promo(code="HANJI10")
    TaxRule.objects.filter(country="JP").update(discounts_reduce_value=False)
    client = APIClient()
    checkout = start(client, item.variants.get().sku, quantity=3)
    plain, _ = choose(client, checkout["id"], "DDP", "tyo-dc")
    client.patch(f"/api/v1/checkouts/{checkout['id']}/", {"discount_code": "HANJI10"}, format="json")
    body, _ = choose(client, checkout["id"], "DDP", "tyo-dc")
    assert body["totals"]["discount"] == money(1467)
    assert body["totals"]["taxes"] == plain["totals"]["taxes"]


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"code": "OTHER1"}, "unknown_code"),
        ({"ends_at": NOW() - timedelta(hours=1), "starts_at": NOW() - timedelta(days=2)}, "expired"),
        ({"starts_at": NOW() + timedelta(days=2)}, "not_started"),
        ({"is_active": False}, "unknown_code"),
        ({"minimum_subtotal": {"JPY": "50000"}}, "not_applicable"),
        ({"minimum_subtotal": {"USD": "10.00"}}, "not_applicable"),  # no minimum in JPY: not for JPY
        ({"kind": "fixed", "amounts": {"USD": "5.00"}, "percent": None}, "not_applicable"),
    ],
)
def test_a_bad_expired_or_unusable_code_is_a_400_naming_discount_code(network, fields, problem):
    item = stocked_lamp(network)
    promo(**{"code": "HANJI10"} | fields)
    client = APIClient()
    checkout = start(client, item.variants.get().sku)
    response = client.patch(f"/api/v1/checkouts/{checkout['id']}/", {"discount_code": "HANJI10"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "discount_code"
    assert response.json()["errors"][0]["code"] == problem, response.json()
    assert client.get(f"/api/v1/checkouts/{checkout['id']}/").json()["discount_code"] == ""


def test_an_exhausted_code_is_refused_at_entry_and_at_completion(network):
    item = stocked_lamp(network)
    promotion = promo(code="ONCE", usage_limit=1)
    first, second = APIClient(), APIClient()
    a = start(first, item.variants.get().sku, email="a@example.com")
    b = start(second, item.variants.get().sku, email="b@example.com")
    for client, checkout in ((first, a), (second, b)):
        assert client.patch(f"/api/v1/checkouts/{checkout['id']}/", {"discount_code": "ONCE"}).status_code == 200
        choose(client, checkout["id"])
    pay(first, a["id"])
    refused = complete(second, b["id"])
    assert refused.status_code == 400 and refused.json()["errors"][0]["attr"] == "discount_code"
    assert Order.objects.count() == 1 and Promotion.objects.get(pk=promotion.pk).times_used == 1
    late = start(APIClient(), item.variants.get().sku, email="c@example.com")
    again = APIClient().patch(
        f"/api/v1/checkouts/{late['id']}/", {"discount_code": "ONCE"}, HTTP_X_CHECKOUT_SECRET=late["secret"]
    )
    assert again.json()["errors"][0]["code"] == "exhausted"


def test_one_use_per_buyer_is_held(network):
    item = stocked_lamp(network)
    promo(code="FIRSTBUY", usage_limit_per_buyer=1)
    buyer = UserFactory()
    client = authed(buyer)
    first = start(client, item.variants.get().sku, email=buyer.email)
    client.patch(f"/api/v1/checkouts/{first['id']}/", {"discount_code": "FIRSTBUY"})
    choose(client, first["id"])
    pay(client, first["id"])
    second = start(authed(buyer), item.variants.get().sku, email=buyer.email)
    response = authed(buyer).patch(f"/api/v1/checkouts/{second['id']}/", {"discount_code": "FIRSTBUY"})
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "used_by_buyer"


def test_stacking_the_largest_discount_per_line_and_free_shipping_on_top(network):
    cheap, dear = stocked_lamp(network), stocked_lamp(network)
    promo(name="Everything 5 %", percent=Decimal("0.05"))
    promo(name="Dear lamp 20 %", code="DEAR20", percent=Decimal("0.2"), products=[dear])
    promo(name="Ship free", kind="free_shipping", percent=None)
    client = APIClient()
    response = client.post(
        "/api/v1/checkouts/",
        {
            "lines": [
                {"sku": cheap.variants.get().sku, "quantity": 1},
                {"sku": dear.variants.get().sku, "quantity": 1},
            ],
            "currency": "JPY",
            "email": "s@example.com",
            "shipping_address": TOKYO,
            "discount_code": "DEAR20",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    checkout = response.json()
    client.credentials(HTTP_X_CHECKOUT_SECRET=checkout["secret"])
    body, option = choose(client, checkout["id"], "DAP")
    lines = {line["sku"]: line for line in body["lines"]}
    # The cheap lamp gets the automatic 5 %; the dear one the code's 20 %, never both.
    assert lines[cheap.variants.get().sku]["discount"] == money(245)
    assert lines[cheap.variants.get().sku]["promotion"] == "Everything 5 %"
    assert lines[dear.variants.get().sku]["discount"] == money(978)
    assert lines[dear.variants.get().sku]["promotion"] == "Dear lamp 20 %"
    assert amount(body["totals"]["discount"]) == 245 + 978 + amount(option["price"])
    order = pay(client, checkout["id"])
    assert order.total == order.subtotal - order.discount + order.duties + order.taxes + order.shipping
    assert PromotionRedemption.objects.count() == 3
    assert PromotionRedemption.objects.get(promotion__kind="free_shipping").shipping_discount == order.shipping


def test_who_funds_a_discount_lands_in_the_sellers_statement(network):
    seller_paid, platform_paid = stocked_lamp(network), stocked_lamp(network)
    promo(actor=owner_of(seller_paid.company), company=seller_paid.company, code="SELLER10")
    promo(code="PLATFORM10", funded_by="platform", products=[platform_paid])
    for item, code in ((seller_paid, "SELLER10"), (platform_paid, "PLATFORM10")):
        client = APIClient()
        checkout = start(client, item.variants.get().sku, quantity=3)
        assert client.patch(f"/api/v1/checkouts/{checkout['id']}/", {"discount_code": code}).status_code == 200
        choose(client, checkout["id"])
        pay(client, checkout["id"])
    period = f"{timezone.localdate():%Y-%m}"
    own = statement_compute(company=seller_paid.company, period=period)
    funded = statement_compute(company=platform_paid.company, period=period)
    # The seller's own discount is off its sales; the platform's is credited back in full.
    assert not [line for line in own.lines if line["type"] == "promotion"]
    credit = [line for line in funded.lines if line["type"] == "promotion"]
    assert [(c["funded_by"], c["original"]) for c in credit] == [("platform", money(1467))]
    assert funded.sales > own.sales
    pdf = statement_pdf(company=platform_paid.company, statement=funded.as_dict(status="draft"))
    assert pdf.startswith(b"%PDF")


@pytest.mark.django_db(transaction=True)
def test_twenty_buyers_racing_for_five_uses_get_exactly_five(network):
    """Real threads, each on its own database connection, complete at once."""
    item = stocked_lamp(network, quantity=40)
    promotion = promo(code="FIVELEFT", usage_limit=25)
    Promotion.objects.filter(pk=promotion.pk).update(times_used=20)  # five uses left
    clients = []
    for n in range(20):
        client = APIClient()
        checkout = start(client, item.variants.get().sku, email=f"racer{n}@example.com")
        assert client.patch(f"/api/v1/checkouts/{checkout['id']}/", {"discount_code": "FIVELEFT"}).status_code == 200
        choose(client, checkout["id"])
        clients.append((client, checkout["id"]))
    barrier = threading.Barrier(20)
    outcomes = []

    def buy(client, checkout_id):
        try:
            barrier.wait()
            response = complete(client, checkout_id, key=f"race-{checkout_id}")
            attr = response.json()["errors"][0]["attr"] if response.status_code == 400 else None
            outcomes.append((response.status_code, attr))
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=buy, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [(201, None)] * 5 + [(400, "discount_code")] * 15
    assert Promotion.objects.get(pk=promotion.pk).times_used == 25
    assert PromotionRedemption.objects.count() == Order.objects.count() == 5


def test_a_checkouts_reads_cost_the_same_few_queries_whatever_its_lines_and_promotions(network):
    """The checkout, the rates, the goods (with their prices, titles and category paths), the
    promotions in force and their scopes (one query for brands, categories and products); its
    shipping options add the destination's warehouses, the tax rule with its low-value scheme,
    the duty rules, the FTA preferences and the shipping rates."""
    from django.test.utils import CaptureQueriesContext

    items = [stocked_lamp(network) for _ in range(3)]
    promo(name="One lamp", products=[items[0].pk])
    promo(name="Its category", percent=Decimal("0.05"), categories=[items[1].category_id])
    promo(name="Free shipping", kind="free_shipping", percent=None)

    def reads(count: int) -> tuple[int, int]:
        client = APIClient()
        lines = [{"sku": item.variants.get().sku, "quantity": 1} for item in items[:count]]
        body = client.post(
            "/api/v1/checkouts/",
            {"lines": lines, "currency": "JPY", "email": "sato@example.jp", "shipping_address": TOKYO},
            format="json",
        ).json()
        client.credentials(HTTP_X_CHECKOUT_SECRET=body["secret"])
        with CaptureQueriesContext(connection) as detail:
            assert client.get(f"/api/v1/checkouts/{body['id']}/").status_code == 200
        with CaptureQueriesContext(connection) as options:
            assert client.get(f"/api/v1/checkouts/{body['id']}/shipping-options/").status_code == 200
        return len(detail), len(options)

    assert reads(1) == reads(3) == (5, 10)

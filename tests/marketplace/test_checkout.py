import random
import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection
from rest_framework.test import APIClient

from core.services import user_token_get_or_create
from logistics.models import Reservation, Stock, Warehouse
from marketplace.models import Checkout, Order, Payment
from tests.factories import UserFactory, product, published
from tests.logistics.helpers import assert_ledger_balanced, receive
from tests.marketplace.conftest import LA, TOKYO, lamp
from tests.marketplace.stripe_transport import signed

pytestmark = pytest.mark.django_db


def authed(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {user_token_get_or_create(user=user)}")
    return client


def start(client, sku, quantity=1, *, address=TOKYO, currency="JPY", email="buyer@example.com"):
    response = client.post(
        "/api/v1/checkouts/",
        {
            "lines": [{"sku": sku, "quantity": quantity}],
            "currency": currency,
            "email": email,
            "shipping_address": address,
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    client.credentials(**{**client._credentials, "HTTP_X_CHECKOUT_SECRET": body["secret"]})
    return body


def choose(client, checkout_id, incoterm="DDP", warehouse=None):
    options = client.get(f"/api/v1/checkouts/{checkout_id}/shipping-options/").json()
    option = next(
        o for o in options if o["incoterm"] == incoterm and (warehouse is None or o["warehouse"] == warehouse)
    )
    response = client.patch(f"/api/v1/checkouts/{checkout_id}/", {"shipping_option": option["id"]})
    assert response.status_code == 200, response.json()
    return response.json(), option


def complete(client, checkout_id, key="key-1", **extra):
    return client.post(f"/api/v1/checkouts/{checkout_id}/complete/", extra or None, HTTP_IDEMPOTENCY_KEY=key)


def stocked_lamp(network, quantity=20, warehouse="tyo-dc", **overrides):
    item = lamp(**overrides)
    receive(item.variants.get(), network["warehouses"][warehouse], quantity)
    return item


def test_totals_show_shipping_duties_and_taxes_apart_in_the_checkout_currency(network):
    item = stocked_lamp(network)
    client = APIClient()
    checkout = start(client, item.variants.get().sku, quantity=3)
    # 3 x 45,000 KRW at 1,380 KRW and 150 JPY per USD: 4,891 JPY each.
    assert checkout["totals"]["subtotal"] == {"amount": "14673", "currency": "JPY"}
    options = client.get(f"/api/v1/checkouts/{checkout['id']}/shipping-options/").json()
    assert {o["incoterm"] for o in options} == {"DAP", "DDP"}
    assert options[0]["warehouse"] == "tyo-dc"  # the DC of the buyer's zone first
    body, option = choose(client, checkout["id"], "DDP", "tyo-dc")
    totals = body["totals"]
    # Above Japan's 10,000 JPY threshold: consumption tax is due and prepaid under DDP.
    assert Decimal(totals["taxes"]["amount"]) > 0
    assert totals["shipping"] == option["price"]
    assert Decimal(totals["total"]["amount"]) == sum(
        Decimal(totals[k]["amount"]) for k in ("subtotal", "shipping", "duties", "taxes")
    )
    assert all(totals[k]["currency"] == "JPY" and "." not in totals[k]["amount"] for k in totals)
    dap, _ = choose(client, checkout["id"], "DAP", "tyo-dc")
    assert dap["totals"]["duties"]["amount"] == dap["totals"]["taxes"]["amount"] == "0"


def test_a_checkout_is_seen_only_by_its_owner(network):
    item = stocked_lamp(network)
    owner_client = authed(UserFactory())
    checkout = start(owner_client, item.variants.get().sku)
    assert owner_client.get(f"/api/v1/checkouts/{checkout['id']}/").status_code == 200
    stranger = APIClient()
    assert stranger.get(f"/api/v1/checkouts/{checkout['id']}/").status_code == 404
    stranger.credentials(HTTP_X_CHECKOUT_SECRET="guess")
    assert stranger.get(f"/api/v1/checkouts/{checkout['id']}/").status_code == 404
    assert stranger.patch(f"/api/v1/checkouts/{checkout['id']}/", {"email": "x@example.com"}).status_code == 404


@pytest.mark.parametrize(
    ("change", "attr"),
    [
        ({"lines": [{"sku": "NOPE-1", "quantity": 1}]}, "lines.0.sku"),
        ({"lines": [{"sku": "SKU", "quantity": 0}]}, "lines.0.quantity"),
        ({"lines": []}, "lines"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "TOP"}, "currency"),  # ISO 4217, but no exchange rate
        ({"shipping_address": {**TOKYO, "postal_code": "1234"}}, "shipping_address.postal_code"),
        ({"shipping_address": {**TOKYO, "country": "ZZ"}}, "shipping_address.country"),
        ({"shipping_address": {k: v for k, v in TOKYO.items() if k != "country"}}, "shipping_address.country"),
        ({"email": "not-an-email"}, "email"),
        ({"total": "1"}, "total"),
    ],
)
def test_bad_checkout_input_is_a_4xx_naming_the_field_and_writes_nothing(network, change, attr):
    item = stocked_lamp(network)
    body = {
        "lines": [{"sku": item.variants.get().sku, "quantity": 1}],
        "currency": "JPY",
        "email": "b@example.com",
        "shipping_address": TOKYO,
        **change,
    }
    body["lines"] = [
        {**line, "sku": item.variants.get().sku if line.get("sku") == "SKU" else line["sku"]} for line in body["lines"]
    ]
    response = APIClient().post("/api/v1/checkouts/", body)
    assert 400 <= response.status_code < 500, response.json()
    if attr:
        assert any(e["attr"].startswith(attr) for e in response.json()["errors"])
    assert not Checkout.objects.exists()


def test_b2b_only_and_restricted_goods_are_refused_with_the_reason(network):
    b2b = published(
        product(
            mode="b2b", moq=10, retail_price=None, price_tiers=[{"min_quantity": 10, "unit_price": Decimal("9000")}]
        )
    )
    response = APIClient().post(
        "/api/v1/checkouts/",
        {
            "lines": [{"sku": b2b.variants.get().sku, "quantity": 1}],
            "currency": "USD",
            "email": "b@example.com",
            "shipping_address": LA,
        },
    )
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "not_sold_retail"
    cream = lamp(hs_code="330499")
    response = APIClient().post(
        "/api/v1/checkouts/",
        {
            "lines": [{"sku": cream.variants.get().sku, "quantity": 1}],
            "currency": "CNY",
            "email": "b@example.com",
            "shipping_address": {
                "name": "Li Wei",
                "lines": ["1 Nanjing Rd"],
                "city": "Shanghai",
                "postal_code": "200001",
                "country": "CN",
            },
        },
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "restricted_goods"
    assert "NMPA" in response.json()["errors"][0]["detail"]


def test_complete_creates_one_order_a_reservation_and_a_payment_and_repeats_answer_the_same(network):
    item = stocked_lamp(network, quantity=10)
    client = APIClient()
    checkout = start(client, item.variants.get().sku, quantity=2)
    assert client.post(f"/api/v1/checkouts/{checkout['id']}/complete/").status_code == 400  # no key
    assert complete(client, checkout["id"]).status_code == 400  # no shipping option yet
    choose(client, checkout["id"])
    first = complete(client, checkout["id"], key="k-2")
    assert first.status_code == 201, first.json()
    again = complete(client, checkout["id"], key="k-2")
    assert again.json() == first.json()
    assert complete(client, checkout["id"], key="k-2", note="different").status_code == 409
    order = Order.objects.get()
    assert order.number == first.json()["order"] and order.status == "pending"
    assert first.json()["payment"]["client_secret"] == order.payments.get().client_secret
    assert Reservation.objects.get(reference=f"order:{order.pk}").status == "active"
    assert Stock.objects.get(variant=item.variants.get()).reserved == 2
    assert order.lines.get().seller == item.company
    assert client.patch(f"/api/v1/checkouts/{checkout['id']}/", {"email": "x@example.com"}).status_code == 409
    assert_ledger_balanced()


@pytest.mark.parametrize(
    ("card", "payment_status", "order_status", "reserved"),
    [
        ("4242424242424242", "succeeded", "paid", 1),
        ("4000000000000002", "failed", "cancelled", 0),
        ("4000002500003155", "requires_action", "pending", 1),
    ],
)
def test_the_dummy_gateway_pays_by_test_card(
    network, eager_celery, django_capture_on_commit_callbacks, card, payment_status, order_status, reserved
):
    item = stocked_lamp(network)
    client = APIClient()
    checkout = start(client, item.variants.get().sku)
    choose(client, checkout["id"])
    secret = complete(client, checkout["id"]).json()["payment"]["client_secret"]
    with django_capture_on_commit_callbacks(execute=True):
        paid = APIClient().post("/api/v1/payments/dummy/confirm/", {"client_secret": secret, "card_number": card})
    assert paid.json()["status"] == payment_status
    order = Order.objects.get()
    assert order.status == order_status
    assert Stock.objects.get(variant=item.variants.get()).reserved == reserved
    if order_status == "paid":
        # The paid order asked logistics to ship it from the Tokyo DC.
        assert order.events.filter(kind="fulfilment_requested").exists()
    assert_ledger_balanced()


def _checkouts(network, count, stock):
    item = stocked_lamp(network, quantity=stock)
    made = []
    for i in range(count):
        client = APIClient()
        checkout = start(client, item.variants.get().sku, email=f"b{i}@example.com")
        choose(client, checkout["id"], "DAP")
        made.append((client, checkout["id"]))
    return item, made


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("seed", [7, 8])
def test_twenty_buyers_race_for_the_last_five_units(network, seed):
    item, made = _checkouts(network, 20, stock=5)
    random.Random(seed).shuffle(made)
    statuses = []
    barrier = threading.Barrier(len(made))

    def buy(client, checkout_id):
        try:
            barrier.wait()
            statuses.append(complete(client, checkout_id, key=f"race-{checkout_id}").status_code)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=buy, args=pair) for pair in made]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] * 5 + [409] * 15
    stock = Stock.objects.get(variant=item.variants.get())
    assert (stock.on_hand, stock.reserved) == (5, 5)
    assert Order.objects.count() == 5
    assert_ledger_balanced()


@pytest.mark.django_db(transaction=True)
def test_the_same_idempotency_key_ten_times_at_once_makes_one_order_and_one_intent(network, stripe_gateway):
    item = stocked_lamp(network)
    client = APIClient()
    checkout = start(client, item.variants.get().sku)
    choose(client, checkout["id"])
    secret = client._credentials["HTTP_X_CHECKOUT_SECRET"]
    answers = []
    barrier = threading.Barrier(10)

    def send():
        try:
            mine = APIClient()
            mine.credentials(HTTP_X_CHECKOUT_SECRET=secret)
            barrier.wait()
            answers.append(complete(mine, checkout["id"], key="same-key"))
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["order"] for a in answers}) == 1
    assert Order.objects.count() == 1 and Payment.objects.count() == 1
    intents = stripe_gateway.intents_created()
    total = Payment.objects.get().amount
    assert len(intents) == 1 and intents[0]["idempotency_key"] == f"checkout:{checkout['id']}:intent:{total:.0f}JPY"


def _stripe_order(network, stripe_gateway):
    item = stocked_lamp(network)
    client = APIClient()
    checkout = start(client, item.variants.get().sku)
    choose(client, checkout["id"])
    complete(client, checkout["id"])
    return Order.objects.get(), item


def _event(payment, kind, event_id, received=None):
    return {
        "id": event_id,
        "type": f"payment_intent.{kind}",
        "data": {
            "object": {
                "id": payment.intent_id,
                "currency": payment.currency.lower(),
                "amount_received": received if received is not None else 0,
            }
        },
    }


def _post(payload, secret="whsec_test_platform", timestamp=None, tamper=False):  # noqa: S107 - a test secret
    body, header = signed(payload, secret, timestamp)
    if tamper:
        body = body.replace(b"succeeded", b"succeedeD")
    return APIClient().generic(
        "POST", "/api/v1/payments/stripe/webhook/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )


def test_stripe_webhooks_act_once_and_in_any_order_end_the_same(network, stripe_gateway, settings):
    order, _ = _stripe_order(network, stripe_gateway)
    payment = order.payments.get()
    amount = int(payment.amount)  # JPY has no minor units
    events = [_event(payment, "payment_failed", "evt_1"), _event(payment, "succeeded", "evt_2", amount)]
    for payload in events + events + list(reversed(events)):
        assert _post(payload).status_code == 200
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, payment.status, payment.captured_amount) == ("paid", "succeeded", payment.amount)
    assert order.events.filter(kind="paid").count() == 1
    assert Reservation.objects.filter(reference=f"order:{order.pk}", status="active").count() == 1


@pytest.mark.parametrize("problem", ["tampered", "wrong_secret", "stale", "unsigned"])
def test_bad_webhook_signatures_are_400_and_change_nothing(network, stripe_gateway, problem):
    import time

    order, _ = _stripe_order(network, stripe_gateway)
    payment = order.payments.get()
    payload = _event(payment, "succeeded", "evt_bad", int(payment.amount))
    if problem == "unsigned":
        response = APIClient().post("/api/v1/payments/stripe/webhook/", payload)
    else:
        response = _post(
            payload,
            secret="whsec_wrong" if problem == "wrong_secret" else "whsec_test_platform",
            timestamp=int(time.time()) - 400 if problem == "stale" else None,
            tamper=problem == "tampered",
        )
    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == "pending"


def test_refunds_never_exceed_what_was_captured(network, eager_celery, django_capture_on_commit_callbacks):
    from tests.factories import OperatorFactory

    item = stocked_lamp(network)
    client = APIClient()
    checkout = start(client, item.variants.get().sku)
    choose(client, checkout["id"])
    secret = complete(client, checkout["id"]).json()["payment"]["client_secret"]
    APIClient().post("/api/v1/payments/dummy/confirm/", {"client_secret": secret, "card_number": "4242424242424242"})
    order = Order.objects.get()
    staff = authed(OperatorFactory())
    half = Decimal(order.total) / 2
    with django_capture_on_commit_callbacks(execute=True):
        first = staff.post(
            f"/api/v1/orders/{order.pk}/refunds/",
            {"amount": {"amount": str(int(half)), "currency": "JPY"}, "reason": "Late delivery"},
        )
    assert first.status_code == 201, first.json()
    too_much = staff.post(
        f"/api/v1/orders/{order.pk}/refunds/",
        {"amount": {"amount": str(int(order.total)), "currency": "JPY"}, "reason": "again"},
    )
    assert too_much.status_code == 409
    payment = order.payments.get()
    assert payment.refunded_amount <= payment.captured_amount
    assert order.refunds.get().status == "executed"


def test_buyers_see_their_orders_sellers_only_their_lines(network, api, operator):
    first, second = stocked_lamp(network), stocked_lamp(network)
    buyer = UserFactory()
    client = authed(buyer)
    response = client.post(
        "/api/v1/checkouts/",
        {
            "lines": [
                {"sku": first.variants.get().sku, "quantity": 1},
                {"sku": second.variants.get().sku, "quantity": 1},
            ],
            "currency": "JPY",
            "email": buyer.email,
            "shipping_address": TOKYO,
        },
    )
    checkout_id = response.json()["id"]
    choose(client, checkout_id)
    complete(client, checkout_id)
    order = Order.objects.get()
    assert [o["id"] for o in client.get("/api/v1/orders/").json()["results"]] == [order.pk]
    assert authed(UserFactory()).get(f"/api/v1/orders/{order.pk}/").status_code == 404
    from tests.factories import owner_of

    seller = api.as_user(owner_of(first.company)).get("/api/v1/seller/orders/").json()["results"]
    assert [[line["sku"] for line in o["lines"]] for o in seller] == [[first.variants.get().sku]]


def test_cancelling_a_pending_order_releases_its_stock(network, api):
    item = stocked_lamp(network)
    buyer = UserFactory()
    client = api.as_user(buyer)
    checkout = start(client, item.variants.get().sku, email=buyer.email)
    choose(client, checkout["id"])
    complete(client, checkout["id"])
    order = Order.objects.get()
    response = client.post(f"/api/v1/orders/{order.pk}/cancel/", {"reason": "Ordered twice"})
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert Stock.objects.get(variant=item.variants.get()).reserved == 0
    assert client.post(f"/api/v1/orders/{order.pk}/cancel/").status_code == 409
    assert_ledger_balanced()


def test_unpaid_orders_expire_and_give_their_stock_back(network):
    from datetime import timedelta

    from django.utils import timezone

    from marketplace.services.orders import orders_expire_unpaid

    item = stocked_lamp(network)
    client = APIClient()
    checkout = start(client, item.variants.get().sku)
    choose(client, checkout["id"])
    complete(client, checkout["id"])
    assert orders_expire_unpaid() == 0
    assert orders_expire_unpaid(now=timezone.now() + timedelta(hours=1)) == 1
    assert Order.objects.get().status == "cancelled"
    assert Stock.objects.get(variant=item.variants.get()).reserved == 0


def test_warehouses_fixture_is_the_demo_network(network):
    assert Warehouse.objects.filter(kind="overseas_dc").count() == 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_refunds_never_pass_what_was_captured(network):
    from core.errors import Conflict
    from core.money import Money
    from marketplace.services.refunds import refund_grant
    from tests.factories import OperatorFactory

    item = stocked_lamp(network)
    client = APIClient()
    checkout = start(client, item.variants.get().sku, quantity=3)
    choose(client, checkout["id"])
    secret = complete(client, checkout["id"]).json()["payment"]["client_secret"]
    APIClient().post("/api/v1/payments/dummy/confirm/", {"client_secret": secret, "card_number": "4242424242424242"})
    order = Order.objects.get()
    share = Money((order.total * Decimal("0.3")).quantize(Decimal(1)), "JPY")
    operator = OperatorFactory()
    outcomes = []
    barrier = threading.Barrier(10)

    def grant():
        try:
            barrier.wait()
            refund_grant(order=Order.objects.get(pk=order.pk), amount=share, reason="goodwill", actor=operator)
            outcomes.append("granted")
        except Conflict:
            outcomes.append("refused")
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=grant) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("granted") == 3 and outcomes.count("refused") == 7
    payment = Payment.objects.get(order=order)
    assert payment.refunded_amount == 3 * share.amount <= payment.captured_amount
    assert sum(r.amount for r in order.refunds.all()) == payment.refunded_amount


# Statements of a completion through the API: the checkout, the idempotency key (one upsert), the
# rates, the goods (one query with their prices and titles), the tax and duty rules, the FTA
# preferences the goods' origin qualifications earn (one query), the destination's warehouses and
# shipping rates, the checkout locked, the order with its lines, payment, event and outbox event
# (docs/events.md) in five inserts, the stock rows locked, the reservation, then its rows, ledger
# and lines in one statement, the two updates (checkout, idempotency key) and the promotions in
# force (one query; none apply here); 23 with the savepoint pair that stands for the request's
# transaction here. Flat in the number of lines.
COMPLETION_STATEMENTS = 23


def _completion_statements(network, lines: int) -> int:
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    items = [stocked_lamp(network) for _ in range(lines)]
    client = APIClient()
    body = client.post(
        "/api/v1/checkouts/",
        {
            "lines": [{"sku": item.variants.get().sku, "quantity": 1} for item in items],
            "currency": "JPY",
            "email": "sato@example.jp",
            "shipping_address": TOKYO,
        },
        format="json",
    ).json()
    client.credentials(HTTP_X_CHECKOUT_SECRET=body["secret"])
    choose(client, body["id"])
    with CaptureQueriesContext(db) as captured:
        assert complete(client, body["id"]).status_code == 201
    return len(captured)


def test_a_completion_costs_the_same_few_statements_whatever_the_number_of_lines(network):
    one, three = _completion_statements(network, 1), _completion_statements(network, 3)
    assert one <= COMPLETION_STATEMENTS, one
    assert three == one, (one, three)

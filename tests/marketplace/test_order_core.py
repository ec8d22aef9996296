"""The order core: every source places through order_place, every payment path ends in
order_mark_paid (commission charged there, once), the order aggregate's one lock order holds under
overlapping transactions, a stalled gateway holds no stock, and lost tasks are swept up."""

import threading
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from celery import current_app
from django.db import close_old_connections, connection
from django.utils import timezone
from rest_framework.test import APIClient

from core.errors import Conflict, WrongState
from core.money import Money
from core.selectors import exchange_rates_get
from logistics.models import Fulfilment, Reservation, Stock
from marketplace import payments
from marketplace.models import RFQ, Fee, Order, Payment, Quote, Refund
from marketplace.payments import DummyGateway, GatewayEvent
from marketplace.services.channel_orders import ImportedLine, order_import_from_channel
from marketplace.services.order_fulfilment import orders_fulfilment_sweep
from marketplace.services.orders import order_cancel
from marketplace.services.payment_events import payment_event_apply
from marketplace.services.refunds import refund_grant, refunds_execute_sweep
from marketplace.services.trade import rfqs_expire
from marketplace.services.trade_orders import quote_accept
from tests.factories import OperatorFactory, owner_of
from tests.marketplace.conftest import LA
from tests.marketplace.settlement_helpers import paid_order
from tests.marketplace.test_checkout import choose, complete, start, stocked_lamp
from tests.marketplace.test_trade import accept, stocked
from tests.marketplace.trade_helpers import TOKYO_OFFICE, b2b_product, quote, rfq
from tests.race import run_before

TEST_CARD = "4242424242424242"


def card_order(network, quantity=1, **lamp):
    """A storefront order to Tokyo, completed and waiting for its card payment (dummy gateway)."""
    item = stocked_lamp(network, **lamp)
    client = APIClient()
    checkout = start(client, item.variants.get().sku, quantity)
    choose(client, checkout["id"])
    body = complete(client, checkout["id"]).json()
    return Order.objects.get(pk=body["order_id"]), body["payment"]["client_secret"]


def pay_by_card(client_secret: str):
    response = APIClient().post(
        "/api/v1/payments/dummy/confirm/", {"client_secret": client_secret, "card_number": TEST_CARD}
    )
    assert response.status_code == 200, response.content
    return response


def succeeded(payment: Payment, event_id: str = "evt_ok") -> GatewayEvent:
    return GatewayEvent(
        id=event_id,
        type="payment_intent.succeeded",
        intent_id=payment.intent_id,
        amount_received=payment.amount,
        payload={},
    )


def commission_of(api, order: Order) -> list[dict]:
    line = order.lines.get()
    api.as_user(owner_of(line.seller))
    response = api.get(f"/api/v1/companies/{line.seller_id}/fees/?kind=commission")
    assert response.status_code == 200, response.json()
    return [fee for fee in response.json()["results"] if fee["cause_id"] == line.pk]


# --- one way in, one way to paid -------------------------------------------------------------


@pytest.mark.django_db
def test_a_card_order_paid_through_the_dummy_gateway_is_charged_commission_once(api, network):
    order, secret = card_order(network)
    pay_by_card(secret)
    pay_by_card(secret)  # a second confirmation is a second event for the same success
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and order.events.filter(kind="paid").count() == 1
    [fee] = commission_of(api, order)
    assert Decimal(fee["amount"]["amount"]) > 0


@pytest.mark.django_db
@pytest.mark.parametrize("terms", ["bank_transfer", "letter_of_credit"])
def test_a_b2b_order_confirmed_as_paid_by_hand_is_charged_commission_at_once(api, network, terms):
    offer = rfq()
    response = accept(api, quote(offer, stocked(network, b2b_product())), offer.created_by, terms=terms)
    assert response.status_code == 201, response.json()
    order = Order.objects.get(pk=response.json()["order_id"])
    assert commission_of(api, order) == []  # nothing is owed before the money arrives
    api.as_user(OperatorFactory())
    confirmed = api.post(f"/api/v1/b2b-orders/{order.pk}/confirm-payment/", {"reference": "SWIFT 1"}, format="json")
    assert confirmed.status_code == 200, confirmed.json()
    [fee] = commission_of(api, order)
    line = order.lines.get()
    tariff = Fee.objects.get(pk=fee["id"]).rate
    assert fee["amount"] == Money(line.total * tariff.value, order.currency).as_dict()
    statement = api.get(f"/api/v1/companies/{line.seller_id}/statements/{timezone.localdate():%Y-%m}/")
    assert statement.status_code == 200, statement.json()
    commission = statement.json()["commission"]
    in_statement_currency = exchange_rates_get().convert(
        Money(Decimal(fee["amount"]["amount"]), order.currency), commission["currency"]
    )
    assert commission == in_statement_currency.as_dict()


@pytest.mark.django_db
def test_a_channel_order_is_paid_on_import_and_charged_commission(api, network):
    item = stocked_lamp(network, warehouse="lax-dc")
    variant = item.variants.get()

    def import_once_more():
        return order_import_from_channel(
            channel="kmall24",
            external_id="KM-1",
            placed_at=timezone.now(),
            currency="USD",
            email="buyer@example.com",
            shipping_address=LA,
            lines=[ImportedLine(variant.sku, 1, Decimal("32.00"))],
        )

    order, created = import_once_more()
    assert created and order.status == Order.Status.PAID and order.source == Order.Source.CHANNEL
    assert [e.kind for e in order.events.all()] == ["imported", "paid"]
    [fee] = commission_of(api, order)
    assert Decimal(fee["amount"]["amount"]) > 0
    again, created = import_once_more()
    assert again == order and not created and Fee.objects.filter(kind="commission").count() == 1


@pytest.mark.django_db
def test_a_stripe_webhook_pays_once_and_charges_commission_once(api, network, stripe_gateway):
    order, _ = card_order(network)
    payment = order.payments.get()
    for _ in range(2):
        payment_event_apply(gateway="stripe", event=succeeded(payment))
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert len(commission_of(api, order)) == 1


@pytest.mark.django_db
def test_money_paid_after_a_person_cancelled_goes_back_and_the_order_stays_cancelled(network):
    order, _ = card_order(network)
    order_cancel(order=order, actor=OperatorFactory(), reason="customer called")
    payment = order.payments.get()
    payment_event_apply(gateway="dummy", event=succeeded(payment))
    order.refresh_from_db()
    payment.refresh_from_db()
    refund = Refund.objects.get(order=order)
    assert (refund.amount, payment.refunded_amount) == (payment.captured_amount, payment.captured_amount)
    assert order.status in (Order.Status.CANCELLED, Order.Status.REFUNDED)
    assert not Reservation.objects.filter(reference=order.reservation_reference, status="active").exists()
    assert "paid_after_cancellation" in [e.kind for e in order.events.all()]


# --- the lock order under overlapping transactions -------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_webhook_arriving_while_an_operator_cancels_neither_deadlocks_nor_loses_money(network):
    order, _ = card_order(network)
    payment = order.payments.get()
    operator = OperatorFactory()
    # The cancel holds the order and is about to lock its payments when the webhook arrives.
    with run_before(
        Payment.objects, "select_for_update", lambda: payment_event_apply(gateway="dummy", event=succeeded(payment))
    ) as webhook:
        order_cancel(order=order, actor=operator, reason="out of stock at the supplier")
    assert webhook.waited_for_lock and webhook.error is None and webhook.result is True
    order.refresh_from_db()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.refunded_amount == payment.captured_amount == payment.amount  # all of it goes back
    assert Refund.objects.filter(order=order).count() == 1
    assert not Reservation.objects.filter(reference=order.reservation_reference, status="active").exists()


@pytest.mark.django_db(transaction=True)
def test_two_refunds_granted_at_once_never_pass_what_was_captured(network):
    order, secret = card_order(network)
    pay_by_card(secret)
    captured = order.payments.get().captured_amount
    most = Money(captured - 1, order.currency)

    with run_before(
        Payment.objects, "select_for_update", lambda: refund_grant(order=order, amount=most, reason="b")
    ) as second:
        refund_grant(order=order, amount=most, reason="a")
    assert second.waited_for_lock and isinstance(second.error, Conflict)
    payment = order.payments.get()
    assert payment.refunded_amount == most.amount and Refund.objects.filter(order=order).count() == 1


def _accept_now(offer, winner):
    return quote_accept(actor=offer.created_by, quote=winner, payment_terms="card", shipping_address=TOKYO_OFFICE)


def _past_award_window(offer):
    RFQ.objects.filter(pk=offer.pk).update(deadline=timezone.now() - timedelta(days=60))


@pytest.mark.django_db(transaction=True)
def test_an_accept_during_expiry_waits_and_is_refused(network):
    offer = rfq()
    winner = quote(offer, stocked(network, b2b_product()))
    _past_award_window(offer)
    # The expiry holds the RFQ and is about to lock its quotes when the buyer accepts.
    with run_before(Quote.objects, "select_for_update", lambda: _accept_now(offer, winner)) as acceptance:
        assert rfqs_expire() == 1
    assert acceptance.waited_for_lock and isinstance(acceptance.error, WrongState)
    winner.refresh_from_db()
    assert winner.status == Quote.Status.EXPIRED and not Order.objects.exists()
    assert not Reservation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_expiry_during_an_accept_waits_and_leaves_the_award(network):
    offer = rfq()
    winner = quote(offer, stocked(network, b2b_product()))
    _past_award_window(offer)
    with run_before(Quote.objects, "select_for_update", rfqs_expire) as expiry:
        order, _ = _accept_now(offer, winner)
    assert expiry.waited_for_lock and expiry.error is None and expiry.result == 0
    offer.refresh_from_db()
    winner.refresh_from_db()
    assert (offer.status, winner.status, winner.order_id) == ("awarded", "accepted", order.pk)


# --- a stalled gateway holds no stock ---------------------------------------------------------


class StallingGateway(DummyGateway):
    """The dummy gateway, except that the first intent waits until the test lets it go."""

    def __init__(self):
        self.stalled = threading.Event()
        self.release = threading.Event()
        self.first = True

    def create_intent(self, **kwargs):
        if self.first:
            self.first = False
            self.stalled.set()
            assert self.release.wait(30)
        return super().create_intent(**kwargs)


@pytest.mark.django_db(transaction=True)
def test_other_checkouts_of_the_same_sku_complete_while_the_gateway_stalls(network, monkeypatch):
    item = stocked_lamp(network, quantity=5)
    sku = item.variants.get().sku
    slow, fast = APIClient(), APIClient()
    slow_checkout, fast_checkout = start(slow, sku), start(fast, sku)
    choose(slow, slow_checkout["id"])
    choose(fast, fast_checkout["id"])
    gateway = StallingGateway()
    monkeypatch.setattr(payments, "payment_gateway", lambda: gateway)
    monkeypatch.setattr("marketplace.services.checkout.payment_gateway", lambda: gateway)
    answers = {}

    def send(name, client, checkout_id):
        try:
            answers[name] = complete(client, checkout_id, key=f"key-{name}").status_code
        finally:
            close_old_connections()
            connection.close()

    stalled = threading.Thread(target=send, args=("slow", slow, slow_checkout["id"]), daemon=True)
    stalled.start()
    assert gateway.stalled.wait(10)
    meanwhile = threading.Thread(target=send, args=("fast", fast, fast_checkout["id"]), daemon=True)
    meanwhile.start()
    meanwhile.join(10)
    finished_while_stalled = not meanwhile.is_alive()
    gateway.release.set()
    stalled.join(10)
    meanwhile.join(10)
    assert finished_while_stalled, "a checkout of the same SKU waited for another buyer's gateway call"
    assert answers == {"fast": 201, "slow": 201}
    assert Stock.objects.get(variant__sku=sku).reserved == 2


# --- retries that retry, and sweeps for lost tasks ---------------------------------------------


@pytest.mark.django_db
def test_a_fulfilment_lost_with_the_broker_is_requested_by_the_sweep_once(
    network, broker_down, django_capture_on_commit_callbacks, eager_celery
):
    current_app.conf.task_always_eager = False  # the payment's own task goes to the dead broker
    order, secret = card_order(network)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        pay_by_card(secret)  # a 200 for the buyer although the tasks could not be queued
    assert len(callbacks) == 2  # the order.paid event's dispatch (core's sweep retries it), the fulfilment
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and not Fulfilment.objects.exists()
    assert orders_fulfilment_sweep() == 0  # too soon: the task may still be on its way

    broker_down()  # the broker is back
    current_app.conf.task_always_eager = True
    later = timezone.now() + timedelta(minutes=20)
    assert orders_fulfilment_sweep(now=later) == 1
    assert Fulfilment.objects.filter(reference=order.reservation_reference).count() == 1
    assert orders_fulfilment_sweep(now=later) == 0
    assert order.events.filter(kind="fulfilment_requested").count() == 1


@pytest.mark.django_db
def test_a_refund_lost_with_the_broker_is_executed_by_the_sweep_once(
    network, broker_down, django_capture_on_commit_callbacks, eager_celery
):
    current_app.conf.task_always_eager = False
    order, secret = card_order(network)
    pay_by_card(secret)
    with django_capture_on_commit_callbacks(execute=True):
        refund = refund_grant(order=order, amount=Money(Decimal(100), order.currency), reason="goodwill")
    refund.refresh_from_db()
    assert refund.status == Refund.Status.GRANTED

    broker_down()  # the broker is back
    current_app.conf.task_always_eager = True
    later = timezone.now() + timedelta(minutes=20)
    assert refunds_execute_sweep(now=later) == 1
    refund.refresh_from_db()
    assert refund.status == Refund.Status.EXECUTED and refund.gateway_refund_id
    assert refunds_execute_sweep(now=later) == 0


@pytest.mark.django_db
def test_the_fulfilment_task_retries_when_the_database_drops_for_a_moment(network, eager_celery):
    from django.db import OperationalError

    from marketplace import tasks

    order, secret = card_order(network)
    calls = []
    real = tasks.order_request_fulfilment

    def flaky(*, order_id):
        calls.append(order_id)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(order_id=order_id)

    with (
        mock.patch.object(tasks, "order_request_fulfilment", flaky),
        mock.patch.object(tasks.order_request_fulfilment_task, "retry_backoff", False),
    ):
        pay_by_card(secret)
        result = tasks.order_request_fulfilment_task.apply(args=[order.pk])
    assert result.successful(), result.traceback
    assert len(calls) >= 2 and Fulfilment.objects.filter(reference=order.reservation_reference).exists()


@pytest.mark.django_db
def test_a_buyers_order_list_reads_shipments_in_queries_that_do_not_grow_with_the_page(api):
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    from tests.factories import company_with_owner

    buyer = OperatorFactory()  # an operator sees every order: the page is all of them
    seller = company_with_owner()
    api.as_user(buyer)

    def queries() -> int:
        with CaptureQueriesContext(db) as captured:
            assert api.get("/api/v1/orders/").status_code == 200
        return len(captured)

    paid_order(seller, total=Decimal("10.00"))
    one = queries()
    for _ in range(3):
        paid_order(seller, total=Decimal("10.00"))
    assert queries() == one


@pytest.mark.django_db
def test_a_refund_on_manual_terms_waits_for_the_operator_to_record_the_bank_transfer(
    api, network, django_capture_on_commit_callbacks
):
    from core.errors import NotPermitted
    from marketplace.services.refunds import refund_execute

    offer = rfq()
    response = accept(api, quote(offer, stocked(network, b2b_product())), offer.created_by, terms="bank_transfer")
    order = Order.objects.get(pk=response.json()["order_id"])
    operator = OperatorFactory()
    api.as_user(operator)
    assert api.post(f"/api/v1/b2b-orders/{order.pk}/confirm-payment/", {}, format="json").status_code == 200
    with django_capture_on_commit_callbacks() as callbacks:
        refund = refund_grant(order=order, amount=Money(Decimal("10.00"), order.currency), reason="short shipment")
    assert callbacks == []  # no gateway refund is queued for money that came by bank
    assert refunds_execute_sweep(now=timezone.now() + timedelta(hours=1)) == 0
    with pytest.raises(NotPermitted):
        refund_execute(refund_id=refund.pk)
    done = refund_execute(refund_id=refund.pk, actor=operator, reference="SWIFT OUT 7")
    assert (done.status, done.gateway_refund_id) == (Refund.Status.EXECUTED, "SWIFT OUT 7")
    assert order.events.filter(kind="refund_executed").count() == 1

"""The trade desk through its services and endpoints: quote rules and states, supersede, expiry,
acceptance by card and by manual terms, stock, brand quotes, notifications."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import InvalidInput, WrongState
from core.money import Money
from logistics.models import Reservation
from marketplace.models import RFQ, Order, Payment, Quote
from marketplace.services.orders import orders_expire_unpaid
from marketplace.services.trade import rfq_close, rfq_notify_sellers, rfqs_expire
from tests.factories import OperatorFactory, UserFactory, active_brand, company_with_owner, owner_of, staff
from tests.logistics.helpers import receive
from tests.marketplace.trade_helpers import TOKYO_OFFICE, b2b_product, brand_quote, buyer, quote, rfq

pytestmark = pytest.mark.django_db


def stocked(network, item, quantity=1000, warehouse="tyo-dc"):
    receive(item.variants.get(), network["warehouses"][warehouse], quantity)
    return item


def accept(api, quote_, user, terms="card", key="accept-1", address=TOKYO_OFFICE):
    api.as_user(user)
    return api.post(
        f"/api/v1/quotes/{quote_.pk}/accept/",
        {"payment_terms": terms, "shipping_address": address},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_quote_prices_from_the_tier_and_freezes_freight_duties_and_taxes(network):
    offer = rfq()
    item = b2b_product()
    q = quote(offer, item, quantity=500)
    line = q.lines.get()
    # 8,000 KRW from 500 units at 1,380 KRW per USD: 5.80 USD a unit.
    assert line.unit_price == line.list_unit_price == Decimal("5.80")
    assert line.seller_id == item.company_id
    assert q.subtotal == Decimal("2900.00")
    # 500 x 0.8 kg = 400 kg: twenty cartons of 20 kg from the Tokyo DC.
    assert q.freight["cartons"] == 20 and q.freight["warehouse"] == "tyo-dc"
    assert q.shipping > 0 and q.shipping == Decimal(q.freight["price"]["amount"])
    # DDP into Japan: the consumption tax (10%) is charged and the rules used are recorded.
    assert q.taxes > 0 and q.duty_estimate["charged"] is True
    assert q.rule_versions["tax_rule"]["country"] == "JP"
    assert q.total == q.subtotal + q.shipping + q.duties + q.taxes


def test_dap_records_duties_as_the_buyers_estimate_without_charging_them(network):
    q = quote(rfq(), b2b_product(), incoterm="DAP")
    assert q.duties == q.taxes == 0
    assert q.duty_estimate["charged"] is False and Decimal(q.duty_estimate["taxes"]["amount"]) > 0
    assert q.total == q.subtotal + q.shipping


@pytest.mark.parametrize(
    ("quantity", "code"),
    [(50, "below_moq"), (120, "not_a_multiple")],
)
def test_quantity_must_meet_the_moq_and_the_order_multiple(network, quantity, code):
    offer = rfq()
    with pytest.raises(InvalidInput) as error:
        quote(offer, b2b_product(), quantity=quantity)
    assert error.value.fields["quantity"][0][0] == code
    assert not Quote.objects.exists()


def test_a_price_other_than_the_tier_needs_a_reason(network):
    offer, item = rfq(), b2b_product()
    with pytest.raises(InvalidInput) as error:
        quote(offer, item, unit_price=Money(Decimal("5.50"), "USD"))
    assert "price_override_reason" in error.value.fields
    q = quote(offer, item, unit_price=Money(Decimal("5.50"), "USD"), price_override_reason="Volume for a new market")
    line = q.lines.get()
    assert (line.unit_price, line.list_unit_price) == (Decimal("5.50"), Decimal("5.80"))
    assert q.subtotal == Decimal("2750.00")


def test_a_new_quote_supersedes_the_companys_active_one_and_the_database_refuses_two(network):
    offer, item = rfq(), b2b_product()
    first = quote(offer, item)
    rival = quote(offer, b2b_product())
    second = quote(offer, item, quantity=600)
    first.refresh_from_db()
    rival.refresh_from_db()
    assert (first.status, second.status, rival.status) == ("superseded", "active", "active")
    assert list(offer.events.values_list("kind", flat=True)).count("quote_superseded") == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Quote.objects.filter(pk=first.pk).update(status="active")


def test_quotes_only_on_open_rfqs_before_the_deadline(network):
    offer, item = rfq(), b2b_product()
    rfq_close(actor=offer.created_by, rfq=offer)
    with pytest.raises(WrongState):
        quote(offer, item)
    late = rfq()
    RFQ.objects.filter(pk=late.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    with pytest.raises(WrongState):
        quote(late, item)
    with pytest.raises(WrongState):
        rfq_close(actor=offer.created_by, rfq=offer)


def test_a_viewer_cannot_quote_and_another_companys_product_is_bad_input(network):
    offer, item = rfq(), b2b_product()
    with pytest.raises(Exception) as error:
        quote(offer, item, user=staff(item.company, "viewer"))
    assert error.value.status_code == 403
    with pytest.raises(InvalidInput) as error:
        quote(offer, item, user=owner_of(company_with_owner()))
    assert error.value.attr == "product"


def test_rfqs_and_quotes_expire(network, settings):
    offer, item = rfq(), b2b_product()
    q = quote(offer, item)
    stale = quote(rfq(), b2b_product(), days=1)
    assert rfqs_expire() == 0
    assert rfqs_expire(now=timezone.now() + timedelta(days=3)) == 0
    stale.refresh_from_db()
    assert stale.status == "expired"  # valid for one day only
    later = offer.deadline + timedelta(days=settings.RFQ_AWARD_WINDOW_DAYS, minutes=1)
    assert rfqs_expire(now=later) >= 1
    offer.refresh_from_db()
    q.refresh_from_db()
    assert (offer.status, q.status) == ("expired", "expired")
    assert rfqs_expire(now=later) == 0


def test_the_expiry_task_is_on_the_beat_schedule():
    from config.celery_app import app

    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "marketplace.tasks.rfqs_expire_task" in tasks


def test_accept_by_card_creates_one_order_at_the_quoted_amounts(api, network):
    offer = rfq()
    item = stocked(network, b2b_product())
    winner = quote(offer, item)
    loser = quote(offer, stocked(network, b2b_product()))
    response = accept(api, winner, offer.created_by)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["payment"]["gateway"] == "dummy" and body["payment"]["client_secret"]
    repeat = accept(api, winner, offer.created_by)
    assert repeat.json() == body and Order.objects.count() == 1
    order = Order.objects.get(number=body["order"])
    assert order.source == "b2b_quote" and order.buyer == offer.created_by
    assert (order.subtotal, order.shipping, order.duties, order.taxes, order.total) == (
        winner.subtotal,
        winner.shipping,
        winner.duties,
        winner.taxes,
        winner.total,
    )
    line = order.lines.get()
    assert (line.seller_id, line.quantity, line.unit_price) == (item.company_id, 500, Decimal("5.80"))
    assert Reservation.objects.get(reference=order.reservation_reference).status == "active"
    winner.refresh_from_db()
    loser.refresh_from_db()
    offer.refresh_from_db()
    assert (winner.status, loser.status, offer.status) == ("accepted", "declined", "awarded")
    assert winner.order == order
    paid = api.post(
        "/api/v1/payments/dummy/confirm/",
        {"client_secret": body["payment"]["client_secret"], "card_number": "4242424242424242"},
    )
    assert paid.status_code == 200
    order.refresh_from_db()
    assert order.status == "paid"
    # Accepted once: a second accept of the same quote (new key) is a wrong state.
    assert accept(api, winner, offer.created_by, key="accept-2").status_code == 409


def test_accept_by_bank_transfer_waits_for_the_operator(api, network):
    offer = rfq()
    q = quote(offer, stocked(network, b2b_product()))
    response = accept(api, q, offer.created_by, terms="bank_transfer")
    assert response.status_code == 201, response.json()
    order = Order.objects.get(pk=response.json()["order_id"])
    payment = order.payments.get()
    assert (payment.gateway, payment.status, order.status) == ("bank_transfer", "requires_payment_method", "pending")
    # Manual terms take days: the card payment timeout does not cancel the order.
    assert orders_expire_unpaid(now=timezone.now() + timedelta(days=3)) == 0
    assert Reservation.objects.get(reference=order.reservation_reference).expires_at is None
    path = f"/api/v1/b2b-orders/{order.pk}/confirm-payment/"
    api.as_user(offer.created_by)
    assert api.post(path, {"reference": "SWIFT 123"}, format="json").status_code == 403
    api.as_user(OperatorFactory())
    confirmed = api.post(path, {"reference": "SWIFT 123"}, format="json")
    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["status"] == "paid"
    payment.refresh_from_db()
    assert payment.status == "succeeded" and payment.captured_amount == order.total
    assert api.post(path, {}, format="json").status_code == 409


def test_a_stock_shortage_is_a_409_and_nothing_is_written(api, network):
    offer = rfq()
    q = quote(offer, stocked(network, b2b_product(), quantity=100))
    response = accept(api, q, offer.created_by)
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "insufficient_stock"
    q.refresh_from_db()
    offer.refresh_from_db()
    assert (q.status, offer.status) == ("active", "open")
    assert not Order.objects.exists() and not Payment.objects.exists()


def test_an_expired_quote_cannot_be_accepted(api, network):
    offer = rfq()
    q = quote(offer, stocked(network, b2b_product()))
    Quote.objects.filter(pk=q.pk).update(valid_until=timezone.localdate() - timedelta(days=1))
    response = accept(api, q, offer.created_by)
    assert response.status_code == 409
    assert not Order.objects.exists()


def test_accept_refuses_an_address_outside_the_quoted_destination(api, network):
    offer = rfq()
    q = quote(offer, stocked(network, b2b_product()))
    la = {"name": "A", "lines": ["1 Main"], "city": "LA", "postal_code": "90012", "country": "US"}
    response = accept(api, q, offer.created_by, address=la)
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "shipping_address.country"
    assert not Order.objects.exists()


def test_a_brand_quote_becomes_one_order_with_lines_per_sme(api, network):
    brand = active_brand(members=4)
    members = [m.company for m in brand.memberships.filter(role="member", status="active").order_by("pk")[:2]]
    items = [stocked(network, b2b_product(company, brand=brand)) for company in members]
    offer = rfq(quantity=800)
    q = brand_quote(offer, brand, [(items[0], 500), (items[1], 300)])
    assert q.company_id == brand.lead_company_id and q.brand_id == brand.pk
    assert sorted(q.lines.values_list("seller_id", flat=True)) == sorted(c.pk for c in members)
    # The lead's own quote and the brand quote are separate answers: both active.
    solo = quote(offer, stocked(network, b2b_product(brand.lead_company)))
    assert solo.status == "active"
    response = accept(api, q, offer.created_by)
    assert response.status_code == 201, response.json()
    order = Order.objects.get(pk=response.json()["order_id"])
    assert {line.seller_id: line.quantity for line in order.lines.all()} == {members[0].pk: 500, members[1].pk: 300}
    assert order.total == q.total
    solo.refresh_from_db()
    assert solo.status == "declined"


def test_a_brand_quote_takes_only_published_b2b_products_of_the_brand(network):
    brand = active_brand(members=4)
    member = brand.memberships.filter(role="member").first().company
    outside = b2b_product()
    with pytest.raises(InvalidInput) as error:
        brand_quote(rfq(), brand, [(b2b_product(member, brand=brand), 500), (outside, 100)])
    assert set(error.value.fields) == {"lines.1.product"}
    assert not Quote.objects.exists()


def test_sellers_in_the_category_are_emailed_once_the_rfq_is_posted(
    network, django_capture_on_commit_callbacks, settings
):
    from celery import current_app

    near = b2b_product()
    far = published_elsewhere()
    current_app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            offer = rfq()
    finally:
        current_app.conf.task_always_eager = False
    recipients = {address for message in mail.outbox for address in message.to}
    assert owner_of(near.company).email in recipients
    assert owner_of(far.company).email not in recipients
    assert offer.title in mail.outbox[0].subject
    assert rfq_notify_sellers(rfq_id=offer.pk) == 0  # once only


def published_elsewhere():
    from tests.factories import category, product, published

    return published(
        product(
            mode="b2b",
            retail_price=None,
            moq=10,
            price_tiers=[{"min_quantity": 10, "unit_price": Decimal("5000")}],
            category=category("beauty/skincare"),
        )
    )


def test_buyer_verification_is_an_operators_and_sellers_see_the_flag(api, network):
    company, user = buyer()
    item = b2b_product()
    offer = rfq(company, user)
    api.as_user(owner_of(item.company))
    assert api.get(f"/api/v1/rfqs/{offer.pk}/").json()["buyer_company"]["verified"] is False
    api.as_user(user)
    assert api.post(f"/api/v1/buyer-companies/{company.pk}/verify/").status_code == 403
    api.as_user(OperatorFactory())
    assert api.post(f"/api/v1/buyer-companies/{company.pk}/verify/").json()["verified"] is True
    assert api.post(f"/api/v1/buyer-companies/{company.pk}/verify/").status_code == 409
    api.as_user(owner_of(item.company))
    assert api.get(f"/api/v1/rfqs/{offer.pk}/").json()["buyer_company"]["verified"] is True


def _race(calls) -> list[str]:
    """Runs the calls at once, each in its own thread and connection; returns their outcomes."""
    import threading

    from django.db import close_old_connections, connection

    from core.errors import ApplicationError

    outcomes = []
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait()
            call()
            outcomes.append("ok")
        except ApplicationError as error:
            outcomes.append(error.code)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


@pytest.mark.django_db(transaction=True)
def test_accepting_several_quotes_at_once_awards_exactly_one(network):
    from marketplace.services.trade_orders import quote_accept

    offer = rfq()
    quotes = [quote(offer, stocked(network, b2b_product())) for _ in range(4)]
    outcomes = _race(
        [
            lambda q=q: quote_accept(
                actor=offer.created_by, quote=q, payment_terms="bank_transfer", shipping_address=TOKYO_OFFICE
            )
            for q in quotes
        ]
    )
    assert outcomes == ["ok"] + ["wrong_state"] * 3
    assert Order.objects.count() == 1
    assert sorted(Quote.objects.values_list("status", flat=True)) == ["accepted"] + ["declined"] * 3


@pytest.mark.django_db(transaction=True)
def test_a_company_quoting_twice_at_once_keeps_one_active_quote(network):
    offer, item = rfq(), b2b_product()
    outcomes = _race([lambda n=n: quote(offer, item, quantity=500 + 50 * n) for n in range(4)])
    assert outcomes.count("ok") >= 1 and set(outcomes) <= {"ok", "conflict"}
    assert Quote.objects.filter(status="active").count() == 1


def test_colleagues_at_the_buyer_company_follow_its_b2b_orders_but_only_the_buyer_acts(api, network):
    from marketplace.services.trade import buyer_staff_add

    offer = rfq()
    colleague = UserFactory()
    buyer_staff_add(actor=offer.created_by, buyer_company=offer.buyer_company, email=colleague.email, role="buyer")
    q = quote(offer, stocked(network, b2b_product()))
    order_id = accept(api, q, offer.created_by, terms="bank_transfer").json()["order_id"]

    api.as_user(colleague)
    assert [o["id"] for o in api.get("/api/v1/orders/").json()["results"]] == [order_id]
    assert api.get(f"/api/v1/orders/{order_id}/").json()["number"] == Order.objects.get(pk=order_id).number
    assert api.post(f"/api/v1/orders/{order_id}/cancel/", {"reason": "x"}, format="json").status_code == 404
    assert Order.objects.get(pk=order_id).status == "pending"

    _other_company, stranger = buyer(name="Osaka Trading")
    api.as_user(stranger)
    assert api.get("/api/v1/orders/").json()["results"] == []
    assert api.get(f"/api/v1/orders/{order_id}/").status_code == 404


def test_an_unknown_buyer_staff_role_is_refused_by_the_service_and_the_database():
    from marketplace.models import BuyerStaff
    from marketplace.services.trade import buyer_staff_add

    company, owner = buyer()
    with pytest.raises(InvalidInput) as error:
        buyer_staff_add(actor=owner, buyer_company=company, email=UserFactory().email, role="boss")
    assert error.value.attr == "role"
    with pytest.raises(IntegrityError), transaction.atomic():
        BuyerStaff.objects.create(buyer_company=company, user=UserFactory(), role="boss")
    assert BuyerStaff.objects.filter(buyer_company=company).count() == 1

"""The buyer's e-mails after the order confirmation, each reached through the door people use:
a card that fails or asks for 3-D Secure, a parcel delivered and a return approved, a quote on
an RFQ posted through the API, and the beat sweep for RFQs about to close. Events are
dispatched after commit by Celery (run eagerly here) and each e-mail is a Message row."""

import io
from datetime import UTC, timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from pypdf import PdfReader
from rest_framework.test import APIClient

from core.emails import date_format, money_format
from core.models import Event, Message
from logistics.models import PhysicalReturn
from marketplace.models import Order, Quote
from marketplace.tasks import rfqs_closing_soon_announce_task
from tests.factories import OperatorFactory, UserFactory, active_brand, category, owner_of
from tests.marketplace.test_checkout import authed, choose, complete, start, stocked_lamp
from tests.marketplace.trade_helpers import b2b_product, brand_quote, buyer, quote, rfq

pytestmark = pytest.mark.django_db


def checked_out(client, network, *, locale: str) -> Order:
    """A pending order of two lamps to Tokyo, completed in `locale` (the buyer's Accept-Language)."""
    item = stocked_lamp(network)
    checkout = start(client, item.variants.get().sku, quantity=2, email="sato@example.jp")
    choose(client, checkout["id"])
    client.credentials(**{**client._credentials, "HTTP_ACCEPT_LANGUAGE": locale})
    assert complete(client, checkout["id"]).status_code == 201
    return Order.objects.get()


def pay(client_secret: str, card: str, capture) -> dict:
    with capture(execute=True):
        return APIClient().post(
            "/api/v1/payments/dummy/confirm/", {"client_secret": client_secret, "card_number": card}
        )


@pytest.mark.parametrize(
    ("card", "event", "template", "locale"),
    [
        ("4000000000000002", "payment.failed", "emails/payment_failed", "es"),
        ("4000002500003155", "payment.action_required", "emails/payment_action_required", "ja"),
    ],
)
def test_a_card_that_fails_or_asks_for_3ds_emails_the_buyer_the_page_to_pay_on(
    network, eager_celery, django_capture_on_commit_callbacks, card, event, template, locale
):
    order = checked_out(APIClient(), network, locale=locale)
    assert order.locale == locale
    paid = pay(order.payments.get().client_secret, card, django_capture_on_commit_callbacks).json()
    assert paid["status"] in ("failed", "requires_action")
    [recorded] = Event.objects.filter(type=event)
    assert recorded.company_ids == [order.lines.get().seller_id]
    assert recorded.data["payment"]["amount"] == order.money("total").quantized().as_dict()
    [message] = Message.objects.filter(event=recorded)
    assert (message.recipient, message.template, message.locale) == ("sato@example.jp", template, locale)
    assert order.number in message.subject and message.status == "sent"
    amount = money_format(order.money("total"), locale)
    page = f"http://127.0.0.1:8000/orders/{order.number}/pay"
    assert settings.ORDER_PAYMENT_URL.format(number=order.number) == page
    assert amount in message.body_text and page in message.body_text
    assert f'href="{page}"' in message.body_html
    # The same answer again (a webhook retried with a new event id) mails nothing more.
    pay(order.payments.get().client_secret, card, django_capture_on_commit_callbacks)
    assert Message.objects.filter(template=template).count() == 1


def test_delivery_and_an_approved_return_email_the_buyer(network, eager_celery, django_capture_on_commit_callbacks):
    buyer_user = UserFactory()
    client = authed(buyer_user)
    item = stocked_lamp(network)
    checkout = start(client, item.variants.get().sku, quantity=2, email=buyer_user.email)
    choose(client, checkout["id"])
    client.credentials(**{**client._credentials, "HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"})
    with django_capture_on_commit_callbacks(execute=True):
        assert complete(client, checkout["id"]).status_code == 201
    order = Order.objects.get()
    pay(order.payments.get().client_secret, "4242424242424242", django_capture_on_commit_callbacks)

    staff = authed(OperatorFactory())
    [fulfilment] = staff.get("/api/v1/fulfilments/").json()["results"]
    staff.post(f"/api/v1/fulfilments/{fulfilment['id']}/pick/")
    parcel = {"weight_kg": "2.000", "length_cm": "30.0", "width_cm": "30.0", "height_cm": "30.0"}
    staff.post(f"/api/v1/fulfilments/{fulfilment['id']}/pack/", {"parcels": [parcel]})
    with django_capture_on_commit_callbacks(execute=True):
        shipment = staff.post(
            f"/api/v1/fulfilments/{fulfilment['id']}/ship/",
            {"carrier": "Yamato", "service": "standard", "tracking_number": "YMT-5550001"},
        ).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        delivered = staff.post(
            f"/api/v1/shipments/{shipment}/events/",
            {"status": "delivered", "occurred_at": "2026-11-20T10:00:00Z", "location": "Tokyo"},
        )
    assert delivered.status_code in (200, 201), delivered.json()
    message = Message.objects.get(template="emails/order_delivered")
    assert (message.recipient, message.locale, message.user) == (buyer_user.email, "zh-hans", buyer_user)
    assert message.subject == f"订单 {order.number} 已送达"
    assert message.event.type == "shipment.delivered"
    for fact in ("Yamato", "YMT-5550001", "2026年11月20日", "收货后 30 天内可申请退货。"):
        assert fact in message.body_text and fact in message.body_html, fact

    requested = client.post(
        "/api/v1/returns/", {"order_line": order.lines.get().pk, "quantity": 1, "reason": "damaged"}
    )
    assert requested.status_code == 201, requested.json()
    return_id = requested.json()["id"]
    assert not Message.objects.filter(template="emails/return_approved").exists()  # not before it is approved
    with django_capture_on_commit_callbacks(execute=True):
        assert staff.post(f"/api/v1/returns/{return_id}/approve/").json()["status"] == "approved"
    label = PhysicalReturn.objects.select_related("returns_centre").get(reference=f"return:{return_id}")
    approved = Message.objects.get(template="emails/return_approved")
    assert (approved.recipient, approved.locale) == (buyer_user.email, "zh-hans")
    assert approved.subject == f"退货 {return_id} 已批准（订单 {order.number}）"
    label_path = f"/api/v1/returns/{return_id}/label/"
    for fact in ("EMS", label.tracking_number, label.returns_centre.name, label.returns_centre.address, label_path):
        assert fact in approved.body_text and fact in approved.body_html, fact
    # The link the e-mail gives: the buyer prints the label with their own token.
    printed = client.get(label_path)
    assert printed.status_code == 200 and printed["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(printed.content)).pages)
    assert label.tracking_number in text and label.returns_centre.name in text


def test_a_quote_emails_the_buyer_who_posted_the_rfq_in_their_language(
    api, network, django_capture_on_commit_callbacks, eager_celery
):
    company, poster = buyer()
    api.as_user(poster)
    posted = api.post(
        "/api/v1/rfqs/",
        {
            "buyer_company": company.pk,
            "title": "Hanji lamps",
            "description": "Paper lamps",
            "category": category("home/lighting").pk,
            "quantity": 500,
            "currency": "USD",
            "destination_country": "JP",
            "incoterm": "DDP",
            "deadline": (timezone.now() + timedelta(days=5)).isoformat(),
        },
        format="json",
        HTTP_ACCEPT_LANGUAGE="ko-KR,ko;q=0.9,en;q=0.5",
    )
    assert posted.status_code == 201, posted.json()
    rfq_id = posted.json()["id"]
    item = b2b_product()
    api.as_user(owner_of(item.company))
    valid_until = timezone.localdate() + timedelta(days=10)
    with django_capture_on_commit_callbacks(execute=True):
        quoted = api.post(
            f"/api/v1/rfqs/{rfq_id}/quotes/",
            {
                "product": item.pk,
                "quantity": 500,
                "incoterm": "DDP",
                "valid_until": str(valid_until),
                "lead_time_days": 20,
            },
            format="json",
        )
    assert quoted.status_code == 201, quoted.json()
    submitted = Quote.objects.get()
    [message] = Message.objects.filter(template="emails/quote_received")
    assert (message.recipient, message.user, message.locale) == (poster.email, poster, "ko")
    assert message.subject == f"RFQ {rfq_id} 견적 도착: {item.company.legal_name}"
    total = money_format(submitted.money("total"), "ko")
    assert total == f"US${submitted.total:,.2f}"  # Babel's Korean writing of dollars
    for fact in (total, "DDP", date_format(valid_until, "ko"), "20일"):
        assert fact in message.body_text and fact in message.body_html, fact


def test_a_brand_quote_names_the_brand_not_its_lead_company(network, django_capture_on_commit_callbacks, eager_celery):
    brand = active_brand(members=4)
    member = brand.memberships.filter(role="member", status="active").order_by("pk").first().company
    offer = rfq(locale="ja")
    with django_capture_on_commit_callbacks(execute=True):
        brand_quote(offer, brand, [(b2b_product(member, brand=brand), 500)])
    [message] = Message.objects.filter(template="emails/quote_received")
    assert message.recipient == offer.created_by.email
    assert message.subject == f"RFQ {offer.pk}：{brand.name} から見積もりが届きました"
    assert brand.lead_company.legal_name not in message.body_text


def test_the_closing_soon_sweep_emails_each_buyer_once_with_the_quotes_so_far(
    network, django_capture_on_commit_callbacks, eager_celery
):
    soon = rfq(deadline=timezone.now() + timedelta(hours=20), locale="en")
    later = rfq(deadline=timezone.now() + timedelta(days=3), locale="en")
    quote(soon, b2b_product())
    with django_capture_on_commit_callbacks(execute=True):
        assert rfqs_closing_soon_announce_task.delay().get() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert rfqs_closing_soon_announce_task.delay().get() == 0  # the next hour's run: already told
    [event] = Event.objects.filter(type="rfq.closing_soon")
    assert event.data["rfq"]["id"] == soon.pk and event.data["rfq"]["active_quotes"] == 1
    [message] = Message.objects.filter(template="emails/rfq_closing_soon")
    assert message.recipient == soon.created_by.email and message.event == event
    deadline = soon.deadline.astimezone(UTC)
    assert (
        message.subject == f"RFQ {soon.pk} closes on {deadline:%b} {deadline.day}, {deadline:%Y} {deadline:%H:%M} UTC"
    )
    assert "Quotes received so far: 1" in message.body_text and "Quotes received so far: 1" in message.body_html
    assert "you have 14 days to accept a quote" in message.body_text
    assert not Message.objects.filter(recipient=later.created_by.email).exists()


def test_the_closing_soon_sweep_is_on_the_beat_schedule():
    from config.celery_app import app

    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "marketplace.tasks.rfqs_closing_soon_announce_task" in tasks

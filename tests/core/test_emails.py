"""Transactional e-mail: templates in every locale, the message log, retries, preferences, and a
real SMTP server on loopback (the smtp_server fixture). Staff e-mails: tests/core/test_emails_staff.py."""

from collections import Counter
from datetime import UTC, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail

from core.emails import date_format, email_queue, message_send, money_format, phrases
from core.events import EventType
from core.models import Event, Message, NotificationPreference
from core.services import event_record
from core.webhooks import event_dispatch
from logistics.demo import LogisticsDemo
from logistics.services import physical_return_create
from marketplace.models import Order, ReturnRequest
from marketplace.notifications import (
    order_delivered_notify,
    order_paid_notify,
    order_shipped_notify,
    payment_trouble_notify,
    refund_issued_notify,
)
from marketplace.notifications_trade import (
    RFQ_CLOSING_SOON,
    quote_received_notify,
    return_approved_notify,
    rfq_closing_soon_notify,
)
from marketplace.services.orders import PlacedLine, Totals, order_event_publish, order_place
from marketplace.services.trade import rfqs_closing_soon_announce
from tests.factories import UserFactory, owner_of, product, staff
from tests.marketplace.trade_helpers import b2b_product, quote, rfq

pytestmark = pytest.mark.django_db
LOCALES = settings.CONTENT_LOCALES


def an_order(locale="ja", incoterm="DDP", buyer=None):
    item = product()
    order, _ = order_place(
        source=Order.Source.STOREFRONT,
        buyer=buyer,
        email=buyer.email if buyer else "sato@example.jp",
        currency="JPY",
        lines=[PlacedLine(item.variants.get(), 3, Decimal(4950), Decimal(14850))],
        shipping_address={"name": "Sato", "lines": ["1 Ginza"], "city": "Tokyo", "country": "JP"},
        totals=Totals.of(
            currency="JPY", subtotal=Decimal(14850), shipping=Decimal(1200), duties=Decimal(300), taxes=Decimal(1485)
        ),
        payment=None,
        incoterm=incoterm,
        locale=locale,
    )
    return order


def published_event(order, type, **extra) -> Event:
    order_event_publish(order, type, **extra)
    return Event.objects.filter(type=type).latest("pk")


def test_money_is_formatted_per_locale_and_currency():
    assert money_format({"amount": "14850.0000", "currency": "JPY"}, "ja") == "￥14,850"
    assert money_format({"amount": "45000", "currency": "KRW"}, "ko") == "₩45,000"
    assert money_format({"amount": "12.5", "currency": "EUR"}, "es") == "12,50\xa0€"
    assert money_format({"amount": "12.5", "currency": "USD"}, "en") == "$12.50"


@pytest.mark.parametrize("locale", LOCALES)
def test_each_template_renders_in_each_locale_with_its_key_facts(locale, django_capture_on_commit_callbacks):
    order = an_order(locale=locale)
    seller = order.lines.get().seller
    editor = staff(seller, "editor")
    total, shipping = money_format(order.money("total"), locale), money_format(order.money("shipping"), locale)
    line_total = money_format({"amount": "14850", "currency": "JPY"}, locale)
    duties_taxes = money_format({"amount": "1785", "currency": "JPY"}, locale)

    order_paid_notify(published_event(order, EventType.ORDER_PAID))
    confirmation = Message.objects.get(template="emails/order_confirmation")
    assert confirmation.locale == locale and confirmation.recipient == order.email
    assert order.number in confirmation.subject
    for body in (confirmation.body_text, confirmation.body_html):
        for fact in (total, shipping, line_total, duties_taxes, str(settings.RETURN_WINDOW_DAYS)):
            assert fact in body, (fact, body)
    assert "DDP" in confirmation.body_text
    new_lines = Message.objects.filter(template="emails/seller_new_lines")
    assert {m.recipient for m in new_lines} == {owner_of(seller).email, editor.email}
    assert all(order.number in m.subject and order.lines.get().sku in m.body_text for m in new_lines)

    event_record(
        type=EventType.SHIPMENT_SHIPPED,
        data={
            "shipment": {
                "reference": f"order:{order.pk}",
                "carrier": "EMS",
                "tracking_number": "EE123456789KR",
                "tracking_url": "https://service.epost.go.kr/trace?POST_CODE=EE123456789KR",
            }
        },
        company_ids=[seller.pk],
    )
    order_shipped_notify(Event.objects.get(type=EventType.SHIPMENT_SHIPPED))
    shipped = Message.objects.get(template="emails/order_shipped")
    assert order.number in shipped.subject and "EE123456789KR" in shipped.body_text
    assert 'href="https://service.epost.go.kr/trace?POST_CODE=EE123456789KR"' in shipped.body_html

    refund = {"id": 1, "amount": {"amount": "4950", "currency": "JPY"}, "reason": "Return", "executed_at": None}
    refund_issued_notify(published_event(order, EventType.REFUND_EXECUTED, refund=refund))
    refunded = Message.objects.get(template="emails/refund_issued")
    assert order.number in refunded.subject and money_format(refund["amount"], locale) in refunded.body_text


def test_subjects_differ_between_locales():
    subjects = set()
    for locale in LOCALES:
        order = an_order(locale=locale)
        order_paid_notify(published_event(order, EventType.ORDER_PAID))
        subjects.add(
            Message.objects.filter(template="emails/order_confirmation").latest("pk").subject.replace(order.number, "")
        )
    assert len(subjects) == len(LOCALES)


def test_a_message_goes_through_a_real_smtp_server_and_is_read_back(smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = an_order(locale="ja")
        event = published_event(order, EventType.ORDER_PAID)
        order_paid_notify(event)
    confirmation = Message.objects.get(template="emails/order_confirmation")
    assert confirmation.status == "sent" and confirmation.attempts == 1
    [received] = [m for m in smtp_server if m["To"] == order.email]
    assert received["Subject"] == confirmation.subject and order.number in received["Subject"]
    assert received["Message-ID"] == confirmation.provider_id
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    assert "￥17,835" in text and "￥17,835" in html  # 14,850 + 1,200 + 300 + 1,485, in yen


def test_smtp_errors_are_retried_with_backoff_then_sent(smtp_server, settings, django_capture_on_commit_callbacks):
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 1  # nothing listens: connection refused
    with django_capture_on_commit_callbacks(execute=True):
        email_queue(
            to="buyer@example.com",
            template="emails/refund_issued",
            context={"t": {"subject": "Refund", "intro": "Done"}},
        )
    message = Message.objects.get()
    assert (message.status, message.attempts) == ("pending", 1) and "Refused" in message.error
    assert message.next_attempt_at > message.created_at + timedelta(seconds=29)
    assert message_send(message_id=message.pk) is None  # not due yet
    settings.EMAIL_PORT = port
    assert message_send(message_id=message.pk, now=message.next_attempt_at) == "sent"
    assert [m["Subject"] for m in smtp_server] == ["Refund"]
    assert message_send(message_id=message.pk, now=message.next_attempt_at + timedelta(days=1)) is None


def test_one_event_never_mails_a_recipient_twice(django_capture_on_commit_callbacks):
    buyer = UserFactory()
    order = an_order(buyer=buyer)
    event = published_event(order, EventType.ORDER_PAID)  # its dispatch task is not run here
    with django_capture_on_commit_callbacks(execute=True):
        event_dispatch(event_id=event.pk)  # core tells the receivers, which write the messages
        order_paid_notify(Event.objects.get(pk=event.pk))  # a second run (a redelivered task) writes none
    assert [m.to for m in mail.outbox if buyer.email in m.to] == [[buyer.email]]
    assert Message.objects.filter(event=event, recipient=buyer.email).count() == 1
    assert Message.objects.filter(event=event).count() == 2  # and the seller's owner, once


def test_an_optional_notice_turned_off_is_logged_as_skipped_and_not_sent(django_capture_on_commit_callbacks):
    order = an_order()
    owner = owner_of(order.lines.get().seller)
    NotificationPreference.objects.create(user=owner, template="seller_new_lines", enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        order_paid_notify(published_event(order, EventType.ORDER_PAID))
    skipped = Message.objects.get(recipient=owner.email)
    assert skipped.status == "skipped"
    assert owner.email not in [address for m in mail.outbox for address in m.to]
    assert Message.objects.get(recipient=order.email).status == "sent"  # the buyer's confirmation always goes


def test_users_turn_optional_notices_off_through_the_api(api):
    user = UserFactory()
    api.as_user(user)
    assert api.get("/api/v1/auth/notifications/").json() == {
        "seller_new_lines": True,
        "inspection_failed": True,
        "channel_listing_rejected": True,
        "inbound_discrepancies": True,
    }
    changed = api.patch("/api/v1/auth/notifications/", {"seller_new_lines": False}, format="json")
    assert changed.status_code == 200 and changed.json()["seller_new_lines"] is False
    refused = api.patch("/api/v1/auth/notifications/", {"order_confirmation": False}, format="json")
    assert refused.status_code == 400 and refused.json()["errors"][0]["attr"] == "order_confirmation"
    assert NotificationPreference.objects.filter(user=user).count() == 1


@pytest.mark.parametrize("locale", LOCALES)
def test_buyer_delivery_payment_return_and_trade_templates_render_in_each_locale(locale):
    """The buyer's e-mails added after the confirmation (delivered, payment failed or needing
    action, return approved, quote received, RFQ closing soon), each with its key facts."""
    LogisticsDemo(Counter()).load_network()  # the returns centres and the quotes' shipping rates
    order = an_order(locale=locale)
    line = order.lines.get()
    total = money_format(order.money("total"), locale)  # ￥17,835 in the locale's writing

    event_record(
        type=EventType.SHIPMENT_DELIVERED,
        data={
            "shipment": {
                "reference": f"order:{order.pk}",
                "carrier": "EMS",
                "tracking_number": "EE123456789KR",
                "delivered_at": "2026-12-09T03:00:00Z",
            }
        },
        company_ids=[line.seller_id],
    )
    order_delivered_notify(Event.objects.get(type=EventType.SHIPMENT_DELIVERED))
    delivered = Message.objects.get(template="emails/order_delivered")
    assert delivered.locale == locale and delivered.recipient == order.email and order.number in delivered.subject
    for body in (delivered.body_text, delivered.body_html):
        for fact in ("EMS", "EE123456789KR", date_format("2026-12-09", locale), str(settings.RETURN_WINDOW_DAYS)):
            assert fact in body, (fact, body)

    payment = {"id": 1, "gateway": "dummy", "status": "failed", "amount": {"amount": "17835", "currency": "JPY"}}
    pay_url = settings.ORDER_PAYMENT_URL.format(number=order.number)
    payment_trouble_notify(published_event(order, EventType.PAYMENT_FAILED, payment=payment))
    payment_trouble_notify(published_event(order, EventType.PAYMENT_ACTION_REQUIRED, payment=payment))
    for template in ("emails/payment_failed", "emails/payment_action_required"):
        message = Message.objects.get(template=template)
        assert order.number in message.subject and message.locale == locale
        assert total in message.body_text and pay_url in message.body_text
        assert total in message.body_html and f'href="{pay_url}"' in message.body_html
    action = Message.objects.get(template="emails/payment_action_required")
    assert str(settings.PAYMENT_TIMEOUT_MINUTES) in action.body_text

    request = ReturnRequest.objects.create(order_line=line, quantity=1, reason="damaged")
    label = physical_return_create(
        reference=request.reference, destination_country="JP", lines=[(line.variant, 1)], carrier="EMS"
    )
    event_record(type=EventType.RETURN_APPROVED, data={"return": {"id": request.pk}}, company_ids=[line.seller_id])
    return_approved_notify(Event.objects.get(type=EventType.RETURN_APPROVED))
    approved = Message.objects.get(template="emails/return_approved")
    assert approved.recipient == order.email
    assert str(request.pk) in approved.subject and order.number in approved.subject
    centre = label.returns_centre
    for body in (approved.body_text, approved.body_html):
        for fact in (label.tracking_number, "EMS", centre.name, centre.address, f"/api/v1/returns/{request.pk}/label/"):
            assert fact in body, (fact, body)

    offer = rfq(locale=locale)
    item = b2b_product()
    submitted = quote(offer, item)
    quote_received_notify(Event.objects.get(type=EventType.QUOTE_SUBMITTED))
    received = Message.objects.get(template="emails/quote_received")
    assert received.recipient == offer.created_by.email and received.locale == locale
    assert f"RFQ {offer.pk}" in received.subject
    quote_total = money_format(submitted.money("total"), locale)
    for body in (received.body_text, received.body_html):
        for fact in (quote_total, "DDP", date_format(submitted.valid_until, locale), item.company.legal_name):
            assert fact in body, (fact, body)

    assert rfqs_closing_soon_announce(now=offer.deadline - timedelta(hours=2)) == 1
    rfq_closing_soon_notify(Event.objects.get(type=EventType.RFQ_CLOSING_SOON))
    closing = Message.objects.get(template="emails/rfq_closing_soon")
    assert closing.recipient == offer.created_by.email and f"RFQ {offer.pk}" in closing.subject
    deadline = offer.deadline.astimezone(UTC)
    when = f"{date_format(deadline.date(), locale)} {deadline:%H:%M} UTC"
    assert when in closing.subject
    words = phrases(RFQ_CLOSING_SOON, locale, rfq=offer.pk, title=offer.title, deadline=when, count=1, days=14)
    so_far = words["quotes"]  # "Quotes received so far: 1"
    for body in (closing.body_text, closing.body_html):
        assert when in body and so_far in body and str(settings.RFQ_AWARD_WINDOW_DAYS) in body, body

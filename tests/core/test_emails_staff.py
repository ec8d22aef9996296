"""Staff e-mails (SME owners and editors): each recipient's own language, set on the account, and
every staff template rendered in every locale with its key facts. Each e-mail through its real
service path: tests/logistics/test_inbound_notifications.py, tests/marketplace/test_seller_notifications.py,
tests/brands/test_membership_notifications.py."""

from collections import Counter

import pytest
from django.conf import settings

from brands.notifications import membership_decided_notify
from core.emails import money_format, phrases
from core.events import EventType
from core.models import Event, Message
from core.services import event_record
from integrations.notifications import channel_listing_rejected_notify
from listings.notifications import inspection_failed_notify
from logistics.demo import LogisticsDemo
from logistics.notifications import inbound_discrepancies_notify
from marketplace.notifications import order_paid_notify
from marketplace.notifications_sellers import (
    STATEMENT_READY,
    payout_sent_notify,
    seller_quote_accepted_notify,
    statement_ready_notify,
)
from tests.core.test_emails import an_order, published_event
from tests.factories import UserFactory, company_with_owner, owner_of, product, staff
from tests.marketplace.trade_helpers import b2b_product, quote, rfq

pytestmark = pytest.mark.django_db
LOCALES = settings.CONTENT_LOCALES


def recorded(type: str, data: dict, company) -> Event:
    event_record(type=type, data=data, company_ids=[company.pk])
    return Event.objects.filter(type=type).latest("pk")


def test_staff_of_one_company_read_one_event_each_in_their_own_language():
    order = an_order(locale="es")
    seller = order.lines.get().seller
    owner, editor = owner_of(seller), staff(seller, "editor")  # the owner keeps the platform default
    editor.locale = "ja"
    editor.save(update_fields=["locale"])
    order_paid_notify(published_event(order, EventType.ORDER_PAID))
    by_recipient = {m.recipient: m for m in Message.objects.filter(template="emails/seller_new_lines")}
    assert set(by_recipient) == {owner.email, editor.email}
    assert by_recipient[owner.email].locale == "ko"
    assert by_recipient[owner.email].subject == f"발송할 새 주문 {order.number}"
    assert by_recipient[editor.email].locale == "ja"
    assert by_recipient[editor.email].subject == f"発送待ちの新規注文 {order.number}"
    assert "支払い済みの注文" in by_recipient[editor.email].body_text
    # The buyer's confirmation stays in the language of the checkout.
    assert Message.objects.get(template="emails/order_confirmation").locale == "es"


def test_users_set_their_e_mail_language_on_their_account(api):
    user = UserFactory()
    api.as_user(user)
    assert api.get("/api/v1/auth/me/").json()["locale"] == ""
    changed = api.patch("/api/v1/auth/me/", {"locale": "zh-hans"}, format="json")
    assert changed.status_code == 200 and changed.json()["locale"] == "zh-hans"
    assert changed.json()["email"] == user.email and changed.json()["companies"] == []
    refused = api.patch("/api/v1/auth/me/", {"locale": "fr"}, format="json")
    assert refused.status_code == 400
    assert [(e["attr"], e["code"]) for e in refused.json()["errors"]] == [("locale", "invalid_choice")]
    user.refresh_from_db()
    assert user.locale == "zh-hans"
    assert api.patch("/api/v1/auth/me/", {}, format="json").json()["locale"] == "zh-hans"  # nothing to change
    assert api.patch("/api/v1/auth/me/", {"locale": ""}, format="json").json()["locale"] == ""
    user.refresh_from_db()
    assert user.locale == ""


def test_operators_set_a_users_e_mail_language_in_the_admin(client, operator):
    user = UserFactory()
    client.force_login(operator)
    page = client.get(f"/admin/core/user/{user.pk}/change/")
    assert page.status_code == 200 and 'name="locale"' in page.content.decode()
    form = {
        "email": user.email,
        "full_name": user.full_name,
        "locale": "es",
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
    }
    response = client.post(f"/admin/core/user/{user.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert user.locale == "es"


@pytest.mark.parametrize("locale", LOCALES)
def test_staff_templates_render_in_each_locale(locale):
    company = company_with_owner()
    owner = owner_of(company)
    owner.locale = locale
    owner.save(update_fields=["locale"])

    def message(template: str) -> Message:
        sent = Message.objects.get(template=f"emails/{template}")
        assert sent.recipient == owner.email and sent.locale == locale
        return sent

    def facts_in_both(sent: Message, *facts) -> None:
        for body in (sent.body_text, sent.body_html):
            for fact in facts:
                assert fact in body, (fact, body)

    inspection_failed_notify(
        recorded(
            EventType.INSPECTION_FAILED,
            {
                "inspection": {
                    "product": {"id": 1, "company": company.pk, "title": "Hanji moon lamp"},
                    "brand": {"id": 1, "name": "K-Craft"},
                    "standard_version": 2,
                    "failed_items": [{"code": "stitching", "text": "Seams hold 5 kg.", "note": "tore at 3 kg"}],
                    "notes": "",
                }
            },
            company,
        )
    )
    failed = message("inspection_failed")
    assert "Hanji moon lamp" in failed.subject and "K-Craft" in failed.body_text
    assert "stitching" in failed.body_text and "tore at 3 kg" in failed.body_html

    item = product(company)
    channel_listing_rejected_notify(
        recorded(
            EventType.CHANNEL_LISTING_REJECTED,
            {
                "channel_listing": {
                    "channel": "amazon",
                    "product": {"id": item.pk, "company": company.pk},
                    "issues": [{"code": "title_too_long", "attribute": "title", "message": "Title over 200."}],
                    "message": "",
                }
            },
            company,
        )
    )
    rejected = message("channel_listing_rejected")
    assert "amazon" in rejected.subject and "title_too_long" in rejected.body_text

    line = {"id": 10, "sku": "HANJI-MOON-S", "quantity_expected": 40, "quantity_received": 37, "discrepancy": -3}
    inbound_discrepancies_notify(
        recorded(
            EventType.INBOUND_RECEIVED,
            {
                "inbound_shipment": {"id": 6, "company": company.pk, "warehouse": {"id": 2, "name": "Los Angeles DC"}},
                "lines": [line],
                "discrepancies": [line],
            },
            company,
        )
    )
    inbound = message("inbound_discrepancies")
    assert "ASN-6" in inbound.subject
    facts_in_both(inbound, "Los Angeles DC", "HANJI-MOON-S", "40", "37", "-3")

    LogisticsDemo(Counter()).load_network()  # the shipping rates a quote is priced with
    accepted_quote = quote(rfq(), b2b_product(company), incoterm="DDP")
    usd = {"amount": "3120.00", "currency": "USD"}
    seller_quote_accepted_notify(
        recorded(
            EventType.QUOTE_ACCEPTED,
            {
                "quote": {"id": accepted_quote.pk, "incoterm": "DDP", "total": usd},
                "order": "261207-9B1E0D",
            },
            company,
        )
    )
    accepted = message("seller_quote_accepted")
    assert "261207-9B1E0D" in accepted.subject
    total = money_format(usd, locale)
    facts_in_both(accepted, "Tokyo Zakka K.K. (JP)", total, "DDP", "261207-9B1E0D")

    net = {"amount": "-12.40", "currency": "USD"}
    statement_ready_notify(
        recorded(
            EventType.STATEMENT_READY,
            {"statement": {"id": 4, "company": company.pk, "period": "2026-11", "net": net}},
            company,
        )
    )
    statement = message("statement_ready")
    assert "2026-11" in statement.subject
    facts_in_both(statement, money_format(net, locale), f"/api/v1/companies/{company.pk}/statements/2026-11/")
    facts_in_both(
        statement, phrases(STATEMENT_READY, locale, period="2026-11")["owed"]
    )  # a negative balance is carried forward

    amount = {"amount": "1500000", "currency": "KRW"}
    payout_sent_notify(
        recorded(
            EventType.PAYOUT_SENT,
            {
                "payout": {
                    "id": 4,
                    "company": company.pk,
                    "period": "2026-11",
                    "amount": amount,
                    "method": "bank_transfer",
                    "reference": "KB-20261201-7",
                }
            },
            company,
        )
    )
    payout = message("payout_sent")
    assert "2026-11" in payout.subject and money_format(amount, locale) in payout.subject
    facts_in_both(payout, money_format(amount, locale), "KB-20261201-7")

    brand = {"id": 3, "slug": "k-craft", "name": "K-Craft", "status": "active"}
    membership = {"id": 9, "company": company.pk, "role": "member"}
    membership_decided_notify(
        recorded(EventType.MEMBERSHIP_APPROVED, {"brand": brand, "membership": membership}, company)
    )
    approved = message("membership_approved")
    assert "K-Craft" in approved.subject
    facts_in_both(approved, "K-Craft", company.legal_name)
    reason = "Annual sales above the ceiling for the sector."
    membership_decided_notify(
        recorded(EventType.MEMBERSHIP_REJECTED, {"brand": brand, "membership": membership, "reason": reason}, company)
    )
    refused = message("membership_rejected")
    assert "K-Craft" in refused.subject
    facts_in_both(refused, "K-Craft", company.legal_name, reason)


def test_staff_subjects_differ_between_locales():
    company = company_with_owner()
    owner = owner_of(company)
    line = {"id": 1, "sku": "A-1", "quantity_expected": 2, "quantity_received": 1, "discrepancy": -1}
    subjects = set()
    for locale in LOCALES:
        owner.locale = locale
        owner.save(update_fields=["locale"])
        data = {"inbound_shipment": {"id": 1, "warehouse": {"id": 1, "name": "LA"}}, "discrepancies": [line]}
        inbound_discrepancies_notify(recorded(EventType.INBOUND_RECEIVED, data, company))
        subjects.add(Message.objects.filter(template="emails/inbound_discrepancies").latest("pk").subject)
    assert len(subjects) == len(LOCALES)

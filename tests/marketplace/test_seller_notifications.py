"""Sellers' deal and money e-mails through their real doors: a buyer accepts a quote (API), the
month is settled (the settlement run), an operator confirms the bank transfer (API). Each goes
to the company's owners and editors, in each one's language, and always (transactional)."""

from decimal import Decimal

import pytest

from core.emails import money_format
from core.models import Message, NotificationPreference
from marketplace.models import Payout, Quote
from marketplace.services.settlement import settlement_run
from tests.factories import OperatorFactory, events_dispatch, owner_of, staff
from tests.marketplace.test_settlement import next_month, seller_month, this_period
from tests.marketplace.test_trade import accept, stocked
from tests.marketplace.trade_helpers import b2b_product, quote, rfq

pytestmark = pytest.mark.django_db


def by_recipient(template: str) -> dict[str, Message]:
    return {m.recipient: m for m in Message.objects.filter(template=f"emails/{template}")}


def test_an_accepted_quote_tells_the_sellers_staff_the_buyer_total_incoterm_and_order(api, network):
    offer = rfq()
    item = stocked(network, b2b_product())
    owner, editor = owner_of(item.company), staff(item.company, "editor")
    editor.locale = "es"
    editor.save(update_fields=["locale"])
    NotificationPreference.objects.create(user=owner, template="seller_quote_accepted", enabled=False)  # not optional
    submitted = quote(offer, item, incoterm="DDP")
    response = accept(api, submitted, offer.created_by, terms="bank_transfer")
    assert response.status_code == 201, response.content
    number = response.json()["order"]
    events_dispatch("quote.accepted")

    messages = by_recipient("seller_quote_accepted")
    assert set(messages) == {owner.email, editor.email}
    ko, es = messages[owner.email], messages[editor.email]
    assert (ko.locale, ko.status, es.locale, es.status) == ("ko", "pending", "es", "pending")
    assert ko.subject == f"견적 수락: 주문 {number}" and es.subject == f"Oferta aceptada: pedido {number}"
    total = Quote.objects.get(pk=submitted.pk).total
    assert total > Decimal(2900)  # 500 lamps at 5.80 USD, plus freight and Japan's consumption tax (DDP)
    assert f"Total: {money_format({'amount': total, 'currency': 'USD'}, 'es')}" in es.body_text
    assert f"총액: {money_format({'amount': total, 'currency': 'USD'}, 'ko')}" in ko.body_text
    assert "Comprador: Tokyo Zakka K.K. (JP)" in es.body_text and "Incoterm: DDP" in es.body_text
    assert f"Número de pedido: {number}" in es.body_text


def test_a_settled_month_and_its_payout_are_mailed_with_balance_link_amount_and_reference(api):
    seller = seller_month()
    owner = owner_of(seller)
    owner.locale = "ja"
    owner.save(update_fields=["locale"])
    period = this_period()
    settlement_run(period=period, now=next_month())
    events_dispatch("statement.ready")
    [ready] = by_recipient("statement_ready").values()
    assert (ready.recipient, ready.locale) == (owner.email, "ja")
    assert ready.subject == f"{period} の精算書ができました"
    assert "期末残高: $69.35" in ready.body_text  # 100.00 sold - 20.00 charged back - 8.00 - 1.05 - 1.60
    assert f"精算書（API）: /api/v1/companies/{seller.pk}/statements/{period}/" in ready.body_text
    assert "マイナス" not in ready.body_text  # nothing owed: no carry-forward notice

    payout = Payout.objects.get(company=seller)
    api.as_user(OperatorFactory())
    confirmed = api.post(f"/api/v1/payouts/{payout.pk}/confirm/", {"reference": "KB-20261201-1"})
    assert confirmed.status_code == 200, confirmed.content
    events_dispatch("payout.sent")
    [sent] = by_recipient("payout_sent").values()
    assert (sent.recipient, sent.locale) == (owner.email, "ja")
    assert sent.subject == f"{period} の精算金 $69.35 を送金しました"
    assert "振込参照番号: KB-20261201-1" in sent.body_text and "KB-20261201-1" in sent.body_html

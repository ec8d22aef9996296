"""Trading-company agents (the report's Global Market Developers, section II): an SME mandates a
trading company for some scopes; the agent's staff act for the SME within them, recorded as
the agent on the SME's behalf; the SME revokes; the agent's commission lands on the SME's
statement."""

from decimal import Decimal

import pytest
from django.utils import timezone

from brands.models import Company, Mandate, MandateEvent
from brands.services import mandate_accept, mandate_grant
from core.money import Money
from listings.models import ProductEvent
from marketplace.models import Fee, FeeKind, Payout, PayoutAccount, TradeEvent
from marketplace.services.refunds import refund_grant
from marketplace.services.settlement import settlement_run
from marketplace.services.statements import statement_compute
from tests.factories import company_with_owner, owner_of, product, staff
from tests.marketplace.settlement_helpers import paid_order
from tests.marketplace.test_settlement import next_month
from tests.marketplace.trade_helpers import b2b_product, rfq

pytestmark = pytest.mark.django_db

URL = "/api/v1/mandates/"


def trading_company():
    return company_with_owner(kind=Company.Kind.TRADING_COMPANY, legal_name="Hanbit Trading Co., Ltd.")


def mandated(scopes, *, commission="0", sme=None, agent=None) -> Mandate:
    """An active mandate of a new SME (or `sme`) to a new trading company (or `agent`)."""
    sme = sme or company_with_owner()
    agent = agent or trading_company()
    mandate = mandate_grant(
        actor=owner_of(sme), company=sme, agent=agent, scopes=scopes, commission_rate=Decimal(commission)
    )
    return mandate_accept(mandate=mandate, actor=owner_of(agent))


def attrs(response) -> set:
    return {error["attr"] for error in response.json()["errors"]}


def test_a_company_registers_as_a_trading_company_and_existing_ones_are_manufacturers(api):
    assert company_with_owner().kind == Company.Kind.MANUFACTURER
    user = owner_of(company_with_owner())
    body = {
        "legal_name": "Hanbit Trading",
        "registration_number": "777-81-00001",
        "country": "KR",
        "sector": "wholesale_retail",
        "annual_sales": {"amount": "3000000000", "currency": "KRW"},
        "employees": 12,
        "kind": "trading_company",
    }
    response = api.as_user(user).post("/api/v1/companies/", body)
    assert response.status_code == 201, response.json()
    assert response.json()["kind"] == "trading_company"
    directory = api.get("/api/v1/trading-companies/").json()["results"]
    assert [row["legal_name"] for row in directory] == ["Hanbit Trading"]


def test_the_sme_owner_grants_and_the_agent_owner_accepts(api):
    sme, agent = company_with_owner(), trading_company()
    body = {"company": sme.pk, "agent": agent.pk, "scopes": ["listings", "quotes"], "commission_rate": "0.05"}
    response = api.as_user(owner_of(sme)).post(URL, body)
    assert response.status_code == 201, response.json()
    mandate = response.json()
    assert (mandate["status"], mandate["scopes"], mandate["commission_rate"]) == (
        "offered",
        ["listings", "quotes"],
        "0.0500",
    )
    # The SME cannot accept its own offer; the agent's owner does.
    assert api.post(f"{URL}{mandate['id']}/accept/").status_code == 403
    response = api.as_user(owner_of(agent)).post(f"{URL}{mandate['id']}/accept/")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "active"
    assert api.post(f"{URL}{mandate['id']}/accept/").status_code == 409
    kinds = list(MandateEvent.objects.filter(mandate_id=mandate["id"]).values_list("kind", flat=True))
    assert kinds == ["granted", "accepted"]
    # A third company sees neither the mandate nor its list.
    api.as_user(owner_of(company_with_owner()))
    assert api.get(f"{URL}{mandate['id']}/").status_code == 404
    assert api.get(URL).json()["results"] == []


@pytest.mark.parametrize(
    ("change", "attr"),
    [
        ({"agent": "manufacturer"}, "agent"),
        ({"agent": 99_999_999}, "agent"),
        ({"company": "not_owned"}, "company"),
        ({"scopes": ["warehouses"]}, "scopes"),
        ({"scopes": []}, "scopes"),
        ({"commission_rate": "1.5"}, "commission_rate"),
        ({"commission_rate": "-0.1"}, "commission_rate"),
    ],
)
def test_a_bad_grant_names_the_field_and_writes_nothing(api, change, attr):
    sme, agent = company_with_owner(), trading_company()
    body = {"company": sme.pk, "agent": agent.pk, "scopes": ["listings"], **change}
    if change.get("agent") == "manufacturer":
        body["agent"] = company_with_owner().pk
    if change.get("company") == "not_owned":
        body["company"] = company_with_owner().pk
    response = api.as_user(owner_of(sme)).post(URL, body)
    assert response.status_code == 400, response.json()
    assert any(name.split(".")[0] == attr for name in attrs(response))
    assert not Mandate.objects.exists()


def test_a_second_live_mandate_to_the_same_agent_is_a_conflict(api):
    mandate = mandated(["listings"])
    body = {"company": mandate.company_id, "agent": mandate.agent_id, "scopes": ["quotes"]}
    assert api.as_user(owner_of(mandate.company)).post(URL, body).status_code == 409


def test_an_agent_with_a_listings_mandate_edits_the_smes_products_recorded_as_the_agent(api):
    mandate = mandated(["listings"])
    item = product(mandate.company)
    editor = staff(mandate.agent, "editor")
    api.as_user(editor)
    assert api.get("/api/v1/products/").json()["count"] == 1
    response = api.patch(f"/api/v1/products/{item.pk}/", {"moq": 10})
    assert response.status_code == 200, response.json()
    event = ProductEvent.objects.get(product=item, kind=ProductEvent.Kind.UPDATED)
    assert (event.actor, event.agent_id) == (editor, mandate.agent_id)
    # It creates products for the SME too; the SME's own staff's events carry no agent.
    response = api.post(f"{URL.replace('mandates', 'products')}{item.pk}/submit/")
    assert response.status_code == 200, response.json()
    submitted = ProductEvent.objects.get(product=item, kind=ProductEvent.Kind.SUBMITTED)
    assert submitted.agent_id == mandate.agent_id
    assert ProductEvent.objects.get(product=item, kind=ProductEvent.Kind.CREATED).agent_id is None


def test_the_agents_viewer_reads_but_cannot_edit_and_its_owner_edits_as_an_editor(api):
    mandate = mandated(["listings"])
    item = product(mandate.company)
    api.as_user(staff(mandate.agent, "viewer"))
    assert api.get(f"/api/v1/products/{item.pk}/").status_code == 200
    assert api.patch(f"/api/v1/products/{item.pk}/", {"moq": 10}).status_code == 403
    api.as_user(owner_of(mandate.agent))
    assert api.patch(f"/api/v1/products/{item.pk}/", {"moq": 10}).status_code == 200
    # Being the agent's owner never makes it the SME's owner: staff and keys stay the SME's.
    assert api.get(f"/api/v1/companies/{mandate.company_id}/").status_code == 404
    assert api.get(f"/api/v1/companies/{mandate.company_id}/api-keys/").status_code == 404


def test_an_agent_without_a_listings_mandate_cannot_see_the_products(api):
    for mandate in (mandated(["quotes", "statements"]), None):
        sme = mandate.company if mandate else company_with_owner()
        agent = mandate.agent if mandate else trading_company()
        item = product(sme)
        api.as_user(owner_of(agent))
        assert api.get(f"/api/v1/products/{item.pk}/").status_code == 404
        assert api.patch(f"/api/v1/products/{item.pk}/", {"moq": 10}).status_code == 404
        assert api.get("/api/v1/products/").json()["count"] == 0


def test_an_offered_mandate_opens_nothing_until_accepted(api):
    sme, agent = company_with_owner(), trading_company()
    item = product(sme)
    mandate_grant(actor=owner_of(sme), company=sme, agent=agent, scopes=["listings"])
    assert api.as_user(owner_of(agent)).get(f"/api/v1/products/{item.pk}/").status_code == 404


def test_revoking_closes_access_at_once_and_only_the_sme_owner_revokes(api):
    mandate = mandated(["listings"])
    item = product(mandate.company)
    agent_owner = owner_of(mandate.agent)
    api.as_user(agent_owner)
    assert api.get(f"/api/v1/products/{item.pk}/").status_code == 200
    assert api.post(f"{URL}{mandate.pk}/revoke/").status_code == 403
    api.as_user(staff(mandate.company, "editor"))
    assert api.post(f"{URL}{mandate.pk}/revoke/").status_code == 403
    response = api.as_user(owner_of(mandate.company)).post(f"{URL}{mandate.pk}/revoke/", {"reason": "Own office"})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "revoked"
    api.as_user(agent_owner)
    assert api.get(f"/api/v1/products/{item.pk}/").status_code == 404
    assert api.get(f"{URL}{mandate.pk}/").json()["end_reason"] == "Own office"
    assert api.as_user(owner_of(mandate.company)).post(f"{URL}{mandate.pk}/revoke/").status_code == 409


def test_narrowing_the_scopes_takes_effect_at_once_and_the_commission_is_fixed_once_accepted(api):
    mandate = mandated(["listings", "quotes"], commission="0.03")
    item = product(mandate.company)
    api.as_user(owner_of(mandate.company))
    response = api.patch(f"{URL}{mandate.pk}/", {"scopes": ["quotes"]})
    assert response.status_code == 200, response.json()
    assert api.patch(f"{URL}{mandate.pk}/", {"commission_rate": "0.10"}).status_code == 409
    assert api.as_user(owner_of(mandate.agent)).get(f"/api/v1/products/{item.pk}/").status_code == 404
    assert api.patch(f"{URL}{mandate.pk}/", {"scopes": ["listings"]}).status_code == 403


def test_the_agent_declines_an_offer(api):
    sme, agent = company_with_owner(), trading_company()
    mandate = mandate_grant(actor=owner_of(sme), company=sme, agent=agent, scopes=["quotes"])
    assert api.as_user(staff(agent, "editor")).post(f"{URL}{mandate.pk}/decline/").status_code == 403
    response = api.as_user(owner_of(agent)).post(f"{URL}{mandate.pk}/decline/", {"reason": "No capacity"})
    assert response.status_code == 200
    assert response.json()["status"] == "declined"


def test_an_agent_with_a_quotes_mandate_quotes_for_the_sme_recorded_as_the_agent(api):
    from collections import Counter

    from logistics.demo import LogisticsDemo

    LogisticsDemo(Counter()).load_network()  # quotes are priced with carrier rates to the buyer
    mandate = mandated(["quotes"])
    item = b2b_product(mandate.company)
    offer = rfq()
    editor = staff(mandate.agent, "editor")
    api.as_user(editor)
    assert offer.pk in {row["id"] for row in api.get("/api/v1/rfqs/").json()["results"]}
    body = {
        "product": item.pk,
        "unit_price": {"amount": "5.80", "currency": "USD"},
        "quantity": 500,
        "incoterm": "DDP",
        "valid_until": str(offer.deadline.date()),
        "lead_time_days": 20,
    }
    response = api.post(f"/api/v1/rfqs/{offer.pk}/quotes/", body)
    assert response.status_code == 201, response.json()
    quote_id = response.json()["id"]
    event = TradeEvent.objects.get(quote_id=quote_id, kind=TradeEvent.Kind.QUOTED)
    assert (event.actor, event.agent_id) == (editor, mandate.agent_id)
    assert api.get(f"/api/v1/quotes/{quote_id}/").status_code == 200
    # A listings-only agent does not even see the RFQ through the SME.
    other = mandated(["listings"], sme=mandate.company)
    response = api.as_user(owner_of(other.agent)).post(f"/api/v1/rfqs/{offer.pk}/quotes/", body)
    assert response.status_code == 404


def test_an_agent_with_a_shipments_mandate_books_inbound_stock_recorded_as_the_agent(api):
    from tests.logistics.helpers import network

    mandate = mandated(["shipments"])
    variant = product(mandate.company).variants.get()
    body = {
        "company": mandate.company_id,
        "warehouse": network()["icn"].pk,
        "lines": [{"variant": variant.pk, "quantity": 4}],
    }
    response = api.as_user(staff(mandate.agent, "editor")).post("/api/v1/inbound-shipments/", body)
    assert response.status_code == 201, response.json()
    from logistics.models import InboundShipment

    assert InboundShipment.objects.get(pk=response.json()["id"]).agent_id == mandate.agent_id
    # Without the scope, the company is not one the caller may pick.
    other = mandated(["listings"], sme=mandate.company)
    response = api.as_user(owner_of(other.agent)).post("/api/v1/inbound-shipments/", body)
    assert response.status_code == 400
    assert attrs(response) == {"company"}


def test_the_agents_commission_is_a_fee_on_the_smes_statement_and_a_statements_mandate_reads_it(api):
    mandate = mandated(["statements"], commission="0.05")
    order = paid_order(mandate.company, total=Decimal("200.00"))
    line = order.lines.get()
    fee = Fee.objects.get(company=mandate.company, kind=FeeKind.AGENT_COMMISSION)
    assert (fee.cause_type, fee.cause_id, fee.amount, fee.currency) == ("order_line", line.pk, Decimal("10.00"), "USD")
    # The platform's own commission is charged as before, separately.
    assert Fee.objects.filter(company=mandate.company, kind=FeeKind.COMMISSION, cause_id=line.pk).exists()
    api.as_user(staff(mandate.agent, "viewer"))
    fees = api.get(f"/api/v1/companies/{mandate.company_id}/fees/").json()["results"]
    assert {row["kind"] for row in fees} == {"commission", "agent_commission"}
    period = f"{order.created_at:%Y-%m}"
    statement = api.get(f"/api/v1/companies/{mandate.company_id}/statements/{period}/")
    assert statement.status_code == 200, statement.json()
    lines = [row for row in statement.json()["lines"] if row.get("kind") == "agent_commission"]
    assert [row["original"] for row in lines] == [{"amount": "10.00", "currency": "USD"}]
    # A listings-only agent reads no statements.
    other = mandated(["listings"], sme=mandate.company)
    assert api.as_user(owner_of(other.agent)).get(f"/api/v1/companies/{mandate.company_id}/fees/").status_code == 404


def test_an_sme_pays_commission_to_one_agent_at_a_time():
    first = mandated(["listings"], commission="0.05")
    sme = first.company
    agent = trading_company()
    second = mandate_grant(actor=owner_of(sme), company=sme, agent=agent, scopes=["quotes"], commission_rate="0.02")
    from core.errors import Conflict

    with pytest.raises(Conflict):
        mandate_accept(mandate=second, actor=owner_of(agent))
    # Without commission, a second agent is fine.
    third = mandated(["quotes"], sme=sme)
    assert third.status == Mandate.Status.ACTIVE


def test_the_agents_commission_is_credited_to_the_agent_and_paid_out_with_its_statement(api):
    """A 200.00 sale of an SME that pays its agent 5 %: the SME's statement withholds the 10.00
    (and the platform's 8 % commission, 16.00), the agent's statement credits the same 10.00
    and the settlement run pays it to the agent."""
    mandate = mandated(["listings"], commission="0.05")
    for company in (mandate.company, mandate.agent):
        PayoutAccount.objects.create(company=company, currency="USD")
    order = paid_order(mandate.company, total=Decimal("200.00"))
    period = f"{timezone.localdate():%Y-%m}"

    sme = api.as_user(owner_of(mandate.company)).get(f"/api/v1/companies/{mandate.company_id}/statements/{period}/")
    assert (sme.json()["sales"]["amount"], sme.json()["commission"]["amount"]) == ("200.00", "16.00")
    assert (sme.json()["fees"]["amount"], sme.json()["net"]["amount"]) == ("10.00", "174.00")
    agent = api.as_user(owner_of(mandate.agent)).get(f"/api/v1/companies/{mandate.agent_id}/statements/{period}/")
    assert agent.status_code == 200, agent.json()
    body = agent.json()
    assert (body["agent_commissions"]["amount"], body["sales"]["amount"], body["net"]["amount"]) == (
        "10.00",
        "0.00",
        "10.00",
    )
    fee = Fee.objects.get(kind=FeeKind.AGENT_COMMISSION)
    assert body["lines"] == [
        {
            "type": "agent_commission",
            "fee": fee.pk,
            "company": mandate.company.legal_name,
            "cause": f"order_line:{order.lines.get().pk}",
            "original": {"amount": "10.00", "currency": "USD"},
            "amount": "10.00",
        }
    ]

    counts = settlement_run(period=period, now=next_month())
    assert (counts["statements"], counts["payouts"]) == (2, 2)
    payouts = {p.company_id: (p.amount, p.currency) for p in Payout.objects.all()}
    assert payouts == {
        mandate.company_id: (Decimal("174.00"), "USD"),
        mandate.agent_id: (Decimal("10.00"), "USD"),
    }


def test_a_full_refund_takes_the_agents_commission_back_from_the_agent():
    mandate = mandated(["listings"], commission="0.05")
    order = paid_order(mandate.company, total=Decimal("200.00"))
    refund_grant(order=order, amount=Money(Decimal("200.00"), "USD"), reason="Cancelled by the buyer")
    figures = statement_compute(company=mandate.agent, period=f"{timezone.localdate():%Y-%m}")
    assert [(line["type"], line["original"]) for line in figures.lines] == [
        ("agent_commission", {"amount": "10.00", "currency": "USD"}),
        ("agent_commission_reversal", {"amount": "10.00", "currency": "USD"}),
    ]
    assert figures.agent_commissions == 0 and figures.net == 0

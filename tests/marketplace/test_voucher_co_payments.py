"""The SME's co-payment for a voucher service (ADR 0031): due when the SME confirms the delivery
(or an operator resolves a dispute as delivered), debited in the settlement ledger, so it comes
off the SME's next payout, or, when the month does not cover it, stays owed on the statement and
is recovered from the next one. The provider's payout is the programme's part, as before."""

from decimal import Decimal

import pytest
from django.utils import timezone

from marketplace.models import Fee, FeeKind, Order, Payout, ProviderPayout, ServiceOrder
from marketplace.services.service_orders import provider_payouts_create
from marketplace.services.settlement import company_settle
from tests.factories import OperatorFactory, company_with_owner, owner_of
from tests.marketplace.settlement_helpers import paid_order
from tests.marketplace.test_settlement import next_month, this_period
from tests.marketplace.test_vouchers import catalogue, order, voucher_for, voucher_programme

pytestmark = pytest.mark.django_db


def delivered_and_confirmed(api, company, service) -> dict:
    """A first-year order (the SME co-pays 20 %), delivered and confirmed over the API."""
    voucher = voucher_for(company, voucher_programme())
    placed = order(api.as_user(owner_of(company)), voucher, service)
    api.as_user(OperatorFactory())
    assert api.post(f"/api/v1/service-orders/{placed['id']}/deliver/", {"note": ""}, format="json").status_code == 200
    api.as_user(owner_of(company))
    confirmed = api.post(f"/api/v1/service-orders/{placed['id']}/confirm/")
    assert confirmed.status_code == 200, confirmed.json()
    return confirmed.json()


def test_the_co_payment_is_debited_on_confirmation_and_comes_off_the_next_payout(api):
    translation, _booth = catalogue()
    company = company_with_owner()
    placed = order(api.as_user(owner_of(company)), voucher_for(company, voucher_programme()), translation)
    assert not Fee.objects.filter(kind=FeeKind.SERVICE_CO_PAYMENT).exists()  # ordered: nothing due yet
    api.as_user(OperatorFactory())
    api.post(f"/api/v1/service-orders/{placed['id']}/deliver/", {"note": ""}, format="json")
    assert not Fee.objects.filter(kind=FeeKind.SERVICE_CO_PAYMENT).exists()  # delivered, not confirmed
    api.as_user(owner_of(company))
    api.post(f"/api/v1/service-orders/{placed['id']}/confirm/")
    api.post(f"/api/v1/service-orders/{placed['id']}/confirm/")  # a repeat is refused and charges nothing

    fee = Fee.objects.get(kind=FeeKind.SERVICE_CO_PAYMENT)
    assert (fee.company_id, fee.cause_type, fee.cause_id, fee.amount, fee.company_amount, fee.currency) == (
        company.pk,
        "service_order",
        placed["id"],
        Decimal(200_000),
        Decimal(200_000),
        "KRW",
    )
    paid_order(company, total=Decimal(500_000), currency="KRW")  # 8 % commission: 40,000

    period = this_period()
    statement = api.get(f"/api/v1/companies/{company.pk}/statements/{period}/").json()
    assert (statement["sales"]["amount"], statement["commission"]["amount"], statement["fees"]["amount"]) == (
        "500000",
        "40000",
        "200000",
    )
    assert statement["net"] == {"amount": "260000", "currency": "KRW"}
    [line] = [line for line in statement["lines"] if line.get("kind") == "service_co_payment"]
    assert (line["cause"], line["amount"], line["programme_covered"]) == (
        f"service_order:{placed['id']}",
        "200000",
        "0",
    )

    _statement, payout = company_settle(company=company, period=period)
    assert (payout.amount, payout.currency) == (Decimal(260_000), "KRW")


def test_a_co_payment_the_month_cannot_cover_stays_owed_and_the_next_payout_recovers_it(api):
    translation, _booth = catalogue()
    company = company_with_owner()
    delivered_and_confirmed(api, company, translation)
    period = this_period()

    owed, payout = company_settle(company=company, period=period)
    assert (owed.fees, owed.net, payout) == (Decimal(200_000), Decimal(-200_000), None)
    shown = api.as_user(owner_of(company)).get(f"/api/v1/companies/{company.pk}/statements/{period}/").json()
    assert shown["net"] == {"amount": "-200000", "currency": "KRW"} and shown["payout"] is None

    paid_order(company, total=Decimal(500_000), currency="KRW")
    following = next_month()
    # The sale and its commission happen next month.
    Order.objects.filter(lines__seller=company).update(paid_at=following + timezone.timedelta(days=2))
    Fee.objects.filter(kind=FeeKind.COMMISSION).update(charged_at=following + timezone.timedelta(days=2))
    later, payout = company_settle(company=company, period=f"{following:%Y-%m}")
    assert (later.sales, later.commission, later.carried_in) == (Decimal(500_000), Decimal(40_000), Decimal(-200_000))
    assert (later.net, payout.amount) == (Decimal(260_000), Decimal(260_000))
    assert Payout.objects.filter(company=company).count() == 1


def test_a_dispute_resolved_as_delivered_makes_the_co_payment_due_and_one_not_delivered_does_not(api):
    translation, booth = catalogue()
    company = company_with_owner()
    voucher = voucher_for(company, voucher_programme())
    owner, operator = owner_of(company), OperatorFactory()
    outcomes = {}
    for service, outcome in ((translation, "delivered"), (booth, "not_delivered")):
        placed = order(api.as_user(owner), voucher, service)
        api.as_user(operator).post(f"/api/v1/service-orders/{placed['id']}/deliver/", {"note": ""}, format="json")
        api.as_user(owner).post(f"/api/v1/service-orders/{placed['id']}/dispute/", {"reason": "Late."}, format="json")
        response = api.as_user(operator).post(
            f"/api/v1/service-orders/{placed['id']}/resolve/", {"outcome": outcome, "reason": "Checked."}, format="json"
        )
        assert response.status_code == 200, response.json()
        outcomes[outcome] = placed["id"]
    due = Fee.objects.filter(kind=FeeKind.SERVICE_CO_PAYMENT).values_list("cause_id", "amount")
    assert list(due) == [(outcomes["delivered"], Decimal(200_000))]


def test_the_provider_payout_stays_the_programmes_part(api):
    translation, _booth = catalogue()
    company = company_with_owner()
    delivered_and_confirmed(api, company, translation)
    last_month = timezone.localdate().replace(day=1) - timezone.timedelta(days=1)
    ServiceOrder.objects.update(
        confirmed_at=timezone.make_aware(timezone.datetime(last_month.year, last_month.month, 15))
    )
    [payout] = provider_payouts_create(actor=OperatorFactory(), period=f"{last_month:%Y-%m}")
    assert (payout.amount, payout.currency) == (Decimal(800_000), "KRW")
    assert ProviderPayout.objects.count() == 1
    assert Fee.objects.get(kind=FeeKind.SERVICE_CO_PAYMENT).amount == Decimal(200_000)


def test_no_programme_covers_a_co_payment(api):
    response = api.as_user(OperatorFactory()).post(
        "/api/v1/programmes/",
        {
            "name": "Covers everything",
            "sponsor": "MSS",
            "starts_on": "2026-01-01",
            "ends_on": "2030-12-31",
            "budget": {"amount": "1000000", "currency": "KRW"},
            "per_company_cap": {"amount": "100000", "currency": "KRW"},
            "share": "0.5",
            "fee_kinds": ["fulfilment", "service_co_payment"],
        },
        format="json",
    )
    assert response.status_code == 400, response.json()
    assert [(e["attr"], e["detail"]) for e in response.json()["errors"]] == [
        ("fee_kinds", "The co-payment is the SME's own share; no programme covers it.")
    ]

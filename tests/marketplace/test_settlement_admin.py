"""The settlement admin: operators manage tariff, programmes and payouts; SME staff read only
their own fees, statements and payouts."""

from decimal import Decimal

import pytest

from marketplace.models import Payout
from marketplace.services.fees import fee_charge
from marketplace.services.settlement import company_settle
from tests.factories import OperatorFactory, company_with_owner, owner_of
from tests.marketplace.settlement_helpers import paid_order, programme
from tests.marketplace.test_settlement import this_period

pytestmark = pytest.mark.django_db


def test_operators_see_every_settlement_page_and_confirm_a_bank_payout(client):
    company = company_with_owner()
    programme()
    paid_order(company, total=Decimal("10.00"))
    fee_charge(company=company, kind="fulfilment", cause_type="shipment", cause_id=1)
    _, payout = company_settle(company=company, period=this_period())
    client.force_login(OperatorFactory())
    for page in ("feerate", "supportprogramme", "voucher", "brandfund", "fee", "statement", "payout", "payoutaccount"):
        assert client.get(f"/admin/marketplace/{page}/").status_code == 200, page
    fee = company.fees.first()
    assert client.get(f"/admin/marketplace/fee/{fee.pk}/change/").status_code == 200
    response = client.post(
        "/admin/marketplace/payout/", {"action": "confirm", "_selected_action": [payout.pk]}, follow=True
    )
    assert response.status_code == 200
    payout.refresh_from_db()
    assert payout.status == Payout.Status.PAID


def test_sme_staff_read_only_their_own_fees_and_never_programmes(client):
    mine, theirs = company_with_owner(legal_name="Mine Co."), company_with_owner(legal_name="Theirs Co.")
    for i, company in enumerate((mine, theirs)):
        fee_charge(company=company, kind="fulfilment", cause_type="shipment", cause_id=i)
    client.force_login(owner_of(mine))
    listing = client.get("/admin/marketplace/fee/").content.decode()
    assert "Mine Co." in listing and "Theirs Co." not in listing
    assert client.get(f"/admin/marketplace/fee/{theirs.fees.get().pk}/change/").status_code == 404
    for page in ("feerate", "supportprogramme", "voucher"):
        assert client.get(f"/admin/marketplace/{page}/").status_code == 403, page
    fee = mine.fees.get()
    response = client.post(f"/admin/marketplace/fee/{fee.pk}/change/", {"amount": "0"})
    assert response.status_code == 403
    fee.refresh_from_db()
    assert fee.amount == Decimal("3.50")

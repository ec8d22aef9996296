"""The trade desk in the admin: operators verify buyers and see every RFQ and quote; SME staff
see only their own companies' quotes, read-only."""

import pytest

from tests.factories import owner_of
from tests.marketplace.trade_helpers import b2b_product, buyer, quote, rfq

pytestmark = pytest.mark.django_db


def test_operators_verify_buyer_companies_through_the_service(client, operator):
    company, _ = buyer()
    client.force_login(operator)
    for model in ("buyercompany", "rfq", "quote", "inquirythread"):
        assert client.get(f"/admin/marketplace/{model}/").status_code == 200
    response = client.post("/admin/marketplace/buyercompany/", {"action": "verify", "_selected_action": [company.pk]})
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.verified and company.verified_by == operator


def test_sme_staff_see_only_their_own_quotes_and_no_rfq_admin(client, network):
    offer = rfq()
    mine, theirs = b2b_product(), b2b_product()
    own, rival = quote(offer, mine), quote(offer, theirs)
    client.force_login(owner_of(mine.company))
    page = client.get("/admin/marketplace/quote/")
    assert page.status_code == 200
    assert client.get(f"/admin/marketplace/quote/{own.pk}/change/").status_code == 200
    assert client.get(f"/admin/marketplace/quote/{rival.pk}/change/").status_code in (302, 403, 404)
    assert client.get("/admin/marketplace/rfq/").status_code == 403
    assert client.get("/admin/marketplace/buyercompany/").status_code == 403

"""The promotions admin: SME staff manage only their companies' promotions, funded by
themselves; operators any; every save and action goes through the services."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.models import Promotion
from tests.factories import OperatorFactory, company_with_owner, owner_of
from tests.marketplace.test_promotions import promo

pytestmark = pytest.mark.django_db


def form(company, **changes) -> dict:
    start = timezone.localtime() - timedelta(hours=1)
    return {
        "name": "Admin sale",
        "code": "admin15",
        "kind": "percentage",
        "percent": "0.15",
        "amounts": "{}",
        "minimum_subtotal": "{}",
        "company": company.pk,
        "funded_by": "seller",
        "starts_at_0": f"{start:%Y-%m-%d}",
        "starts_at_1": f"{start:%H:%M:%S}",
        "is_active": "on",
        "redemptions-TOTAL_FORMS": "0",
        "redemptions-INITIAL_FORMS": "0",
        **changes,
    }


def test_sme_staff_add_their_own_promotions_and_see_no_one_elses(client):
    mine, theirs = company_with_owner(legal_name="Mine Co."), company_with_owner(legal_name="Theirs Co.")
    other = promo(actor=owner_of(theirs), company=theirs, code="THEIRS")
    client.force_login(owner_of(mine))
    assert "THEIRS" not in client.get("/admin/marketplace/promotion/").content.decode()
    assert client.get(f"/admin/marketplace/promotion/{other.pk}/change/").status_code == 404

    refused = client.post("/admin/marketplace/promotion/add/", form(mine, funded_by="platform"))
    assert refused.status_code == 200 and "Only operators" in refused.content.decode()
    assert not Promotion.objects.filter(company=mine).exists()

    response = client.post("/admin/marketplace/promotion/add/", form(mine))
    assert response.status_code == 302, re.findall(r"errorlist[^>]*>(.*?)</ul>", response.content.decode(), re.S)
    created = Promotion.objects.get(company=mine)
    assert created.code == "ADMIN15" and created.created_by == owner_of(mine)


def test_operators_deactivate_promotions_through_the_service(client):
    company = company_with_owner()
    promotion = promo(company=company, code="GOODBYE")
    client.force_login(OperatorFactory())
    assert client.get(f"/admin/marketplace/promotion/{promotion.pk}/change/").status_code == 200
    client.post("/admin/marketplace/promotion/", {"action": "deactivate", "_selected_action": [promotion.pk]})
    promotion.refresh_from_db()
    assert not promotion.is_active

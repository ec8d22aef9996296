"""Duty drawback end to end through the API: returned DDP goods re-exported (or destroyed) are
claimed back under the destination's rule, with the claim document, tracked to the refund that
credits the exporter who paid, to the cent."""

import io

import pytest
from pypdf import PdfReader
from rest_framework.test import APIClient

from core.services import user_token_get_or_create
from logistics.models import DrawbackClaim
from logistics.services import declaration_clear, declaration_create, declaration_submit
from tests.factories import OperatorFactory, company_with_owner, owner_of
from tests.logistics.test_customs import consign, goods

pytestmark = pytest.mark.django_db
CLAIMS = "/api/v1/drawback-claims/"


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {user_token_get_or_create(user=user)}")
    return client


def cleared(operator, seller, destination, incoterm="DDP"):
    declaration, _ = declaration_create(
        consignment=consign([goods(seller)], actor=operator, destination=destination, incoterm=incoterm),
        actor=operator,
    )
    declaration = declaration_submit(declaration=declaration, actor=operator)
    return declaration_clear(declaration=declaration, actor=operator)


def usd(amount):
    return {"amount": amount, "currency": "USD"}


def test_a_re_exported_ddp_return_is_claimed_back_and_the_refund_credits_the_exporter():
    operator, seller = OperatorFactory(), company_with_owner()
    de = cleared(operator, seller, "DE")  # 2 lamps x USD 100: duty 4.7%, VAT 19% on value + duty
    line = de.lines.get()
    client = api(operator)
    body = {"declaration": de.pk, "disposition": "re_exported", "reference": "EX-A 2026-0042"}
    response = client.post(CLAIMS, {**body, "lines": [{"line": line.pk, "quantity": 1}]}, format="json")
    assert response.status_code == 201, response.json()
    claim = response.json()
    # One unit: duty 4.70, VAT 19% of 104.70 = 19.89; the EU repays all of both.
    assert (claim["duty_paid"], claim["tax_paid"], claim["refundable"]) == (usd("4.70"), usd("19.89"), usd("24.59"))
    assert (claim["status"], claim["credited_company"], claim["refunded"]) == ("filed", seller.pk, None)
    document = DrawbackClaim.objects.get(pk=claim["id"]).document
    assert claim["document"] == document.url
    with document.open("rb") as pdf:
        text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf.read())).pages)
    assert "DUTY DRAWBACK CLAIM" in text and "refundable 24.59 USD" in text and "EX-A 2026-0042" in text
    too_many = client.post(CLAIMS, {**body, "lines": [{"line": line.pk, "quantity": 2}]}, format="json")
    assert too_many.status_code == 400 and too_many.json()["errors"][0]["attr"] == "lines.0.quantity"

    assert client.post(f"{CLAIMS}{claim['id']}/refund/", {"amount": usd("24.59")}, format="json").status_code == 409
    submitted = client.post(f"{CLAIMS}{claim['id']}/submit/", {"customs_reference": "ATLAS-77"}, format="json")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    over = client.post(f"{CLAIMS}{claim['id']}/refund/", {"amount": usd("24.60")}, format="json")
    assert over.status_code == 400
    refunded = client.post(f"{CLAIMS}{claim['id']}/refund/", {"amount": usd("24.59")}, format="json").json()
    assert (refunded["status"], refunded["refunded"]) == ("refunded", usd("24.59"))
    # The exporter's staff follow the claim that credits them; others cannot see it.
    assert api(owner_of(seller)).get(f"{CLAIMS}{claim['id']}/").json()["refunded"] == usd("24.59")
    assert api(owner_of(company_with_owner())).get(f"{CLAIMS}{claim['id']}/").status_code == 404


def test_the_destinations_rule_sets_the_share_and_only_ddp_imports_are_claimed():
    operator, seller = OperatorFactory(), company_with_owner()
    us = cleared(operator, seller, "US")
    client = api(operator)
    response = client.post(
        CLAIMS,
        {
            "declaration": us.pk,
            "disposition": "destroyed",
            "reference": "CBP 3499 destruction",
            "lines": [{"line": us.lines.get().pk, "quantity": 2}],
        },
        format="json",
    )
    # Duty 3.9% of USD 200 = 7.80, no import tax; the US repays 99%: 7.722 -> 7.72.
    assert response.json()["refundable"] == usd("7.72"), response.json()
    dap = cleared(operator, seller, "DE", incoterm="DAP")
    body = {"declaration": dap.pk, "disposition": "destroyed", "reference": "X", "lines": [{"line": 1, "quantity": 1}]}
    assert client.post(CLAIMS, body, format="json").status_code == 409
    assert api(owner_of(seller)).post(CLAIMS, body, format="json").status_code == 403

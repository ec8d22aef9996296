"""Duty reconciliation end to end through the API: an operator records the carrier's or broker's
final bill (one, or many from a CSV, all or nothing), the difference from the frozen estimate is
booked to the seller under DDP and to the buyer under DAP, and the variance report splits it by
destination and HS chapter, to the cent."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from core.services import user_token_get_or_create
from logistics.models import DutyBill
from logistics.services import declaration_create, declaration_submit
from tests.factories import OperatorFactory, company_with_owner, owner_of
from tests.logistics.test_customs import consign, goods

pytestmark = pytest.mark.django_db
BILLS = "/api/v1/duty-bills/"


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {user_token_get_or_create(user=user)}")
    return client


def submitted(operator, variants, **kw):
    declaration, _ = declaration_create(consignment=consign(variants, actor=operator, **kw), actor=operator)
    return declaration_submit(declaration=declaration, actor=operator)


def usd(amount):
    return {"amount": amount, "currency": "USD"}


def test_bills_are_booked_to_the_party_the_incoterm_makes_responsible_and_reported_by_chapter():
    operator = OperatorFactory()
    seller = company_with_owner()
    # DDP to the US: 2 lamps x USD 100, duty 3.9% = 7.80, no import tax.
    us = submitted(operator, [goods(seller)], destination="US", incoterm="DDP")
    assert (us.duty_amount, us.tax_amount) == (Decimal("7.80"), Decimal("0"))
    # DAP to Germany: lamps and bags, 2 x USD 100 each: duty 9.40 + 6.00, VAT 19% of 415.40 = 78.93.
    de = submitted(operator, [goods(seller), goods(seller, hs_code="420292")], destination="DE", incoterm="DAP")
    assert (de.duty_amount, de.tax_amount) == (Decimal("15.40"), Decimal("78.93"))
    client = api(operator)
    response = client.post(
        BILLS,
        {
            "declaration": us.pk,
            "billed_by": "UPS Brokerage",
            "reference": "UPS-1",
            "duty": usd("9.10"),
            "tax": usd("0"),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["difference"], body["responsible_party"], body["responsible_company"]) == (
        usd("1.30"),
        "seller",
        seller.pk,
    )
    assert (body["duty_estimated"], body["tax_estimated"]) == (usd("7.80"), usd("0.00"))
    again = client.post(
        BILLS,
        {"declaration": us.pk, "billed_by": "UPS", "reference": "UPS-2", "duty": usd("1"), "tax": usd("0")},
        format="json",
    )
    assert again.status_code == 409

    head = "declaration,billed_by,reference,currency,duty,tax\r\n"
    bad = head + "{},DHL,DHL-1,USD,15.40,80.00\r\n999999,DHL,DHL-2,USD,x,1\r\n"
    response = client.post(
        f"{BILLS}import/", {"file": SimpleUploadedFile("bills.csv", bad.format(de.pk).encode())}, format="multipart"
    )
    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"rows.2.declaration", "rows.2.duty"}
    assert not DutyBill.objects.filter(declaration=de).exists()  # all or nothing
    good = f"declaration,billed_by,reference,currency,duty,tax\r\n{de.pk},DHL,DHL-1,USD,15.40,80.00\r\n"
    response = client.post(
        f"{BILLS}import/", {"file": SimpleUploadedFile("bills.csv", good.encode())}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    [row] = response.json()
    assert (row["difference"], row["responsible_party"], row["responsible_company"]) == (usd("1.07"), "buyer", None)

    report = client.get(f"{BILLS}variance-report/").json()
    # Germany's bill (estimated 94.33, billed 95.40) splits by line value, 50/50: 47.17 + 47.16 and 47.70 + 47.70.
    assert report == [
        {
            "destination": "DE",
            "hs_chapter": "42",
            "bills": 1,
            "estimated": usd("47.16"),
            "billed": usd("47.70"),
            "difference": usd("0.54"),
        },
        {
            "destination": "DE",
            "hs_chapter": "94",
            "bills": 1,
            "estimated": usd("47.17"),
            "billed": usd("47.70"),
            "difference": usd("0.53"),
        },
        {
            "destination": "US",
            "hs_chapter": "94",
            "bills": 1,
            "estimated": usd("7.80"),
            "billed": usd("9.10"),
            "difference": usd("1.30"),
        },
    ]
    # The seller's staff read their bills, not the report; others see none.
    assert len(api(owner_of(seller)).get(BILLS).json()["results"]) == 2
    assert api(owner_of(seller)).get(f"{BILLS}variance-report/").status_code == 403
    assert api(owner_of(company_with_owner())).get(f"{BILLS}{body['id']}/").status_code == 404


def test_a_draft_declaration_cannot_be_billed_and_the_currency_must_match():
    operator = OperatorFactory()
    declaration, _ = declaration_create(
        consignment=consign([goods(company_with_owner())], actor=operator), actor=operator
    )
    client = api(operator)
    body = {"declaration": declaration.pk, "billed_by": "DHL", "reference": "D-1", "duty": usd("1"), "tax": usd("1")}
    assert client.post(BILLS, body, format="json").status_code == 409
    declaration = declaration_submit(declaration=declaration, actor=operator)
    response = client.post(BILLS, {**body, "duty": {"amount": "1", "currency": "EUR"}}, format="json")
    assert response.status_code == 400 and not DutyBill.objects.exists()


def test_under_ioss_the_border_bill_is_compared_with_no_import_tax():
    operator = OperatorFactory()
    consignment = consign(
        [goods(company_with_owner())], destination="FR", incoterm="DDP", currency="EUR", actor=operator, unit_value="60"
    )
    declaration, _ = declaration_create(consignment=consignment, actor=operator)
    declaration = declaration_submit(declaration=declaration, actor=operator)
    assert declaration.tax_scheme == "EU-IOSS" and declaration.tax_amount == Decimal("24.00")  # charged at sale
    eur = {"currency": "EUR"}
    body = {"declaration": declaration.pk, "billed_by": "La Poste", "reference": "LP-1"}
    response = api(operator).post(
        BILLS, {**body, "duty": {"amount": "5.64", **eur}, "tax": {"amount": "0", **eur}}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["tax_estimated"], response.json()["difference"]) == (
        {"amount": "0.00", "currency": "EUR"},
        {"amount": "0.00", "currency": "EUR"},
    )

"""Low-value VAT/GST schemes: EU IOSS (up to EUR 150), the UK's GBP 135 rule and Australia's GST
on goods up to AUD 1,000 move the import tax to the sale at the destination's rate; above the
threshold (one cent over) it is import tax at the border again. Dated, and named on the
declaration and both documents."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from core.money import Money
from logistics.models import LowValueScheme
from logistics.services import GoodsLine, declaration_create, declaration_submit, duties_estimate
from tests.factories import OperatorFactory, company_with_owner
from tests.logistics.test_customs import consign, goods

pytestmark = pytest.mark.django_db


def estimate(destination, value, currency, on=None):
    return duties_estimate(
        destination_country=destination,
        lines=[GoodsLine("940540", "KR", 1, Money(Decimal(value), currency))],
        currency=currency,
        on=on,
    )


@pytest.mark.parametrize(
    ("destination", "currency", "at", "over", "scheme", "at_sale", "over_duty", "over_border_tax"),
    [
        # FR (EU duty relief ended 2026-07-01: duty 4.7% is due either way; VAT 20%, on goods only at sale).
        ("FR", "EUR", "150.00", "150.01", "EU-IOSS", ("7.05", "30.00"), "7.05", "31.41"),
        # GB: duty relief to GBP 135; above, 3.9% duty and VAT 20% on value plus duty at the border.
        ("GB", "GBP", "135.00", "135.01", "UK-LVG", ("0.00", "27.00"), "5.27", "28.06"),
        # AU: duty and border GST free to AUD 1,000, GST 10% charged at sale instead; above, 5% duty and GST.
        ("AU", "AUD", "1000.00", "1000.01", "AU-LVG", ("0.00", "100.00"), "50.00", "105.00"),
    ],
)
def test_the_scheme_applies_at_its_threshold_and_not_one_cent_over(
    destination, currency, at, over, scheme, at_sale, over_duty, over_border_tax
):
    inside = estimate(destination, at, currency)
    assert inside.tax_scheme.code == scheme
    assert (inside.duty.amount, inside.tax.amount) == tuple(Decimal(x) for x in at_sale)
    assert inside.border_tax == Money(Decimal("0.00"), currency)
    assert inside.rule_versions["tax_scheme"]["applied"] is True
    assert inside.rule_versions["tax_scheme"]["consignment_value"] == {"amount": at, "currency": currency}
    outside = estimate(destination, over, currency)
    assert outside.tax_scheme is None
    assert (outside.duty.amount, outside.tax.amount) == (Decimal(over_duty), Decimal(over_border_tax))
    assert outside.border_tax == outside.tax
    assert outside.rule_versions["tax_scheme"]["applied"] is False


def test_the_threshold_is_compared_in_the_schemes_currency():
    # 150 EUR is about 163 USD at the seeded rates: a USD 160 consignment is inside, USD 170 is not.
    assert estimate("DE", "160", "USD").tax_scheme.code == "EU-IOSS"
    assert estimate("DE", "170", "USD").tax_scheme is None


def test_a_scheme_applies_only_in_its_dates():
    today = timezone.localdate()
    LowValueScheme.objects.filter(code="EU-IOSS").update(valid_to=today - timedelta(days=1))
    assert estimate("FR", "120", "EUR").tax_scheme is None
    LowValueScheme.objects.create(
        code="EU-IOSS",
        name="EU IOSS (renewed)",
        countries=["FR"],
        valid_from=today + timedelta(days=1),
        threshold=Decimal("150"),
        currency="EUR",
        registration_number="IM2509999999",
        source="test",
    )
    assert estimate("FR", "120", "EUR").tax_scheme is None
    assert estimate("FR", "120", "EUR", on=today + timedelta(days=1)).tax_scheme.registration_number == "IM2509999999"
    assert estimate("DE", "120", "EUR", on=today + timedelta(days=1)).tax_scheme is None


def test_an_ioss_consignment_names_the_ioss_number_on_the_declaration_and_both_documents(client):
    operator = OperatorFactory()
    variant = goods(company_with_owner())
    consignment = consign(
        [variant], destination="FR", incoterm="DDP", currency="EUR", unit_value="60.00", actor=operator
    )
    declaration, _ = declaration_create(consignment=consignment, actor=operator)
    declaration = declaration_submit(declaration=declaration, actor=operator)
    assert (declaration.tax_scheme, declaration.tax_registration_number) == ("EU-IOSS", "IM2760000000")
    assert declaration.tax_amount == Decimal("24.00")  # 20% of EUR 120, charged at sale
    client.force_login(operator)
    body = client.get(f"/api/v1/customs-declarations/{declaration.pk}/").json()
    assert (body["tax_scheme"], body["tax_registration_number"]) == ("EU-IOSS", "IM2760000000")
    for document in (declaration.commercial_invoice, declaration.cn23):
        document.open("rb")
        text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(document.read())).pages)
        document.close()
        assert "EU-IOSS, IOSS number IM2760000000" in text
        assert "no import tax is due at the border" in text

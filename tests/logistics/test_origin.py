"""FTA preferences: a product's origin qualification, declared by its SME and verified by an
operator, earns the agreement's dated rate between its origin and the destination when the
proof travels; the estimate keeps MFN beside it and declarations carry the origin statement."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pypdf import PdfReader

from core.errors import InvalidInput, NotPermitted, WrongState
from core.money import Money
from logistics.models import OriginQualification, PreferentialRate, TradeAgreement
from logistics.services import GoodsLine, declaration_create, declaration_submit, duties_estimate
from logistics.services.origin import (
    origin_qualification_declare,
    origin_qualification_reject,
    origin_qualification_verify,
)
from tests.factories import OperatorFactory, UserFactory, company_with_owner, owner_of
from tests.logistics.test_customs import consign, goods
from tests.logistics.trade_helpers import qualify

pytestmark = pytest.mark.django_db


def estimate(product, destination, *, value="100.00", on=None, origin="KR", hs_code="940540"):
    return duties_estimate(
        destination_country=destination,
        lines=[GoodsLine(hs_code, origin, 1, Money(Decimal(value), "USD"), product_id=product.pk)],
        currency="USD",
        on=on,
    )


def test_a_product_qualifying_under_korus_but_not_the_korea_eu_fta_gets_the_preference_only_in_the_us():
    item = goods(company_with_owner()).product
    qualify(item, "KORUS")
    us = estimate(item, "US")
    line = us.lines[0]
    assert (line.duty_rate, line.mfn_rate, line.preference.agreement.code) == (Decimal("0"), Decimal("0.039"), "KORUS")
    assert us.duty == Money(Decimal("0.00"), "USD") and us.mfn_duty == Money(Decimal("3.90"), "USD")
    assert us.saving == Money(Decimal("3.90"), "USD")
    assert us.rule_versions["preferences"]["line 1"]["agreement"] == "KORUS"
    de = estimate(item, "DE", value="200.00")  # above any de minimis
    assert de.lines[0].preference is None and de.lines[0].duty_rate == Decimal("0.047")
    assert de.saving.amount == 0 and de.rule_versions["preferences"] == {}


def test_the_saving_counts_the_import_tax_levied_on_the_duty():
    item = goods(company_with_owner()).product
    qualify(item, "KOREU", exporter_authorisation="KR/AE/123")
    de = estimate(item, "DE", value="200.00")
    # MFN: duty 4.7% = 9.40, VAT 19% of 209.40 = 39.79; KOREU: duty 0, VAT 19% of 200 = 38.00.
    assert (de.duty.amount, de.tax.amount) == (Decimal("0.00"), Decimal("38.00"))
    assert (de.mfn_duty.amount, de.mfn_tax.amount) == (Decimal("9.40"), Decimal("39.79"))
    assert de.saving == Money(Decimal("11.19"), "USD")


def test_only_a_verified_qualification_in_its_period_counts():
    item = goods(company_with_owner()).product
    declared = qualify(item, "KORUS", verify=False)
    assert estimate(item, "US").lines[0].preference is None
    origin_qualification_reject(actor=OperatorFactory(), qualification=declared, reason="No cost breakdown.")
    assert estimate(item, "US").lines[0].preference is None
    expired = qualify(item, "KORUS", valid_from=date(2024, 1, 1), valid_to=timezone.localdate() - timedelta(days=1))
    assert expired.status == OriginQualification.Status.VERIFIED
    assert estimate(item, "US").lines[0].preference is None
    assert estimate(item, "US", on=expired.valid_to).lines[0].preference.agreement.code == "KORUS"


def test_a_preferential_rate_that_starts_tomorrow_applies_from_tomorrow():
    item = goods(company_with_owner(), hs_code="420292").product
    qualify(item, "RCEP")
    tomorrow = timezone.localdate() + timedelta(days=1)
    PreferentialRate.objects.create(
        agreement=TradeAgreement.objects.get(code="RCEP"),
        country="JP",
        hs_prefix="4202",
        rate=Decimal("0"),
        valid_from=tomorrow,
        source="test: a staged cut",
    )
    today = estimate(item, "JP", hs_code="420292").lines[0]
    assert (today.duty_rate, today.mfn_rate, today.preference.hs_prefix) == (Decimal("0.02"), Decimal("0.08"), "")
    later = estimate(item, "JP", hs_code="420292", on=tomorrow).lines[0]
    assert (later.duty_rate, later.preference.hs_prefix) == (Decimal("0"), "4202")
    # Where MFN is already lower (lamps enter Japan free), no preference is claimed.
    lamp = estimate(item, "JP", hs_code="940540").lines[0]
    assert lamp.preference is None and lamp.duty_rate == Decimal("0")


def test_the_lowest_rate_of_the_agreements_whose_proof_travels_wins():
    item = goods(company_with_owner()).product
    qualify(item, "RCEP")
    cn = estimate(item, "CN", value="500")
    assert (cn.lines[0].preference.agreement.code, cn.lines[0].duty_rate) == ("RCEP", Decimal("0.06"))
    qualify(item, "KCFTA")
    cn = estimate(item, "CN", value="500")
    assert (cn.lines[0].preference.agreement.code, cn.lines[0].duty_rate) == ("KCFTA", Decimal("0.045"))
    assert cn.lines[0].mfn_rate == Decimal("0.075")
    # Goods of another origin (a non-party) get no preference from the product's qualification.
    assert estimate(item, "CN", value="500", origin="VN").lines[0].duty_rate == Decimal("0.06")
    assert estimate(item, "CN", value="500", origin="US").lines[0].preference is None


def test_declaring_checks_the_party_the_proof_and_the_declarant():
    company = company_with_owner()
    item = goods(company).product
    kcfta = TradeAgreement.objects.get(code="KCFTA")
    args = {
        "product": item,
        "criterion": "regional_value_content",
        "declaration": "RVC 52%.",
        "supporting_document": SimpleUploadedFile("rvc.pdf", b"%PDF-1.4", "application/pdf"),
        "valid_from": date(2025, 1, 1),
    }
    with pytest.raises(InvalidInput) as refused:
        origin_qualification_declare(actor=owner_of(company), agreement=kcfta, **args)
    assert "certificate_number" in refused.value.fields
    with pytest.raises(NotPermitted):
        origin_qualification_declare(actor=UserFactory(), agreement=kcfta, certificate_number="C1", **args)
    foreign = goods(company, origin="CN").product
    with pytest.raises(InvalidInput) as refused:
        qualify(foreign, "KORUS")
    assert "agreement" in refused.value.fields
    declared = qualify(item, "KORUS", verify=False)
    with pytest.raises(NotPermitted):
        origin_qualification_verify(actor=owner_of(company), qualification=declared)
    origin_qualification_verify(actor=OperatorFactory(), qualification=declared)
    with pytest.raises(WrongState):
        origin_qualification_verify(actor=OperatorFactory(), qualification=declared)


def test_the_declaration_carries_the_rate_and_the_origin_statement_per_line_on_both_documents():
    operator = OperatorFactory()
    company = company_with_owner()
    qualified, plain = goods(company), goods(company)
    qualify(qualified.product, "KOREU", exporter_authorisation="KR/AE/0042")
    declaration, _ = declaration_create(
        consignment=consign([qualified, plain], destination="DE", incoterm="DDP", actor=operator), actor=operator
    )
    declaration = declaration_submit(declaration=declaration, actor=operator)
    first, second = declaration.lines.order_by("pk")
    assert (first.agreement_code, first.duty_rate, first.mfn_rate) == ("KOREU", Decimal("0"), Decimal("0.047"))
    assert "customs authorisation No KR/AE/0042" in first.origin_statement
    assert "of Korea preferential origin" in first.origin_statement
    assert (second.agreement_code, second.origin_statement, second.duty_rate) == ("", "", Decimal("0.047"))
    for document in (declaration.commercial_invoice, declaration.cn23):
        document.open("rb")
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(document.read())).pages)
        document.close()
        assert "Line 1 (KOREU)" in " ".join(text.split()) and "Line 2 (KOREU)" not in text

from datetime import date
from decimal import Decimal

import pytest

from brands.eligibility import KR2015_SECTORS, CompanyFigures, sme_eligibility_evaluate
from core.money import Money
from core.selectors import RateTable

RATES = RateTable(on=date(2030, 1, 1), rates={("USD", "KRW"): Decimal("1500"), ("USD", "EUR"): Decimal("0.8")})
ONE_SECTOR_PER_BAND = {
    ceiling: next(s for s in KR2015_SECTORS if s.sales_ceiling_krw_billion == ceiling)
    for ceiling in (150, 100, 80, 60, 40)
}


def figures(sales: Money, *, sector="mfg_clothing", employees=50, subsidiary=False, balance: Money | None = None):
    return CompanyFigures(
        sector=sector,
        annual_sales=sales,
        balance_sheet_total=balance,
        employees=employees,
        is_large_enterprise_subsidiary=subsidiary,
    )


def krw(amount) -> Money:
    return Money(Decimal(amount), "KRW")


def test_every_band_of_table_1_has_sectors():
    assert {s.sales_ceiling_krw_billion for s in KR2015_SECTORS} == {150, 100, 80, 60, 40}
    assert len({s.code for s in KR2015_SECTORS}) == len(KR2015_SECTORS)


@pytest.mark.parametrize("ceiling", [150, 100, 80, 60, 40])
@pytest.mark.parametrize(("offset", "eligible"), [(-1, True), (0, False), (1, False)], ids=["under", "at", "over"])
def test_kr2015_sales_ceiling_of_each_band(ceiling, offset, eligible):
    sector = ONE_SECTOR_PER_BAND[ceiling]
    sales = krw(ceiling * 1_000_000_000 + offset)
    verdict = sme_eligibility_evaluate(figures(sales, sector=sector.code), RATES, "kr2015")
    assert verdict.eligible is eligible
    assert verdict.rule_set == "kr2015"
    assert any(sector.label in reason for reason in verdict.reasons)


def test_kr2015_a_large_enterprise_subsidiary_is_not_an_sme_whatever_its_sales():
    verdict = sme_eligibility_evaluate(figures(krw(1_000_000), subsidiary=True), RATES, "kr2015")
    assert not verdict.eligible
    assert any("subsidiary" in reason for reason in verdict.reasons)


def test_kr2015_without_a_sector_is_not_eligible_and_says_why():
    verdict = sme_eligibility_evaluate(figures(krw(1), sector=""), RATES, "kr2015")
    assert not verdict.eligible and "sector" in verdict.reasons[0]


@pytest.mark.parametrize(
    ("usd", "eligible"),
    [("99999999.99", True), ("100000000.00", False), ("100000000.01", False)],
    ids=["a-cent-under", "at", "a-cent-over"],
)
def test_kr2015_converts_other_currencies_at_the_boundary(usd, eligible):
    # 100,000,000 USD x 1,500 = 150 billion KRW, the clothing ceiling.
    verdict = sme_eligibility_evaluate(figures(Money(Decimal(usd), "USD")), RATES, "kr2015")
    assert verdict.eligible is eligible


def test_kr2015_without_a_rate_is_not_eligible_and_says_which_rate_is_missing():
    verdict = sme_eligibility_evaluate(figures(Money(Decimal("10"), "ISK")), RATES, "kr2015")
    assert not verdict.eligible
    assert "ISK" in verdict.reasons[0]


@pytest.mark.parametrize(
    ("employees", "turnover_eur", "balance_eur", "eligible"),
    [
        (249, "50000000", None, True),
        (250, "1000000", None, False),
        (249, "50000000.01", None, False),
        (249, "60000000", "43000000", True),
        (249, "60000000", "43000000.01", False),
    ],
    ids=["at-limits", "staff-250", "turnover-over", "balance-sheet-saves", "both-over"],
)
def test_eu2003(employees, turnover_eur, balance_eur, eligible):
    balance = Money(Decimal(balance_eur), "EUR") if balance_eur else None
    verdict = sme_eligibility_evaluate(
        figures(Money(Decimal(turnover_eur), "EUR"), employees=employees, balance=balance), RATES, "eu2003"
    )
    assert verdict.eligible is eligible
    assert verdict.rule_set == "eu2003"


def test_eu2003_converts_turnover_to_eur():
    # 62,500,000 USD x 0.8 = 50,000,000 EUR: at the limit, eligible; a cent more is not.
    assert sme_eligibility_evaluate(figures(Money(Decimal("62500000.00"), "USD")), RATES, "eu2003").eligible
    assert not sme_eligibility_evaluate(figures(Money(Decimal("62500000.02"), "USD")), RATES, "eu2003").eligible


def test_the_setting_picks_the_rule_set(settings):
    settings.SME_RULE_SET = "eu2003"
    assert sme_eligibility_evaluate(figures(krw(1)), RATES).rule_set == "eu2003"

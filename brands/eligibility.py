"""SME eligibility rule sets: sector data plus the code that reads it. SME_RULE_SET picks one."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

from core.errors import ApplicationError
from core.money import Money
from core.selectors import RateTable

BILLION = Decimal(1_000_000_000)


@dataclass(frozen=True)
class Sector:
    code: str
    label: str
    sales_ceiling_krw_billion: int


# Table 1 of the reference report, "Definition of Korean SMEs (from 2015)": annual sales must be
# below the ceiling of the company's sector (billion KRW), and the company independent of
# large enterprises.
KR2015_SECTORS = [
    Sector(code, label, ceiling)
    for ceiling, rows in {
        150: [
            ("mfg_clothing", "Manufacturing: clothes"),
            ("mfg_bags_shoes", "Manufacturing: bags and shoes"),
            ("mfg_pulp_paper", "Manufacturing: pulp and paper"),
            ("mfg_primary_metals", "Manufacturing: primary materials"),
            ("mfg_electrical_equipment", "Manufacturing: electrical equipment"),
            ("mfg_furniture", "Manufacturing: furniture"),
        ],
        100: [
            ("mfg_food", "Manufacturing: groceries and food"),
            ("mfg_tobacco", "Manufacturing: tobacco"),
            ("mfg_textiles", "Manufacturing: textiles"),
            ("mfg_lumber", "Manufacturing: lumber and wood"),
            ("mfg_petroleum", "Manufacturing: petroleum"),
            ("mfg_chemicals", "Manufacturing: chemicals"),
            ("mfg_rubber_plastics", "Manufacturing: rubber and plastics"),
            ("mfg_metal_products", "Manufacturing: metal products"),
            ("mfg_electronics", "Manufacturing: electronics, computers, video and telecommunications"),
            ("mfg_machinery", "Manufacturing: machines and equipment"),
            ("mfg_automobiles", "Manufacturing: automobiles"),
            ("mfg_other_transport", "Manufacturing: other transportation equipment"),
            ("agriculture_forestry_fishery", "Agriculture, forestry and fishery"),
            ("electricity_gas_water", "Electricity, gas and water"),
            ("wholesale_retail", "Wholesale and retail"),
            ("mining", "Mining"),
            ("construction", "Construction"),
        ],
        80: [
            ("mfg_beverages", "Manufacturing: beverages"),
            ("mfg_printing", "Manufacturing: printing and copying"),
            ("mfg_medical", "Manufacturing: medical substances, medicines and medical supplies"),
            ("mfg_nonmetallic_minerals", "Manufacturing: nonmetallic minerals"),
            ("mfg_other_products", "Manufacturing: other products"),
            ("transportation", "Transportation"),
            ("sewage_remediation", "Sewage disposal and environmental remediation"),
            ("publication_information", "Publication and information"),
            ("repair_personal_services", "Repair and other personal services"),
        ],
        60: [
            ("business_support_services", "Business-supporting services"),
            ("science_technology_services", "Science and technology services"),
            ("health_social_welfare", "Health and social welfare"),
            ("arts_sports", "Arts and sports services"),
        ],
        40: [
            ("lodging_restaurants", "Lodging and restaurants"),
            ("finance_insurance", "Finance and insurance"),
            ("education", "Educational services"),
            ("real_estate_leasing", "Real estate and leasing"),
        ],
    }.items()
    for code, label in rows
]
SECTORS_BY_CODE = {sector.code: sector for sector in KR2015_SECTORS}
SECTOR_CHOICES = [(sector.code, sector.label) for sector in KR2015_SECTORS]

EU2003_MAX_STAFF = 250  # fewer than
EU2003_MAX_TURNOVER_EUR = Decimal(50_000_000)  # at most
EU2003_MAX_BALANCE_SHEET_EUR = Decimal(43_000_000)  # at most


@dataclass(frozen=True)
class CompanyFigures:
    """What a rule set reads; built from a Company so rules stay free of the ORM."""

    sector: str
    annual_sales: Money
    balance_sheet_total: Money | None
    employees: int
    is_large_enterprise_subsidiary: bool


@dataclass(frozen=True)
class Verdict:
    eligible: bool
    rule_set: str
    reasons: list[str] = field(default_factory=list)
    # Whether an operator checked the figures against the company's documents (seller onboarding).
    figures_verified: bool = False

    def as_dict(self) -> dict:
        return {
            "eligible": self.eligible,
            "rule_set": self.rule_set,
            "reasons": list(self.reasons),
            "figures_verified": self.figures_verified,
        }


def _convert(rates: RateTable, money: Money, currency: str) -> Money | None:
    try:
        return rates.convert(money, currency)
    except ApplicationError:
        return None


def _kr2015(figures: CompanyFigures, rates: RateTable) -> Verdict:
    reasons, eligible = [], True
    sector = SECTORS_BY_CODE.get(figures.sector)
    if sector is None:
        return Verdict(False, "kr2015", ["No sector of Table 1 is set, so no sales ceiling applies."])
    ceiling = Money(sector.sales_ceiling_krw_billion * BILLION, "KRW")
    sales = _convert(rates, figures.annual_sales, "KRW")
    if sales is None:
        eligible = False
        reasons.append(f"No exchange rate converts {figures.annual_sales.currency} to KRW.")
    elif sales.amount < ceiling.amount:
        reasons.append(f"Annual sales of {sales} are below the {ceiling} ceiling for {sector.label}.")
    else:
        eligible = False
        reasons.append(f"Annual sales of {sales} reach the {ceiling} ceiling for {sector.label}.")
    if figures.is_large_enterprise_subsidiary:
        eligible = False
        reasons.append("A subsidiary of a large enterprise is not independent, so it is not an SME.")
    else:
        reasons.append("Independent of large enterprises.")
    return Verdict(eligible, "kr2015", reasons)


def _eu2003(figures: CompanyFigures, rates: RateTable) -> Verdict:
    reasons = []
    staff_ok = figures.employees < EU2003_MAX_STAFF
    reasons.append(f"{figures.employees} staff {'is' if staff_ok else 'is not'} fewer than {EU2003_MAX_STAFF}.")
    turnover = _convert(rates, figures.annual_sales, "EUR")
    turnover_ok = turnover is not None and turnover.amount <= EU2003_MAX_TURNOVER_EUR
    if turnover is None:
        reasons.append(f"No exchange rate converts {figures.annual_sales.currency} to EUR.")
    else:
        reasons.append(
            f"Turnover of {turnover} {'is within' if turnover_ok else 'exceeds'} EUR {EU2003_MAX_TURNOVER_EUR:,}."
        )
    balance_ok = False
    if figures.balance_sheet_total is not None:
        balance = _convert(rates, figures.balance_sheet_total, "EUR")
        balance_ok = balance is not None and balance.amount <= EU2003_MAX_BALANCE_SHEET_EUR
        if balance is not None:
            reasons.append(
                f"Balance sheet total of {balance} {'is within' if balance_ok else 'exceeds'} "
                f"EUR {EU2003_MAX_BALANCE_SHEET_EUR:,}."
            )
    return Verdict(staff_ok and (turnover_ok or balance_ok), "eu2003", reasons)


RULE_SETS = {"kr2015": _kr2015, "eu2003": _eu2003}
# The figures each rule set reads: a seller application backs them with a document (audited
# accounts or a tax return) when the rule set reads any.
RULE_SET_FIGURES = {
    "kr2015": ["annual_sales", "is_large_enterprise_subsidiary"],
    "eu2003": ["employees", "annual_sales", "balance_sheet_total"],
}


def sme_eligibility_evaluate(figures: CompanyFigures, rates: RateTable, rule_set: str | None = None) -> Verdict:
    rule_set = rule_set or settings.SME_RULE_SET
    return RULE_SETS[rule_set](figures, rates)

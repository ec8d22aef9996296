"""Seed trade rules for the first destinations (US, JP, CN, DE, MX, CL, BR): import tax and de
minimis thresholds, duty rates by HS prefix, and a few restricted goods.

These are seed figures, named with their sources in docs/trade-rules.md. They are data: operators
keep them current in the admin, adding a row with a new valid_from when a rule changes (never
editing a row estimates already used). Duty rates are MFN / general rates, one representative
rate per heading; preferential (FTA) rates and origin-specific surcharges are not seeded.
"""

from datetime import date
from decimal import Decimal

from django.db import migrations

HISTORY = date(2025, 1, 1)  # rows with this date: "in force when the platform's rule history starts"

# (country, valid_from, tax_name, tax_rate, currency, duty_de_minimis, tax_de_minimis, tax_on_duty, source)
TAX_RULES = [
    ("US", date(2016, 3, 10), "None (no federal import VAT)", "0", "USD", "800", "0", False,
     "19 U.S.C. 1321(a)(2)(C): USD 800 de minimis (Trade Facilitation and Trade Enforcement Act of 2015, "
     "in force 2016-03-10); CBP"),
    ("US", date(2025, 8, 29), "None (no federal import VAT)", "0", "USD", "0", "0", False,
     "Executive Order 'Suspending Duty-Free De Minimis Treatment for All Countries' of 2025-07-30 "
     "(House Document 119-85), effective 2025-08-29; CBP"),
    ("JP", date(2019, 10, 1), "Consumption tax", "0.10", "JPY", "10000", "10000", True,
     "Japan Customs FAQ 1006 (customs.go.jp): JPY 10,000 or less exempt from duty and consumption tax; "
     "consumption tax 10% since 2019-10-01 (National Tax Agency)"),
    ("CN", date(2019, 4, 1), "VAT", "0.13", "CNY", "0", "0", True,
     "Import VAT 13% since 2019-04-01 (MOF/STA/GACC Announcement 2019 No. 39); general trade, no de minimis"),
    ("DE", date(2021, 7, 1), "VAT (Einfuhrumsatzsteuer)", "0.19", "EUR", "150", "0", True,
     "Council Regulation (EC) 1186/2009 art. 23 (duty relief to EUR 150); EU VAT e-commerce package "
     "(Directive (EU) 2017/2455) ended the EUR 22 VAT exemption on 2021-07-01; UStG 19%"),
    ("DE", date(2026, 7, 1), "VAT (Einfuhrumsatzsteuer)", "0.19", "EUR", "0", "0", True,
     "Council of the EU, 2026-02-11: EUR 150 duty relief abolished from 2026-07-01 (interim flat EUR 3 per "
     "item category for IOSS parcels not modelled); UStG 19%"),
    ("MX", HISTORY, "IVA", "0.16", "MXN", "0", "0", True,
     "Ley del IVA art. 1 (16%); Reglas Generales de Comercio Exterior 2025 (DOF 2024-12-30): no courier "
     "exemption for origins without a trade agreement with Mexico (e.g. KR, CN)"),
    ("CL", HISTORY, "IVA", "0.19", "USD", "41", "41", True,
     "D.L. 825 (IVA 19%); Servicio Nacional de Aduanas: shipments up to USD 41 exempt from duty and IVA"),
    ("CL", date(2025, 10, 25), "IVA", "0.19", "USD", "0", "0", True,
     "Ley 21.713 (Ley de Cumplimiento Tributario): the USD 41 exemption ends on 2025-10-25; IVA 19% from the "
     "first dollar (SII, Servicio Nacional de Aduanas)"),
    ("BR", date(2024, 8, 1), "ICMS (state VAT on imports)", "0.17", "USD", "0", "0", True,
     "Lei 14.902/2024 (in force 2024-08-01) ended the USD 50 import-tax exemption; ICMS 17% per Convenio "
     "ICMS 81/2023 (several states 20% since 2025-04-01)"),
]

US_HTS = "USITC HTSUS 2025, column 1 general, heading {} (representative rate)"
JP_TARIFF = "Japan Customs tariff schedule 2025 (customs.go.jp), WTO rate, heading {} (representative rate)"
CN_TARIFF = "Customs Tariff of the PRC 2025 (Tariff Commission of the State Council), MFN, heading {} (representative)"
EU_TARIC = "EU TARIC / Combined Nomenclature 2025, third-country duty, heading {} (representative rate)"
MX_TIGIE = "LIGIE/TIGIE 2025 (DOF), general rate, heading {} (representative rate)"
WTO_AVG = "WTO World Tariff Profiles 2024: simple average MFN applied rate, {}"

# (country, hs_prefix, rate, valid_from, source); '' is the country's default rate.
DUTY_RULES = [
    ("US", "", "0.033", HISTORY, WTO_AVG.format("United States")),
    ("US", "3304", "0", HISTORY, US_HTS.format("3304")),
    ("US", "9405", "0.039", HISTORY, US_HTS.format("9405")),
    ("US", "6912", "0.098", HISTORY, US_HTS.format("6912")),
    ("US", "4823", "0", HISTORY, US_HTS.format("4823")),
    ("US", "0902", "0", HISTORY, US_HTS.format("0902")),
    ("US", "61", "0.165", HISTORY, US_HTS.format("61 (knitted apparel)")),
    ("US", "62", "0.166", HISTORY, US_HTS.format("62 (woven apparel)")),
    ("US", "4202", "0.10", HISTORY, US_HTS.format("4202")),
    ("JP", "", "0.04", HISTORY, WTO_AVG.format("Japan")),
    ("JP", "3304", "0", HISTORY, JP_TARIFF.format("3304")),
    ("JP", "9405", "0", HISTORY, JP_TARIFF.format("9405")),
    ("JP", "4823", "0", HISTORY, JP_TARIFF.format("4823")),
    ("JP", "0902", "0.17", HISTORY, JP_TARIFF.format("0902 (green tea)")),
    ("JP", "61", "0.109", HISTORY, JP_TARIFF.format("61")),
    ("JP", "62", "0.091", HISTORY, JP_TARIFF.format("62")),
    ("JP", "4202", "0.08", HISTORY, JP_TARIFF.format("4202")),
    ("CN", "", "0.075", HISTORY, WTO_AVG.format("China")),
    ("CN", "3304", "0.029", HISTORY, CN_TARIFF.format("3304 (cosmetics, average after the 2018-07-01 cut)")),
    ("CN", "0902", "0.15", HISTORY, CN_TARIFF.format("0902")),
    ("CN", "6912", "0.071", HISTORY, CN_TARIFF.format("6912 (kitchen and tableware average)")),
    ("CN", "61", "0.071", HISTORY, CN_TARIFF.format("61 (apparel average after the 2018-07-01 cut)")),
    ("CN", "62", "0.071", HISTORY, CN_TARIFF.format("62 (apparel average after the 2018-07-01 cut)")),
    ("DE", "", "0.05", HISTORY, WTO_AVG.format("European Union")),
    ("DE", "3304", "0", HISTORY, EU_TARIC.format("3304")),
    ("DE", "9405", "0.047", HISTORY, EU_TARIC.format("9405")),
    ("DE", "4823", "0", HISTORY, EU_TARIC.format("4823")),
    ("DE", "0902", "0.032", HISTORY, EU_TARIC.format("0902 (green tea)")),
    ("DE", "61", "0.12", HISTORY, EU_TARIC.format("61")),
    ("DE", "62", "0.12", HISTORY, EU_TARIC.format("62")),
    ("DE", "4202", "0.03", HISTORY, EU_TARIC.format("4202 (leather handbags)")),
    ("MX", "", "0.07", HISTORY, WTO_AVG.format("Mexico")),
    ("MX", "61", "0.35", HISTORY, MX_TIGIE.format("61; DOF 2024-12-19 decree: 35% for non-FTA origins")),
    ("MX", "62", "0.35", HISTORY, MX_TIGIE.format("62; DOF 2024-12-19 decree: 35% for non-FTA origins")),
    ("CL", "", "0.06", HISTORY, "Arancel Aduanero de Chile: uniform 6% ad valorem general duty"),
    ("BR", "", "0.60", date(2024, 8, 1), "Regime de Tributacao Simplificada, Lei 14.902/2024: 60% import tax"),
]

# (country, hs_prefix, restriction, reason)
RESTRICTED_GOODS = [
    ("CN", "3304", "licence",
     "Imported cosmetics must be registered or notified with the NMPA before import (Cosmetics Supervision "
     "and Administration Regulation, in force 2021-01-01)."),
    ("BR", "3304", "licence",
     "Cosmetics need ANVISA regularisation (notification or registration) before import (ANVISA RDC 752/2022)."),
    ("CL", "08", "prohibited",
     "Fresh fruit and nuts need SAG phytosanitary import authorisation; the platform does not ship them to Chile."),
]


def seed(apps, schema_editor):
    TaxRule = apps.get_model("logistics", "TaxRule")
    DutyRule = apps.get_model("logistics", "DutyRule")
    RestrictedGood = apps.get_model("logistics", "RestrictedGood")
    for country, valid_from, name, rate, currency, duty_min, tax_min, on_duty, source in TAX_RULES:
        TaxRule.objects.get_or_create(
            country=country, valid_from=valid_from,
            defaults={
                "tax_name": name, "tax_rate": Decimal(rate), "currency": currency,
                "duty_de_minimis": Decimal(duty_min), "tax_de_minimis": Decimal(tax_min),
                "tax_on_duty": on_duty, "source": source,
            },
        )
    for country, prefix, rate, valid_from, source in DUTY_RULES:
        DutyRule.objects.get_or_create(
            country=country, hs_prefix=prefix, valid_from=valid_from,
            defaults={"rate": Decimal(rate), "source": source},
        )
    for country, prefix, restriction, reason in RESTRICTED_GOODS:
        RestrictedGood.objects.get_or_create(
            country=country, hs_prefix=prefix, defaults={"restriction": restriction, "reason": reason}
        )


def unseed(apps, schema_editor):
    TaxRule = apps.get_model("logistics", "TaxRule")
    DutyRule = apps.get_model("logistics", "DutyRule")
    RestrictedGood = apps.get_model("logistics", "RestrictedGood")
    for country, valid_from, *_ in TAX_RULES:
        TaxRule.objects.filter(country=country, valid_from=valid_from).delete()
    for country, prefix, _rate, valid_from, _source in DUTY_RULES:
        DutyRule.objects.filter(country=country, hs_prefix=prefix, valid_from=valid_from).delete()
    for country, prefix, *_ in RESTRICTED_GOODS:
        RestrictedGood.objects.filter(country=country, hs_prefix=prefix).delete()


class Migration(migrations.Migration):
    dependencies = [("logistics", "0002_fulfilment_parcels")]
    operations = [migrations.RunPython(seed, unseed)]

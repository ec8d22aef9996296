"""Seed the low-value VAT/GST schemes (EU IOSS, the UK's GBP 135 rule, Australia's GST on
low-value imports) and the tax and duty rules of the destinations they add (France, the United
Kingdom, Australia), each dated and sourced (see docs/trade-rules.md). The registration numbers
are placeholders an operator replaces in the admin with the platform's own."""

from datetime import date

from django.db import migrations

EU = [
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU",
    "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
]
HISTORY = date(2025, 1, 1)

SCHEMES = [
    ("EU-IOSS", "EU Import One-Stop Shop", EU, date(2021, 7, 1), "150", "EUR", "IM2760000000",
     "Directives (EU) 2017/2455 and 2019/1995, from 2021-07-01: consignments of intrinsic value up to EUR 150, "
     "VAT at the destination member state's rate charged at sale, IOSS number on the customs declaration "
     "(taxation-customs.ec.europa.eu)"),
    ("UK-LVG", "UK VAT on goods in consignments up to GBP 135", ["GB"], date(2021, 1, 1), "135", "GBP",
     "GB000000000",
     "HMRC, 'VAT and overseas goods sold directly to customers in the UK' (gov.uk), from 2021-01-01: the seller "
     "or online marketplace charges UK VAT at the point of sale; no import VAT at the border"),
    ("AU-LVG", "Australian GST on low value imported goods", ["AU"], date(2018, 7, 1), "1000", "AUD",
     "ARN000000000",
     "Treasury Laws Amendment (GST Low Value Goods) Act 2017, from 2018-07-01: vendors and electronic distribution "
     "platforms charge 10% GST at sale on goods of AUD 1,000 or less; ATO (ato.gov.au)"),
]

# (country, valid_from, tax_name, tax_rate, currency, duty_de_minimis, tax_de_minimis, tax_on_duty, source)
TAX_RULES = [
    ("FR", date(2021, 7, 1), "TVA (VAT)", "0.20", "EUR", "150", "0", True,
     "Code general des impots art. 278 (20%); Council Regulation (EC) 1186/2009 art. 23 (duty relief to EUR 150); "
     "the EUR 22 VAT exemption ended 2021-07-01 (Directive (EU) 2017/2455)"),
    ("FR", date(2026, 7, 1), "TVA (VAT)", "0.20", "EUR", "0", "0", True,
     "Council of the EU, 2026-02-11: EUR 150 duty relief abolished from 2026-07-01; CGI art. 278 (20%)"),
    ("GB", date(2021, 1, 1), "VAT", "0.20", "GBP", "135", "0", True,
     "Value Added Tax Act 1994 s. 2 (20%); HMRC: customs duty relief on consignments up to GBP 135, import VAT "
     "replaced by supply VAT charged at sale (gov.uk, from 2021-01-01)"),
    ("AU", date(2018, 7, 1), "GST", "0.10", "AUD", "1000", "1000", True,
     "A New Tax System (Goods and Services Tax) Act 1999 (10%); Australian Border Force: goods of AUD 1,000 or "
     "less enter free of duty and border GST (abf.gov.au)"),
]

# (country, hs_prefix, rate, source); from HISTORY. France follows the EU tariff seeded for Germany.
DUTY_RULES = [
    ("GB", "", "0.039", "WTO World Tariff Profiles 2024: simple average MFN applied rate, United Kingdom (UK Global "
     "Tariff)"),
    ("AU", "", "0.05", "Customs Tariff Act 1995 Schedule 3: 5% general rate on most dutiable goods (many lines "
     "free); Australian Border Force"),
]


def seed(apps, schema_editor):
    LowValueScheme = apps.get_model("logistics", "LowValueScheme")
    TaxRule = apps.get_model("logistics", "TaxRule")
    DutyRule = apps.get_model("logistics", "DutyRule")
    for code, name, countries, valid_from, threshold, currency, number, source in SCHEMES:
        LowValueScheme.objects.get_or_create(
            code=code,
            valid_from=valid_from,
            defaults={
                "name": name,
                "countries": ",".join(countries),
                "threshold": threshold,
                "currency": currency,
                "registration_number": number,
                "source": source,
            },
        )
    for country, valid_from, tax_name, rate, currency, duty_dm, tax_dm, on_duty, source in TAX_RULES:
        TaxRule.objects.get_or_create(
            country=country,
            valid_from=valid_from,
            defaults={
                "tax_name": tax_name,
                "tax_rate": rate,
                "currency": currency,
                "duty_de_minimis": duty_dm,
                "tax_de_minimis": tax_dm,
                "tax_on_duty": on_duty,
                "source": source,
            },
        )
    for country, prefix, rate, source in DUTY_RULES:
        DutyRule.objects.get_or_create(
            country=country, hs_prefix=prefix, valid_from=HISTORY, defaults={"rate": rate, "source": source}
        )
    for rule in DutyRule.objects.filter(country="DE"):
        DutyRule.objects.get_or_create(
            country="FR",
            hs_prefix=rule.hs_prefix,
            valid_from=rule.valid_from,
            defaults={"rate": rule.rate, "source": f"EU Common Customs Tariff, as for DE: {rule.source}"[:300]},
        )


def unseed(apps, schema_editor):
    apps.get_model("logistics", "LowValueScheme").objects.filter(code__in=[s[0] for s in SCHEMES]).delete()
    apps.get_model("logistics", "TaxRule").objects.filter(country__in=["FR", "GB", "AU"]).delete()
    apps.get_model("logistics", "DutyRule").objects.filter(country__in=["FR", "GB", "AU"]).delete()


class Migration(migrations.Migration):
    dependencies = [("logistics", "0008_low_value_schemes")]

    operations = [migrations.RunPython(seed, unseed)]

"""Seed drawback rules for the destinations where the platform pays duties under DDP most (US,
Germany, France), dated and sourced (see docs/trade-rules.md)."""

from datetime import date

from django.db import migrations

EU_RULE = (
    "Union Customs Code (Regulation (EU) 952/2013) art. 118: repayment of import duty on goods rejected by the "
    "importer and re-exported or destroyed under supervision, applied for within 1 year (art. 121); import VAT "
    "follows (national VAT law)"
)
# (country, valid_from, duty_share, tax_refundable, time_limit_days, source)
RULES = [
    ("US", date(2018, 12, 8), "0.99", True, 5 * 365,
     "19 U.S.C. 1313(c) and (j) as amended by TFTEA 2016 (19 CFR Part 190, in force 2018-12-08): 99% of duties, "
     "taxes and fees on rejected or unused merchandise exported or destroyed; claims within 5 years of import"),
    ("DE", date(2016, 5, 1), "1", True, 365, EU_RULE),
    ("FR", date(2016, 5, 1), "1", True, 365, EU_RULE),
]


def seed(apps, schema_editor):
    DrawbackRule = apps.get_model("logistics", "DrawbackRule")
    for country, valid_from, share, tax, days, source in RULES:
        DrawbackRule.objects.get_or_create(
            country=country,
            valid_from=valid_from,
            defaults={"duty_share": share, "tax_refundable": tax, "time_limit_days": days, "source": source},
        )


def unseed(apps, schema_editor):
    apps.get_model("logistics", "DrawbackRule").objects.filter(country__in=[r[0] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("logistics", "0014_duty_drawback")]

    operations = [migrations.RunPython(seed, unseed)]

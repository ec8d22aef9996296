"""Date and source the restricted goods seeded in 0003 (restrictions now apply by the shipment's
date, like duty rules). Rows an operator added keep the date they got (the day of migration) and
an empty source for the operator to fill in."""

from datetime import date

from django.db import migrations

HISTORY = date(2025, 1, 1)

# (country, hs_prefix, valid_from, source)
SEEDED = [
    ("CN", "3304", date(2021, 1, 1),
     "Cosmetics Supervision and Administration Regulation (State Council Decree 727), in force 2021-01-01; NMPA "
     "(nmpa.gov.cn)"),
    ("BR", "3304", HISTORY, "ANVISA RDC 752/2022 (gov.br/anvisa); the date starts the platform's history"),
    ("CL", "08", HISTORY,
     "Servicio Agricola y Ganadero (sag.gob.cl), phytosanitary import authorisation; the date starts the "
     "platform's history"),
]


def seed(apps, schema_editor):
    RestrictedGood = apps.get_model("logistics", "RestrictedGood")
    for country, prefix, valid_from, source in SEEDED:
        RestrictedGood.objects.filter(country=country, hs_prefix=prefix, source="").update(
            valid_from=valid_from, source=source
        )


class Migration(migrations.Migration):
    dependencies = [("logistics", "0010_dated_restricted_goods")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

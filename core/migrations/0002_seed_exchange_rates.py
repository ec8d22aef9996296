"""Fixed seed rates (1 USD = rate units) so conversions work before a provider refreshes them."""

from datetime import date
from decimal import Decimal

from django.db import migrations

SEED_RATES = {
    "KRW": "1380", "JPY": "150", "CNY": "7.2", "EUR": "0.92", "GBP": "0.79", "MXN": "18.5",
    "CLP": "940", "BRL": "5.4", "HKD": "7.8", "SGD": "1.34", "TWD": "32", "VND": "25000",
    "THB": "36", "AUD": "1.52", "CAD": "1.36",
}
SEED_DATE = date(2025, 1, 1)


def seed(apps, schema_editor):
    ExchangeRate = apps.get_model("core", "ExchangeRate")
    for currency, rate in SEED_RATES.items():
        ExchangeRate.objects.get_or_create(
            base_currency="USD", quote_currency=currency, effective_date=SEED_DATE,
            defaults={"rate": Decimal(rate), "source": "seed"},
        )


def unseed(apps, schema_editor):
    apps.get_model("core", "ExchangeRate").objects.filter(source="seed", effective_date=SEED_DATE).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]

"""Exchange-rate providers: each returns today's rates as units of currency per 1 USD.
EXCHANGE_RATE_PROVIDER picks one; a provider for a real feed implements the same `fetch()`."""

from decimal import Decimal

from django.conf import settings
from django.utils.module_loading import import_string

FIXED_USD_RATES = {
    "KRW": "1380",
    "JPY": "150",
    "CNY": "7.2",
    "EUR": "0.92",
    "GBP": "0.79",
    "MXN": "18.5",
    "CLP": "940",
    "BRL": "5.4",
    "HKD": "7.8",
    "SGD": "1.34",
    "TWD": "32",
    "VND": "25000",
    "THB": "36",
    "AUD": "1.52",
    "CAD": "1.36",
}


class FixedRateProvider:
    """Fixed rates, for the embedded default and tests: no network, the same every day."""

    name = "fixed"

    def fetch(self) -> dict[str, Decimal]:
        return {currency: Decimal(rate) for currency, rate in FIXED_USD_RATES.items()}


def rate_provider():
    return import_string(settings.EXCHANGE_RATE_PROVIDER)()

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.models import ExchangeRate
from core.money import Money, minor_units, quantize, validate_currency_code, validate_minor_units
from core.selectors import ExchangeRateMissing, exchange_rates_get


def test_minor_units_follow_iso_4217():
    assert (minor_units("USD"), minor_units("KRW"), minor_units("JPY"), minor_units("KWD")) == (2, 0, 0, 3)


def test_quantize_rounds_half_up_to_the_currency():
    assert quantize(Decimal("1.005"), "USD") == Decimal("1.01")
    assert quantize(Decimal("1500.5"), "KRW") == Decimal("1501")


def test_amounts_with_more_places_than_the_currency_are_refused():
    validate_minor_units(Decimal("12.50"), "USD")
    with pytest.raises(ValidationError):
        validate_minor_units(Decimal("12.505"), "USD")
    with pytest.raises(ValidationError):
        validate_minor_units(Decimal("100.5"), "JPY")


def test_unknown_currency_codes_are_refused():
    validate_currency_code("EUR")
    for code in ("EURO", "usd", "XXX", "ABC"):
        with pytest.raises(ValidationError):
            validate_currency_code(code)


def test_money_refuses_floats():
    with pytest.raises(TypeError):
        Money(12.5, "USD")
    assert Money(Decimal("12.5"), "USD").as_dict() == {"amount": "12.50", "currency": "USD"}


@pytest.mark.django_db
def test_conversion_uses_the_rate_in_force_on_the_day_direct_inverse_and_through_usd():
    ExchangeRate.objects.create(
        base_currency="USD", quote_currency="KRW", rate=Decimal("1300"), effective_date=date(2030, 1, 1)
    )
    ExchangeRate.objects.create(
        base_currency="USD", quote_currency="KRW", rate=Decimal("1400"), effective_date=date(2030, 2, 1)
    )
    ExchangeRate.objects.create(
        base_currency="USD", quote_currency="JPY", rate=Decimal("150"), effective_date=date(2030, 1, 1)
    )
    january = exchange_rates_get(on=date(2030, 1, 15))
    february = exchange_rates_get(on=date(2030, 2, 15))
    assert january.convert(Money(Decimal("10.00"), "USD"), "KRW") == Money(Decimal("13000"), "KRW")
    assert february.convert(Money(Decimal("10.00"), "USD"), "KRW") == Money(Decimal("14000"), "KRW")
    assert february.convert(Money(Decimal("14000"), "KRW"), "USD") == Money(Decimal("10.00"), "USD")
    assert february.convert(Money(Decimal("1400"), "KRW"), "JPY") == Money(Decimal("150"), "JPY")
    with pytest.raises(ExchangeRateMissing):
        february.convert(Money(Decimal("1"), "KRW"), "ISK")

"""Money is a Decimal amount with an ISO 4217 currency, rounded to the currency's minor units."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from babel.numbers import get_currency_precision, list_currencies
from django.core.exceptions import ValidationError

# Babel knows historic codes too; these are the ones a merchant may price in.
_WITHDRAWN = {"XXX", "XTS", "XAU", "XAG", "XPT", "XPD", "XBA", "XBB", "XBC", "XBD", "XDR", "XSU", "XUA"}


@cache
def currency_codes() -> frozenset[str]:
    return frozenset(code for code in list_currencies() if code not in _WITHDRAWN)


def validate_currency_code(value: str) -> None:
    if value not in currency_codes():
        raise ValidationError(f"'{value}' is not an ISO 4217 currency code.", code="invalid_currency")


def minor_units(currency: str) -> int:
    """Decimal places of the currency: 2 for USD, 0 for KRW and JPY, 3 for KWD."""
    return get_currency_precision(currency)


def quantize(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_UP)


def validate_minor_units(amount: Decimal, currency: str) -> None:
    if amount != quantize(amount, currency):
        places = minor_units(currency)
        raise ValidationError(
            f"{currency} amounts have {places} decimal place{'s' if places != 1 else ''}; got {amount}.",
            code="too_many_decimal_places",
        )


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self):
        if not isinstance(self.amount, Decimal):
            raise TypeError("Money.amount must be a Decimal, never a float")

    def quantized(self) -> "Money":
        return Money(quantize(self.amount, self.currency), self.currency)

    def as_dict(self) -> dict:
        return {"amount": str(self.quantized().amount), "currency": self.currency}

    def __str__(self):
        return f"{self.quantized().amount} {self.currency}"

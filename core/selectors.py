from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connections, router
from django.db.models import Q
from django.utils import timezone

from core.errors import ApplicationError
from core.models import ExchangeRate, User
from core.money import Money, quantize
from core.permissions import OPERATORS_GROUP
from core.sql import table, typed_rows

PIVOT_CURRENCY = "USD"


class ExchangeRateMissing(ApplicationError):
    code = "exchange_rate_missing"
    status_code = 422


@dataclass(frozen=True)
class RateTable:
    """The rates in force on one day, loaded once so converting many amounts costs one query."""

    on: date
    rates: dict[tuple[str, str], Decimal]

    def rate(self, base: str, quote: str) -> Decimal:
        if base == quote:
            return Decimal(1)
        if (base, quote) in self.rates:
            return self.rates[base, quote]
        if (quote, base) in self.rates:
            return 1 / self.rates[quote, base]
        if PIVOT_CURRENCY not in (base, quote):
            return self.rate(base, PIVOT_CURRENCY) * self.rate(PIVOT_CURRENCY, quote)
        raise ExchangeRateMissing(f"No exchange rate from {base} to {quote} on {self.on}.")

    def currencies(self) -> list[str]:
        """Every currency the table quotes, the pivot included."""
        return sorted({PIVOT_CURRENCY, *(code for pair in self.rates for code in pair)})

    def converts(self, base: str, quote: str) -> bool:
        try:
            self.rate(base, quote)
        except ExchangeRateMissing:
            return False
        return True

    def convert(self, money: Money, to: str) -> Money:
        return Money(quantize(money.amount * self.rate(money.currency, to), to), to)


RATE_FIELDS = tuple(ExchangeRate._meta.get_field(name) for name in ("base_currency", "quote_currency", "rate"))


def exchange_rates_get(*, on: date | None = None) -> RateTable:
    """The newest rate of each pair on or before the day. Plain SQL on the database the request
    reads from: every storefront read starts here, compiling the queryset cost more than running
    it, and only the rows in force are read, not the whole history."""
    on = on or timezone.localdate()
    connection = connections[router.db_for_read(ExchangeRate)]
    sql = f"""
        SELECT r.base_currency, r.quote_currency, r.rate FROM {table(ExchangeRate)} r
        WHERE r.effective_date = (
            SELECT MAX(n.effective_date) FROM {table(ExchangeRate)} n WHERE n.base_currency = r.base_currency
            AND n.quote_currency = r.quote_currency AND n.effective_date <= %s
        )
    """  # noqa: S608 - the table name from the model, the day bound as a parameter
    rows = typed_rows(connection, sql, [connection.ops.adapt_datefield_value(on)], RATE_FIELDS)
    rates = {(base, quote): rate for base, quote, rate in rows}
    return RateTable(on=on, rates=rates)


def operator_list():
    """Every active operator (core.permissions.is_operator: superusers and staff in the
    operators group), by id."""
    staff = User.objects.filter(is_active=True, closed_at__isnull=True)
    in_group = Q(is_staff=True, groups__name=OPERATORS_GROUP)
    return staff.filter(Q(is_superuser=True) | in_group).distinct().order_by("pk")

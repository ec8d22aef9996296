"""Duties and taxes on goods entering a country, estimated from dated per-destination rules, and
the goods a destination prohibits or admits only under a licence. Checkout, quotes, channel
readiness and customs declarations all price and check goods through here.

Rules are data with a valid_from: the rule in force on a day is the newest row dated on or before
it (per destination for the tax rule, per HS prefix for duty rules), so a change that takes
effect overnight is a new row, and every estimate records which rows (and their figures) it used.
Nothing here writes: an estimate is computed afresh from the rules each time it is asked for."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db import connections, router
from django.db.models import Q
from django.utils import timezone
from django_countries import countries

from core.errors import ApplicationError, InvalidInput
from core.money import Money, currency_codes, quantize
from core.selectors import RateTable, exchange_rates_get
from core.sql import columns, instance, table, typed_rows
from logistics.models import DutyRule, LowValueScheme, RestrictedGood, TaxRule
from logistics.services.origin import Preference, preference_for, preferences_in_force

# A consignment's lines are all estimated at once when it is declared, so customs shares these limits.
MAX_LINES = 500
MAX_UNITS = 1_000_000


class TradeRulesMissing(ApplicationError):
    """No tax rule, or no duty rule matching a line, is in force for the destination on the day."""

    code = "trade_rules_missing"
    status_code = 422


@dataclass(frozen=True)
class GoodsLine:
    hs_code: str
    origin_country: str
    quantity: int
    unit_value: Money
    # Off the whole line (a promotion); counted where the destination values goods at the price paid.
    discount: Money | None = None
    # The listings product, whose origin qualifications may earn a preferential (FTA) rate.
    product_id: int | None = None


@dataclass(frozen=True)
class LineDuty:
    """One line's duty: the rule row that set its MFN rate, the preference (if any) that lowered
    it, and the line's value and duty in the estimate's currency, with the MFN duty beside it."""

    hs_code: str
    duty_rate: Decimal
    duty_rule_id: int
    hs_prefix: str
    valid_from: date
    value: Money
    duty: Money
    mfn_rate: Decimal
    mfn_duty: Money
    preference: Preference | None = None


@dataclass(frozen=True)
class DutyEstimate:
    destination_country: str
    on: date
    currency: str
    goods_value: Money
    duty: Money
    tax: Money
    tax_name: str
    tax_rate: Decimal
    lines: tuple[LineDuty, ...]
    # The goods value in the tax rule's currency, as compared with the de minimis thresholds.
    threshold_value: Money
    duty_de_minimis_applied: bool
    tax_de_minimis_applied: bool
    rule_versions: dict = field(hash=False)
    # Duty and tax at MFN rates, as they would be without any preference.
    mfn_duty: Money | None = None
    mfn_tax: Money | None = None
    # The low-value scheme under which the tax is charged at sale (none is due at the border).
    tax_scheme: "Scheme | None" = None

    @property
    def border_tax(self) -> Money:
        """The import tax due when the goods cross the border: none when charged at sale."""
        return Money(Decimal(0), self.currency) if self.tax_scheme else self.tax

    @property
    def line_rates(self) -> tuple[Decimal, ...]:
        return tuple(line.duty_rate for line in self.lines)

    @property
    def total(self) -> Money:
        return Money(self.duty.amount + self.tax.amount, self.currency)

    @property
    def saving(self) -> Money:
        """What the preferences save against MFN, duty and the tax levied on it together."""
        mfn = (self.mfn_duty or self.duty).amount + (self.mfn_tax or self.tax).amount
        return Money(mfn - self.total.amount, self.currency)

    def preferences_summary(self) -> list[dict]:
        return [
            {
                "line": n,
                "hs_code": line.hs_code,
                "agreement": line.preference.agreement.code,
                "rate": str(line.duty_rate),
                "mfn_rate": str(line.mfn_rate),
                "saving": Money(line.mfn_duty.amount - line.duty.amount, self.currency).as_dict(),
            }
            for n, line in enumerate(self.lines, start=1)
            if line.preference is not None
        ]


def country_code_clean(value, attr: str = "destination_country") -> str:
    code = str(value or "").strip().upper()
    if len(code) != 2 or not countries.name(code):
        raise InvalidInput("A two-letter ISO 3166 country code is required.", attr=attr)
    return code


def _currency(value, attr: str = "currency") -> str:
    if not isinstance(value, str) or value not in currency_codes():
        raise InvalidInput("An ISO 4217 currency code is required.", attr=attr)
    return value


SCHEME_FIELDS = ["id", "code", "name", "threshold", "currency", "registration_number", "valid_from", "source"]


@dataclass(frozen=True)
class Scheme:
    """A low-value scheme in force for the destination (see LowValueScheme)."""

    id: int
    code: str
    name: str
    threshold: Decimal
    currency: str
    registration_number: str
    valid_from: date
    source: str

    def as_dict(self, *, applied: bool, value: Money) -> dict:
        return {
            "id": self.id,
            "code": self.code,
            "name": self.name,
            "valid_from": self.valid_from.isoformat(),
            "threshold": Money(self.threshold, self.currency).as_dict(),
            "consignment_value": value.as_dict(),
            "registration_number": self.registration_number,
            "applied": applied,
        }


TAX_RULE_FIELDS = tuple(TaxRule._meta.concrete_fields)
SCHEME_COLUMNS = tuple(LowValueScheme._meta.get_field(name) for name in SCHEME_FIELDS)


def tax_rule_in_force(*, country: str, on: date) -> TaxRule | None:
    """The destination's tax rule on the day, with the low-value scheme in force there (if any)
    as `scheme`, in one statement. Plain SQL (core.sql): checkout prices through here on every
    request, and the queryset (a subquery per scheme field) cost ten times more to compile than
    to run."""
    connection = connections[router.db_for_read(TaxRule)]
    sql = f"""
        SELECT {columns(TaxRule, "t")}, {", ".join(f"s.{field.column}" for field in SCHEME_COLUMNS)}
        FROM {table(TaxRule)} t
        LEFT JOIN {table(LowValueScheme)} s ON s.id = (
            SELECT n.id FROM {table(LowValueScheme)} n
            WHERE n.countries LIKE %s AND n.valid_from <= %s AND (n.valid_to IS NULL OR n.valid_to >= %s)
            ORDER BY n.valid_from DESC LIMIT 1
        )
        WHERE t.country = %s AND t.valid_from <= %s
        ORDER BY t.valid_from DESC LIMIT 1
    """  # noqa: S608 - table and column names from the models, values bound as parameters
    day = connection.ops.adapt_datefield_value(on)
    # The scheme's countries are one comma-separated column: matched as the ORM's `contains` does.
    params = [f"%{country}%", day, day, country, day]
    rows = typed_rows(connection, sql, params, TAX_RULE_FIELDS + SCHEME_COLUMNS)
    if not rows:
        return None
    rule = instance(TaxRule, connection, rows[0][: len(TAX_RULE_FIELDS)])
    scheme = rows[0][len(TAX_RULE_FIELDS) :]
    rule.scheme = Scheme(**dict(zip(SCHEME_FIELDS, scheme, strict=True))) if scheme[0] is not None else None
    return rule


DUTY_RULE_FIELDS = tuple(DutyRule._meta.concrete_fields)


def duty_rules_in_force(*, country: str, on: date) -> dict[str, DutyRule]:
    """{hs_prefix: the newest row of that prefix dated on or before the day}. Plain SQL
    (core.sql), as for the tax rule."""
    connection = connections[router.db_for_read(DutyRule)]
    sql = f"""
        SELECT {columns(DutyRule, "d")} FROM {table(DutyRule)} d
        WHERE d.country = %s AND d.valid_from <= %s
        ORDER BY d.hs_prefix, d.valid_from DESC
    """  # noqa: S608 - the table name from the model, values bound as parameters
    rows = typed_rows(connection, sql, [country, connection.ops.adapt_datefield_value(on)], DUTY_RULE_FIELDS)
    rules: dict[str, DutyRule] = {}
    for row in rows:
        rule = instance(DutyRule, connection, row)
        rules.setdefault(rule.hs_prefix, rule)
    return rules


def _longest_prefix(rules: dict[str, DutyRule], hs_code: str) -> DutyRule | None:
    matching = [prefix for prefix in rules if hs_code.startswith(prefix)]
    return rules[max(matching, key=len)] if matching else None


def hs_code_clean(value) -> str:
    return str(value or "").replace(".", "").replace(" ", "")


def duties_estimate(
    *,
    destination_country: str,
    lines: Sequence[GoodsLine],
    currency: str,
    on: date | None = None,
    rates: RateTable | None = None,
) -> DutyEstimate:
    """Duty and import tax on goods entering the destination on a day (today by default).

    Each line's duty rate comes from the duty rule with the longest HS prefix matching its code
    ('' is the default rate). The goods value, converted into the tax rule's currency with the
    day's exchange rates, is compared with the duty and tax de minimis thresholds (at or below a
    positive threshold, none is due). Tax is levied on the goods value, plus duty when the rule
    says so. Amounts are in `currency`, each line rounded to its minor units and totals summed
    from the rounded lines, so the lines add up to the totals on the documents. Decimal only.
    A line of a product with a verified origin qualification under an agreement between its
    origin and the destination, whose proof travels, takes the agreement's rate when it is lower
    than MFN; the estimate keeps the MFN duty and tax beside it (see docs/trade-rules.md)."""
    country = country_code_clean(destination_country)
    currency = _currency(currency)
    if not lines:
        raise InvalidInput("Estimate at least one line.", attr="lines")
    if len(lines) > MAX_LINES:
        raise InvalidInput(f"At most {MAX_LINES} lines.", attr="lines")
    on = on or timezone.localdate()
    tax_rule = tax_rule_in_force(country=country, on=on)
    if tax_rule is None:
        raise TradeRulesMissing(f"No tax rule for {country} is in force on {on}; an operator must add one.")
    duty_rules = duty_rules_in_force(country=country, on=on)
    preferences = preferences_in_force(country=country, on=on, product_ids=[line.product_id for line in lines])
    rates = rates if rates is not None and rates.on == on else exchange_rates_get(on=on)
    priced = []
    threshold_amount = Decimal(0)
    for i, line in enumerate(lines):
        if not isinstance(line.quantity, int) or isinstance(line.quantity, bool) or not 1 <= line.quantity <= MAX_UNITS:
            raise InvalidInput("A positive whole number of units.", attr=f"lines.{i}.quantity")
        if not isinstance(line.unit_value, Money) or line.unit_value.amount < 0:
            raise InvalidInput("A non-negative unit value with its currency.", attr=f"lines.{i}.unit_value")
        _currency(line.unit_value.currency, f"lines.{i}.unit_value")
        hs_code = hs_code_clean(line.hs_code)
        rule = _longest_prefix(duty_rules, hs_code)
        if rule is None:
            raise TradeRulesMissing(
                f"No duty rule for {country} matches HS {hs_code or '(none)'} on {on}; an operator must add "
                "a default ('' prefix) rate."
            )
        line_total = Money(line.unit_value.amount * line.quantity, line.unit_value.currency)
        if line.discount is not None and tax_rule.discounts_reduce_value:
            paid = line_total.amount - rates.convert(line.discount, line_total.currency).amount
            line_total = Money(max(paid, Decimal(0)), line_total.currency)
        threshold_amount += rates.convert(line_total, tax_rule.currency).amount
        value = quantize(line_total.amount * rates.rate(line_total.currency, currency), currency)
        preference = preference_for(
            preferences.get(line.product_id, []),
            hs_code=hs_code,
            origin=str(line.origin_country or "").upper(),
            destination=country,
        )
        if preference is not None and preference.rate >= rule.rate:
            preference = None
        priced.append((hs_code, rule, value, preference))
    threshold_value = Money(threshold_amount, tax_rule.currency)
    duty_free = tax_rule.duty_de_minimis > 0 and threshold_amount <= tax_rule.duty_de_minimis
    scheme, scheme_versions = tax_rule.scheme, None
    if scheme is not None:
        # The consignment's intrinsic value (goods, not shipping), in the scheme's currency.
        scheme_value = rates.convert(threshold_value, scheme.currency).quantized()
        at_sale = scheme_value.amount <= scheme.threshold
        scheme_versions = scheme.as_dict(applied=at_sale, value=scheme_value)
        scheme = scheme if at_sale else None
    # Under a scheme, tax is charged at sale from the first cent, on the goods (duty is not in it).
    tax_free = scheme is None and tax_rule.tax_de_minimis > 0 and threshold_amount <= tax_rule.tax_de_minimis
    tax_on_duty = scheme is None and tax_rule.tax_on_duty

    if duty_free:  # no duty is due, so no preference is claimed
        priced = [(hs_code, rule, value, None) for hs_code, rule, value, _ in priced]

    def duty_at(value, rate):
        return Money(Decimal(0) if duty_free else quantize(value * rate, currency), currency)

    line_duties = tuple(
        LineDuty(
            hs_code=hs_code,
            duty_rate=preference.rate if preference else rule.rate,
            duty_rule_id=rule.pk,
            hs_prefix=rule.hs_prefix,
            valid_from=rule.valid_from,
            value=Money(value, currency),
            duty=duty_at(value, preference.rate if preference else rule.rate),
            mfn_rate=rule.rate,
            mfn_duty=duty_at(value, rule.rate),
            preference=preference,
        )
        for hs_code, rule, value, preference in priced
    )
    goods_value = sum((line.value.amount for line in line_duties), Decimal(0))
    duty = sum((line.duty.amount for line in line_duties), Decimal(0))
    mfn_duty = sum((line.mfn_duty.amount for line in line_duties), Decimal(0))

    def tax_on(duty_amount):
        base = goods_value + duty_amount if tax_on_duty else goods_value
        return Decimal(0) if tax_free else quantize(base * tax_rule.tax_rate, currency)

    tax, mfn_tax = tax_on(duty), tax_on(mfn_duty)
    rule_versions = {
        "valid_on": on.isoformat(),
        "tax_rule": {
            "id": tax_rule.pk,
            "country": country,
            "valid_from": tax_rule.valid_from.isoformat(),
            "tax_name": tax_rule.tax_name,
            "tax_rate": str(tax_rule.tax_rate),
            "tax_on_duty": tax_rule.tax_on_duty,
            "discounts_reduce_value": tax_rule.discounts_reduce_value,
            "currency": tax_rule.currency,
            "duty_de_minimis": str(tax_rule.duty_de_minimis),
            "tax_de_minimis": str(tax_rule.tax_de_minimis),
        },
        "duty_rules": {
            f"line {n}": {
                "id": line.duty_rule_id,
                "hs_prefix": line.hs_prefix,
                "valid_from": line.valid_from.isoformat(),
                "rate": str(line.mfn_rate),
            }
            for n, line in enumerate(line_duties, start=1)
        },
        "preferences": {
            f"line {n}": line.preference.as_dict()
            for n, line in enumerate(line_duties, start=1)
            if line.preference is not None
        },
        "tax_scheme": scheme_versions,
        "threshold_value": threshold_value.as_dict(),
        "duty_de_minimis_applied": duty_free,
        "tax_de_minimis_applied": tax_free,
    }
    return DutyEstimate(
        destination_country=country,
        on=on,
        currency=currency,
        goods_value=Money(goods_value, currency),
        duty=Money(duty, currency),
        tax=Money(tax, currency),
        tax_name=tax_rule.tax_name,
        tax_rate=tax_rule.tax_rate,
        lines=line_duties,
        threshold_value=threshold_value,
        duty_de_minimis_applied=duty_free,
        tax_de_minimis_applied=tax_free,
        rule_versions=rule_versions,
        mfn_duty=Money(mfn_duty, currency),
        mfn_tax=Money(mfn_tax, currency),
        tax_scheme=scheme,
    )


class Restriction(NamedTuple):
    hs_code: str
    restriction: str  # RestrictedGood.Restriction: "prohibited" or "licence"
    reason: str


def restricted_goods_check(
    *, destination_country: str, hs_codes: Iterable[str], on: date | None = None
) -> list[Restriction]:
    """The HS codes the destination prohibits or lets in only under a licence on the day (the
    shipment's; today by default), each once, in the order given, with the reason. Only rows in
    their dates count; where several match a code, a prohibition wins over a licence, then the
    longest prefix. Checkout calls this to keep such goods off the shipping options of the
    destination; a declaration containing them is refused."""
    country = country_code_clean(destination_country)
    on = on or timezone.localdate()
    rows = list(
        RestrictedGood.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on), country=country, valid_from__lte=on
        )
    )
    found = []
    for hs_code in dict.fromkeys(hs_code_clean(code) for code in hs_codes):
        matching = [row for row in rows if hs_code and hs_code.startswith(row.hs_prefix)]
        if matching:
            worst = min(
                matching,
                key=lambda row: (row.restriction != RestrictedGood.Restriction.PROHIBITED, -len(row.hs_prefix)),
            )
            found.append(Restriction(hs_code, worst.restriction, worst.reason))
    return found

"""Domain checks shared by the API and the CSV import: each returns field errors as
{attr: [(code, message)]} so every problem of a payload is reported at once."""

from collections import defaultdict
from decimal import Decimal, InvalidOperation

from stdnum import ean
from stdnum.exceptions import ValidationError as StdnumError

from core.money import minor_units

INCOTERMS_2020 = ["EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF"]
ATTRIBUTE_TYPES = {"text", "integer", "decimal", "boolean", "choice"}


class FieldErrors(defaultdict):
    def __init__(self):
        super().__init__(list)

    def add(self, attr: str, code: str, message: str) -> None:
        self[attr].append((code, message))


def check_gtin(value: str) -> str | None:
    """None when valid, else why not: GTIN-8, -12, -13 or -14 with a correct check digit."""
    if not value.isdigit() or len(value) not in (8, 12, 13, 14):
        return "A GTIN has 8, 12, 13 or 14 digits."
    try:
        ean.validate(value)
    except StdnumError:
        return "The GTIN's check digit is wrong."
    return None


def check_price(amount: Decimal, currency: str) -> str | None:
    if amount <= 0:
        return "A price must be greater than zero."
    places = minor_units(currency)
    if amount != amount.quantize(Decimal(1).scaleb(-places)):
        return f"{currency} prices have {places} decimal place{'s' if places != 1 else ''}."
    return None


def check_price_tiers(tiers: list[dict], *, moq: int | None, currency: str, errors: FieldErrors) -> None:
    """Quantities strictly increasing, unit prices never increasing, the first tier at the MOQ."""
    for i, tier in enumerate(tiers):
        problem = check_price(tier["unit_price"], currency)
        if problem:
            errors.add(f"price_tiers.{i}.unit_price", "invalid_price", problem)
        if i == 0:
            if moq is not None and tier["min_quantity"] != moq:
                errors.add(
                    "price_tiers.0.min_quantity", "first_tier_not_moq", f"The first tier starts at the MOQ ({moq})."
                )
            continue
        previous = tiers[i - 1]
        if tier["min_quantity"] <= previous["min_quantity"]:
            errors.add(
                f"price_tiers.{i}.min_quantity", "tiers_not_increasing", "Tier quantities must strictly increase."
            )
        if tier["unit_price"] > previous["unit_price"]:
            errors.add(
                f"price_tiers.{i}.unit_price", "tier_price_increases", "A larger quantity may not cost more per unit."
            )


def check_attributes(values: dict, schema: list[dict], errors: FieldErrors, *, complete: bool = False) -> None:
    """Typed attributes against the category's schema. Unknown attributes are errors; missing
    required ones only when `complete` (a draft may be unfinished, a submission may not)."""
    by_code = {entry["code"]: entry for entry in schema}
    for code, value in values.items():
        entry = by_code.get(code)
        attr = f"attributes.{code}"
        if entry is None:
            errors.add(attr, "unknown_attribute", "The category has no such attribute.")
            continue
        problem = _check_attribute_value(value, entry)
        if problem:
            errors.add(attr, "invalid_attribute", problem)
    if complete:
        for entry in schema:
            if entry.get("required") and values.get(entry["code"]) in (None, ""):
                errors.add(f"attributes.{entry['code']}", "missing_attribute", "The category requires this attribute.")


def _check_attribute_value(value, entry: dict) -> str | None:
    kind = entry["type"]
    if kind == "text":
        return None if isinstance(value, str) and len(value) <= 500 else "Expected text of at most 500 characters."
    if kind == "integer":
        return None if isinstance(value, int) and not isinstance(value, bool) else "Expected a whole number."
    if kind == "decimal":
        try:
            Decimal(str(value))
        except InvalidOperation:
            return "Expected a decimal number."
        return None if not isinstance(value, bool | float) else "Send decimals as strings."
    if kind == "boolean":
        return None if isinstance(value, bool) else "Expected true or false."
    if kind == "choice":
        choices = entry.get("choices", [])
        return None if value in choices else f"Expected one of: {', '.join(map(str, choices))}."
    return f"Unknown attribute type {kind}."


def check_attribute_schema(schema) -> str | None:
    """For categories: a list of {code, type, required, choices?, unit?}."""
    if not isinstance(schema, list):
        return "Expected a list of attribute definitions."
    codes = set()
    for entry in schema:
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("code"), str)
            or entry.get("type") not in ATTRIBUTE_TYPES
        ):
            return f"Each attribute needs a code and a type among {', '.join(sorted(ATTRIBUTE_TYPES))}."
        if entry["code"] in codes:
            return f"Attribute {entry['code']} is defined twice."
        if entry["type"] == "choice" and not entry.get("choices"):
            return f"Choice attribute {entry['code']} needs choices."
        codes.add(entry["code"])
    return None

"""Reading the product CSV (docs/csv-format.md, columns in listings.csv_format): a group of rows,
one product, into the payload listings.services.product_create takes, every bad cell reported as
{"row", "column", "message", "item"}; and a service's refusal mapped back to the row and column
that caused it."""

import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError

from brands.models import Brand
from core.errors import InvalidInput
from core.money import validate_currency_code
from listings.csv_format import (
    COUNTRY,
    HS_CODE,
    LIST_SEPARATOR,
    MAX_B2C_PRICES,
    MAX_PRICE_TIERS,
    PAIR_SEPARATOR,
    RAW_TEXT_PREFIXES,
    SKU,
    VARIANT_COLUMN_OF,
    VARIANT_COLUMNS,
    WHOLE,
    Group,
    columns,
    problem,
    product_columns,
)
from listings.models import Category, Product

# --- cells to payload ---------------------------------------------------------------------

PLAIN_NUMBER = re.compile(r"-?[0-9]*\.?[0-9]*")
LIMITS = [Decimal(10) ** n for n in range(20)]  # the first number too large for n whole digits
# Read once: a TextChoices' `values` builds its list on every access.
MODES, SAMPLE_POLICIES = Product.Mode.values, Product.SamplePolicy.values


class Lookups:
    """Categories by path and brands by slug, each looked up once per import (bounded)."""

    LIMIT = 1000

    def __init__(self):
        self.categories: dict[str, Category | None] = {}
        self.brands: dict[str, Brand | None] = {}

    def _get(self, cache: dict, key: str, load):
        if key not in cache:
            if len(cache) >= self.LIMIT:
                cache.clear()
            cache[key] = load(key)
        return cache[key]

    def category(self, path: str) -> Category | None:
        return self._get(self.categories, path, lambda p: Category.objects.filter(path=p).first())

    def brand(self, slug: str) -> Brand | None:
        return self._get(self.brands, slug, lambda s: Brand.objects.filter(slug=s).first())


class _Cells:
    """Reads one row's cells into typed values, collecting a problem per bad cell."""

    def __init__(self, number: int, values: dict[str, str], key: str, errors: list[dict]):
        self.number, self.values, self.key, self.errors = number, values, key, errors

    def fail(self, column: str, message: str) -> None:
        self.errors.append(problem(self.number, column, message, self.key))

    def text(self, column: str) -> str:
        value = self.values.get(column)
        if not value:  # most cells of a row are empty
            return ""
        return value if column.startswith(RAW_TEXT_PREFIXES) else value.strip()

    def choice(self, column: str, choices: list[str]) -> str | None:
        value = self.text(column).lower()
        if value and value not in choices:
            self.fail(column, f"Use one of: {', '.join(choices)}.")
            return None
        return value or None

    def whole(self, column: str, *, low: int, high: int, text: str | None = None) -> int | None:
        value = self.text(column) if text is None else text
        if not value:
            return None
        if not WHOLE.fullmatch(value) or not low <= int(value) <= high:
            self.fail(column, f"Expected a whole number from {low} to {high}.")
            return None
        return int(value)

    def decimal(
        self, column: str, *, digits: int, places: int, text: str | None = None, minimum: Decimal | None = None
    ) -> Decimal | None:
        """A plain decimal (a dot, no thousands separators) that fits the database column."""
        value = self.text(column) if text is None else text
        if not value:
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or not PLAIN_NUMBER.fullmatch(value):
            self.fail(column, f"Expected a number such as 12.50 (a dot for decimals, no separators); got {value!r}.")
            return None
        if -number.as_tuple().exponent > places:
            self.fail(column, f"At most {places} decimal place{'s' if places != 1 else ''}.")
            return None
        if abs(number) >= LIMITS[digits - places]:
            self.fail(column, "The number is too large.")
            return None
        if minimum is not None and number < minimum:
            self.fail(column, f"The number may not be below {minimum}.")
            return None
        return number

    def items(self, column: str) -> list[tuple[str, str]]:
        """`a:b|c:d` as pairs; a problem when a pair lacks its colon."""
        value = self.text(column)
        if not value:
            return []
        pairs = []
        for part in value.split(LIST_SEPARATOR):
            left, colon, right = part.partition(PAIR_SEPARATOR)
            if not colon or not left.strip() or not right.strip():
                self.fail(column, f"Expected pairs like a:b separated by '{LIST_SEPARATOR}'; got {part!r}.")
                return []
            pairs.append((left.strip(), right.strip()))
        return pairs

    def json_object(self, column: str) -> dict | None:
        value = self.text(column)
        if not value:
            return None
        try:
            data = json.loads(value)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            self.fail(column, 'Expected a JSON object such as {"colour": "indigo"}.')
            return None
        return data

    def code(self, column: str, pattern: re.Pattern, message: str, *, upper: bool = False) -> str | None:
        value = self.text(column)
        value = value.upper() if upper else value
        if value and not pattern.fullmatch(value):
            self.fail(column, message)
            return None
        return value


@dataclass
class Parsed:
    payload: dict | None
    errors: list[dict]
    variant_rows: list[int]  # the row of each variant, in payload order


def group_payload(group: Group, lookups: Lookups) -> Parsed:
    """The product_create payload of a group, or None with every problem found."""
    errors = list(group.errors)
    number, first = group.rows[0]
    _check_repeats(group, errors)
    cells = _Cells(number, first, group.key, errors)
    data = _product_fields(cells, lookups)
    translations = _translations(cells)
    if translations:
        data["translations"] = translations
    variants, variant_rows = [], []
    for row_number, values in group.rows:
        variant = _variant(_Cells(row_number, values, group.key, errors))
        if variant is not None:
            variants.append(variant)
            variant_rows.append(row_number)
    if variants:
        data["variants"] = variants
    return Parsed(None if errors else data, errors, variant_rows)


def _check_repeats(group: Group, errors: list[dict]) -> None:
    """Product columns on later rows repeat the first row's value or are left empty."""
    first_number, first = group.rows[0]
    repeated = product_columns()[1:]
    for number, values in group.rows[1:]:
        for column in repeated:
            value = values.get(column)
            # The same cell as the first row's (the usual case) needs no stripping.
            if (
                value
                and value != first.get(column)
                and (value := value.strip())
                and value != (first.get(column) or "").strip()
            ):
                message = f"Differs from the product's first row ({first_number}); repeat it or leave it empty."
                errors.append(problem(number, column, message, group.key))


def _product_fields(cells: _Cells, lookups: Lookups) -> dict:
    data = {}
    path = cells.text("category").strip("/")
    if not path:
        cells.fail("category", "Every product needs a category path, e.g. home/lighting.")
    elif (category := lookups.category(path)) is None:
        cells.fail("category", f"No category has the path {path!r}.")
    else:
        data["category"] = category
    if slug := cells.text("brand"):
        if (brand := lookups.brand(slug)) is None:
            cells.fail("brand", f"No brand has the slug {slug!r}.")
        else:
            data["brand"] = brand
    if mode := cells.choice("mode", MODES):
        data["mode"] = mode
    currency = cells.text("base_currency").upper() or "KRW"
    try:
        validate_currency_code(currency)
    except ValidationError:
        cells.fail("base_currency", "Not an ISO 4217 currency code.")
    else:
        data["base_currency"] = currency
    if hs_code := cells.code("hs_code", HS_CODE, "An HS code is 6 to 10 digits."):
        data["hs_code"] = hs_code
    if origin := cells.code("origin_country", COUNTRY, "An ISO 3166 two-letter country code.", upper=True):
        data["origin_country"] = origin
    if material := cells.text("material"):
        if len(material) > 300:
            cells.fail("material", "At most 300 characters.")
        data["material"] = material
    if (price := cells.decimal("retail_price", digits=14, places=4)) is not None:
        data["retail_price"] = price
    prices = _b2c_prices(cells)
    if prices:
        data["b2c_prices"] = prices
    if (moq := cells.whole("moq", low=1, high=10_000_000)) is not None:
        data["moq"] = moq
    if (multiple := cells.whole("order_multiple", low=1, high=1_000_000)) is not None:
        data["order_multiple"] = multiple
    if (lead_time := cells.whole("lead_time_days", low=0, high=365)) is not None:
        data["lead_time_days"] = lead_time
    if policy := cells.choice("sample_policy", SAMPLE_POLICIES):
        data["sample_policy"] = policy
    if incoterms := cells.text("incoterms"):
        data["incoterms"] = [term.strip().upper() for term in incoterms.split(LIST_SEPARATOR)]
    tiers = _price_tiers(cells)
    if tiers:
        data["price_tiers"] = tiers
    if (attributes := cells.json_object("attributes")) is not None:
        data["attributes"] = attributes
    return data


def _b2c_prices(cells: _Cells) -> dict:
    prices = {}
    pairs = cells.items("b2c_prices")
    if len(pairs) > MAX_B2C_PRICES:
        cells.fail("b2c_prices", f"At most {MAX_B2C_PRICES} prices.")
    for code, amount in pairs:
        code = code.upper()
        try:
            validate_currency_code(code)
        except ValidationError:
            cells.fail("b2c_prices", f"{code!r} is not an ISO 4217 currency code.")
            continue
        if code in prices:
            cells.fail("b2c_prices", f"One price per currency; {code} appears twice.")
        value = cells.decimal("b2c_prices", digits=14, places=4, text=amount)
        if value is not None:
            prices[code] = value
    return prices


def _price_tiers(cells: _Cells) -> list[dict]:
    tiers = []
    pairs = cells.items("price_tiers")
    if len(pairs) > MAX_PRICE_TIERS:
        cells.fail("price_tiers", f"At most {MAX_PRICE_TIERS} tiers.")
    for quantity, price in pairs:
        min_quantity = cells.whole("price_tiers", low=1, high=10_000_000, text=quantity)
        unit_price = cells.decimal("price_tiers", digits=14, places=4, text=price)
        if min_quantity is not None and unit_price is not None:
            tiers.append({"min_quantity": min_quantity, "unit_price": unit_price})
    return tiers


def _translations(cells: _Cells) -> dict:
    translations = {}
    for locale in settings.CONTENT_LOCALES:
        title, description = cells.text(f"title_{locale}"), cells.text(f"description_{locale}")
        if not (title.strip() or description.strip()):
            continue
        if len(title) > 200:
            cells.fail(f"title_{locale}", "At most 200 characters.")
        if len(description) > 20000:
            cells.fail(f"description_{locale}", "At most 20000 characters.")
        translations[locale] = {"title": title, "description": description}
    return translations


def _variant(cells: _Cells) -> dict | None:
    """A variant from the row's variant columns; None when they are all empty."""
    if not any(cells.text(column) for column in VARIANT_COLUMNS):
        return None
    sku = cells.text("sku")
    if not sku:
        cells.fail("sku", "A row with variant data needs a SKU.")
    elif not SKU.fullmatch(sku):
        cells.fail("sku", "At most 64 letters, digits, '.', '_', '/' and '-', starting with a letter or digit.")
    variant = {"sku": sku}
    if gtin := cells.text("gtin"):
        variant["gtin"] = gtin  # the service checks length and check digit
    if (options := cells.json_object("options")) is not None:
        if not all(isinstance(v, str) and len(v) <= 100 for v in options.values()):
            cells.fail("options", "Option values are text of at most 100 characters.")
        variant["options"] = options
    if (weight := cells.decimal("weight_kg", digits=9, places=3)) is not None:
        variant["weight_kg"] = weight
    for column in ("length_cm", "width_cm", "height_cm"):
        if (size := cells.decimal(column, digits=7, places=1, minimum=Decimal(0))) is not None:
            variant[column] = size
    if hs_code := cells.code("variant_hs_code", HS_CODE, "An HS code is 6 to 10 digits."):
        variant["hs_code"] = hs_code
    origin = cells.code("variant_origin_country", COUNTRY, "An ISO 3166 two-letter country code.", upper=True)
    if origin:
        variant["origin_country"] = origin
    return variant


def service_errors(group: Group, parsed: Parsed, error: InvalidInput) -> list[dict]:
    """The service's field errors (`variants.1.gtin`, `translations.ko.title`, `b2c_prices.JPY`)
    mapped back to the row and column they came from."""
    fields = error.fields or {error.attr or "": [(error.code, error.detail)]}
    return [
        problem(*_locate(attr, group, parsed), message, group.key)
        for attr, found in fields.items()
        for _, message in found
    ]


def _locate(attr: str, group: Group, parsed: Parsed) -> tuple[int, str]:
    parts = attr.split(".")
    head, first = parts[0], group.first_row
    if head == "variants":
        if len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(parsed.variant_rows):
            name = parts[2] if len(parts) > 2 else "sku"
            return parsed.variant_rows[int(parts[1])], VARIANT_COLUMN_OF.get(name, name)
        return first, "sku"
    if head == "translations" and len(parts) > 1:
        kind = parts[2] if len(parts) > 2 and parts[2] in ("title", "description") else "title"
        return first, f"{kind}_{parts[1]}"
    return first, head if head in columns() else attr

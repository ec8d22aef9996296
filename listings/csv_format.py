"""The product CSV (docs/csv-format.md): one row per variant, product columns repeated on every
row of a product, rows of one product consecutive and grouped by `product_key`.

Reading turns a stream of CSV records into groups of rows, one group per product, and a group
into the payload listings.services.product_create takes (listings.csv_payload); every problem is reported as
{"row", "column", "message", "item"} where `row` counts records as a spreadsheet does (the
header is row 1) and `item` is the product key. Writing turns a product into its rows.
Nothing here holds more than one product's rows."""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

from core.money import quantize
from listings.models import Product

HEAD_COLUMNS = [
    "product_key",
    "category",
    "brand",
    "mode",
    "base_currency",
    "hs_code",
    "origin_country",
    "material",
    "retail_price",
    "b2c_prices",
    "moq",
    "order_multiple",
    "lead_time_days",
    "sample_policy",
    "incoterms",
    "price_tiers",
    "attributes",
]
VARIANT_COLUMNS = [
    "sku",
    "gtin",
    "options",
    "weight_kg",
    "length_cm",
    "width_cm",
    "height_cm",
    "variant_hs_code",
    "variant_origin_country",
]
REQUIRED_COLUMNS = ["product_key", "category", "sku"]
# Free text is taken as written; every other cell is stripped of surrounding spaces.
RAW_TEXT_PREFIXES = ("title_", "description_", "material")
LIST_SEPARATOR, PAIR_SEPARATOR = "|", ":"
MAX_VARIANTS = 200  # as the API
MAX_PRICE_TIERS = 20
MAX_B2C_PRICES = 50
MAX_KEY_LENGTH = 100

HS_CODE = re.compile(r"[0-9]{6,10}")
SKU = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,63}")
COUNTRY = re.compile(r"[A-Z]{2}")
WHOLE = re.compile(r"[0-9]{1,9}")
# Service attrs of variant fields whose column has another name.
VARIANT_COLUMN_OF = {"hs_code": "variant_hs_code", "origin_country": "variant_origin_country"}


def text_columns() -> list[str]:
    return [f"{kind}_{locale}" for locale in settings.CONTENT_LOCALES for kind in ("title", "description")]


def product_columns() -> list[str]:
    return HEAD_COLUMNS + text_columns()


def columns() -> list[str]:
    """Every column, in the order export writes them."""
    return product_columns() + VARIANT_COLUMNS


def problem(row: int, column: str, message: str, key: str = "") -> dict:
    error = {"row": row, "column": column, "message": message}
    if key:
        error["item"] = key
    return error


class FileFormatError(Exception):
    """The file as a whole cannot be read (no header, unknown columns): nothing is imported."""

    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(f"row {e['row']}, {e['column']}: {e['message']}" for e in errors))
        self.errors = errors


def header_check(header: list[str] | None) -> list[str]:
    """The column names of a header row; FileFormatError when it is not ours."""
    if not header or not any(cell.strip() for cell in header):
        raise FileFormatError([problem(1, "", "The file is empty or its first row is not a header.")])
    names = [cell.strip().lower() for cell in header]
    known = set(columns())
    errors = [problem(1, name or f"#{i + 1}", "Unknown column.") for i, name in enumerate(names) if name not in known]
    errors += [problem(1, name, "The column appears twice.") for name in dict.fromkeys(names) if names.count(name) > 1]
    errors += [problem(1, name, "This column is required.") for name in REQUIRED_COLUMNS if name not in names]
    if errors:
        raise FileFormatError(errors)
    return names


def _blank(cells: list[str]) -> bool:
    return not any(cell.strip() for cell in cells)


def data_row_count(records: Iterator[list[str]]) -> int:
    """Checks the header and counts the non-blank rows under it, reading record by record."""
    header_check(next(records, None))
    return sum(1 for cells in records if not _blank(cells))


@dataclass
class Group:
    """The consecutive rows of one product: (row number, {column: cell})."""

    key: str
    rows: list[tuple[int, dict[str, str]]]
    errors: list[dict] = field(default_factory=list)

    @property
    def first_row(self) -> int:
        return self.rows[0][0]

    @property
    def row_count(self) -> int:
        return len(self.rows) + self.dropped

    dropped: int = 0  # rows past MAX_VARIANTS, counted but not kept

    @property
    def chars(self) -> int:
        """The length of the group's cell text, to bound what a batch holds in memory."""
        return sum(sum(map(len, values.values())) for _, values in self.rows)


def product_groups(records: Iterator[list[str]]) -> Iterator[Group]:
    """One group per product, yielded as soon as the next product's first row is read.

    Remembers the hash of every key seen (a few dozen bytes per product) to catch a product
    whose rows are not consecutive; nothing else outlives its group."""
    names = header_check(next(records, None))
    width = len(names)
    seen: set[int] = set()
    current: Group | None = None
    for number, cells in enumerate(records, start=2):
        if _blank(cells):
            continue
        values = dict(zip(names, cells, strict=False))
        key = values["product_key"].strip()
        if current is not None and key and key == current.key:
            if len(current.rows) < MAX_VARIANTS:
                current.rows.append((number, values))
            else:
                if not current.dropped:
                    message = f"A product has at most {MAX_VARIANTS} variants (rows)."
                    current.errors.append(problem(number, "product_key", message, key))
                current.dropped += 1
            if len(cells) > width:
                current.errors.append(problem(number, "", "The row has more cells than the header.", key))
            continue
        if current is not None:
            yield current
        current = Group(key=key, rows=[(number, values)])
        if len(cells) > width:
            current.errors.append(problem(number, "", "The row has more cells than the header.", key))
        if not key:
            current.errors.append(problem(number, "product_key", "Every row needs a product key."))
        elif len(key) > MAX_KEY_LENGTH:
            current.errors.append(problem(number, "product_key", f"At most {MAX_KEY_LENGTH} characters.", key))
        elif hash(key) in seen:
            message = "This product key was used by earlier rows; rows of one product must be consecutive."
            current.errors.append(problem(number, "product_key", message, key))
        else:
            seen.add(hash(key))
    if current is not None:
        yield current


# --- product to rows ----------------------------------------------------------------------


def _number(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize(), "f")


def _amount(value: Decimal | None, currency: str) -> str:
    """In the currency's minor units when that is exact (32.00 USD, 4800 JPY)."""
    if value is None:
        return ""
    rounded = quantize(value, currency)
    return format(rounded, "f") if rounded == value else _number(value)


def product_rows(product: Product) -> Iterator[list[str]]:
    """The product's rows in column order: one per variant, one alone when it has none. Uses
    the prefetched translations, prices, tiers and variants."""
    currency = product.base_currency
    texts = {t.locale: t for t in product.translations.all()}
    head = [
        product.slug,
        product.category.path,
        product.brand.slug if product.brand_id else "",
        product.mode,
        currency,
        product.hs_code,
        str(product.origin_country),
        product.material,
        _amount(product.retail_price_amount, currency),
        LIST_SEPARATOR.join(
            f"{p.currency}{PAIR_SEPARATOR}{_amount(p.amount, p.currency)}" for p in product.b2c_prices.all()
        ),
        "" if product.moq is None else str(product.moq),
        str(product.order_multiple),
        "" if product.lead_time_days is None else str(product.lead_time_days),
        product.sample_policy,
        LIST_SEPARATOR.join(product.incoterms),
        LIST_SEPARATOR.join(
            f"{t.min_quantity}{PAIR_SEPARATOR}{_amount(t.unit_price_amount, currency)}"
            for t in product.price_tiers.all()
        ),
        json.dumps(product.attributes, ensure_ascii=False, sort_keys=True) if product.attributes else "",
    ]
    for locale in settings.CONTENT_LOCALES:
        text = texts.get(locale)
        head += [text.title, text.description] if text else ["", ""]
    variants = list(product.variants.all())
    if not variants:
        yield head + [""] * len(VARIANT_COLUMNS)
    for variant in variants:
        yield head + [
            variant.sku,
            variant.gtin,
            json.dumps(variant.options, ensure_ascii=False, sort_keys=True) if variant.options else "",
            _number(variant.weight_kg),
            _number(variant.length_cm),
            _number(variant.width_cm),
            _number(variant.height_cm),
            variant.hs_code,
            str(variant.origin_country),
        ]

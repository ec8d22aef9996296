"""Creating many products at once, for the CSV import (docs/decisions/0020-batch-import-and-syndication-by-hash.md).

products_create_bulk checks every payload by the same rules as product_create
(product_payload_check), with the SKUs and slugs already taken and the brand memberships read
once for all of them, then writes each table with one statement: products, translations, B2C
prices, price tiers, variants and "created" events. The content hash is computed from the
payloads rather than read back. It bypasses product_create on purpose: the per-product service
costs about 26 statements per product; this costs about ten per call whatever its size.

The caller holds the transaction: a payload that breaks a rule is reported and not written, and
the database refusing a write (a SKU taken by a concurrent writer) raises IntegrityError for
the caller to undo and retry product by product."""

from collections import namedtuple
from types import SimpleNamespace

from django.db import connection, models
from django.utils import timezone
from psycopg.types.json import Jsonb

from brands.models import Company, Membership
from core.lookups import any_of
from core.models import User
from listings.models import B2CPrice, PriceTier, Product, ProductEvent, ProductTranslation, Variant
from listings.services.content import content_digest, product_content_of
from listings.services.products import (
    SCALAR_FIELDS,
    company_editor_require,
    product_payload_check,
    product_slug_base,
    variant_values,
)
from listings.validation import FieldErrors

SLUG_PROBE = 50  # candidate suffixes looked up at once for a taken slug
SLUG_RESUME_LIMIT = 1000  # slug bases remembered across calls


def products_create_bulk(
    *, actor: User, company: Company, payloads: list[dict], slug_resume: dict[str, int] | None = None
) -> list[int | FieldErrors]:
    """Draft products from product_create payloads (scalars and nested translations, b2c_prices,
    price_tiers, variants): per payload the new product's id, or its field errors (nothing of it
    written). A SKU or slug is taken by the database's rows and by the valid payloads before it.
    `slug_resume`, kept by a caller across its calls: per taken slug base, the last suffix given."""
    company_editor_require(actor, company.pk)
    skus = {variant["sku"] for data in payloads for variant in data.get("variants", [])}
    # Bound as one array (core.lookups.any_of): a batch's SKUs in an IN list cost more to send than to find.
    taken_skus = set(Variant.objects.filter(any_of("sku", skus)).values_list("sku", flat=True)) if skus else set()
    brands = {data["brand"].pk for data in payloads if data.get("brand") is not None}
    member_of = set(
        Membership.objects.filter(
            brand_id__in=brands, company_id=company.pk, status=Membership.Status.ACTIVE
        ).values_list("brand_id", flat=True)
    )
    results: list[int | FieldErrors] = []
    accepted: list[tuple[SimpleNamespace, dict]] = []
    new_draft = _draft_maker(company)
    for data in payloads:
        draft = new_draft(data)
        errors = FieldErrors()
        product_payload_check(draft, data, errors, taken_skus=taken_skus, member_of=member_of)
        if errors:
            results.append(errors)
            continue
        taken_skus.update(variant["sku"] for variant in data.get("variants", []))
        accepted.append((draft, data))
        results.append(draft)
    _write(accepted, company, actor, {} if slug_resume is None else slug_resume)
    return [result if isinstance(result, FieldErrors) else result.id for result in results]


def _draft_maker(company: Company):
    """The product a payload makes, as a namespace of its columns by attribute name (plus its
    category and brand for the rules and the hash): what product_create's Product(...) with
    product_fields_apply holds, without a model instance (building one per product, and
    django-countries' Country on each read of a country, were a fifth of the import's time)."""
    fields = Product._meta.concrete_fields
    fresh = [(f.attname, f.default) for f in fields if f.has_default() and callable(f.default)]  # dict, list
    fixed = {f.attname: f.get_default() for f in fields if not (f.has_default() and callable(f.default))}
    fixed |= {"company_id": company.pk, "category": None, "brand": None}

    def draft(data: dict) -> SimpleNamespace:
        values = fixed | {name: make() for name, make in fresh}
        values.update((name, data[name]) for name in SCALAR_FIELDS if name in data)
        if "retail_price" in data:
            values["retail_price_amount"] = data["retail_price"]
        values["category_id"] = values["category"].pk
        values["brand_id"] = values["brand"].pk if values["brand"] is not None else None
        return SimpleNamespace(**values)

    return draft


def _free_slugs(bases: list[str], resume: dict[str, int]) -> list[str]:
    """product_create's slug for each base in turn: the base, else the first free base-2,
    base-3, ...; `known` holds the slugs whose database answer is in `taken`.

    A taken base's search resumes after the last suffix it gave (`resume`): every suffix below it
    was taken when it was looked at, so a file of many products with one title costs a probe per
    SLUG_PROBE products instead of walking (and querying) the suffixes from 2 for each of them,
    which grew with the square of their number. A suffix freed meanwhile is not reused."""
    known = set(bases)
    taken = set(Product.objects.filter(any_of("slug", known)).values_list("slug", flat=True))
    slugs = []
    for base in bases:
        slug = base
        if slug in taken:
            n = resume.get(base, 1)
            while slug in taken:
                n += 1
                slug = f"{base}-{n}"
                if slug not in known:
                    probe = [f"{base}-{k}" for k in range(n, n + SLUG_PROBE)]
                    known.update(probe)
                    taken.update(Product.objects.filter(any_of("slug", probe)).values_list("slug", flat=True))
            if base not in resume and len(resume) >= SLUG_RESUME_LIMIT:
                resume.clear()  # bounded, like the import's lookups
            resume[base] = n
        taken.add(slug)
        slugs.append(slug)
    return slugs


# The child rows as the content hash reads them (attribute names of the models' fields), lighter
# than model instances.
Text = namedtuple("Text", "locale title description")
Price = namedtuple("Price", "currency amount")
Tier = namedtuple("Tier", "min_quantity unit_price_amount")
# Every column of a variant but its id and product, so a field added to the model gets its
# default here as it would through Variant(...).
VariantRow = namedtuple(
    "VariantRow", [f.attname for f in Variant._meta.concrete_fields if f.attname not in ("id", "product_id")]
)
PRODUCT_COLUMNS = [field.attname for field in Product._meta.concrete_fields]


def _write(accepted: list[tuple[SimpleNamespace, dict]], company: Company, actor: User, resume: dict) -> None:
    if not accepted:
        return
    slugs = _free_slugs([product_slug_base(data, company) for _, data in accepted], resume)
    fields = [Variant._meta.get_field(name) for name in VariantRow._fields]
    # Callable defaults (a JSON field's dict) are not shared: variant_values always sets those.
    variant_defaults = {f.attname: f.get_default() for f in fields}
    children = []
    for (product, data), slug in zip(accepted, slugs, strict=True):
        product.slug = slug
        texts = [
            Text(loc, text["title"], text.get("description", "")) for loc, text in data.get("translations", {}).items()
        ]
        prices = [Price(currency, amount) for currency, amount in data.get("b2c_prices", {}).items()]
        tiers = sorted(Tier(t["min_quantity"], t["unit_price"]) for t in data.get("price_tiers", []))
        variants = [
            VariantRow(**(variant_defaults | {"sku": v["sku"]} | variant_values(v, i)))
            for i, v in enumerate(data.get("variants", []))
        ]
        product.content_hash = content_digest(
            product_content_of(
                product, translations=texts, b2c_prices=prices, price_tiers=tiers, media=[], variants=variants
            )
        )
        children.append((product, texts, prices, tiers, variants))
    now, author = timezone.now(), (actor.pk if actor.is_authenticated else None)
    _insert_products([product for product, _ in accepted], now)
    _insert(ProductTranslation, ["product_id", *Text._fields], [(p.id, *t) for p, ts, *_ in children for t in ts])
    _insert(B2CPrice, ["product_id", *Price._fields], [(p.id, *x) for p, _, xs, *_ in children for x in xs])
    _insert(PriceTier, ["product_id", *Tier._fields], [(p.id, *t) for p, _, _, ts, _ in children for t in ts])
    _insert(Variant, ["product_id", *VariantRow._fields], [(p.id, *v) for p, *_, vs in children for v in vs])
    _insert(
        ProductEvent,
        ["product_id", "kind", "from_status", "to_status", "actor_id", "reason", "created_at"],
        [(p.id, ProductEvent.Kind.CREATED.value, "", p.status, author, "", now) for p, *_ in children],
    )


def _insert_products(products: list[SimpleNamespace], now) -> None:
    """The products with their new ids: on PostgreSQL the ids are drawn from the table's sequence
    in one query and the rows copied; elsewhere one INSERT returning the ids."""
    for product in products:
        product.created_at = product.updated_at = now
    if connection.vendor != "postgresql":
        made = Product.objects.bulk_create(
            Product(**{name: getattr(product, name) for name in PRODUCT_COLUMNS}) for product in products
        )
        for product, row in zip(products, made, strict=True):
            product.id = row.pk
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Product._meta.db_table, len(products)],
        )
        for product, (pk,) in zip(products, cursor.fetchall(), strict=True):
            product.id = pk
    rows = [tuple(getattr(product, name) for name in PRODUCT_COLUMNS) for product in products]
    _insert(Product, PRODUCT_COLUMNS, rows)


def _insert(model, columns: list[str], rows: list[tuple]) -> None:
    """The rows (values of the model's `columns`, by attribute name) in one statement: COPY on
    PostgreSQL, which skips building model instances and compiling an INSERT value by value (a
    third of the import's time with bulk_create); bulk_create elsewhere (SQLite)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(model(**dict(zip(columns, row, strict=True))) for row in rows)
        return
    names = ", ".join(connection.ops.quote_name(model._meta.get_field(c).column) for c in columns)
    table = connection.ops.quote_name(model._meta.db_table)
    # Only the JSON columns need wrapping; psycopg adapts the other values as they are.
    json_at = [i for i, c in enumerate(columns) if isinstance(model._meta.get_field(c), models.JSONField)]
    # Django's error wrapper, so a refused row raises django.db.IntegrityError as an INSERT would.
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            if json_at:
                row = list(row)
                for i in json_at:
                    row[i] = Jsonb(row[i]) if row[i] is not None else None
            copy.write_row(row)

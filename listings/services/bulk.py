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

from django.db import connection
from django.utils import timezone
from django_countries.fields import Country
from psycopg.types.json import Jsonb

from brands.models import Company, Membership
from core.models import User
from listings.models import B2CPrice, PriceTier, Product, ProductEvent, ProductTranslation, Variant
from listings.services.content import content_digest, product_content_of
from listings.services.products import (
    company_editor_require,
    product_fields_apply,
    product_payload_check,
    product_slug_base,
    variant_fill,
)
from listings.validation import FieldErrors

SLUG_PROBE = 50  # candidate suffixes looked up at once for a taken slug


def products_create_bulk(*, actor: User, company: Company, payloads: list[dict]) -> list[Product | FieldErrors]:
    """Draft products from product_create payloads (scalars and nested translations, b2c_prices,
    price_tiers, variants): per payload the new product, or its field errors (nothing of it
    written). A SKU or slug is taken by the database's rows and by the valid payloads before it."""
    company_editor_require(actor, company.pk)
    skus = {variant["sku"] for data in payloads for variant in data.get("variants", [])}
    taken_skus = set(Variant.objects.filter(sku__in=skus).values_list("sku", flat=True)) if skus else set()
    brands = {data["brand"].pk for data in payloads if data.get("brand") is not None}
    member_of = set(
        Membership.objects.filter(
            brand_id__in=brands, company_id=company.pk, status=Membership.Status.ACTIVE
        ).values_list("brand_id", flat=True)
    )
    results: list[Product | FieldErrors] = []
    accepted: list[tuple[Product, dict]] = []
    for data in payloads:
        product = Product(company=company)
        product_fields_apply(product, data)
        errors = FieldErrors()
        product_payload_check(product, data, errors, taken_skus=taken_skus, member_of=member_of)
        if errors:
            results.append(errors)
            continue
        taken_skus.update(variant["sku"] for variant in data.get("variants", []))
        accepted.append((product, data))
        results.append(product)
    _write(accepted, company, actor)
    return results


def _free_slugs(bases: list[str]) -> list[str]:
    """product_create's slug for each base in turn: the base, else the first free base-2,
    base-3, ...; `known` holds the slugs whose database answer is in `taken`."""
    known = set(bases)
    taken = set(Product.objects.filter(slug__in=known).values_list("slug", flat=True))
    slugs = []
    for base in bases:
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
            if slug not in known:
                probe = [f"{base}-{k}" for k in range(n, n + SLUG_PROBE)]
                known.update(probe)
                taken.update(Product.objects.filter(slug__in=probe).values_list("slug", flat=True))
        taken.add(slug)
        slugs.append(slug)
    return slugs


# The child rows as the content hash reads them (attribute names of the models' fields), lighter
# than model instances.
Text = namedtuple("Text", "locale title description")
Price = namedtuple("Price", "currency amount")
Tier = namedtuple("Tier", "min_quantity unit_price_amount")
VARIANT_COLUMNS = ["sku", "gtin", "options", "weight_kg", "length_cm", "width_cm", "height_cm", "hs_code"]
VARIANT_COLUMNS += ["origin_country", "position"]


def _write(accepted: list[tuple[Product, dict]], company: Company, actor: User) -> None:
    if not accepted:
        return
    slugs = _free_slugs([product_slug_base(data, company) for _, data in accepted])
    children = []
    for (product, data), slug in zip(accepted, slugs, strict=True):
        product.slug = slug
        texts = [
            Text(loc, text["title"], text.get("description", "")) for loc, text in data.get("translations", {}).items()
        ]
        prices = [Price(currency, amount) for currency, amount in data.get("b2c_prices", {}).items()]
        tiers = sorted(Tier(t["min_quantity"], t["unit_price"]) for t in data.get("price_tiers", []))
        variants = [
            variant_fill(Variant(sku=v["sku"]), v, position) for position, v in enumerate(data.get("variants", []))
        ]
        product.content_hash = content_digest(
            product_content_of(
                product, translations=texts, b2c_prices=prices, price_tiers=tiers, media=[], variants=variants
            )
        )
        children.append((product, texts, prices, tiers, variants))
    now, author = timezone.now(), (actor.pk if actor.is_authenticated else None)
    _insert_products([product for product, _ in accepted], now)
    _insert(ProductTranslation, ["product_id", *Text._fields], [(p.pk, *t) for p, ts, *_ in children for t in ts])
    _insert(B2CPrice, ["product_id", *Price._fields], [(p.pk, *x) for p, _, xs, *_ in children for x in xs])
    _insert(PriceTier, ["product_id", *Tier._fields], [(p.pk, *t) for p, _, _, ts, _ in children for t in ts])
    _insert(
        Variant,
        ["product_id", *VARIANT_COLUMNS],
        [(p.pk, *(v.__dict__[c] for c in VARIANT_COLUMNS)) for p, *_, vs in children for v in vs],
    )
    _insert(
        ProductEvent,
        ["product_id", "kind", "from_status", "to_status", "actor_id", "reason", "created_at"],
        [(p.pk, ProductEvent.Kind.CREATED.value, "", p.status, author, "", now) for p, *_ in children],
    )


def _insert_products(products: list[Product], now) -> None:
    """The products with their new ids: on PostgreSQL the ids are drawn from the table's sequence
    in one query and the rows copied; elsewhere one INSERT returning the ids."""
    if connection.vendor != "postgresql":
        Product.objects.bulk_create(products)
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Product._meta.db_table, len(products)],
        )
        for product, (pk,) in zip(products, cursor.fetchall(), strict=True):
            product.pk = pk
    for product in products:
        product.created_at = product.updated_at = now
    columns = [field.attname for field in Product._meta.concrete_fields]
    _insert(Product, columns, [tuple(product.__dict__[name] for name in columns) for product in products])


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
    # Django's error wrapper, so a refused row raises django.db.IntegrityError as an INSERT would.
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row([_copy_value(value) for value in row])


def _copy_value(value):
    if isinstance(value, dict | list):
        return Jsonb(value)
    if isinstance(value, Country):
        return value.code
    return value

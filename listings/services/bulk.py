"""Creating many products at once, for the CSV import (docs/decisions/0015-batch-import-perfbulk.md).

products_create_bulk checks every payload by the same rules as product_create
(product_payload_check), with the SKUs and slugs already taken and the brand memberships read
once for all of them, then writes each table with one INSERT: products, translations, B2C
prices, price tiers, variants and "created" events. The content hash is computed from the
payloads rather than read back. It bypasses product_create on purpose: the per-product service
costs about 26 statements per product; this costs about ten per call whatever its size.

The caller holds the transaction: a payload that breaks a rule is reported and not written, and
the database refusing a write (a SKU taken by a concurrent writer) raises IntegrityError for
the caller to undo and retry product by product."""

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


def _write(accepted: list[tuple[Product, dict]], company: Company, actor: User) -> None:
    if not accepted:
        return
    slugs = _free_slugs([product_slug_base(data, company) for _, data in accepted])
    translations, prices, tiers, variants = [], [], [], []
    for (product, data), slug in zip(accepted, slugs, strict=True):
        product.slug = slug
        rows = (
            [
                ProductTranslation(
                    product=product, locale=locale, title=text["title"], description=text.get("description", "")
                )
                for locale, text in data.get("translations", {}).items()
            ],
            [B2CPrice(product=product, currency=c, amount=a) for c, a in data.get("b2c_prices", {}).items()],
            sorted(
                (
                    PriceTier(product=product, min_quantity=t["min_quantity"], unit_price_amount=t["unit_price"])
                    for t in data.get("price_tiers", [])
                ),
                key=lambda tier: tier.min_quantity,
            ),
            [
                variant_fill(Variant(product=product, sku=v["sku"]), v, position)
                for position, v in enumerate(data.get("variants", []))
            ],
        )
        product.content_hash = content_digest(
            product_content_of(
                product, translations=rows[0], b2c_prices=rows[1], price_tiers=rows[2], media=[], variants=rows[3]
            )
        )
        translations += rows[0]
        prices += rows[1]
        tiers += rows[2]
        variants += rows[3]
    products = [product for product, _ in accepted]
    Product.objects.bulk_create(products)
    # Each model's rows in one INSERT; the children take their product's new id.
    for model, rows in (
        (ProductTranslation, translations),
        (B2CPrice, prices),
        (PriceTier, tiers),
        (Variant, variants),
    ):
        if rows:
            model.objects.bulk_create(rows)
    author = actor if actor.is_authenticated else None
    ProductEvent.objects.bulk_create(
        ProductEvent(product=p, kind=ProductEvent.Kind.CREATED, to_status=p.status, actor=author) for p in products
    )

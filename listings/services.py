"""Every write to products: create and edit (one validated payload shape shared by the API and
the CSV import), and the lifecycle draft -> in_review -> approved -> published -> suspended |
archived, each transition locking the product, checking the source state and writing an event."""

import hashlib
import json

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.text import slugify
from django_countries import countries

from brands.models import Brand, Company, CompanyStaff, Membership
from brands.selectors import brand_current_standard, brand_is_led_by_user, user_has_company_role
from core.errors import Conflict, InvalidInput, NotPermitted, WrongState
from core.models import User
from core.permissions import is_operator
from listings.models import (
    B2CPrice,
    Category,
    Inspection,
    InspectionDefect,
    InspectionResult,
    PriceTier,
    Product,
    ProductEvent,
    ProductTranslation,
    Variant,
)
from listings.signals import product_changed
from listings.validation import (
    INCOTERMS_2020,
    FieldErrors,
    check_attributes,
    check_gtin,
    check_price,
    check_price_tiers,
)

S = Product.Status
SCALAR_FIELDS = [
    "category",
    "brand",
    "mode",
    "base_currency",
    "hs_code",
    "origin_country",
    "material",
    "attributes",
    "retail_price_amount",
    "moq",
    "order_multiple",
    "lead_time_days",
    "sample_policy",
    "incoterms",
]
VARIANT_FIELDS = ["gtin", "options", "weight_kg", "length_cm", "width_cm", "height_cm", "hs_code", "origin_country"]
EDITABLE_STATUSES = [S.DRAFT, S.IN_REVIEW, S.APPROVED, S.PUBLISHED, S.SUSPENDED]


def _event(product: Product, kind: str, actor, *, from_status="", to_status="", reason="") -> None:
    ProductEvent.objects.create(
        product=product,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        actor=actor if actor is not None and actor.is_authenticated else None,
    )


def _require_editor(actor: User, company_id: int) -> None:
    if not (is_operator(actor) or user_has_company_role(actor, company_id, CompanyStaff.Role.EDITOR)):
        raise NotPermitted("Only the company's owners and editors may change its products.")


# --- validation ---------------------------------------------------------------------------


def _validate(product: Product, data: dict, errors: FieldErrors) -> None:
    """Checks the payload against the product as it will be (scalars already applied)."""
    currency = product.base_currency
    if product.retail_price_amount is not None and (problem := check_price(product.retail_price_amount, currency)):
        errors.add("retail_price", "invalid_price", problem)
    for code, amount in data.get("b2c_prices", {}).items():
        if problem := check_price(amount, code):
            errors.add(f"b2c_prices.{code}", "invalid_price", problem)
    if "price_tiers" in data:
        check_price_tiers(data["price_tiers"], moq=product.moq, currency=currency, errors=errors)
    if product.moq and product.order_multiple and product.moq % product.order_multiple:
        errors.add(
            "moq", "moq_not_multiple", f"The MOQ must be a multiple of the order multiple ({product.order_multiple})."
        )
    unknown = [term for term in product.incoterms if term not in INCOTERMS_2020]
    if unknown or len(set(product.incoterms)) != len(product.incoterms):
        errors.add("incoterms", "invalid_incoterm", f"Use distinct Incoterms 2020 codes: {', '.join(INCOTERMS_2020)}.")
    if product.origin_country and product.origin_country not in countries:
        errors.add("origin_country", "invalid_country", "Not an ISO 3166 country code.")
    check_attributes(product.attributes, product.category.attribute_schema, errors)
    if (
        product.brand_id
        and not Membership.objects.filter(
            brand_id=product.brand_id, company_id=product.company_id, status=Membership.Status.ACTIVE
        ).exists()
    ):
        errors.add("brand", "not_a_member", "The company is not an active member of this brand.")
    for locale, text in data.get("translations", {}).items():
        if locale not in settings.CONTENT_LOCALES:
            errors.add(f"translations.{locale}", "invalid_locale", f"Use one of {', '.join(settings.CONTENT_LOCALES)}.")
        elif not text.get("title", "").strip():
            errors.add(f"translations.{locale}.title", "blank", "A translation needs a title.")
    if "variants" in data:
        _validate_variants(product, data["variants"], errors)


def _validate_variants(product: Product, variants: list[dict], errors: FieldErrors) -> None:
    skus = [variant["sku"] for variant in variants]
    taken = (
        set(Variant.objects.filter(sku__in=skus).exclude(product_id=product.pk).values_list("sku", flat=True))
        if product.pk
        else set(Variant.objects.filter(sku__in=skus).values_list("sku", flat=True))
    )
    for i, variant in enumerate(variants):
        if skus.count(variant["sku"]) > 1:
            errors.add(f"variants.{i}.sku", "duplicate_sku", "The SKU appears twice in this product.")
        if variant["sku"] in taken:
            errors.add(f"variants.{i}.sku", "sku_taken", "Another product already uses this SKU.")
        if variant.get("gtin") and (problem := check_gtin(variant["gtin"])):
            errors.add(f"variants.{i}.gtin", "invalid_gtin", problem)
        weight = variant.get("weight_kg")
        if weight is not None and weight <= 0:
            errors.add(f"variants.{i}.weight_kg", "invalid_weight", "The weight must be greater than zero.")
        origin = variant.get("origin_country")
        if origin and origin not in countries:
            errors.add(f"variants.{i}.origin_country", "invalid_country", "Not an ISO 3166 country code.")


def product_missing_items(product: Product) -> FieldErrors:
    """What still stops the product from being submitted or published, every item named."""
    missing = FieldErrors()
    texts = {t.locale: t for t in product.translations.all()}
    for locale in dict.fromkeys([settings.CONTENT_DEFAULT_LOCALE, "en"]):
        translation = texts.get(locale)
        if translation is None or not translation.title.strip():
            missing.add(f"translations.{locale}.title", "missing", f"A title in {locale} is required.")
        if translation is None or not translation.description.strip():
            missing.add(f"translations.{locale}.description", "missing", f"A description in {locale} is required.")
    if product.sells_b2c and product.retail_price_amount is None:
        missing.add("retail_price", "missing", "A B2C product needs a retail price.")
    if product.sells_b2b:
        if not product.moq:
            missing.add("moq", "missing", "A B2B product needs a minimum order quantity.")
        if not product.price_tiers.all():
            missing.add("price_tiers", "missing", "A B2B product needs at least one price tier.")
    variants = list(product.variants.all())
    if not variants:
        missing.add("variants", "missing", "At least one variant (SKU) is required.")
    if not product.hs_code and not (variants and all(v.hs_code for v in variants)):
        missing.add("hs_code", "missing", "An HS code is required for customs.")
    if not product.origin_country and not (variants and all(v.origin_country for v in variants)):
        missing.add("origin_country", "missing", "The country of origin is required for customs.")
    for i, variant in enumerate(variants):
        if variant.weight_kg is None:
            missing.add(f"variants.{i}.weight_kg", "missing", f"Variant {variant.sku} needs a weight.")
    if not product.media.all():
        missing.add("media", "missing", "At least one image is required.")
    check_attributes(product.attributes, product.category.attribute_schema, missing, complete=True)
    return missing


# --- content hash -------------------------------------------------------------------------


def _num(value) -> str | None:
    """Decimals in one spelling, so 45000 and 45000.0000 hash alike."""
    return None if value is None else format(value.normalize(), "f")


def product_content(product: Product) -> dict:
    """Everything an outside channel sees, in a canonical shape."""
    return {
        "category": product.category.path,
        "brand": product.brand.slug if product.brand_id else None,
        "mode": product.mode,
        "currency": product.base_currency,
        "customs": [product.hs_code, str(product.origin_country), product.material],
        "attributes": product.attributes,
        "retail_price": _num(product.retail_price_amount),
        "b2c_prices": {p.currency: _num(p.amount) for p in product.b2c_prices.all()},
        "b2b": [product.moq, product.order_multiple, product.lead_time_days, product.sample_policy, product.incoterms],
        "tiers": [[t.min_quantity, _num(t.unit_price_amount)] for t in product.price_tiers.all()],
        "texts": {t.locale: [t.title, t.description] for t in product.translations.all()},
        "images": [[m.sha256, m.alt_text] for m in product.media.all()],
        "variants": [
            [v.sku, v.gtin, v.options, str(v.hs_code), str(v.origin_country)]
            + [_num(getattr(v, f)) for f in ("weight_kg", "length_cm", "width_cm", "height_cm")]
            for v in product.variants.all()
        ],
    }


def product_refresh_content_hash(*, product: Product) -> bool:
    """Recomputes the hash; True when the content channels see has changed."""
    digest = hashlib.sha256(json.dumps(product_content(product), sort_keys=True, default=str).encode()).hexdigest()
    if digest == product.content_hash:
        return False
    product.content_hash = digest
    Product.objects.filter(pk=product.pk).update(content_hash=digest)
    if product.status == S.PUBLISHED:
        # Only published content is seen outside; status changes announce themselves in _move.
        product_changed.send(sender=Product, product_id=product.pk)
    return True


# --- create and edit ----------------------------------------------------------------------


def _unique_slug(title: str, company: Company) -> str:
    base = (slugify(title) or slugify(company.legal_name) or "product")[:100]
    slug, n = base, 1
    while Product.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _apply(product: Product, data: dict) -> None:
    for name in SCALAR_FIELDS:
        if name in data:
            setattr(product, name, data[name])
    if "retail_price" in data:
        product.retail_price_amount = data["retail_price"]


def _write_nested(product: Product, data: dict) -> None:
    if "translations" in data:
        product.translations.all().delete()
        ProductTranslation.objects.bulk_create(
            ProductTranslation(
                product=product, locale=locale, title=text["title"], description=text.get("description", "")
            )
            for locale, text in data["translations"].items()
        )
    if "b2c_prices" in data:
        product.b2c_prices.all().delete()
        B2CPrice.objects.bulk_create(
            B2CPrice(product=product, currency=c, amount=a) for c, a in data["b2c_prices"].items()
        )
    if "price_tiers" in data:
        product.price_tiers.all().delete()
        PriceTier.objects.bulk_create(
            PriceTier(product=product, min_quantity=t["min_quantity"], unit_price_amount=t["unit_price"])
            for t in data["price_tiers"]
        )
    if "variants" in data:
        _write_variants(product, data["variants"])


def _write_variants(product: Product, variants: list[dict]) -> None:
    """Upserts by SKU; variants left out are removed unless something (stock, orders) refers to them."""
    existing = {v.sku: v for v in product.variants.all()}
    keep = set()
    for position, data in enumerate(variants):
        variant = existing.get(data["sku"]) or Variant(product=product, sku=data["sku"])
        for name in VARIANT_FIELDS:
            setattr(variant, name, data.get(name, "" if name in ("gtin", "hs_code", "origin_country") else None))
        variant.options = data.get("options") or {}
        variant.position = position
        variant.save()
        keep.add(variant.sku)
    try:
        with transaction.atomic():
            product.variants.exclude(sku__in=keep).delete()
    except ProtectedError:
        raise Conflict("A variant left out is still referred to (stock or orders); keep it.", attr="variants") from None


def _save(product: Product, data: dict) -> Product:
    errors = FieldErrors()
    _validate(product, data, errors)
    if errors:
        raise InvalidInput("The product has invalid fields.", fields=dict(errors))
    try:
        with transaction.atomic():
            product.save()
            _write_nested(product, data)
    except IntegrityError as error:
        # A concurrent write took a SKU between the check and the insert.
        raise InvalidInput("A SKU is already taken.", attr="variants") from error
    product_refresh_content_hash(product=product)
    return product


@transaction.atomic
def product_create(*, actor: User, company: Company, **data) -> Product:
    """A new draft. `data` holds scalar fields and the nested translations, b2c_prices,
    price_tiers and variants, as the API and the CSV import both send them."""
    _require_editor(actor, company.pk)
    texts = data.get("translations", {})
    # Slugs read best in English; else the first title given.
    title = (texts.get("en") or next(iter(texts.values()), {})).get("title", "")
    product = Product(company=company, slug=_unique_slug(data.pop("slug", "") or title, company))
    _apply(product, data)
    product = _save(product, data)
    _event(product, "created", actor, to_status=product.status)
    return product


@transaction.atomic
def product_update(*, actor: User, product: Product, **data) -> Product:
    """Changes fields; nested collections given in `data` replace the current ones."""
    product = Product.objects.select_for_update().select_related("category").get(pk=product.pk)
    _require_editor(actor, product.company_id)
    if product.status not in EDITABLE_STATUSES:
        raise WrongState(f"A {product.status} product cannot be changed.")
    _apply(product, data)
    return _save(product, data)


@transaction.atomic
def product_delete(*, actor: User, product: Product) -> None:
    product = Product.objects.select_for_update().get(pk=product.pk)
    _require_editor(actor, product.company_id)
    if product.status != S.DRAFT:
        raise WrongState("Only a draft can be deleted; archive the product instead.")
    try:
        with transaction.atomic():
            product.delete()
    except ProtectedError:
        raise Conflict("The product's variants are in checkouts or orders; archive it instead.") from None


# --- lifecycle ----------------------------------------------------------------------------


def _lock(product: Product) -> Product:
    return Product.objects.select_for_update(of=("self",)).select_related("category", "brand").get(pk=product.pk)


def _move(product: Product, allowed: list[str], to_status: str, actor, *, kind: str, reason: str = "") -> Product:
    if product.status not in allowed:
        raise WrongState(f"A {product.status} product cannot become {to_status}.")
    from_status = product.status
    product.status = to_status
    if to_status == S.PUBLISHED:
        product.published_at = timezone.now()
    product.save(update_fields=["status", "published_at", "updated_at"])
    _event(product, kind, actor, from_status=from_status, to_status=to_status, reason=reason)
    product_changed.send(sender=Product, product_id=product.pk)
    return product


def _require_complete(product: Product) -> None:
    missing = product_missing_items(product)
    if missing:
        raise InvalidInput("The product is incomplete.", fields=dict(missing))


@transaction.atomic
def product_submit(*, actor: User, product: Product) -> Product:
    product = _lock(product)
    _require_editor(actor, product.company_id)
    if product.status not in (S.DRAFT, S.SUSPENDED):
        raise WrongState(f"A {product.status} product cannot be submitted for review.")
    _require_complete(product)
    return _move(product, [S.DRAFT, S.SUSPENDED], S.IN_REVIEW, actor, kind="submitted")


def product_passed_inspection(product: Product) -> Inspection | None:
    """The latest passed inspection against the brand's current standard, if any."""
    standard = brand_current_standard(product.brand) if product.brand_id else None
    if standard is None:
        return None
    return product.inspections.filter(standard=standard, outcome=Inspection.Outcome.PASSED).first()


@transaction.atomic
def product_approve(*, actor: User, product: Product, reason: str = "") -> Product:
    """An operator's act, or for a brand product the brand lead's, after a passed inspection
    against the brand's current standard."""
    product = _lock(product)
    if not (is_operator(actor) or (product.brand_id and brand_is_led_by_user(brand=product.brand, user=actor))):
        raise NotPermitted("Only an operator, or the lead company of the product's brand, approves products.")
    if product.status != S.IN_REVIEW:
        raise WrongState(f"A {product.status} product cannot be approved; submit it first.")
    if product.brand_id and product_passed_inspection(product) is None:
        standard = brand_current_standard(product.brand)
        version = f"v{standard.version}" if standard else "(none yet)"
        raise Conflict(
            f"A brand product needs a passed inspection against the brand's current standard {version}.",
            reasons=[
                ("inspection_required", f"No passed inspection against {product.brand.name}'s standard {version}.")
            ],
        )
    return _move(product, [S.IN_REVIEW], S.APPROVED, actor, kind="approved", reason=reason)


@transaction.atomic
def product_publish(*, actor: User, product: Product) -> Product:
    product = _lock(product)
    _require_editor(actor, product.company_id)
    if product.status != S.APPROVED:
        raise WrongState(f"A {product.status} product cannot be published; it must be approved.")
    _require_complete(product)
    if product.brand_id and product.brand.status != Brand.Status.ACTIVE:
        raise Conflict(f"The brand {product.brand.name} is {product.brand.status}; its products cannot be published.")
    if (
        product.brand_id
        and not Membership.objects.filter(
            brand_id=product.brand_id, company_id=product.company_id, status=Membership.Status.ACTIVE
        ).exists()
    ):
        raise Conflict("The company is no longer an active member of the brand; remove the brand or rejoin.")
    return _move(product, [S.APPROVED], S.PUBLISHED, actor, kind="published")


@transaction.atomic
def product_unpublish(*, actor: User | None, product: Product, reason: str = "") -> Product:
    product = _lock(product)
    if actor is not None:
        _require_editor(actor, product.company_id)
    return _move(product, [S.PUBLISHED], S.APPROVED, actor, kind="unpublished", reason=reason)


@transaction.atomic
def product_suspend(*, actor: User, product: Product, reason: str) -> Product:
    product = _lock(product)
    if not is_operator(actor):
        raise NotPermitted("Only an operator suspends a product.")
    if not reason.strip():
        raise InvalidInput("Say why the product is suspended.", attr="reason")
    return _move(product, [S.PUBLISHED, S.APPROVED, S.IN_REVIEW], S.SUSPENDED, actor, kind="suspended", reason=reason)


@transaction.atomic
def product_archive(*, actor: User, product: Product) -> Product:
    product = _lock(product)
    _require_editor(actor, product.company_id)
    return _move(product, EDITABLE_STATUSES, S.ARCHIVED, actor, kind="archived")


def products_return_to_review(*, brand_id: int, version: int) -> int:
    """A brand published a new standard: when the brand asks for re-inspection, its approved and
    published products go back to review, each with an event; otherwise they keep their status."""
    brand = Brand.objects.get(pk=brand_id)
    if not brand.reinspect_on_new_standard:
        return 0
    reason = f"{brand.name} published standard v{version}; re-inspection needed."
    moved = 0
    for product_id in (
        brand.products.filter(status__in=[S.APPROVED, S.PUBLISHED]).order_by("pk").values_list("pk", flat=True)
    ):
        with transaction.atomic():
            product = _lock(Product(pk=product_id))
            if product.status in (S.APPROVED, S.PUBLISHED):
                _move(product, [S.APPROVED, S.PUBLISHED], S.IN_REVIEW, None, kind="returned_to_review", reason=reason)
                moved += 1
    return moved


def products_leave_brand(*, company_id: int, brand_id: int, reason: str) -> int:
    """A company left a brand: its products under it leave the brand's storefront, not deleted."""
    moved = 0
    products = Product.objects.filter(company_id=company_id, brand_id=brand_id, status=S.PUBLISHED)
    for product_id in products.order_by("pk").values_list("pk", flat=True):
        product_unpublish(actor=None, product=Product(pk=product_id), reason=reason)
        moved += 1
    return moved


def category_create(*, parent: Category | None, slug: str, name_translations: dict, **fields) -> Category:
    path = f"{parent.path}/{slug}" if parent else slug
    return Category.objects.create(parent=parent, slug=slug, path=path, name_translations=name_translations, **fields)


@transaction.atomic
def inspection_record(
    *,
    actor: User,
    product: Product,
    results: list[dict],
    notes: str = "",
    lot_number: str = "",
    sample_size: int | None = None,
    units_inspected: int | None = None,
    defects: list[dict] | None = None,
) -> Inspection:
    """A QC inspection against the current version of the product's brand standard, item by
    item. It fails when any required item fails."""
    product = _lock(product)
    if product.brand_id is None:
        raise Conflict("Only a product under a brand is inspected against a brand standard.", attr="product")
    if not (is_operator(actor) or brand_is_led_by_user(brand=product.brand, user=actor)):
        raise NotPermitted("Only the brand's lead company or an operator records inspections.")
    standard = brand_current_standard(product.brand)
    if standard is None:
        raise Conflict(f"{product.brand.name} has no quality standard yet.", attr="product")
    items = {item.code: item for item in standard.items.all()}
    errors = FieldErrors()
    given = [result["code"] for result in results]
    for i, code in enumerate(given):
        if code not in items:
            errors.add(f"results.{i}.code", "unknown_item", f"Standard v{standard.version} has no item {code}.")
        elif given.count(code) > 1:
            errors.add(f"results.{i}.code", "duplicate_item", "Each item is reported once.")
    for code in items:
        if code not in given:
            errors.add("results", "missing_item", f"Item {code} of standard v{standard.version} is not reported.")
    if sample_size is not None and units_inspected is not None and units_inspected > sample_size:
        errors.add("units_inspected", "exceeds_sample", "More units inspected than the sample holds.")
    if errors:
        raise InvalidInput("The inspection is incomplete or invalid.", fields=dict(errors))
    failed_required = [code for code in given if not _result(results, code)["passed"] and items[code].required]
    inspection = Inspection.objects.create(
        product=product,
        standard=standard,
        inspector=actor,
        outcome=Inspection.Outcome.FAILED if failed_required else Inspection.Outcome.PASSED,
        notes=notes,
        lot_number=lot_number,
        sample_size=sample_size,
        units_inspected=units_inspected,
    )
    InspectionResult.objects.bulk_create(
        InspectionResult(inspection=inspection, item=items[r["code"]], passed=r["passed"], note=r.get("note", ""))
        for r in results
    )
    InspectionDefect.objects.bulk_create(
        InspectionDefect(inspection=inspection, code=d["code"], quantity=d["quantity"], note=d.get("note", ""))
        for d in defects or []
    )
    _event(
        product,
        f"inspection_{inspection.outcome}",
        actor,
        reason=f"Against {product.brand.name} standard v{standard.version}.",
    )
    return inspection


def _result(results: list[dict], code: str) -> dict:
    return next(result for result in results if result["code"] == code)

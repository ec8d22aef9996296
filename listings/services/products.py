"""Create and edit products: one validated payload shape shared by the API and the CSV import."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.text import slugify
from django_countries import countries

from brands.models import Company, CompanyStaff, Membership
from brands.selectors import user_has_company_role
from core.errors import Conflict, InvalidInput, NotPermitted, WrongState
from core.models import User
from core.permissions import is_operator
from listings.models import (
    B2CPrice,
    Category,
    PriceTier,
    Product,
    ProductEvent,
    ProductTranslation,
    Variant,
)
from listings.services.content import product_refresh_content_hash
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


def product_event_record(product: Product, kind: str, actor, *, from_status="", to_status="", reason="") -> None:
    ProductEvent.objects.create(
        product=product,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        actor=actor if actor is not None and actor.is_authenticated else None,
    )


def company_editor_require(actor: User, company_id: int) -> None:
    if not (is_operator(actor) or user_has_company_role(actor, company_id, CompanyStaff.Role.EDITOR)):
        raise NotPermitted("Only the company's owners and editors may change its products.")


# --- validation ---------------------------------------------------------------------------


def product_validate(product: Product, data: dict, errors: FieldErrors) -> None:
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


def _unique_slug(title: str, company: Company) -> str:
    base = (slugify(title) or slugify(company.legal_name) or "product")[:100]
    slug, n = base, 1
    while Product.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def product_fields_apply(product: Product, data: dict) -> None:
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


def product_save(product: Product, data: dict) -> Product:
    errors = FieldErrors()
    product_validate(product, data, errors)
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
    company_editor_require(actor, company.pk)
    texts = data.get("translations", {})
    # Slugs read best in English; else the first title given.
    title = (texts.get("en") or next(iter(texts.values()), {})).get("title", "")
    product = Product(company=company, slug=_unique_slug(data.pop("slug", "") or title, company))
    product_fields_apply(product, data)
    product = product_save(product, data)
    product_event_record(product, "created", actor, to_status=product.status)
    return product


@transaction.atomic
def product_delete(*, actor: User, product: Product) -> None:
    product = Product.objects.select_for_update().get(pk=product.pk)
    company_editor_require(actor, product.company_id)
    if product.status != S.DRAFT:
        raise WrongState("Only a draft can be deleted; archive the product instead.")
    try:
        with transaction.atomic():
            product.delete()
    except ProtectedError:
        raise Conflict("The product's variants are in checkouts or orders; archive it instead.") from None


def category_create(*, parent: Category | None, slug: str, name_translations: dict, **fields) -> Category:
    path = f"{parent.path}/{slug}" if parent else slug
    return Category.objects.create(parent=parent, slug=slug, path=path, name_translations=name_translations, **fields)

"""Create and edit products: one validated payload shape shared by the API and the CSV import."""

from functools import cache

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.text import slugify
from django_countries import countries

from brands.models import Company, CompanyStaff, MandateScope, Membership
from brands.selectors import mandate_agent_id, user_has_company_role
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
BLANK_VARIANT_FIELDS = ("gtin", "hs_code", "origin_country")  # text: cleared to "", the others to None
VARIANT_FIELDS = ["gtin", "options", "weight_kg", "length_cm", "width_cm", "height_cm", "hs_code", "origin_country"]
# Selling beyond stock: not material (a published product's change applies at once, like stock),
# and a field left out of a variant's payload keeps its value.
AVAILABILITY_FIELDS = ["availability", "preorder_cap", "lead_time_days", "expected_on"]
EDITABLE_STATUSES = [S.DRAFT, S.IN_REVIEW, S.APPROVED, S.PUBLISHED, S.SUSPENDED]


def product_event_record(product: Product, kind: str, actor, *, from_status="", to_status="", reason="") -> None:
    ProductEvent.objects.create(
        product=product,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        actor=actor if actor is not None and actor.is_authenticated else None,
        agent_id=mandate_agent_id(actor, product.company_id, MandateScope.LISTINGS) if actor is not None else None,
    )


def company_editor_require(actor: User, company_id: int) -> None:
    """Owners and editors of the company, or of a trading company it mandated for listings."""
    if not (
        is_operator(actor)
        or user_has_company_role(actor, company_id, CompanyStaff.Role.EDITOR, scope=MandateScope.LISTINGS)
    ):
        raise NotPermitted("Only the company's owners and editors may change its products.")


# --- validation ---------------------------------------------------------------------------


@cache
def _country_codes() -> frozenset[str]:
    """ISO 3166 codes, read once: `code in countries` reads django-countries' per-thread options
    on every call, which was a twentieth of the bulk import's time."""
    return frozenset(countries.countries)


def product_validate(product: Product, data: dict, errors: FieldErrors) -> None:
    """Checks the payload against the product as it will be (scalars already applied)."""
    skus = [variant["sku"] for variant in data.get("variants", [])]
    taken = Variant.objects.filter(sku__in=skus)
    if product.pk:
        taken = taken.exclude(product_id=product.pk)
    member_of = (
        set(
            Membership.objects.filter(
                brand_id=product.brand_id, company_id=product.company_id, status=Membership.Status.ACTIVE
            ).values_list("brand_id", flat=True)
        )
        if product.brand_id
        else set()
    )
    product_payload_check(
        product,
        data,
        errors,
        taken_skus=set(taken.values_list("sku", flat=True)) if skus else set(),
        member_of=member_of,
    )


def product_payload_check(
    product: Product, data: dict, errors: FieldErrors, *, taken_skus: set[str], member_of: set[int]
) -> None:
    """Every rule of a create or update payload, without a query: the caller passes the SKUs
    other products hold and the brands the company is an active member of (the bulk import
    reads both once per chunk)."""
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
    if product.origin_country and product.origin_country not in _country_codes():
        errors.add("origin_country", "invalid_country", "Not an ISO 3166 country code.")
    check_attributes(product.attributes, product.category.attribute_schema, errors)
    if product.brand_id and product.brand_id not in member_of:
        errors.add("brand", "not_a_member", "The company is not an active member of this brand.")
    for locale, text in data.get("translations", {}).items():
        if locale not in settings.CONTENT_LOCALES:
            errors.add(f"translations.{locale}", "invalid_locale", f"Use one of {', '.join(settings.CONTENT_LOCALES)}.")
        elif not text.get("title", "").strip():
            errors.add(f"translations.{locale}.title", "blank", "A translation needs a title.")
    if "variants" in data:
        _validate_variants(data["variants"], errors, taken_skus)


def _validate_variants(variants: list[dict], errors: FieldErrors, taken: set[str]) -> None:
    skus = [variant["sku"] for variant in variants]
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
        _validate_availability(i, variant, errors)
        origin = variant.get("origin_country")
        if origin and origin not in _country_codes():
            errors.add(f"variants.{i}.origin_country", "invalid_country", "Not an ISO 3166 country code.")


def product_slug_base(data: dict, company: Company) -> str:
    """What a new product's slug starts from: the payload's slug, else its title (English reads
    best, else the first given), else the company's name."""
    texts = data.get("translations", {})
    title = data.get("slug", "") or (texts.get("en") or next(iter(texts.values()), {})).get("title", "")
    return (slugify(title) or slugify(company.legal_name) or "product")[:100]


def _unique_slug(base: str) -> str:
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


def _validate_availability(i: int, variant: dict, errors: FieldErrors) -> None:
    """What selling beyond stock needs is sent with the availability that needs it: a lead time
    for made to order, a lead time or an expected date for a preorder."""
    kind = variant.get("availability")
    if kind is not None and kind not in Variant.Availability.values:
        errors.add(
            f"variants.{i}.availability", "invalid_choice", f"Use one of {', '.join(Variant.Availability.values)}."
        )
        return
    cap = variant.get("preorder_cap")
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 0):
        errors.add(f"variants.{i}.preorder_cap", "min_value", "The preorder cap is a whole number of units, 0 or more.")
    if kind == Variant.Availability.MADE_TO_ORDER and variant.get("lead_time_days") is None:
        errors.add(f"variants.{i}.lead_time_days", "required", "A made-to-order variant needs its lead time in days.")
    if (
        kind == Variant.Availability.PREORDER
        and variant.get("lead_time_days") is None
        and not variant.get("expected_on")
    ):
        errors.add(
            f"variants.{i}.lead_time_days", "required", "A preorder needs a lead time in days or an expected date."
        )


def variant_values(data: dict, position: int) -> dict:
    """A variant's field values from one payload entry; a field left out is cleared, except the
    availability fields, which keep their value (they are in the result only when sent)."""
    values = {name: data.get(name, "" if name in BLANK_VARIANT_FIELDS else None) for name in VARIANT_FIELDS}
    values.update((name, data[name]) for name in AVAILABILITY_FIELDS if name in data)
    values["options"] = data.get("options") or {}
    values["position"] = position
    return values


def variant_fill(variant: Variant, data: dict, position: int) -> Variant:
    for name, value in variant_values(data, position).items():
        setattr(variant, name, value)
    return variant


def variant_availability_apply(*, product: Product, variants: list[dict]) -> None:
    """Availability sent for a published product's existing variants applies at once, while the
    material part of the same payload waits for review (listings.services.edits)."""
    existing = {v.sku: v for v in product.variants.all()}
    for data in variants:
        variant = existing.get(data["sku"])
        changed = [n for n in AVAILABILITY_FIELDS if variant and n in data and getattr(variant, n) != data[n]]
        if changed:
            for name in changed:
                setattr(variant, name, data[name])
            variant.save(update_fields=changed)


def _write_variants(product: Product, variants: list[dict]) -> None:
    """Upserts by SKU; variants left out are removed unless something (stock, orders) refers to them."""
    existing = {v.sku: v for v in product.variants.all()}
    keep = set()
    for position, data in enumerate(variants):
        variant = variant_fill(existing.get(data["sku"]) or Variant(product=product, sku=data["sku"]), data, position)
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
    product = Product(company=company, slug=_unique_slug(product_slug_base(data, company)))
    data.pop("slug", None)
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

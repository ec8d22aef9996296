"""Edits to existing products. Before a product is published they apply at once. On a published
product the material ones (what buyers, customs and channels rely on: texts, variants, HS code,
origin, category, brand, material, attributes) wait in a pending revision while the live version
stays on sale, in the storefront, the feeds and the channels, until an operator (or the brand's
lead for a brand product) approves them; price and other commercial changes apply at once and
are recorded. Lock order: the product, then its revision."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from brands.models import Brand, MandateScope
from brands.selectors import brand_current_standard, brand_is_led_by_user, mandate_agent_id
from core.errors import Conflict, InvalidInput, NotPermitted, WrongState
from core.models import User
from core.permissions import is_operator
from listings.models import Category, Inspection, Product, ProductEvent, ProductRevision
from listings.services.held_images import held_images_apply, held_images_discard, revision_images
from listings.services.lifecycle import product_lock
from listings.services.products import (
    EDITABLE_STATUSES,
    VARIANT_FIELDS,
    company_editor_require,
    product_event_record,
    product_fields_apply,
    product_save,
    product_validate,
    variant_availability_apply,
)
from listings.validation import FieldErrors

S = Product.Status
R = ProductRevision.Status
MATERIAL_FIELDS = [
    "translations",
    "variants",
    "hs_code",
    "origin_country",
    "material",
    "attributes",
    "category",
    "brand",
]
PRICE_FIELDS = ("retail_price", "b2c_prices", "price_tiers")
DIMENSIONS = ("weight_kg", "length_cm", "width_cm", "height_cm")


def _plain(value):
    """A comparable, JSON-able form: models by id, countries by code, decimals without trailing zeros."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if hasattr(value, "_meta"):
        return value.pk
    if hasattr(value, "code") and hasattr(value, "name"):  # django_countries' Country
        return value.code or ""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _variant(data: dict) -> dict:
    blank = {"gtin": "", "hs_code": "", "origin_country": "", "options": {}}
    return _plain({"sku": data["sku"], **{name: data.get(name) or blank.get(name) for name in VARIANT_FIELDS}})


def _live(product: Product, name: str):
    if name == "translations":
        return {t.locale: {"title": t.title, "description": t.description} for t in product.translations.all()}
    if name == "variants":
        return [_variant(vars(v)) for v in product.variants.order_by("position", "pk")]
    if name in ("category", "brand"):
        return getattr(product, f"{name}_id")
    return _plain(getattr(product, name))


def _sent(name: str, value):
    if name == "translations":
        return {locale: {"title": t["title"], "description": t.get("description", "")} for locale, t in value.items()}
    if name == "variants":
        return [_variant(v) for v in value]
    return _plain(value)


def _live_prices(product: Product, name: str):
    if name == "retail_price":
        return _plain(product.retail_price_amount)
    if name == "b2c_prices":
        return {p.currency: _plain(p.amount) for p in product.b2c_prices.all()}
    tiers = product.price_tiers.all()
    return [{"min_quantity": t.min_quantity, "unit_price": _plain(t.unit_price_amount)} for t in tiers]


def material_changes(product: Product, data: dict) -> dict:
    """The material fields of `data` that differ from the live product, in their stored form."""
    sent = {name: _sent(name, data[name]) for name in MATERIAL_FIELDS if name in data}
    return {name: value for name, value in sent.items() if value != _live(product, name)}


def revision_payload(changes: dict) -> dict:
    """A revision's stored changes back in the shape product_save takes (held images aside)."""
    payload = {name: value for name, value in changes.items() if name != "images"}
    if "category" in payload:
        payload["category"] = Category.objects.filter(pk=payload["category"]).first()
        if payload["category"] is None:
            raise Conflict("The revision's category no longer exists; reject it.", attr="category")
    if "brand" in payload and payload["brand"] is not None:
        payload["brand"] = Brand.objects.filter(pk=payload["brand"]).first()
    if "variants" in payload:
        payload["variants"] = [
            {**v, **{d: None if v.get(d) is None else Decimal(v[d]) for d in DIMENSIONS}} for v in payload["variants"]
        ]
    return payload


@transaction.atomic
def product_update(*, actor: User, product: Product, **data) -> Product:
    """Changes fields; nested collections given in `data` replace the current ones. On a published
    product, material changes go to its pending revision (created or extended) instead."""
    product = product_lock(product)
    company_editor_require(actor, product.company_id)
    if product.status not in EDITABLE_STATUSES:
        raise WrongState(f"A {product.status} product cannot be changed.")
    if mandate_agent_id(actor, product.company_id, MandateScope.LISTINGS) is not None:
        # The SME audits what its agent changed; its own staff's edits are not events.
        product_event_record(product, ProductEvent.Kind.UPDATED, actor, reason=", ".join(sorted(data)))
    if product.status != S.PUBLISHED:
        product_fields_apply(product, data)
        return product_save(product, data)

    held = material_changes(product, data)
    unchanged = [name for name in MATERIAL_FIELDS if name in data and name not in held]
    # The whole edit is checked as the product would be with it, so a revision is never invalid
    # when it is submitted (it is checked again when it goes live).
    errors = FieldErrors()
    future = Product.objects.select_related("category").get(pk=product.pk)
    product_fields_apply(future, data)
    product_validate(future, data, errors)
    if errors:
        raise InvalidInput("The product has invalid fields.", fields=dict(errors))

    now = {name: value for name, value in data.items() if name not in MATERIAL_FIELDS}
    repriced = [name for name in PRICE_FIELDS if name in now and _plain(now[name]) != _live_prices(product, name)]
    product_fields_apply(product, now)
    product_save(product, now)
    if "variants" in data:
        variant_availability_apply(product=product, variants=data["variants"])
    if repriced:
        product_event_record(product, ProductEvent.Kind.PRICE_CHANGED, actor, reason="Changed: " + ", ".join(repriced))
    _revision_hold(product, held, unchanged, actor)
    return product


def _revision_hold(product: Product, held: dict, unchanged: list[str], actor: User) -> None:
    """Adds the held changes to the product's pending revision; fields sent back at their live
    value leave it; a revision left with nothing is withdrawn."""
    pending = ProductRevision.objects.select_for_update().filter(product=product, status=R.PENDING).first()
    if pending is None and not held:
        return
    if pending is None:
        pending = ProductRevision(product=product, changes={})
    changes = {name: value for name, value in pending.changes.items() if name not in unchanged} | held
    if changes == pending.changes:
        return
    if not changes:
        pending.status, pending.decided_at = R.WITHDRAWN, timezone.now()
        pending.reason = "Edited back to the live version."
        pending.save()
        return
    pending.changes, pending.submitted_by = changes, actor
    pending.save()
    product_event_record(
        product, ProductEvent.Kind.REVISION_SUBMITTED, actor, reason="Held for review: " + ", ".join(sorted(changes))
    )


def _revision_lock(revision: ProductRevision) -> tuple[Product, ProductRevision]:
    product = product_lock(Product(pk=revision.product_id))
    revision = ProductRevision.objects.select_for_update().get(pk=revision.pk)
    if revision.status != R.PENDING:
        raise WrongState(f"The revision is {revision.status}; only a pending one is decided.")
    return product, revision


def _reviewer_require(actor: User, product: Product) -> None:
    if not (is_operator(actor) or (product.brand_id and brand_is_led_by_user(brand=product.brand, user=actor))):
        raise NotPermitted("Only an operator, or the lead company of the product's brand, reviews edits.")


def _reinspection_require(product: Product, revision: ProductRevision) -> None:
    """A brand that asks for re-inspection (reinspect_on_new_standard) asks it for material edits
    too: a passed inspection against its current standard, made after the edits were submitted."""
    if not (product.brand_id and product.brand.reinspect_on_new_standard):
        return
    standard = brand_current_standard(product.brand)
    passed = product.inspections.filter(
        standard=standard, outcome=Inspection.Outcome.PASSED, created_at__gte=revision.updated_at
    )
    if standard is not None and not passed.exists():
        raise Conflict(
            f"{product.brand.name} asks for a re-inspection against standard v{standard.version} before edits go live.",
            reasons=[("inspection_required", "No passed inspection since the edits were submitted.")],
        )


@transaction.atomic
def product_revision_approve(*, actor: User, revision: ProductRevision, reason: str = "") -> ProductRevision:
    """The held edits go live through the same checks as any edit (a SKU taken meanwhile, a brand
    left meanwhile: 400); the storefront, feeds and channels follow from the content hash."""
    product, revision = _revision_lock(revision)
    _reviewer_require(actor, product)
    _reinspection_require(product, revision)
    payload = revision_payload(revision.changes)
    product_fields_apply(product, payload)
    product_save(product, payload)
    images = revision_images(revision)
    if images is not None:
        held_images_apply(product, images)
    revision.status, revision.decided_by, revision.decided_at, revision.reason = (
        R.APPROVED,
        actor,
        timezone.now(),
        reason,
    )
    revision.save()
    product_event_record(product, ProductEvent.Kind.REVISION_APPROVED, actor, reason=reason)
    return revision


@transaction.atomic
def product_revision_reject(*, actor: User, revision: ProductRevision, reason: str) -> ProductRevision:
    product, revision = _revision_lock(revision)
    _reviewer_require(actor, product)
    if not reason.strip():
        raise InvalidInput("Say why the edits are rejected.", attr="reason")
    images = revision_images(revision)
    if images is not None:
        held_images_discard(images)
    revision.status, revision.decided_by, revision.decided_at, revision.reason = (
        R.REJECTED,
        actor,
        timezone.now(),
        reason,
    )
    revision.save()
    product_event_record(product, ProductEvent.Kind.REVISION_REJECTED, actor, reason=reason)
    return revision

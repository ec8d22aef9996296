"""The lifecycle draft -> in_review -> approved -> published -> suspended | archived, each
transition locking the product, checking the source state and writing an event."""

from django.db import transaction
from django.utils import timezone

from brands.models import Brand, Membership
from brands.selectors import brand_current_standard, brand_is_led_by_user
from brands.services import company_require_approved_seller, seller_first_product_record
from core.errors import Conflict, InvalidInput, NotPermitted, WrongState
from core.events import EventType
from core.models import User
from core.permissions import is_operator
from core.services import event_record
from listings.models import (
    Inspection,
    Product,
)
from listings.selectors import product_text
from listings.services.content import product_missing_items
from listings.services.products import EDITABLE_STATUSES, company_editor_require, product_event_record
from listings.signals import product_changed

S = Product.Status


def product_lock(product: Product) -> Product:
    return (
        Product.objects.select_for_update(of=("self",))
        .select_related("category", "brand", "company")
        .get(pk=product.pk)
    )


def _move(product: Product, allowed: list[str], to_status: str, actor, *, kind: str, reason: str = "") -> Product:
    if product.status not in allowed:
        raise WrongState(f"A {product.status} product cannot become {to_status}.")
    from_status = product.status
    product.status = to_status
    if to_status == S.PUBLISHED:
        product.published_at = timezone.now()
    product.save(update_fields=["status", "published_at", "updated_at"])
    product_event_record(product, kind, actor, from_status=from_status, to_status=to_status, reason=reason)
    product_changed.send(sender=Product, product_id=product.pk)
    return product


def _require_complete(product: Product) -> None:
    missing = product_missing_items(product)
    if missing:
        raise InvalidInput("The product is incomplete.", fields=dict(missing))


@transaction.atomic
def product_submit(*, actor: User, product: Product) -> Product:
    product = product_lock(product)
    company_editor_require(actor, product.company_id)
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
    product = product_lock(product)
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
    product = _move(product, [S.IN_REVIEW], S.APPROVED, actor, kind="approved", reason=reason)
    seller_first_product_record(company_id=product.company_id)  # an onboarding step
    return product


@transaction.atomic
def product_publish(*, actor: User, product: Product) -> Product:
    product = product_lock(product)
    company_editor_require(actor, product.company_id)
    if product.status != S.APPROVED:
        raise WrongState(f"A {product.status} product cannot be published; it must be approved.")
    _require_complete(product)
    company_require_approved_seller(product.company, "publish products")
    if product.brand_id and product.brand.status != Brand.Status.ACTIVE:
        raise Conflict(f"The brand {product.brand.name} is {product.brand.status}; its products cannot be published.")
    if (
        product.brand_id
        and not Membership.objects.filter(
            brand_id=product.brand_id, company_id=product.company_id, status=Membership.Status.ACTIVE
        ).exists()
    ):
        raise Conflict("The company is no longer an active member of the brand; remove the brand or rejoin.")
    product = _move(product, [S.APPROVED], S.PUBLISHED, actor, kind="published")
    event_record(
        type=EventType.LISTING_PUBLISHED,
        data={
            "product": {
                "id": product.pk,
                "company": product.company_id,
                "brand": product.brand_id,
                "mode": product.mode,
                "title": product_text(product, "en")["title"],
                "published_at": product.published_at,
            }
        },
        company_ids=[product.company_id],
    )
    return product


@transaction.atomic
def product_unpublish(*, actor: User | None, product: Product, reason: str = "") -> Product:
    product = product_lock(product)
    if actor is not None:
        company_editor_require(actor, product.company_id)
    return _move(product, [S.PUBLISHED], S.APPROVED, actor, kind="unpublished", reason=reason)


@transaction.atomic
def product_suspend(*, actor: User, product: Product, reason: str) -> Product:
    product = product_lock(product)
    if not is_operator(actor):
        raise NotPermitted("Only an operator suspends a product.")
    if not reason.strip():
        raise InvalidInput("Say why the product is suspended.", attr="reason")
    return _move(product, [S.PUBLISHED, S.APPROVED, S.IN_REVIEW], S.SUSPENDED, actor, kind="suspended", reason=reason)


@transaction.atomic
def product_archive(*, actor: User, product: Product) -> Product:
    product = product_lock(product)
    company_editor_require(actor, product.company_id)
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
            product = product_lock(Product(pk=product_id))
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

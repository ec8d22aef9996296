"""The platform quality mark: awarded by operators after a platform inspection of a published
product against PLATFORM_STANDARD, valid for PLATFORM_MARK_DAYS and only while the product's
content hash is the one inspected (a material change lapses it); revoked with a reason. The
storefront shows a valid mark (marketplace.selectors.storefront_product_get)."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, InvalidInput, NotPermitted, WrongState
from core.models import User
from core.permissions import is_operator
from listings.models import Product
from marketplace.models import PlatformMark
from marketplace.services.storefront import storefront_cache_bump

# The platform standard: what an operator checks before awarding the mark (all required).
PLATFORM_STANDARD = {
    "listing_truthful": "Title, description and images match the goods received for inspection.",
    "labelling": "Labels and instructions are in the languages of the destination markets.",
    "packaging": "Export packaging survives the platform's drop test.",
    "certificates": "Certificates the category needs (KC, CE, FDA) are on file and current.",
}


def _require_operator(actor: User) -> None:
    if not is_operator(actor):
        raise NotPermitted("Only operators award and revoke the platform's mark.")


@transaction.atomic
def platform_mark_award(*, actor: User, product: Product, results: dict, notes: str = "") -> PlatformMark:
    """Records the platform inspection and, when every item passed, awards the mark (replacing
    a current one)."""
    _require_operator(actor)
    product = Product.objects.select_for_update(of=("self",)).get(pk=product.pk)
    if product.status != Product.Status.PUBLISHED:
        raise WrongState(f"A {product.status} product cannot carry the mark; it must be published.")
    errors = {}
    missing = sorted(set(PLATFORM_STANDARD) - set(results))
    unknown = sorted(set(results) - set(PLATFORM_STANDARD))
    if missing or unknown:
        errors["results"] = [("invalid", f"Give every item of the platform standard: {', '.join(PLATFORM_STANDARD)}.")]
    elif not all(isinstance(r, dict) and isinstance(r.get("passed"), bool) for r in results.values()):
        errors["results"] = [("invalid", 'Each result is {"passed": true|false, "note": "..."}.')]
    if errors:
        raise InvalidInput("The inspection is not valid.", fields=errors)
    failed = [code for code, result in results.items() if not result["passed"]]
    if failed:
        raise Conflict(
            "The product did not pass the platform inspection.",
            attr="results",
            reasons=[("failed", f"{code}: {PLATFORM_STANDARD[code]}") for code in failed],
        )
    now = timezone.now()
    PlatformMark.objects.filter(product=product, status=PlatformMark.Status.AWARDED).update(
        status=PlatformMark.Status.REVOKED, revoked_at=now, revoke_reason="Replaced by a new inspection."
    )
    mark = PlatformMark.objects.create(
        product=product,
        results={code: {"passed": r["passed"], "note": str(r.get("note", ""))[:500]} for code, r in results.items()},
        notes=notes,
        content_hash=product.content_hash,
        awarded_by=actor,
        expires_at=now + timedelta(days=settings.PLATFORM_MARK_DAYS),
    )
    transaction.on_commit(storefront_cache_bump)
    return mark


@transaction.atomic
def platform_mark_revoke(*, actor: User, mark: PlatformMark, reason: str) -> PlatformMark:
    _require_operator(actor)
    if not reason.strip():
        raise InvalidInput("Give the reason.", attr="reason")
    mark = PlatformMark.objects.select_for_update().get(pk=mark.pk)
    if mark.status != PlatformMark.Status.AWARDED:
        raise WrongState("The mark is revoked already.")
    mark.status = PlatformMark.Status.REVOKED
    mark.revoked_at = timezone.now()
    mark.revoke_reason = reason
    mark.save(update_fields=["status", "revoked_at", "revoke_reason"])
    transaction.on_commit(storefront_cache_bump)
    return mark

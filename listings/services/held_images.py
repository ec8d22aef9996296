"""Image changes to a published product, held in its pending revision like the other material
edits (ADR 0019): buyers, feeds and channels keep the live images until the revision is approved.
The revision's `changes["images"]` is `{"added": [...], "removed": [...]}`: an added image is
already in storage (its file names and what the upload check measured), a removed one is a live
image's id. Lock order: the product, then its revision (as in edits.py)."""

import logging

from django.db import transaction

from core.errors import InvalidInput
from core.models import User
from listings.models import Product, ProductEvent, ProductMedia, ProductRevision
from listings.services.content import product_refresh_content_hash
from listings.services.products import product_event_record

logger = logging.getLogger(__name__)

R = ProductRevision.Status
ENTRY_FIELDS = ("image", "thumbnail", "width", "height", "content_type", "size_bytes", "sha256", "alt_text")


def stored_files_delete(storage, names: list[str]) -> None:
    """Removes stored files that no image row and no pending revision refers to; a failure leaves an
    orphan, never an error."""
    for name in names:
        try:
            if name and not (ProductMedia.objects.filter(image=name).exists() or _held_file(name)):
                storage.delete(name)
        except Exception:  # noqa: BLE001 - cleanup must not hide the error that caused it
            logger.warning("could not delete stored media %s", name, exc_info=True)


def _held_file(name: str) -> bool:
    pending = ProductRevision.objects.filter(status=R.PENDING, changes__has_key="images")
    return any(
        name in (entry["image"], entry["thumbnail"])
        for images in pending.values_list("changes__images", flat=True)
        for entry in images["added"]
    )


def _images(revision: ProductRevision) -> dict:
    held = revision.changes.get("images") or {}
    return {"added": list(held.get("added", [])), "removed": list(held.get("removed", []))}


def held_image_shas(product: Product) -> set[str]:
    """The sha256 of the images waiting in the product's pending revision."""
    pending = ProductRevision.objects.filter(product=product, status=R.PENDING).first()
    return {entry["sha256"] for entry in _images(pending)["added"]} if pending else set()


def _hold(product: Product, actor: User, change) -> ProductRevision:
    """Applies `change` to the held images of the product's pending revision (created if none);
    the product must already be locked. Refuses an edit that would leave the product no image."""
    revision = ProductRevision.objects.select_for_update().filter(product=product, status=R.PENDING).first()
    revision = revision or ProductRevision(product=product, changes={})
    images = _images(revision)
    change(images)
    kept = product.media.exclude(pk__in=images["removed"]).count()
    if kept + len(images["added"]) == 0:
        raise InvalidInput("A published product keeps at least one image; add the new one first.", attr="image")
    revision.changes = {**revision.changes, "images": images}
    revision.submitted_by = actor
    revision.save()
    held = ", ".join(sorted(revision.changes))
    product_event_record(product, ProductEvent.Kind.REVISION_SUBMITTED, actor, reason=f"Held for review: {held}")
    return revision


def held_image_add(*, actor: User, product: Product, media: ProductMedia, position: int | None) -> ProductRevision:
    """Holds an image whose files `media` (unsaved) already stored; `position` is where it goes
    among the live images on approval (the end when None)."""
    entry = {name: getattr(media, name) for name in ENTRY_FIELDS}
    entry.update(image=media.image.name, thumbnail=media.thumbnail.name, position=position)
    return _hold(product, actor, lambda images: images["added"].append(entry))


def held_image_remove(*, actor: User, product: Product, media: ProductMedia) -> ProductRevision:
    """Holds the removal of a live image."""

    def remove(images):
        if media.pk not in images["removed"]:
            images["removed"].append(media.pk)

    return _hold(product, actor, remove)


def held_images_apply(product: Product, images: dict) -> None:
    """On approval (the product and revision locked): removes the held removals, adds the held
    images at their positions, and refreshes the content hash channels follow. Old files leave
    storage after commit."""
    gone = list(product.media.filter(pk__in=images["removed"]))
    names = [name for media in gone for name in (media.image.name, media.thumbnail.name)]
    ProductMedia.objects.filter(pk__in=[media.pk for media in gone]).delete()
    media = list(product.media.order_by("position", "pk"))
    for entry in images["added"]:
        added = ProductMedia(product=product, **{name: entry[name] for name in ENTRY_FIELDS})
        added.save()
        at = len(media) if entry["position"] is None else min(entry["position"], len(media))
        media.insert(at, added)
    if not media:
        raise InvalidInput("The revision would leave the product with no image.", attr="image")
    changed = [item for position, item in enumerate(media) if item.position != position]
    for position, item in enumerate(media):
        item.position = position
    ProductMedia.objects.bulk_update(changed, ["position"])
    product_refresh_content_hash(product=product)
    storage = ProductMedia._meta.get_field("image").storage
    transaction.on_commit(lambda: stored_files_delete(storage, names))


def held_images_discard(images: dict) -> None:
    """On rejection: the held uploads' files leave storage after commit (unless a row uses them)."""
    names = [name for entry in images["added"] for name in (entry["image"], entry["thumbnail"])]
    storage = ProductMedia._meta.get_field("image").storage
    transaction.on_commit(lambda: stored_files_delete(storage, names))


def revision_images(revision: ProductRevision) -> dict | None:
    """The revision's held image changes, or None when it holds none."""
    return _images(revision) if "images" in revision.changes else None

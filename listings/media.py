"""Product images: checked with Pillow before anything is stored (a real JPEG, PNG or WebP, at
most MEDIA_MAX_BYTES, sane dimensions read from the header before any decoding, decompression
bombs refused), stored through Django's storage (S3 in production) under a name derived from
the content's sha256, with a WebP thumbnail; ordered by position, alt text per locale. Every
change refreshes the product's content hash, since channels show the images. On a published
product, adding or removing an image is a material edit held in the pending revision
(services/held_images.py); reordering the same images applies at once."""

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from PIL import ExifTags, Image

from core.errors import InvalidInput, WrongState
from core.locales import validate_translations
from core.models import User
from listings.models import Product, ProductMedia, ProductRevision
from listings.services import EDITABLE_STATUSES, company_editor_require, product_refresh_content_hash
from listings.services.held_images import held_image_add, held_image_remove, held_image_shas, stored_files_delete

ALLOWED_FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"), "WEBP": ("image/webp", ".webp")}
MIN_SIDE = 100
MAX_SIDE = 10_000
MAX_PIXELS = 40_000_000
THUMBNAIL_BOX = (400, 400)
ALT_TEXT_MAX = 300
# EXIF orientation -> the transpose that shows the picture upright (the thumbnail is stored upright).
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_QUARTER_TURNS = {5, 6, 7, 8}  # displayed width and height swap


def _max_bytes() -> int:
    return settings.MEDIA_MAX_BYTES


def _refuse(code: str, message: str, attr: str = "image") -> InvalidInput:
    return InvalidInput(message, attr=attr, reasons=[(code, message)])


@dataclass(frozen=True)
class CheckedImage:
    data: bytes
    sha256: str
    content_type: str
    extension: str
    width: int
    height: int
    thumbnail: bytes


def _read(upload) -> bytes:
    limit = _max_bytes()
    too_large = _refuse("too_large", f"The image is larger than {limit // (1024 * 1024)} MB.")
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise too_large
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise too_large
    if not data:
        raise _refuse("empty", "The file is empty.")
    return data


def _check_dimensions(width: int, height: int) -> None:
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise _refuse(
            "invalid_dimensions",
            f"The image is {width}x{height} pixels; each side must be {MIN_SIDE} to {MAX_SIDE:,} pixels.",
        )
    if width * height > MAX_PIXELS:
        raise _refuse(
            "too_many_pixels",
            f"The image is {width}x{height} pixels; at most {MAX_PIXELS // 1_000_000} megapixels are accepted.",
        )


def _thumbnail(image: Image.Image, orientation: int | None) -> bytes:
    if image.format == "JPEG":
        # Decode at a reduced scale: a thumbnail never needs the full resolution.
        image.draft("RGB", (THUMBNAIL_BOX[0] * 2, THUMBNAIL_BOX[1] * 2))
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    small = image.convert("RGBA" if has_alpha else "RGB")
    small.thumbnail(THUMBNAIL_BOX, Image.Resampling.LANCZOS)
    if orientation in _TRANSPOSE:
        small = small.transpose(_TRANSPOSE[orientation])
    out = io.BytesIO()
    small.save(out, format="WEBP", quality=80, method=4)
    return out.getvalue()


def media_check_image(upload) -> CheckedImage:
    """Validates untrusted bytes and makes the thumbnail; raises InvalidInput (attr "image")."""
    data = _read(upload)
    with warnings.catch_warnings():
        # Pillow only warns between MAX_IMAGE_PIXELS and twice that; a bomb is a refusal either way.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format
                if kind not in ALLOWED_FORMATS:
                    raise _refuse(
                        "unsupported_type", f"{kind or 'This'} images are not accepted; upload a JPEG, PNG or WebP."
                    )
                width, height = image.size
                _check_dimensions(width, height)  # from the header, before any pixel is decoded
                image.verify()
            with Image.open(io.BytesIO(data)) as image:  # verify() leaves the image unusable
                orientation = image.getexif().get(ExifTags.Base.Orientation)
                thumbnail = _thumbnail(image, orientation)
        except InvalidInput:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _refuse("decompression_bomb", "The image declares more pixels than can be safely decoded.") from None
        except Exception:  # noqa: BLE001 - Pillow raises many kinds of errors on malformed input
            raise _refuse("invalid_image", "The file is not a readable JPEG, PNG or WebP image.") from None
    if orientation in _QUARTER_TURNS:
        width, height = height, width
    content_type, extension = ALLOWED_FORMATS[kind]
    return CheckedImage(
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        content_type=content_type,
        extension=extension,
        width=width,
        height=height,
        thumbnail=thumbnail,
    )


def media_check_alt_text(alt_text) -> dict:
    try:
        validate_translations(alt_text)
    except ValidationError as error:
        raise _refuse(error.code or "invalid", error.messages[0], attr="alt_text") from None
    for locale, text in alt_text.items():
        if len(text) > ALT_TEXT_MAX:
            raise _refuse("too_long", f"The '{locale}' alt text is longer than {ALT_TEXT_MAX} characters.", "alt_text")
    return {locale: text.strip() for locale, text in alt_text.items()}


def _require_editable(actor: User, product: Product) -> None:
    company_editor_require(actor, product.company_id)
    if product.status not in EDITABLE_STATUSES:
        raise WrongState(f"A {product.status} product cannot be changed.")


def _lock(product: Product) -> Product:
    return Product.objects.select_for_update(of=("self",)).select_related("category", "brand").get(pk=product.pk)


def _renumber(media: list[ProductMedia]) -> None:
    changed = []
    for position, item in enumerate(media):
        if item.position != position:
            item.position = position
            changed.append(item)
    ProductMedia.objects.bulk_update(changed, ["position"])


def _refuse_duplicate(product: Product, sha256: str) -> None:
    if product.media.filter(sha256=sha256).exists() or sha256 in held_image_shas(product):
        raise _refuse("duplicate", "This image is already on the product.")


def product_media_add(
    *, actor: User, product: Product, upload, alt_text: dict | None = None, position: int | None = None
) -> ProductMedia | ProductRevision:
    """Checks and stores an image and its thumbnail, then adds it at `position` (the end when
    None). The files are written before the row; if the row cannot be written they are removed.
    On a published product the image is held in the pending revision, which is returned."""
    _require_editable(actor, product)  # refuse before reading the upload
    alt_text = media_check_alt_text(alt_text if alt_text is not None else {})
    checked = media_check_image(upload)
    _refuse_duplicate(product, checked.sha256)

    media = ProductMedia(
        product=product,
        width=checked.width,
        height=checked.height,
        content_type=checked.content_type,
        size_bytes=len(checked.data),
        sha256=checked.sha256,
        alt_text=alt_text,
    )
    # Storage writes stay outside the row lock: an S3 round trip must not hold the product.
    media.image.save(f"{checked.sha256}{checked.extension}", ContentFile(checked.data), save=False)
    try:
        media.thumbnail.save(f"{checked.sha256}-thumb.webp", ContentFile(checked.thumbnail), save=False)
        with transaction.atomic():
            locked = _lock(product)
            _require_editable(actor, locked)
            _refuse_duplicate(locked, checked.sha256)
            if locked.status == Product.Status.PUBLISHED:
                return held_image_add(actor=actor, product=locked, media=media, position=position)
            siblings = list(locked.media.order_by("position", "pk"))
            at = len(siblings) if position is None else max(0, min(position, len(siblings)))
            media.product = locked
            media.position = at
            media.save()
            siblings.insert(at, media)
            _renumber(siblings)
            product_refresh_content_hash(product=locked)
    except BaseException:
        stored_files_delete(media.image.storage, [media.image.name, media.thumbnail.name])
        raise
    return media


@transaction.atomic
def product_media_delete(*, actor: User, product: Product, media_id: int) -> ProductRevision | None:
    """Removes the image; its files leave storage once the transaction commits. On a published
    product the removal is held in the pending revision, which is returned."""
    locked = _lock(product)
    _require_editable(actor, locked)
    media = locked.media.filter(pk=media_id).first()
    if media is None:
        raise Http404("No such image on this product.")
    if locked.status == Product.Status.PUBLISHED:
        return held_image_remove(actor=actor, product=locked, media=media)
    storage, names = media.image.storage, [media.image.name, media.thumbnail.name]
    media.delete()
    _renumber(list(locked.media.order_by("position", "pk")))
    product_refresh_content_hash(product=locked)
    transaction.on_commit(lambda: stored_files_delete(storage, names))
    return None


@transaction.atomic
def product_media_reorder(*, actor: User, product: Product, order: list[int]) -> list[ProductMedia]:
    """`order` lists every image id of the product once, first image first."""
    locked = _lock(product)
    _require_editable(actor, locked)
    media = {item.pk: item for item in locked.media.all()}
    if len(order) != len(media) or set(order) != set(media):
        raise _refuse("invalid_order", "List every image of the product exactly once.", attr="order")
    ordered = [media[pk] for pk in order]
    _renumber(ordered)
    product_refresh_content_hash(product=locked)
    return ordered

import io
import json
import struct
import zlib

import boto3
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.errors import InvalidInput
from listings import media as media_services
from listings.models import Product, ProductMedia
from tests.factories import company_with_owner, owner_of, png_bytes, product, staff

pytestmark = pytest.mark.django_db


def _image(kind: str, size=(1200, 900)) -> bytes:
    """A noisy picture, so it does not compress to nothing and its thumbnail is truly smaller."""
    buffer = io.BytesIO()
    Image.effect_noise(size, 60).convert("RGB").save(buffer, format=kind)
    return buffer.getvalue()


def _png_declaring(width: int, height: int) -> bytes:
    """A real 1-bit greyscale PNG of width x height, all zeros: a few KB that would decode into
    width*height pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    packer = zlib.compressobj(9)
    compressed = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", compressed) + chunk(b"IEND", b"")


def _upload(api, item, content: bytes, name: str = "photo.png", **fields):
    api.as_user(owner_of(item.company))
    return api.post(
        f"/api/v1/products/{item.pk}/media/",
        {"image": SimpleUploadedFile(name, content), **fields},
        format="multipart",
    )


def _keys(prefix: str = "") -> dict[str, int]:
    client = boto3.client("s3", endpoint_url=settings.AWS_S3_ENDPOINT_URL, region_name="us-east-1")
    listing = client.list_objects_v2(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Prefix=prefix)
    return {entry["Key"]: entry["Size"] for entry in listing.get("Contents", [])}


def test_a_png_upload_lands_in_s3_with_a_smaller_thumbnail(api, s3_storage):
    item = product(with_image=False)
    content = _image("PNG")
    response = _upload(api, item, content, alt_text=json.dumps({"en": "Lamp, front view", "ko": "무드등 정면"}))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["width"], body["height"], body["content_type"]) == (1200, 900, "image/png")
    assert body["size_bytes"] == len(content) and body["position"] == 0
    assert body["alt_text"] == {"en": "Lamp, front view", "ko": "무드등 정면"}
    assert settings.AWS_STORAGE_BUCKET_NAME in body["url"] and body["thumbnail_url"]

    media = ProductMedia.objects.get(pk=body["id"])
    assert media.image.name == f"products/{item.pk}/{media.sha256}.png"
    stored = _keys(f"products/{item.pk}/")
    assert stored[media.image.name] == len(content)
    assert stored[media.thumbnail.name] < len(content)
    with s3_storage.open(media.thumbnail.name) as thumbnail, Image.open(thumbnail) as picture:
        assert picture.format == "WEBP" and picture.size == (400, 300)


@pytest.mark.parametrize(("kind", "content_type"), [("JPEG", "image/jpeg"), ("WEBP", "image/webp")])
def test_jpeg_and_webp_are_accepted(api, s3_storage, kind, content_type):
    item = product(with_image=False)
    response = _upload(api, item, _image(kind, (640, 480)), name=f"photo.{kind.lower()}")
    assert response.status_code == 201, response.content
    assert (response.json()["content_type"], response.json()["width"]) == (content_type, 640)


def test_a_rotated_jpeg_reports_its_upright_size():
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to display
    Image.effect_noise((600, 300), 60).convert("RGB").save(buffer, format="JPEG", exif=exif)
    checked = media_services.media_check_image(SimpleUploadedFile("turned.jpg", buffer.getvalue()))
    assert (checked.width, checked.height) == (300, 600)
    with Image.open(io.BytesIO(checked.thumbnail)) as thumbnail:
        assert thumbnail.size == (200, 400)


def _gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (200, 200), (10, 20, 30)).save(buffer, format="GIF")
    return buffer.getvalue()


REFUSALS = {
    "not_an_image": (lambda: b"just some text, not a picture\n" * 20, "photo.png", "image", "invalid_image"),
    "gif": (_gif, "photo.gif", "image", "unsupported_type"),
    "eleven_mb": (lambda: png_bytes() + b"\x00" * (11 * 1024 * 1024), "big.png", "image", "too_large"),
    "tiny": (lambda: png_bytes(50, 50), "tiny.png", "image", "invalid_dimensions"),
    "too_many_pixels": (lambda: _png_declaring(8000, 8000), "wide.png", "image", "too_many_pixels"),
    "bomb_over_pillow_limit": (lambda: _png_declaring(20000, 20000), "bomb.png", "image", "decompression_bomb"),
    "bomb_in_pillow_warning_band": (lambda: _png_declaring(9500, 9500), "bomb.png", "image", "decompression_bomb"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_refused_uploads_are_a_400_naming_the_field_and_write_nothing(api, s3_storage, case):
    make, name, attr, code = REFUSALS[case]
    item = product()  # with one image already
    before_keys, before_hash = _keys(), Product.objects.get(pk=item.pk).content_hash
    content = make()
    response = _upload(api, item, content, name=name)
    assert response.status_code == 400, response.content
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [(attr, code)]
    assert item.media.count() == 1
    assert _keys() == before_keys
    assert Product.objects.get(pk=item.pk).content_hash == before_hash


def test_a_bomb_is_small_on_the_wire():
    assert len(_png_declaring(20000, 20000)) < 200 * 1024


def test_alt_text_in_an_unknown_locale_is_refused(api, s3_storage):
    item = product(with_image=False)
    response = _upload(api, item, _image("PNG", (300, 300)), alt_text=json.dumps({"xx": "Front"}))
    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("alt_text", "invalid_locale")]
    assert not item.media.exists() and _keys() == {}


def test_alt_text_must_be_a_json_object(api):
    item = product(with_image=False)
    response = _upload(api, item, _image("PNG", (300, 300)), alt_text="Front view")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "alt_text"


def test_unknown_form_fields_are_refused(api):
    item = product(with_image=False)
    response = _upload(api, item, _image("PNG", (300, 300)), sha256="0" * 64)
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "sha256"


def test_the_same_image_twice_is_refused(api):
    item = product(with_image=False)
    content = _image("PNG", (300, 300))
    assert _upload(api, item, content).status_code == 201
    response = _upload(api, item, content)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "duplicate"
    assert item.media.count() == 1


def test_another_companys_product_is_a_404(api):
    item = product(with_image=False)
    api.as_user(owner_of(company_with_owner()))
    response = api.post(
        f"/api/v1/products/{item.pk}/media/",
        {"image": SimpleUploadedFile("p.png", _image("PNG", (300, 300)))},
        format="multipart",
    )
    assert response.status_code == 404
    assert not item.media.exists()


def test_a_viewer_gets_a_403(api):
    item = product(with_image=False)
    api.as_user(staff(item.company, "viewer"))
    response = api.post(
        f"/api/v1/products/{item.pk}/media/",
        {"image": SimpleUploadedFile("p.png", _image("PNG", (300, 300)))},
        format="multipart",
    )
    assert response.status_code == 403
    assert not item.media.exists()


def test_an_archived_product_takes_no_images(api):
    from listings.services import product_archive

    item = product(with_image=False)
    product_archive(actor=owner_of(item.company), product=item)
    response = _upload(api, item, _image("PNG", (300, 300)))
    assert response.status_code == 409


def test_uploads_and_deletes_change_the_content_hash_and_keep_positions_dense(
    api, s3_storage, django_capture_on_commit_callbacks
):
    item = product()  # one image at position 0
    first = item.media.get()
    hashes = [Product.objects.get(pk=item.pk).content_hash]

    response = _upload(api, item, _image("PNG", (300, 300)), position=0)
    assert response.status_code == 201
    hashes.append(Product.objects.get(pk=item.pk).content_hash)
    added = ProductMedia.objects.get(pk=response.json()["id"])
    assert list(item.media.values_list("pk", "position")) == [(added.pk, 0), (first.pk, 1)]

    with django_capture_on_commit_callbacks(execute=True):
        response = api.delete(f"/api/v1/products/{item.pk}/media/{added.pk}/")
    assert response.status_code == 204
    hashes.append(Product.objects.get(pk=item.pk).content_hash)
    assert list(item.media.values_list("pk", "position")) == [(first.pk, 0)]
    assert added.image.name not in _keys() and added.thumbnail.name not in _keys()
    assert first.image.name in _keys()
    # Channels see a change after each step; removing the added image restores the first content.
    assert hashes[1] != hashes[0] and hashes[2] != hashes[1] and hashes[2] == hashes[0]


def test_deleting_another_products_image_is_a_404(api):
    item, other = product(), product()
    api.as_user(owner_of(item.company))
    response = api.delete(f"/api/v1/products/{item.pk}/media/{other.media.get().pk}/")
    assert response.status_code == 404
    assert other.media.exists()


def test_reorder_lists_every_image_once():
    item = product()
    second = media_services.product_media_add(
        actor=owner_of(item.company),
        product=item,
        upload=SimpleUploadedFile("b.png", _image("PNG", (300, 300))),
    )
    first = item.media.get(position=0)
    before = Product.objects.get(pk=item.pk).content_hash
    media_services.product_media_reorder(actor=owner_of(item.company), product=item, order=[second.pk, first.pk])
    assert list(item.media.values_list("pk", flat=True)) == [second.pk, first.pk]
    assert Product.objects.get(pk=item.pk).content_hash != before
    with pytest.raises(InvalidInput) as refused:
        media_services.product_media_reorder(actor=owner_of(item.company), product=item, order=[second.pk])
    assert refused.value.attr == "order"

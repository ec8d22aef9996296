"""Media in two kinds (core/media.py): product images public with stable unsigned URLs, every
other file private behind signed URLs that expire soon; on S3 (moto's server, with the bucket
policy production sets) and on the local filesystem served by the app with DEBUG off."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile

from integrations.selectors import listing_data_for
from listings.models import ProductMedia
from marketplace.models import InquiryMessage
from tests.factories import UserFactory, owner_of, png_bytes, product
from tests.marketplace.trade_helpers import b2b_product

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def upload_image(api, item):
    api.as_user(owner_of(item.company))
    response = api.post(
        f"/api/v1/products/{item.pk}/media/",
        {"image": SimpleUploadedFile("lamp.png", png_bytes(400, 300))},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    return response.json()


def attach_to_inquiry(api, user) -> dict:
    api.as_user(user)
    response = api.post(
        "/api/v1/inquiries/",
        {
            "product": b2b_product().pk,
            "subject": "Certificate",
            "body": "Our import licence.",
            "attachment": SimpleUploadedFile("licence.pdf", PDF),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    thread = api.get(f"/api/v1/inquiries/{response.json()['id']}/").json()
    return thread["messages"][0]["attachment"]


def storage_options(settings, kind: str, **options) -> None:
    """A new STORAGES with these options for one kind: Django and core.media drop their instances."""
    spec = settings.STORAGES[kind]
    settings.STORAGES = {**settings.STORAGES, kind: {**spec, "OPTIONS": {**spec.get("OPTIONS", {}), **options}}}


def test_product_image_urls_are_unsigned_and_anyone_fetches_them(api, s3_storage):
    body = upload_image(api, product(with_image=False))
    for url in (body["url"], body["thumbnail_url"]):
        assert not urlsplit(url).query, url  # no signature, so no expiry: the URL lasts as long as the image
        fetched = requests.get(url, timeout=10)  # anonymous: allowed by the bucket policy on products/*
        assert fetched.status_code == 200
    media = ProductMedia.objects.get(pk=body["id"])
    assert requests.get(body["url"], timeout=10).content == media.image.read()
    # The same URL every time it is asked for (storefront, feeds, caches agree).
    again = api.get(f"/api/v1/products/{media.product_id}/").json()["media"]
    assert [m["url"] for m in again] == [body["url"]]


def test_channel_listings_carry_the_public_image_urls(api, s3_storage):
    """What connectors put in feeds: the same unsigned URLs, which outside channels fetch later."""
    item = product(with_image=False)
    body = upload_image(api, item)
    (listing,) = listing_data_for([item.pk])
    assert listing.image_urls == (body["url"],)
    assert requests.get(listing.image_urls[0], timeout=10).status_code == 200


def test_product_image_urls_are_under_the_public_domain(api, s3_storage, settings):
    storage_options(settings, "public", custom_domain="media.shop.example/platform-media")
    body = upload_image(api, product(with_image=False))
    name = ProductMedia.objects.get(pk=body["id"]).image.name
    assert body["url"] == f"https://media.shop.example/platform-media/{name}"


def test_private_files_have_short_signed_urls_and_nothing_without_the_signature(api, s3_storage, settings):
    attachment = attach_to_inquiry(api, UserFactory())
    url = urlsplit(attachment["url"])
    query = parse_qs(url.query)
    assert query["X-Amz-Expires"] == [str(settings.MEDIA_PRIVATE_URL_SECONDS)] and query["X-Amz-Signature"]
    assert settings.MEDIA_PRIVATE_URL_SECONDS <= 300
    assert requests.get(attachment["url"], timeout=10).content == PDF
    unsigned = requests.get(f"{url.scheme}://{url.netloc}{url.path}", timeout=10)
    assert unsigned.status_code == 403
    # A product image's name does not make a private file public.
    name = InquiryMessage.objects.get().attachment.name
    assert not name.startswith("products/")


def test_signed_urls_name_the_endpoint_clients_use(api, s3_storage, settings, s3_endpoint):
    """In compose the app uploads to http://minio:9000; clients get the proxy's address."""
    public = s3_endpoint.replace("127.0.0.1", "localhost")
    for kind in ("default", "public"):
        storage_options(settings, kind, url_endpoint=public)
    attachment = attach_to_inquiry(api, UserFactory())
    image = upload_image(api, product(with_image=False))
    assert attachment["url"].startswith(f"{public}/{settings.AWS_STORAGE_BUCKET_NAME}/inquiries/")
    assert image["url"].startswith(f"{public}/{settings.AWS_STORAGE_BUCKET_NAME}/products/")
    assert "X-Amz-Signature" in attachment["url"] and not urlsplit(image["url"]).query
    assert requests.get(attachment["url"], timeout=10).content == PDF
    assert requests.get(image["url"], timeout=10).status_code == 200


@pytest.fixture
def local_media(settings, tmp_path):
    """No bucket, DEBUG off: the storages config/settings.py picks, under a scratch VAR_DIR."""
    settings.DEBUG = False
    settings.STORAGES = {**settings.STORAGES, **settings.LOCAL_MEDIA_STORAGES}
    storage_options(settings, "default", location=tmp_path / "private")
    storage_options(settings, "public", location=tmp_path / "media")


def test_without_a_bucket_the_app_serves_public_images(api, client, local_media):
    body = upload_image(api, product(with_image=False))
    path = urlsplit(body["url"]).path
    assert path.startswith("/media/products/")
    response = client.get(path)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == ProductMedia.objects.get(pk=body["id"]).image.read()
    assert client.get("/media/products/nothing-here.png").status_code == 404
    assert client.post(path).status_code == 405


def test_without_a_bucket_private_files_need_an_unexpired_signature(api, client, local_media, settings):
    attachment = attach_to_inquiry(api, UserFactory())
    url = urlsplit(attachment["url"])
    assert url.path.startswith("/private-media/inquiries/")
    signed = client.get(f"{url.path}?{url.query}")
    assert signed.status_code == 200 and b"".join(signed.streaming_content) == PDF
    assert signed["Cache-Control"] == "private, no-store"
    assert client.get(url.path).status_code == 404  # no signature
    assert client.get(f"{url.path}?{url.query[:-2]}xx").status_code == 404  # a forged one
    other = InquiryMessage.objects.get().attachment.name.replace("licence", "other")  # a name beside it
    assert client.get(f"/private-media/{other}?{url.query}").status_code == 404  # another file's signature
    name = url.path.removeprefix("/private-media/")
    assert client.get(f"/media/{name}").status_code == 404  # not public
    assert client.get(f"/media/../private/{name}").status_code in (400, 404)  # nor by climbing out of media
    settings.MEDIA_PRIVATE_URL_SECONDS = -1  # every signature is now past its expiry
    assert client.get(f"{url.path}?{url.query}").status_code == 404

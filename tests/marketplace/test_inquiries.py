"""Inquiry threads: the two parties and operators only (who may step in as the platform),
attachments checked by content and size, unread counts per side."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.models import InquiryMessage, InquiryThread
from tests.factories import UserFactory, company_with_owner, owner_of, png_bytes, staff
from tests.marketplace.trade_helpers import b2b_product, buyer

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def start(api, user, item, **extra):
    api.as_user(user)
    return api.post(
        "/api/v1/inquiries/",
        {"product": item.pk, "subject": "Samples?", "body": "Can you send two samples to Tokyo?", **extra},
        format=extra and "multipart" or "json",
    )


def test_a_thread_between_a_buyer_and_the_products_company_with_unread_counts(api):
    item = b2b_product()
    person = UserFactory()
    response = start(api, person, item)
    assert response.status_code == 201, response.json()
    thread_id = response.json()["id"]
    seller = owner_of(item.company)
    api.as_user(seller)
    listed = api.get("/api/v1/inquiries/").json()["results"]
    assert [(t["id"], t["unread"]) for t in listed] == [(thread_id, 1)]
    detail = api.get(f"/api/v1/inquiries/{thread_id}/").json()
    assert [m["side"] for m in detail["messages"]] == ["buyer"]
    assert api.get("/api/v1/inquiries/").json()["results"][0]["unread"] == 0  # read by fetching
    reply = api.post(
        f"/api/v1/inquiries/{thread_id}/messages/",
        {"body": "Here is our catalogue.", "attachment": SimpleUploadedFile("catalogue.pdf", PDF)},
        format="multipart",
    )
    assert reply.status_code == 201, reply.json()
    assert reply.json()["attachment"]["content_type"] == "application/pdf"
    api.as_user(person)
    assert api.get("/api/v1/inquiries/").json()["results"][0]["unread"] == 1
    assert len(api.get(f"/api/v1/inquiries/{thread_id}/").json()["messages"]) == 2
    assert api.get("/api/v1/inquiries/").json()["results"][0]["unread"] == 0
    stored = InquiryMessage.objects.get(side="seller")
    assert stored.attachment.read() == PDF


def test_only_the_two_parties_and_operators_see_a_thread(api, operator):
    item = b2b_product()
    thread_id = start(api, UserFactory(), item).json()["id"]
    for outsider in (UserFactory(), owner_of(company_with_owner())):
        api.as_user(outsider)
        assert api.get(f"/api/v1/inquiries/{thread_id}/").status_code == 404
        assert api.post(f"/api/v1/inquiries/{thread_id}/messages/", {"body": "hi"}).status_code == 404
        assert api.get("/api/v1/inquiries/").json()["results"] == []
    api.as_user(operator)
    assert api.get(f"/api/v1/inquiries/{thread_id}/").status_code == 200
    # An operator steps in as the platform: both parties have one more message to read.
    said = api.post(f"/api/v1/inquiries/{thread_id}/messages/", {"body": "Samples ship from our Incheon hub."})
    assert said.status_code == 201 and said.json()["side"] == "platform"
    thread = InquiryThread.objects.get(pk=thread_id)
    assert (thread.buyer_unread, thread.seller_unread) == (1, 2)
    api.as_user(staff(item.company, "viewer"))
    assert api.get(f"/api/v1/inquiries/{thread_id}/").status_code == 200
    assert api.post(f"/api/v1/inquiries/{thread_id}/messages/", {"body": "hi"}).status_code == 403


def test_colleagues_of_a_buyer_company_share_its_threads(api):
    company, user = buyer()
    colleague = UserFactory()
    company.staff.create(user=colleague, role="buyer")
    item = b2b_product()
    thread_id = start(api, user, item, buyer_company=company.pk).json()["id"]
    api.as_user(colleague)
    assert api.post(f"/api/v1/inquiries/{thread_id}/messages/", {"body": "Also in blue?"}).status_code == 201
    assert InquiryThread.objects.get().seller_unread == 2


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (SimpleUploadedFile("script.pdf", b"#!/bin/sh\nrm -rf /\n"), "invalid"),
        (SimpleUploadedFile("big.png", png_bytes(10, 10) + b"\0" * 2048), "invalid"),
    ],
)
def test_attachments_outside_the_allow_list_or_too_big_are_refused(api, settings, upload, code):
    settings.INQUIRY_ATTACHMENT_MAX_BYTES = 1024
    item = b2b_product()
    response = start(api, UserFactory(), item, attachment=upload)
    assert response.status_code == 400, response.json()
    assert response.json()["errors"][0]["attr"] == "attachment"
    assert not InquiryThread.objects.exists() and not InquiryMessage.objects.exists()


def test_inquiries_only_about_published_products_and_not_ones_own(api):
    from tests.factories import product

    draft = product()
    assert start(api, UserFactory(), draft).json()["errors"][0]["attr"] == "product"
    item = b2b_product()
    assert start(api, owner_of(item.company), item).json()["errors"][0]["attr"] == "product"
    assert start(api, UserFactory(), item, buyer_company=buyer()[0].pk).json()["errors"][0]["attr"] == "buyer_company"
    assert not InquiryThread.objects.exists()


def test_the_inquiry_list_queries_do_not_grow_with_the_page(api):
    person = UserFactory()
    start(api, person, b2b_product())

    def count():
        api.as_user(person)
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/v1/inquiries/").status_code == 200
        return len(queries)

    small = count()
    for _ in range(4):
        start(api, person, b2b_product())
    assert count() == small

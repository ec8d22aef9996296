"""Seller onboarding: Kmall24's procedure (documents, evaluation, approval of launching, training,
first product) through the API as SMEs and operators use it, and what an unapproved company may
not do (publish, be an active brand member, be co-financed)."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from brands import services
from brands.models import Company, Membership, SellerApplication
from core.errors import Conflict
from core.money import Money
from marketplace.services.fees import fee_charge
from marketplace.services.programmes import voucher_issue
from tests.factories import (
    OperatorFactory,
    UserFactory,
    brand_with_members,
    company_with_owner,
    owner_of,
    png_bytes,
    product,
)
from tests.marketplace.settlement_helpers import programme

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
COMPANY = {
    "legal_name": "Jeonju Paper Works",
    "registration_number": "418-81-55555",
    "country": "KR",
    "sector": "mfg_pulp_paper",
    "annual_sales": {"amount": "3000000000", "currency": "KRW"},
    "employees": 12,
}
ALL_CHECKED = {
    "registration_matches": True,
    "figures_match": True,
    "products_fit": True,
    "contact_verified": True,
}


def pdf(name="certificate.pdf", data=PDF):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def new_company(api):
    owner = UserFactory()
    response = api.as_user(owner).post("/api/v1/companies/", COMPANY, format="json")
    assert response.status_code == 201, response.json()
    return Company.objects.get(pk=response.json()["id"]), owner


def attrs(response) -> set:
    return {error["attr"] for error in response.json()["errors"]}


def test_an_sme_applies_an_operator_evaluates_and_approves_and_the_verdict_says_figures_are_verified(api):
    company, owner = new_company(api)
    body = api.get(f"/api/v1/companies/{company.pk}/").json()
    assert body["seller_approved"] is False
    assert body["sme_eligibility"]["figures_verified"] is False

    response = api.post(
        "/api/v1/seller-applications/",
        {"company": company.pk, "registration_certificate": pdf(), "figures_document": pdf("accounts.pdf")},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    application = response.json()
    assert application["status"] == "draft"
    assert application["registration_certificate"]["content_type"] == "application/pdf"
    assert api.post(f"/api/v1/seller-applications/{application['id']}/submit/").status_code == 200

    operator = OperatorFactory()
    path = f"/api/v1/seller-applications/{application['id']}"
    api.as_user(operator)
    response = api.post(
        f"{path}/evaluate/", {"checklist": {"registration_matches": True}, "notes": "OK"}, format="json"
    )
    assert response.status_code == 200
    refused = api.post(f"{path}/approve/", {"reasons": "Fine."}, format="json")
    assert refused.status_code == 409
    assert {e["attr"] for e in refused.json()["errors"]} == {"checklist"}
    assert api.post(f"{path}/evaluate/", {"checklist": ALL_CHECKED}, format="json").status_code == 200
    response = api.post(f"{path}/approve/", {"reasons": "Documents in order."}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "approved"
    assert [e["kind"] for e in response.json()["events"]] == [
        "created",
        "submitted",
        "evaluated",
        "evaluated",
        "approved",
    ]

    api.as_user(owner)
    body = api.get(f"/api/v1/companies/{company.pk}/").json()
    assert body["seller_approved"] is True
    assert body["sme_eligibility"]["figures_verified"] is True
    mine = api.get(f"{path}/").json()
    assert mine["notes"] == ""  # the operator's working notes stay with operators
    assert mine["decision_reasons"] == "Documents in order."

    # Changing the figures behind the verdict makes them unverified again.
    api.patch(f"/api/v1/companies/{company.pk}/", {"employees": 13}, format="json")
    assert api.get(f"/api/v1/companies/{company.pk}/").json()["sme_eligibility"]["figures_verified"] is False


def test_steps_record_training_and_the_first_approved_product(api):
    from listings.services import product_approve, product_submit

    company, owner = new_company(api)
    application = services.seller_application_create(
        actor=owner, company=company, registration_certificate=pdf(), figures_document=pdf()
    )
    application = services.seller_application_submit(actor=owner, application=application)
    operator = OperatorFactory()
    services.seller_application_evaluate(actor=operator, application=application, checklist=ALL_CHECKED)
    services.seller_application_decide(actor=operator, application=application, approve=True, reasons="OK")
    path = f"/api/v1/seller-applications/{application.pk}/"
    response = api.as_user(owner).post(f"{path}training/", {"module": "platform_rules"}, format="json")
    assert response.status_code == 200
    assert api.post(f"{path}training/", {"module": "juggling"}, format="json").status_code == 400
    item = product_submit(actor=owner, product=product(Company.objects.get(pk=company.pk)))
    product_approve(actor=operator, product=item)
    steps = {step["code"]: step["done"] for step in api.get(path).json()["steps"]}
    assert steps == {
        "documents": True,
        "submitted": True,
        "approved": True,
        "training:platform_rules": True,
        "training:listing_quality": False,
        "training:shipping_and_customs": False,
        "first_product_approved": True,
    }


@pytest.mark.parametrize(
    ("upload", "problem"),
    [
        (SimpleUploadedFile("c.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"), "Upload a PDF"),
        (SimpleUploadedFile("c.pdf", b"", content_type="application/pdf"), "empty"),
        (SimpleUploadedFile("c.pdf", PDF + b"x" * 2048, content_type="application/pdf"), "larger than"),
    ],
    ids=["wrong-type-by-content", "empty", "too-large"],
)
def test_documents_are_checked_by_content_and_size_and_nothing_is_written(api, settings, upload, problem):
    settings.SELLER_DOCUMENT_MAX_BYTES = 1024
    company, _owner = new_company(api)
    response = api.post(
        "/api/v1/seller-applications/",
        {"company": company.pk, "registration_certificate": upload},
        format="multipart",
    )
    assert response.status_code == 400
    assert attrs(response) == {"registration_certificate"}
    assert problem in response.json()["errors"][0]["detail"]
    assert not SellerApplication.objects.exists()


def test_an_image_is_accepted_and_submitting_without_the_figures_document_names_it(api):
    company, _owner = new_company(api)
    image = SimpleUploadedFile("cert.png", png_bytes(), content_type="image/png")
    response = api.post(
        "/api/v1/seller-applications/", {"company": company.pk, "registration_certificate": image}, format="multipart"
    )
    assert response.status_code == 201
    assert response.json()["registration_certificate"]["content_type"] == "image/png"
    response = api.post(f"/api/v1/seller-applications/{response.json()['id']}/submit/")
    assert response.status_code == 400
    assert attrs(response) == {"figures_document"}


def test_a_rejected_application_carries_its_reasons_and_may_be_submitted_again(api):
    company, owner = new_company(api)
    application = services.seller_application_create(
        actor=owner, company=company, registration_certificate=pdf(), figures_document=pdf()
    )
    services.seller_application_submit(actor=owner, application=application)
    api.as_user(OperatorFactory())
    path = f"/api/v1/seller-applications/{application.pk}"
    assert api.post(f"{path}/reject/", {"reasons": ""}, format="json").status_code == 400
    response = api.post(f"{path}/reject/", {"reasons": "The certificate is unreadable."}, format="json")
    assert response.json()["status"] == "rejected"
    assert api.post(f"{path}/reject/", {"reasons": "Again."}, format="json").status_code == 409
    api.as_user(owner)
    assert api.get(f"{path}/").json()["decision_reasons"] == "The certificate is unreadable."
    response = api.post(f"{path}/submit/", {"registration_certificate": pdf("clear.pdf")}, format="multipart")
    assert response.status_code == 200
    assert response.json()["status"] == "submitted"
    assert not Company.objects.get(pk=company.pk).is_approved_seller


def test_only_operators_decide_and_another_company_sees_a_404(api):
    company, owner = new_company(api)
    application = services.seller_application_create(actor=owner, company=company, registration_certificate=pdf())
    path = f"/api/v1/seller-applications/{application.pk}"
    response = api.as_user(owner).post(f"{path}/approve/", {"reasons": "Me."}, format="json")
    assert response.status_code == 403
    outsider = owner_of(company_with_owner())
    assert api.as_user(outsider).get(f"{path}/").status_code == 404
    assert api.get("/api/v1/seller-applications/").json()["count"] == 0
    response = api.post(
        "/api/v1/seller-applications/", {"company": company.pk, "registration_certificate": pdf()}, format="multipart"
    )
    assert response.status_code == 400
    assert attrs(response) == {"company"}


def test_an_unapproved_company_drafts_but_cannot_publish_lead_join_or_be_co_financed(api):
    from listings.services import product_approve, product_publish, product_submit

    company, owner = new_company(api)
    operator = OperatorFactory()
    item = product_approve(actor=operator, product=product_submit(actor=owner, product=product(company)))
    with pytest.raises(Conflict) as refused:
        product_publish(actor=owner, product=item)
    assert refused.value.reasons[0][0] == "seller_not_approved"

    brand = brand_with_members(0)
    membership = services.membership_apply(brand=brand, company=company, actor=owner)
    with pytest.raises(Conflict):
        services.membership_approve(membership=membership, actor=owner_of(brand.lead_company))
    assert Membership.objects.get(pk=membership.pk).status == Membership.Status.APPLIED
    with pytest.raises(Conflict):
        services.brand_create(actor=owner, name="Paper Guild", lead_company=company)

    plan = programme(currency="KRW", budget=Decimal(1_000_000), per_company_cap=Decimal(100_000))
    fee = fee_charge(
        company=company, kind="fulfilment", cause_type="test", cause_id=1, amount=Money(Decimal(10_000), "KRW")
    )
    assert fee.company_amount == fee.amount  # no programme pays for an unapproved company
    with pytest.raises(Exception) as refused:
        voucher_issue(
            programme=plan,
            company=company,
            amount=Money(Decimal(10_000), "KRW"),
            fee_kinds=["fulfilment"],
            expires_on=plan.ends_on,
            actor=operator,
        )
    assert "approved seller" in str(refused.value.reasons)


def test_operators_evaluate_and_approve_in_the_admin_and_sme_staff_only_read_their_own(client, api):
    company, owner = new_company(api)
    application = services.seller_application_create(
        actor=owner, company=company, registration_certificate=pdf(), figures_document=pdf()
    )
    services.seller_application_submit(actor=owner, application=application)
    other = company_with_owner()
    services.seller_application_create(actor=owner_of(other), company=other, registration_certificate=pdf())

    client.force_login(owner)
    listing = client.get("/admin/brands/sellerapplication/").content.decode()
    assert company.legal_name in listing and other.legal_name not in listing
    refused = client.post(
        "/admin/brands/sellerapplication/",
        {"action": "approve", "_selected_action": [application.pk], "apply": "1", "reasons": "Me."},
    )
    assert refused.status_code in (302, 200)
    assert SellerApplication.objects.get(pk=application.pk).status == "submitted"

    client.force_login(OperatorFactory())
    changelist = "/admin/brands/sellerapplication/"
    client.post(
        changelist,
        {"action": "evaluate", "_selected_action": [application.pk], "apply": "1", "notes": "ok", **ALL_CHECKED},
    )
    client.post(
        changelist, {"action": "approve", "_selected_action": [application.pk], "apply": "1", "reasons": "In order."}
    )
    application.refresh_from_db()
    assert application.status == "approved"
    assert application.decision_reasons == "In order."
    assert Company.objects.get(pk=company.pk).is_approved_seller

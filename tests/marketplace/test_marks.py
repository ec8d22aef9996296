"""The platform quality mark: awarded by operators after a platform inspection of a published
product, shown on the storefront's product page, lapsing when it expires or when the product's
content changes, revocable with a reason."""

from datetime import timedelta

import pytest
from django.utils import timezone

from listings.models import Product
from marketplace.models import PlatformMark
from marketplace.services.marks import PLATFORM_STANDARD
from marketplace.services.storefront import storefront_cache_bump
from tests.factories import OperatorFactory, company_with_owner, owner_of, product, published

pytestmark = pytest.mark.django_db

ALL_PASSED = {code: {"passed": True, "note": ""} for code in PLATFORM_STANDARD}


def award(api, item) -> int:
    return api.post("/api/v1/platform-marks/", {"product": item.pk, "results": ALL_PASSED}, format="json").json()["id"]


def shown(api, item):
    return api.get(f"/api/v1/storefront/products/{item.slug}/").json()["platform_mark"]


def test_an_operator_awards_the_mark_and_the_storefront_shows_it_until_the_product_changes(
    api, settings, django_capture_on_commit_callbacks
):
    settings.PLATFORM_MARK_DAYS = 30
    item = published(product(company_with_owner()))
    assert shown(api, item) is None
    api.as_user(OperatorFactory())
    with django_capture_on_commit_callbacks(execute=True):  # the storefront cache is dropped after commit
        response = api.post("/api/v1/platform-marks/", {"product": item.pk, "results": ALL_PASSED}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["valid"] is True
    mark = PlatformMark.objects.get()
    assert timedelta(days=29) < mark.expires_at - timezone.now() <= timedelta(days=30)
    api.credentials()
    assert shown(api, item) == {"valid_until": mark.expires_at.isoformat().replace("+00:00", "Z")}

    # A material change is a new content hash (what buyers and channels see): the mark lapses.
    Product.objects.filter(pk=item.pk).update(content_hash="0" * 64)
    storefront_cache_bump()  # what a change that reaches the storefront does
    assert shown(api, item) is None


def test_the_mark_lapses_when_it_expires_and_when_it_is_revoked(api, django_capture_on_commit_callbacks):
    item = published(product(company_with_owner()))
    operator = OperatorFactory()
    api.as_user(operator)
    with django_capture_on_commit_callbacks(execute=True):
        mark_id = award(api, item)
    past = timezone.now() - timedelta(days=1)
    PlatformMark.objects.filter(pk=mark_id).update(awarded_at=past - timedelta(days=1), expires_at=past)
    assert api.get(f"/api/v1/platform-marks/{mark_id}/").json()["valid"] is False
    assert shown(api, item) is None
    # A new inspection replaces it; revoking that one takes the mark away.
    with django_capture_on_commit_callbacks(execute=True):
        mark_id = award(api, item)
    assert shown(api, item) is not None
    assert api.post(f"/api/v1/platform-marks/{mark_id}/revoke/", {"reason": ""}, format="json").status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/platform-marks/{mark_id}/revoke/", {"reason": "Complaints."}, format="json")
    assert response.json()["status"] == "revoked"
    assert shown(api, item) is None
    assert PlatformMark.objects.filter(status="awarded").count() == 0


def test_a_failed_item_an_unpublished_product_or_an_sme_gets_no_mark(api):
    company = company_with_owner()
    item = published(product(company))
    draft = product(company)
    api.as_user(owner_of(company))
    body = {"product": item.pk, "results": ALL_PASSED}
    assert api.post("/api/v1/platform-marks/", body, format="json").status_code == 403
    api.as_user(OperatorFactory())
    failed = {**ALL_PASSED, "packaging": {"passed": False, "note": "Crushed in the drop test."}}
    response = api.post("/api/v1/platform-marks/", {"product": item.pk, "results": failed}, format="json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["attr"] == "results"
    response = api.post(
        "/api/v1/platform-marks/", {"product": item.pk, "results": {"packaging": {"passed": True}}}, format="json"
    )
    assert response.status_code == 400
    assert (
        api.post("/api/v1/platform-marks/", {"product": draft.pk, "results": ALL_PASSED}, format="json").status_code
        == 409
    )
    assert not PlatformMark.objects.exists()

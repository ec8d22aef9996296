from decimal import Decimal

import pytest

from core.errors import Conflict, InvalidInput, NotPermitted, WrongState
from listings import services
from listings.models import Product
from tests.factories import (
    active_brand,
    category,
    company_with_owner,
    owner_of,
    product,
    product_payload,
    publish_standard,
)

pytestmark = pytest.mark.django_db
S = Product.Status


def test_a_complete_product_goes_from_draft_to_published(operator):
    item = product()
    owner = owner_of(item.company)
    assert item.status == S.DRAFT and len(item.content_hash) == 64
    item = services.product_submit(actor=owner, product=item)
    item = services.product_approve(actor=operator, product=item)
    item = services.product_publish(actor=owner, product=item)
    assert item.status == S.PUBLISHED and item.published_at
    assert list(item.events.values_list("kind", flat=True)) == ["created", "submitted", "approved", "published"]
    event = item.events.get(kind="approved")
    assert (event.from_status, event.to_status, event.actor) == ("in_review", "approved", operator)


def test_submit_lists_every_missing_item():
    company = company_with_owner()
    draft = services.product_create(
        actor=owner_of(company),
        company=company,
        category=category(schema=[{"code": "wattage", "type": "integer", "required": True}]),
        mode="both",
        translations={"ko": {"title": "한지 등", "description": ""}},
    )
    with pytest.raises(InvalidInput) as refused:
        services.product_submit(actor=owner_of(company), product=draft)
    assert set(refused.value.fields) == {
        "translations.ko.description",
        "translations.en.title",
        "translations.en.description",
        "retail_price",
        "moq",
        "price_tiers",
        "variants",
        "hs_code",
        "origin_country",
        "media",
        "attributes.wattage",
    }
    assert Product.objects.get(pk=draft.pk).status == S.DRAFT


@pytest.mark.parametrize(
    ("service", "from_status"),
    [
        ("product_submit", S.IN_REVIEW),
        ("product_submit", S.APPROVED),
        ("product_submit", S.PUBLISHED),
        ("product_submit", S.ARCHIVED),
        ("product_approve", S.DRAFT),
        ("product_approve", S.APPROVED),
        ("product_approve", S.PUBLISHED),
        ("product_approve", S.SUSPENDED),
        ("product_approve", S.ARCHIVED),
        ("product_publish", S.DRAFT),
        ("product_publish", S.IN_REVIEW),
        ("product_publish", S.PUBLISHED),
        ("product_publish", S.SUSPENDED),
        ("product_publish", S.ARCHIVED),
        ("product_unpublish", S.DRAFT),
        ("product_unpublish", S.IN_REVIEW),
        ("product_unpublish", S.APPROVED),
        ("product_unpublish", S.SUSPENDED),
        ("product_unpublish", S.ARCHIVED),
        ("product_archive", S.ARCHIVED),
        ("product_suspend", S.DRAFT),
        ("product_suspend", S.SUSPENDED),
        ("product_suspend", S.ARCHIVED),
    ],
)
def test_every_transition_from_a_wrong_state_is_refused(operator, service, from_status):
    item = product()
    Product.objects.filter(pk=item.pk).update(status=from_status)
    kwargs = {"reason": "policy"} if service == "product_suspend" else {}
    with pytest.raises(WrongState):
        getattr(services, service)(actor=operator, product=item, **kwargs)
    assert Product.objects.get(pk=item.pk).status == from_status


def test_a_brand_product_is_approved_only_after_a_passed_inspection_on_the_current_standard(operator):
    brand = active_brand(4)
    member = brand.memberships.filter(role="member").first().company
    item = product(member, brand=brand)
    services.product_submit(actor=owner_of(member), product=item)
    with pytest.raises(Conflict) as refused:
        services.product_approve(actor=operator, product=item)
    assert refused.value.reasons[0][0] == "inspection_required"

    lead_owner = owner_of(brand.lead_company)
    failed = services.inspection_record(
        actor=lead_owner,
        product=item,
        results=[
            {"code": "stitching", "passed": False, "note": "Seam split at 3 kg."},
            {"code": "label", "passed": True},
        ],
    )
    assert failed.outcome == "failed"
    with pytest.raises(Conflict):
        services.product_approve(actor=operator, product=item)

    passed = services.inspection_record(
        actor=lead_owner,
        product=item,
        results=[{"code": "stitching", "passed": True}, {"code": "label", "passed": False}],
    )
    assert passed.outcome == "passed"  # only an optional item failed
    assert services.product_approve(actor=lead_owner, product=item).status == S.APPROVED

    # A new standard version makes that inspection stale for the next approval.
    publish_standard(brand)
    item.refresh_from_db()
    assert services.product_passed_inspection(item) is None


def test_a_new_standard_sends_published_products_back_to_review_when_the_brand_asks(operator):
    brand = active_brand(4)
    brand.reinspect_on_new_standard = True
    brand.save()
    member = brand.memberships.filter(role="member").first().company
    item = product(member, brand=brand)
    Product.objects.filter(pk=item.pk).update(status=S.PUBLISHED)
    publish_standard(brand)
    item.refresh_from_db()
    assert item.status == S.IN_REVIEW
    assert item.events.filter(kind="returned_to_review").exists()


def test_without_the_brand_asking_products_keep_their_status():
    brand = active_brand(4)
    member = brand.memberships.filter(role="member").first().company
    item = product(member, brand=brand)
    Product.objects.filter(pk=item.pk).update(status=S.PUBLISHED)
    publish_standard(brand)
    assert Product.objects.get(pk=item.pk).status == S.PUBLISHED


def test_leaving_a_brand_unpublishes_the_companys_brand_products_but_keeps_them():
    from brands.services import membership_leave

    brand = active_brand(4)
    membership = brand.memberships.filter(role="member").first()
    item = product(membership.company, brand=brand)
    Product.objects.filter(pk=item.pk).update(status=S.PUBLISHED)
    membership_leave(membership=membership, actor=owner_of(membership.company))
    item.refresh_from_db()
    assert item.status == S.APPROVED
    assert item.events.filter(kind="unpublished", reason__startswith="Left").exists()


def test_the_content_hash_changes_only_when_channel_content_changes():
    item = product()
    before = item.content_hash
    services.product_update(actor=owner_of(item.company), product=item, material="Hanji paper, oak")
    assert Product.objects.get(pk=item.pk).content_hash == before
    services.product_update(actor=owner_of(item.company), product=item, retail_price=Decimal("47000"))
    assert Product.objects.get(pk=item.pk).content_hash != before


def test_only_editors_write_and_only_operators_suspend(operator):
    from tests.factories import staff

    item = product()
    viewer = staff(item.company, "viewer")
    with pytest.raises(NotPermitted):
        services.product_update(actor=viewer, product=item, material="x")
    with pytest.raises(NotPermitted):
        services.product_suspend(actor=owner_of(item.company), product=item, reason="x")


@pytest.mark.parametrize(
    ("overrides", "attr"),
    [
        ({"retail_price": Decimal("45000.5")}, "retail_price"),
        ({"retail_price": Decimal("0")}, "retail_price"),
        ({"variants": [{"sku": "A-1", "gtin": "4006381333932", "weight_kg": Decimal("1")}]}, "variants.0.gtin"),
        ({"variants": [{"sku": "A-1", "gtin": "123", "weight_kg": Decimal("1")}]}, "variants.0.gtin"),
        ({"variants": [{"sku": "A-1", "weight_kg": Decimal("0")}]}, "variants.0.weight_kg"),
        ({"variants": [{"sku": "A-1"}, {"sku": "A-1"}]}, "variants.1.sku"),
        ({"incoterms": ["FOB", "XYZ"]}, "incoterms"),
        (
            {"mode": "b2b", "moq": 100, "price_tiers": [{"min_quantity": 50, "unit_price": Decimal("9000")}]},
            "price_tiers.0.min_quantity",
        ),
        (
            {
                "mode": "b2b",
                "moq": 100,
                "price_tiers": [
                    {"min_quantity": 100, "unit_price": Decimal("9000")},
                    {"min_quantity": 100, "unit_price": Decimal("8000")},
                ],
            },
            "price_tiers.1.min_quantity",
        ),
        (
            {
                "mode": "b2b",
                "moq": 100,
                "price_tiers": [
                    {"min_quantity": 100, "unit_price": Decimal("9000")},
                    {"min_quantity": 500, "unit_price": Decimal("9500")},
                ],
            },
            "price_tiers.1.unit_price",
        ),
        ({"mode": "b2b", "moq": 100, "order_multiple": 30}, "moq"),
        ({"attributes": {"colour": "red"}}, "attributes.colour"),
        ({"b2c_prices": {"USD": Decimal("32.999")}}, "b2c_prices.USD"),
        ({"b2c_prices": {"JPY": Decimal("4800.5")}}, "b2c_prices.JPY"),
    ],
)
def test_validation_names_the_field(overrides, attr):
    company = company_with_owner()
    with pytest.raises(InvalidInput) as refused:
        services.product_create(actor=owner_of(company), company=company, **product_payload(**overrides))
    assert attr in refused.value.fields
    assert not Product.objects.exists()


def test_a_valid_gtin_and_a_sku_taken_elsewhere():
    first = product(variants=[{"sku": "SAME-1", "gtin": "4006381333931", "weight_kg": Decimal("1")}])
    assert first.variants.get().gtin == "4006381333931"
    company = company_with_owner()
    with pytest.raises(InvalidInput) as refused:
        services.product_create(
            actor=owner_of(company),
            company=company,
            **product_payload(variants=[{"sku": "SAME-1", "weight_kg": Decimal("1")}]),
        )
    assert refused.value.fields["variants.0.sku"][0][0] == "sku_taken"

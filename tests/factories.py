import importlib
from decimal import Decimal

import factory
from django.apps import apps
from django.contrib.auth.models import Group
from django.utils import timezone

from brands import services as brand_services
from brands.models import Brand, Company, CompanyStaff
from core.models import Event, User
from core.permissions import OPERATORS_GROUP
from core.webhooks import event_dispatch

PASSWORD = "correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    # Verified, as most users in tests act past verification; UserFactory(email_verified_at=None) for one who is not.
    email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OperatorFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def operators_group(obj, create, extracted, **kwargs):
        if create:
            obj.groups.add(Group.objects.get_or_create(name=OPERATORS_GROUP)[0])


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    legal_name = factory.Sequence(lambda n: f"Company {n} Co., Ltd.")
    name_translations = factory.LazyAttribute(lambda o: {"en": o.legal_name})
    registration_number = factory.Sequence(lambda n: f"{100 + n:03d}-81-{n:05d}")
    country = "KR"
    sector = "mfg_clothing"
    annual_sales_amount = Decimal("5000000000")
    annual_sales_currency = "KRW"
    employees = 40
    # Approved sellers, as every company was before seller onboarding (the data migration did the same).
    seller_approved_at = factory.LazyFunction(timezone.now)


def company_with_owner(owner=None, **fields) -> Company:
    company = CompanyFactory(**fields)
    CompanyStaff.objects.create(company=company, user=owner or UserFactory(), role=CompanyStaff.Role.OWNER)
    return company


def owner_of(company: Company) -> User:
    return company.staff.filter(role=CompanyStaff.Role.OWNER).first().user


def staff(company: Company, role: str) -> User:
    user = UserFactory()
    CompanyStaff.objects.create(company=company, user=user, role=role)
    return user


def brand_with_members(members: int = 0, *, name: str | None = None, lead: Company | None = None) -> Brand:
    """A forming brand led by a new company, with `members` more active member companies."""
    lead = lead or company_with_owner()
    brand = brand_services.brand_create(
        actor=owner_of(lead),
        name=name or f"Brand {Brand.objects.count() + 1}",
        lead_company=lead,
        story={"en": "Made together."},
    )
    for _ in range(members):
        company = company_with_owner()
        membership = brand_services.membership_apply(brand=brand, company=company, actor=owner_of(company))
        brand_services.membership_approve(membership=membership, actor=owner_of(lead))
    return brand


def publish_standard(brand: Brand, actor=None):
    return brand_services.quality_standard_publish(
        brand=brand,
        actor=actor or owner_of(brand.lead_company),
        items=[
            {"code": "stitching", "text": "Seams hold 5 kg.", "required": True},
            {"code": "label", "text": "Care label in English.", "required": False},
        ],
    )


def active_brand(members: int = 4) -> Brand:
    brand = brand_with_members(members)
    publish_standard(brand)
    return brand_services.brand_activate(brand=brand, actor=owner_of(brand.lead_company))


def category(path: str = "home/lighting", schema: list | None = None):
    """The category at `path`, creating its ancestors as needed."""
    from listings.models import Category
    from listings.services import category_create

    parent = None
    for depth, slug in enumerate(path.split("/")):
        sub = "/".join(path.split("/")[: depth + 1])
        parent = Category.objects.filter(path=sub).first() or category_create(
            parent=parent, slug=slug, name_translations={"en": slug.title(), "ko": slug}
        )
    if schema is not None:
        parent.attribute_schema = schema
        parent.save(update_fields=["attribute_schema"])
    return parent


_sku = iter(range(1, 10**9))


def product_payload(**overrides) -> dict:
    """A complete B2C payload in the shape listings.services takes (media aside)."""
    from decimal import Decimal

    n = next(_sku)
    data = {
        "category": overrides.pop("category", None) or category(),
        "mode": "b2c",
        "base_currency": "KRW",
        "hs_code": "940540",
        "origin_country": "KR",
        "material": "Hanji paper, oak",
        "retail_price": Decimal("45000"),
        "translations": {
            "ko": {"title": f"한지 무드등 {n}", "description": "손으로 뜬 한지로 만든 무드등"},
            "en": {"title": f"Hanji mood lamp {n}", "description": "A mood lamp of hand-made hanji paper."},
        },
        "variants": [{"sku": f"HJ-LAMP-{n}", "weight_kg": Decimal("0.800"), "options": {"size": "S"}}],
    }
    data.update(overrides)
    return data


def product(company=None, *, with_image: bool = True, **overrides):
    """A complete draft product of `company`, with one image unless told otherwise."""
    from listings.services import product_create

    company = company or company_with_owner()
    created = product_create(actor=owner_of(company), company=company, **product_payload(**overrides))
    if with_image:
        add_image(created)
    return created


def png_bytes(width: int = 320, height: int = 240, colour=(200, 120, 40)) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def add_image(product):
    """Attaches an image straight to the product (the upload path is tested in test_media)."""
    import hashlib

    from django.core.files.base import ContentFile

    from listings.models import ProductMedia
    from listings.services import product_refresh_content_hash

    data = png_bytes()
    media = ProductMedia(
        product=product,
        content_type="image/png",
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        width=320,
        height=240,
    )
    media.image.save("lamp.png", ContentFile(data), save=True)
    product_refresh_content_hash(product=product)
    return media


def published(item):
    """Takes a complete draft through submit, approve (by an operator) and publish."""
    from listings.services import product_approve, product_publish, product_submit

    owner = owner_of(item.company)
    operator = OperatorFactory()
    item = product_submit(actor=owner, product=item)
    if item.brand_id:
        from listings.services import inspection_record

        standard = item.brand.quality_standards.order_by("-version").first()
        inspection_record(
            actor=owner_of(item.brand.lead_company),
            product=item,
            results=[{"code": i.code, "passed": True} for i in standard.items.all()],
        )
    item = product_approve(actor=operator, product=item)
    return product_publish(actor=owner, product=item)


# Data that migrations seed. A transactional test ends by flushing every table, and with xdist
# a later test of another file may run after it in the same worker, so the seeds are put back.
MIGRATION_SEEDS = [
    ("core.migrations.0002_seed_exchange_rates", "seed"),
    ("core.migrations.0003_operators_group", "create_group"),
    ("logistics.migrations.0003_seed_trade_rules", "seed"),
    ("logistics.migrations.0007_seed_fta_agreements", "seed"),
    ("logistics.migrations.0009_seed_low_value_schemes", "seed"),
    ("logistics.migrations.0011_date_restricted_goods", "seed"),
    ("logistics.migrations.0015_seed_drawback_rules", "seed"),
    ("marketplace.migrations.0006_settlement", "seed"),
]


def migration_seeds_restore() -> None:
    from core.models import ExchangeRate

    if not ExchangeRate.objects.exists():
        for module, function in MIGRATION_SEEDS:
            getattr(importlib.import_module(module), function)(apps, None)


def events_dispatch(type: str) -> None:
    """What the Celery dispatch task does after commit, for each event of the type not yet
    dispatched: webhooks queued and the apps' receivers writing their e-mails."""
    for event_id in (
        Event.objects.filter(type=type, dispatched_at__isnull=True).order_by("pk").values_list("pk", flat=True)
    ):
        event_dispatch(event_id=event_id)

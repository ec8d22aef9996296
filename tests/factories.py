from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from brands import services as brand_services
from brands.models import Brand, Company, CompanyStaff
from core.models import User
from core.permissions import OPERATORS_GROUP

PASSWORD = "correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
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

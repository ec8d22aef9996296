from io import StringIO

import pytest
from django.core.management import call_command

from brands.demo import PASSWORD
from brands.models import Brand, BrandEvent, Company, CompanyStaff, Membership, QualityStandard, QualityStandardItem
from brands.selectors import company_eligibility_get
from core.models import User
from core.permissions import is_operator
from tests.integrations import demo_checks as integrations_checks
from tests.listings import demo_checks as listings_checks
from tests.logistics import demo_checks as logistics_checks
from tests.marketplace import matchmaking_demo_checks as matchmaking_checks
from tests.marketplace import promotions_demo_checks as promotions_checks
from tests.marketplace import settlement_demo_checks as settlement_checks
from tests.marketplace import storefront_demo_checks as storefront_checks
from tests.marketplace import terms_demo_checks as terms_checks
from tests.marketplace import trade_demo_checks as trade_checks
from tests.marketplace import voucher_demo_checks as voucher_checks

pytestmark = pytest.mark.django_db

MODELS = [User, Company, CompanyStaff, Brand, Membership, QualityStandard, QualityStandardItem, BrandEvent]


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    """Every row of every model the demo writes (each app's checks name theirs in MODELS), so a
    rerun shows neither new nor changed rows."""
    models = MODELS + [model for checks in APP_CHECKS for model in getattr(checks, "MODELS", [])]
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


# Each app's checks: after_first_load(output) -> state, after_second_load(output, state).
APP_CHECKS = [listings_checks, logistics_checks, trade_checks, storefront_checks, settlement_checks]
APP_CHECKS.append(integrations_checks)
APP_CHECKS.append(promotions_checks)
APP_CHECKS.append(terms_checks)  # B2B price lists and net terms
APP_CHECKS.append(voucher_checks)
APP_CHECKS.append(matchmaking_checks)


def test_the_demo_loads_every_app_and_a_second_run_changes_nothing(settings):
    """One load serves every app's checks (a load takes half a minute), then a second load."""
    # No simulator answers on this port, so the demo starts its own for the first load only.
    settings.CHANNEL_SIMULATOR_URL = f"http://127.0.0.1:{integrations_checks.free_port()}"
    first = load_demo()
    check_two_active_brands_and_one_forming()
    check_users_and_roles()
    check_one_ineligible_company_outside_every_brand()
    states = [(checks, checks.after_first_load(first)) for checks in APP_CHECKS]
    before = snapshot()
    counts_before = {name: len(rows) for name, rows in before.items()}

    output = load_demo()

    after = snapshot()
    assert {name: len(rows) for name, rows in after.items()} == counts_before
    assert after == before
    assert "nothing changed" in output
    assert counts_before["Brand"] == 3
    assert counts_before["Company"] == 16  # 15 SMEs and a trading company (brands/agents_demo.py)
    for checks, state in states:
        checks.after_second_load(output, state)


def check_two_active_brands_and_one_forming():
    active = Brand.objects.filter(status=Brand.Status.ACTIVE)
    assert sorted(active.values_list("name", flat=True)) == ["Hanji Living", "Seoul Beauty Lab"]
    for brand in active:
        assert brand.memberships.filter(status=Membership.Status.ACTIVE).count() >= 5
        assert brand.quality_standards.count() == 1
    assert active.get(name="Hanji Living").memberships.filter(status="active").count() == 6
    assert active.get(name="Hanji Living").quality_standards.get().items.count() == 4
    assert active.get(name="Seoul Beauty Lab").quality_standards.get().items.count() == 3

    forming = Brand.objects.get(status=Brand.Status.FORMING)
    assert forming.name == "Jeju Green Table"
    assert sorted(forming.memberships.values_list("status", flat=True)) == ["active", "active", "applied"]
    assert not forming.quality_standards.exists()
    for brand in Brand.objects.all():
        assert set(brand.name_translations) == {"ko", "en", "zh-hans", "ja", "es"}
        assert {"ko", "en"} <= set(brand.story)


def check_users_and_roles():
    operator = User.objects.get(email="operator@demo.example")
    assert is_operator(operator)
    assert operator.is_staff and not operator.is_superuser
    assert operator.check_password(PASSWORD)

    for email in ("buyer@demo.example", "buyer2@demo.example"):
        buyer = User.objects.get(email=email)
        assert not is_operator(buyer)
        assert not buyer.company_roles.exists()
        assert buyer.check_password(PASSWORD)

    leads = {
        "owner@hanji-living.example": "Hanji Living",
        "owner@seoul-beauty.example": "Seoul Beauty Lab",
    }
    for email, brand_name in leads.items():
        lead_company = Brand.objects.get(name=brand_name).lead_company
        assert lead_company.staff.get(role=CompanyStaff.Role.OWNER).user.email == email

    for company in Company.objects.all():
        assert company.staff.filter(role=CompanyStaff.Role.OWNER).count() == 1
        assert {"ko", "en"} <= set(company.name_translations)


def check_one_ineligible_company_outside_every_brand():
    ineligible = [company for company in Company.objects.all() if not company_eligibility_get(company=company).eligible]
    assert len(ineligible) == 1
    company = ineligible[0]
    assert company.is_large_enterprise_subsidiary
    assert not company.memberships.exists()
    verdict = company_eligibility_get(company=company)
    assert any("subsidiary" in reason for reason in verdict.reasons)
    assert len(set(Company.objects.values_list("export_stage", flat=True))) == 4

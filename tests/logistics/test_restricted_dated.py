"""Restricted goods are dated like the duty rules: a restriction counts from its valid_from to its
valid_to, by the shipment's day, at checkout, in estimates and on declarations."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from logistics.models import RestrictedGood
from logistics.services import declaration_create, declaration_submit, restricted_goods_check
from tests.factories import OperatorFactory, company_with_owner
from tests.logistics.test_customs import consign, goods

pytestmark = pytest.mark.django_db


def restrict(valid_from, valid_to=None, *, country="JP", prefix="9405"):
    return RestrictedGood.objects.create(
        country=country,
        hs_prefix=prefix,
        restriction=RestrictedGood.Restriction.PROHIBITED,
        reason="Test embargo on lamps.",
        valid_from=valid_from,
        valid_to=valid_to,
        source="test",
    )


def test_a_restriction_that_starts_tomorrow_applies_from_tomorrow_and_ends_after_its_last_day():
    today = timezone.localdate()
    restrict(today + timedelta(days=1), today + timedelta(days=10))
    check = lambda on: restricted_goods_check(destination_country="JP", hs_codes=["940540"], on=on)  # noqa: E731
    assert check(today) == [] and check(None) == []
    assert [r.restriction for r in check(today + timedelta(days=1))] == ["prohibited"]
    assert [r.restriction for r in check(today + timedelta(days=10))] == ["prohibited"]
    assert check(today + timedelta(days=11)) == []


def test_the_seeded_restrictions_are_dated_and_sourced():
    cosmetics = RestrictedGood.objects.get(country="CN", hs_prefix="3304")
    assert cosmetics.valid_from == date(2021, 1, 1) and "NMPA" in cosmetics.source
    assert restricted_goods_check(destination_country="CN", hs_codes=["330499"], on=date(2020, 12, 31)) == []


def lamps(operator):
    return consign([goods(company_with_owner())], actor=operator)


def test_a_declaration_is_refused_only_while_the_restriction_is_in_force(client):
    operator = OperatorFactory()
    today = timezone.localdate()
    expired = restrict(today - timedelta(days=30), today - timedelta(days=1))
    declaration, _ = declaration_create(
        consignment=consign([goods(company_with_owner())], actor=operator), actor=operator
    )
    assert declaration_submit(declaration=declaration, actor=operator).status == "submitted"
    restrict(today)
    assert expired.pk
    declaration, _ = declaration_create(
        consignment=consign([goods(company_with_owner())], actor=operator), actor=operator
    )
    client.force_login(operator)
    response = client.post(f"/api/v1/customs-declarations/{declaration.pk}/submit/")
    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "prohibited"

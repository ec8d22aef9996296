import pytest

from tests.factories import company_with_owner, owner_of, product
from tests.logistics.helpers import network, receive

pytestmark = pytest.mark.django_db


def test_sme_staff_see_only_their_own_stock_and_operators_all(api, operator):
    net = network()
    mine, theirs = product(company_with_owner()), product(company_with_owner())
    receive(mine.variants.get(), net["lax"], 5)
    receive(theirs.variants.get(), net["lax"], 7)
    rows = api.as_user(owner_of(mine.company)).get("/api/v1/stock/").json()["results"]
    assert [(r["sku"], r["on_hand"], r["available"]) for r in rows] == [(mine.variants.get().sku, 5, 5)]
    assert len(api.as_user(operator).get("/api/v1/stock/").json()["results"]) == 2


def test_warehouses_list_the_network(api):
    network()
    rows = api.as_user(owner_of(company_with_owner())).get("/api/v1/warehouses/", {"kind": "overseas_dc"}).json()
    assert [(w["code"], w["zone"], w["country"]) for w in rows["results"]] == [("lax-dc", "north_america", "US")]

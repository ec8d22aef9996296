"""The dashboard on the admin index: its counts match the data, link to the lists they count,
and cost the same queries however much data there is."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.money import Money
from logistics.models import Stock
from marketplace.models import Refund, ReturnRequest
from marketplace.services.refunds import refund_grant
from tests.factories import company_with_owner, owner_of
from tests.marketplace.desk_helpers import delivered_order, paid_order, rejected_listing, return_requested, sellable

pytestmark = pytest.mark.django_db


def queues(html: str) -> dict[str, tuple[int, str]]:
    """{label: (count, url)} of the dashboard's queues."""
    found = re.findall(r'<a href="([^"]+)" data-queue="([^"]+)">(\d+)</a>', html)
    return {label.replace("&#x27;", "'"): (int(count), url.replace("&amp;", "&")) for url, label, count in found}


@pytest.fixture
def desk_data(network):
    """Orders paid, one refund granted, a return waiting, a rejected and an erroring listing."""
    tokyo = network["warehouses"]["tyo-dc"]
    seller = company_with_owner(legal_name="Seller Co.")
    products = [sellable(seller, tokyo) for _ in range(2)]
    paid = [paid_order([products[0]]), paid_order(products)]
    refund_grant(order=paid[0], amount=Money(paid[0].total / 2, "JPY").quantized(), reason="Goodwill")
    return_requested(delivered_order([products[1]]))
    rejected_listing(products[0], "title_too_long")
    return {"seller": seller, "paid": paid, "products": products}


def test_the_operators_dashboard_counts_the_data_and_links_to_the_lists_it_counts(client, operator, desk_data):
    client.force_login(operator)
    shown = queues(client.get("/admin/").content.decode())
    assert shown["Paid orders not yet fulfilled"][0] == 2
    assert shown["Refunds granted, not executed"][0] == Refund.objects.filter(status="granted").count() == 1
    assert shown["Return requests to approve"][0] == ReturnRequest.objects.filter(status="requested").count() == 1
    assert shown["Rejected: title_too_long"][0] == 1
    assert shown["Brands below their minimum members"][0] == 0
    for label, (count, url) in shown.items():
        page = client.get(url)
        assert page.status_code == 200, (label, url)
        assert page.context["cl"].result_count == count, (label, url)


def test_sme_staff_see_their_own_queues_and_statement(client, desk_data):
    seller = desk_data["seller"]
    client.force_login(owner_of(seller))
    html = client.get("/admin/").content.decode()
    shown = queues(html)
    assert shown["Orders with lines to ship (3 lines)"][0] == 2
    assert shown["title_too_long"][0] == 1
    low = Stock.objects.filter(variant__product__company=seller).count()
    assert shown["Stock rows low or out"][0] == 0 < low
    assert "Seller Co.: statement" in html
    for label, (count, url) in shown.items():
        assert client.get(url).context["cl"].result_count == count, (label, url)
    # Nothing of other companies: an outsider's dashboard counts nothing of Seller Co.'s.
    client.force_login(owner_of(company_with_owner()))
    assert all(count == 0 for count, _ in queues(client.get("/admin/").content.decode()).values())


def dashboard_queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/admin/").status_code == 200
    return len(queries)


def test_dashboard_queries_do_not_grow_with_the_data(client, operator, network, desk_data):
    owner = owner_of(desk_data["seller"])
    before = dashboard_queries(client, operator), dashboard_queries(client, owner)
    tokyo = network["warehouses"]["tyo-dc"]
    more = [sellable(desk_data["seller"], tokyo) for _ in range(3)]
    for _ in range(3):
        paid_order(more)
    return_requested(delivered_order(more[:1]))
    assert (dashboard_queries(client, operator), dashboard_queries(client, owner)) == before

"""An SME owner in the admin, in a real browser: logs in through the login form, sees only their
company's products and the orders holding their lines (only those lines), and another
company's order is a 404 by URL."""

import pytest

from tests.factories import PASSWORD, company_with_owner, owner_of
from tests.marketplace.desk_helpers import paid_order, sellable

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_sme_owner_sees_only_their_products_and_orders(page, network):
    tokyo = network["warehouses"]["tyo-dc"]
    mine, theirs = company_with_owner(legal_name="Hanji Works"), company_with_owner(legal_name="Onggi House")
    my_lamp, their_lamp = sellable(mine, tokyo), sellable(theirs, tokyo)
    shared = paid_order([my_lamp, their_lamp])
    only_theirs = paid_order([their_lamp])

    page.log_in(owner_of(mine).email, PASSWORD)
    counts = {link.get_attribute("data-queue"): link.inner_text() for link in page.locator("a[data-queue]").all()}
    assert counts["Orders with lines to ship (1 line)"] == "1"

    page.open("/admin/listings/product/")
    products = page.locator("#result_list tbody").inner_text()
    assert my_lamp.slug in products and their_lamp.slug not in products
    assert page.locator("#result_list tbody tr").count() == 1

    page.open("/admin/marketplace/order/")
    orders = page.locator("#result_list tbody").inner_text()
    assert shared.number in orders and only_theirs.number not in orders and "Onggi House" not in orders
    with page.expect_navigation():
        page.get_by_role("link", name=shared.number).click()
    lines = page.locator(".inline-group").first.inner_text()
    assert my_lamp.variants.get().sku in lines and their_lamp.variants.get().sku not in lines

    response = page.open(f"/admin/marketplace/order/{only_theirs.pk}/change/")
    assert response.status == 404
    assert "There is no order with that id." in page.locator("#content").inner_text()

"""An operator at the desk, in a real browser: the dashboard's counts, fulfilling a paid order
(request, pick, pack, ship with tracking), a partial refund granted then executed, and a return
approved, received, inspected and resolved."""

import pytest

from core.money import Money
from logistics.models import Shipment
from marketplace.models import Order, Refund, ReturnRequest
from marketplace.services.refunds import refund_grant
from tests.factories import PASSWORD, OperatorFactory, company_with_owner
from tests.marketplace.desk_helpers import delivered_order, paid_order, return_requested, sellable

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def operator(transactional_db):
    return OperatorFactory()


@pytest.fixture
def tokyo(network):
    return network["warehouses"]["tyo-dc"]


def test_the_dashboard_counts_match_the_data_and_lead_to_the_lists(page, operator, tokyo):
    seller = company_with_owner(legal_name="Hanji Works")
    lamps = [sellable(seller, tokyo), sellable(seller, tokyo)]
    orders = [paid_order(lamps[:1]), paid_order(lamps)]
    return_requested(delivered_order(lamps[1:]))
    refund_grant(order=orders[0], amount=Money(orders[0].total / 2, "JPY").quantized(), reason="Late")

    page.log_in(operator.email, PASSWORD)
    counts = {link.get_attribute("data-queue"): int(link.inner_text()) for link in page.locator("a[data-queue]").all()}
    assert counts["Paid orders not yet fulfilled"] == Order.objects.filter(status="paid").count() == 2
    assert counts["Refunds granted, not executed"] == Refund.objects.filter(status="granted").count() == 1
    assert counts["Return requests to approve"] == ReturnRequest.objects.filter(status="requested").count() == 1
    assert counts["Returns awaiting inspection"] == 0
    assert page.locator("canvas[data-drawn=true]").count() == 3  # the charts, drawn from our own Chart.js

    with page.expect_navigation():
        page.locator("a[data-queue='Paid orders not yet fulfilled']").click()
    rows = page.locator("#result_list tbody").inner_text()
    assert page.locator("#result_list tbody tr").count() == 2 and all(o.number in rows for o in orders)


def test_operator_fulfils_a_paid_order_from_the_desk(page, operator, tokyo):
    order = paid_order([sellable(warehouse=tokyo)])
    page.log_in(operator.email, PASSWORD)
    page.open(f"/admin/marketplace/order/{order.pk}/change/")
    page.press("Request fulfilment")
    assert "1 sent to fulfilment" in page.messages()

    with page.expect_navigation():
        page.locator(".field-fulfilments a").first.click()
    page.press("Pick")
    assert "1 picking" in page.messages()
    page.press("Pack")
    page.submit_action_form(parcels=1, weight_kg="1.200", length_cm=30, width_cm=20, height_cm=15)
    assert "1 packed" in page.messages()
    page.press("Ship")
    page.submit_action_form(carrier="EMS", service="express", tracking_number="EE123456789KR")
    assert "1 shipped" in page.messages()

    page.open(f"/admin/marketplace/order/{order.pk}/change/")
    assert "EE123456789KR" in page.locator(".field-fulfilments").inner_text()
    shipment = Shipment.objects.get(tracking_number="EE123456789KR")
    assert (shipment.carrier, shipment.fulfilment.reference) == ("EMS", order.reservation_reference)


def test_operator_grants_and_executes_a_partial_refund(page, operator, tokyo):
    order = paid_order([sellable(warehouse=tokyo)])
    page.log_in(operator.email, PASSWORD)
    page.open(f"/admin/marketplace/order/{order.pk}/change/")
    page.press("Grant refund")
    page.submit_action_form(amount="1000", reason="Box dented in transit")
    assert "1 refunds granted" in page.messages()

    refund = Refund.objects.get(order=order)
    with page.expect_navigation():
        page.get_by_role("link", name=f"#{refund.pk}", exact=True).click()
    page.press("Execute")
    page.submit_action_form()  # a card refund goes through the gateway: no bank reference to give
    assert "1 executed" in page.messages()
    refund.refresh_from_db()
    payment = order.payments.get()
    assert (refund.status, refund.amount) == ("executed", 1000)
    assert payment.refunded_amount == 1000 < payment.captured_amount  # partial


def test_operator_approves_and_resolves_a_return(page, operator, tokyo):
    order = delivered_order([sellable(warehouse=tokyo)])
    request = return_requested(order, reason="damaged")
    page.log_in(operator.email, PASSWORD)
    page.open(f"/admin/marketplace/returnrequest/{request.pk}/change/")
    page.press("Approve")
    assert "1 approved" in page.messages()
    page.press("Receive")
    page.submit_action_form(quantity_received=1, quantity_damaged=1)
    assert "1 received" in page.messages()
    page.press("Inspect")
    page.submit_action_form(grade_a=0, grade_b=0, grade_c=1)
    assert "1 inspected" in page.messages()
    page.press("Resolve")
    page.submit_action_form(disposition="dispose")
    assert "1 resolved" in page.messages()
    assert "Resolved" in page.locator(".field-status").inner_text()

    request.refresh_from_db()
    assert request.status == "resolved"
    assert request.refund.amount == order.lines.get().unit_price  # the seller's fault: in full

"""The order desk in the admin through Django's test client: what operators and SME staff see,
and actions that go through the order, fulfilment and return services (the same flows in a
real browser are in tests/e2e)."""

from decimal import Decimal

import pytest

from core.money import quantize
from logistics.models import Fulfilment
from marketplace.models import Order, Refund, ReturnRequest
from tests.factories import company_with_owner, owner_of
from tests.marketplace.desk_helpers import delivered_order, paid_order, return_requested, sellable

pytestmark = pytest.mark.django_db
ORDERS = "/admin/marketplace/order/"


@pytest.fixture
def mixed(network):
    """One paid order with a line from each of two companies."""
    tokyo = network["warehouses"]["tyo-dc"]
    mine, theirs = company_with_owner(legal_name="Mine Co."), company_with_owner(legal_name="Theirs Co.")
    order = paid_order([sellable(mine, tokyo), sellable(theirs, tokyo)])
    return order, mine, theirs


def act(client, admin_path, action, pk, **data):
    """What the action button on an object's page posts, then the intermediate form if any."""
    page = {"action": action, "_selected_action": pk, "index": 0, "_next": f"{admin_path}{pk}/change/"}
    response = client.post(admin_path, page)
    if data:
        assert response.status_code == 200, response.status_code  # the form asking for input
        form = {name: value for name, value in page.items() if name != "index"}
        response = client.post(admin_path, {**form, **data, "apply": "1"})
    return response


def test_operators_find_orders_by_source_seller_destination_and_sku(client, operator, mixed):
    order, mine, _ = mixed
    client.force_login(operator)
    listing = client.get(ORDERS).content.decode()
    assert order.number in listing and "Mine Co., Theirs Co." in listing
    sku = order.lines.filter(seller=mine).get().sku
    for query in (
        {"q": sku},
        {"q": order.email},
        {"source__exact": "storefront"},
        {"seller": mine.pk},
        {"destination": "JP"},
        {"waiting": "to_ship"},
    ):
        assert client.get(ORDERS, query).context["cl"].result_count == 1, query
    for query in ({"source__exact": "channel"}, {"destination": "US"}, {"waiting": "over_48h"}):
        assert client.get(ORDERS, query).context["cl"].result_count == 0, query


def test_the_order_page_shows_lines_totals_payment_events_and_timeline(client, operator, mixed):
    order, _, _ = mixed
    client.force_login(operator)
    page = client.get(f"{ORDERS}{order.pk}/change/").content.decode()
    payment = order.payments.get()
    for expected in (
        *order.lines.values_list("sku", flat=True),
        f"{order.duties:.0f} JPY",
        f"{order.total:.0f} JPY",
        payment.intent_id,
        "payment_intent.succeeded",
        "Not requested yet.",
        "paid",  # the timeline
        "Request fulfilment",  # the action buttons the state allows
        "Grant refund",
    ):
        assert expected in page, expected


def test_sme_staff_see_only_their_lines_and_amounts_and_another_companys_order_is_a_404(client, mixed, network):
    order, mine, theirs = mixed
    only_theirs = paid_order([sellable(theirs, network["warehouses"]["tyo-dc"])])
    client.force_login(owner_of(mine))
    listing = client.get(ORDERS)
    assert listing.context["cl"].result_count == 1
    mine_line, theirs_line = order.lines.get(seller=mine), order.lines.get(seller=theirs)
    html = listing.content.decode()
    assert "Theirs Co." not in html and f"{order.total:.0f} JPY" not in html
    assert f"{mine_line.total:.0f} JPY" in html
    page = client.get(f"{ORDERS}{order.pk}/change/").content.decode()
    assert mine_line.sku in page and theirs_line.sku not in page
    assert order.payments.get().intent_id not in page and "Grant refund" not in page
    assert client.get(f"{ORDERS}{only_theirs.pk}/change/").status_code == 404
    assert client.get(f"{ORDERS}999999/change/").status_code == 404
    # Actions are operators': posting one anyway changes nothing.
    act(client, ORDERS, "cancel", order.pk, reason="mine")
    assert Order.objects.get(pk=order.pk).status == "paid"
    assert client.get("/admin/marketplace/payment/").status_code == 403


def test_operator_requests_fulfilment_grants_a_partial_refund_and_executes_it(client, operator, mixed):
    order, _, _ = mixed
    client.force_login(operator)
    response = act(client, ORDERS, "request_fulfilment", order.pk)
    assert response.status_code == 302 and response["Location"] == f"{ORDERS}{order.pk}/change/"
    assert Fulfilment.objects.filter(reference=order.reservation_reference).exists()
    again = client.get(act(client, ORDERS, "request_fulfilment", order.pk)["Location"])
    assert "requested already" in again.content.decode()

    refused = act(client, ORDERS, "grant_refund", order.pk, amount=str(order.total + 1), reason="Too much")
    assert "is left to refund" in client.get(refused["Location"]).content.decode()
    missing = act(client, ORDERS, "grant_refund", order.pk, amount="100")  # no reason
    assert missing.status_code == 200 and "This field is required" in missing.content.decode()
    act(client, ORDERS, "grant_refund", order.pk, amount="100", reason="Late delivery")
    refund = Refund.objects.get(order=order)
    assert (refund.amount, refund.status, refund.granted_by) == (Decimal(100), "granted", operator)

    act(client, "/admin/marketplace/refund/", "execute", refund.pk, reference="")  # a card refund: no reference
    refund.refresh_from_db()
    assert refund.status == "executed" and refund.gateway_refund_id.startswith("dummy_re_")


def test_operator_takes_a_return_from_approval_to_resolution(client, operator, network):
    order = delivered_order([sellable(warehouse=network["warehouses"]["tyo-dc"])])
    request = return_requested(order, reason="changed_mind")
    returns = "/admin/marketplace/returnrequest/"
    client.force_login(operator)
    act(client, returns, "approve", request.pk)
    act(client, returns, "receive", request.pk, quantity_received=1, quantity_damaged=0)
    refused = act(client, returns, "inspect", request.pk, grade_a=0, grade_b=2, grade_c=0)
    assert "not the 1 units received" in client.get(refused["Location"]).content.decode()
    act(client, returns, "inspect", request.pk, grade_a=0, grade_b=1, grade_c=0)
    request.refresh_from_db()
    # Changed their mind, grade B: 85 % of the price, in whole yen.
    assert request.status == "inspected"
    assert request.refund.amount == quantize(order.lines.get().unit_price * Decimal("0.85"), "JPY")
    refused = act(client, returns, "resolve", request.pk, disposition="restock")
    assert "No unit of this line is grade A" in client.get(refused["Location"]).content.decode()
    act(client, returns, "resolve", request.pk, disposition="refurbish")
    assert ReturnRequest.objects.get(pk=request.pk).status == "resolved"
    page = client.get(f"{returns}{request.pk}/change/").content.decode()
    assert "refurbish" in page and "Resolved" in page

import itertools
from decimal import Decimal

import pytest

from core.errors import Conflict, InvalidInput, NotPermitted, WrongState
from logistics.models import PhysicalReturn, Stock, StockMovement, Warehouse
from logistics.services import (
    physical_return_create,
    physical_return_inspect,
    physical_return_mark_in_transit,
    physical_return_receive,
    physical_return_resolve,
)
from logistics.signals import return_inspected, return_received
from tests.factories import company_with_owner, owner_of, product
from tests.logistics.helpers import assert_ledger_balanced, network, receive, warehouse, zone

pytestmark = pytest.mark.django_db

R = PhysicalReturn.Status
_n = itertools.count(1)


def variant():
    sku = f"RT-{next(_n)}-{id(object())}"
    return product(with_image=False, variants=[{"sku": sku, "weight_kg": Decimal("0.800")}]).variants.get()


@pytest.fixture
def centres():
    """North America (no returns centre: the hub takes its returns), Korea with its own centre,
    and East Asia (JP, CN) with centres in Shanghai (created first) and Tokyo."""
    net = network()
    korea = zone("korea", ("KR",))
    east_asia = zone("east_asia", ("JP", "CN"))
    kind = Warehouse.Kind.RETURNS_CENTRE
    return {
        **net,
        "icn_returns": warehouse("icn-returns", kind, "KR", korea),
        "sha_returns": warehouse("sha-returns", kind, "CN", east_asia),
        "nrt_returns": warehouse("nrt-returns", kind, "JP", east_asia),
    }


@pytest.fixture
def signals():
    """Every return_received and return_inspected sent during the test."""
    sent = []

    def on_received(sender, *, physical_return_id, reference, **kwargs):
        sent.append(("received", physical_return_id, reference))

    def on_inspected(sender, *, physical_return_id, reference, grades, **kwargs):
        sent.append(("inspected", physical_return_id, reference, grades))

    return_received.connect(on_received, weak=False, dispatch_uid="test_return_received")
    return_inspected.connect(on_inspected, weak=False, dispatch_uid="test_return_inspected")
    yield sent
    return_received.disconnect(dispatch_uid="test_return_received")
    return_inspected.disconnect(dispatch_uid="test_return_inspected")


def a_return(country="JP", lines=None, reference=None):
    lines = [(variant(), 3)] if lines is None else lines
    return physical_return_create(
        reference=reference or f"return:{next(_n)}", destination_country=country, lines=lines, carrier="Japan Post"
    )


def counts(physical_return, *rows):
    """Receive/inspect/resolve bodies: one dict per line of the return, in line order."""
    lines = list(physical_return.lines.order_by("pk"))
    return [{"line": line.pk, **row} for line, row in zip(lines, rows, strict=True)]


# --- the label ---------------------------------------------------------------------------------


def test_a_japanese_buyer_returns_to_tokyo_not_korea(centres):
    returned = a_return("JP")
    assert returned.returns_centre == centres["nrt_returns"]
    assert returned.status == R.LABEL_CREATED
    assert returned.label_url == f"/api/v1/physical-returns/{returned.pk}/label/"
    assert returned.tracking_number.startswith("RT") and len(returned.tracking_number) == 14
    assert [e.kind for e in returned.events.all()] == ["label_created"]


def test_each_buyer_returns_to_the_centre_of_their_zone_else_the_hub(centres):
    assert a_return("CN").returns_centre == centres["sha_returns"]
    assert a_return("KR").returns_centre == centres["icn_returns"]
    assert a_return("US").returns_centre == centres["icn"]  # no centre in North America: the hub
    assert a_return("FR").returns_centre == centres["icn"]  # no zone at all


def test_one_return_per_reference_and_sane_lines(centres):
    item = variant()
    a_return(lines=[(item, 1)], reference="return:1")
    with pytest.raises(Conflict):
        a_return(lines=[(item, 1)], reference="return:1")
    with pytest.raises(InvalidInput):
        a_return(lines=[(item, 0)])
    with pytest.raises(InvalidInput):
        a_return(lines=[])
    merged = a_return(lines=[(item, 1), (item, 2)])
    assert [(line.variant_id, line.quantity_expected) for line in merged.lines.all()] == [(item.pk, 3)]


def test_the_label_is_a_pdf_for_operators(api, operator, centres):
    returned = a_return("JP")
    api.as_user(operator)
    response = api.get(returned.label_url, HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-1.4") and response.content.rstrip().endswith(b"%%EOF")
    assert returned.tracking_number.encode() in response.content
    assert b"nrt-returns" in response.content


# --- receive, inspect, resolve -------------------------------------------------------------------


def test_the_whole_journey_keeps_the_ledger_exact(operator, centres, signals):
    keep, fix, scrap = variant(), variant(), variant()
    returned = a_return("JP", lines=[(keep, 3), (fix, 2), (scrap, 2)], reference="return:42")
    centre = centres["nrt_returns"]

    physical_return_mark_in_transit(physical_return=returned, actor=operator)
    received = physical_return_receive(
        physical_return=returned,
        lines=counts(
            returned,
            {"quantity_received": 3, "quantity_damaged": 1},
            {"quantity_received": 2, "quantity_damaged": 0},
            {"quantity_received": 1, "quantity_damaged": 1},  # one never arrived
        ),
        actor=operator,
    )
    assert received.status == R.RECEIVED and received.received_at is not None
    assert [(x.quantity_expected, x.quantity_received, x.quantity_damaged) for x in received.lines.all()] == [
        (3, 3, 1),
        (2, 2, 0),
        (2, 1, 1),
    ]
    assert signals == [("received", returned.pk, "return:42")]
    # Receipt counts the goods; no stock moves until they are resolved.
    assert not Stock.objects.filter(warehouse=centre).exists()

    inspected = physical_return_inspect(
        physical_return=returned,
        lines=counts(returned, {"grades": {"A": 2, "C": 1}}, {"grades": {"B": 2}}, {"grades": {"C": 1}}),
        actor=operator,
    )
    assert inspected.status == R.INSPECTED
    assert [x.grades for x in inspected.lines.all()] == [
        {"A": 2, "B": 0, "C": 1},
        {"A": 0, "B": 2, "C": 0},
        {"A": 0, "B": 0, "C": 1},
    ]
    assert signals[1:] == [("inspected", returned.pk, "return:42", {"A": 2, "B": 2, "C": 2})]

    resolved = physical_return_resolve(
        physical_return=returned,
        lines=counts(returned, {"disposition": "restock"}, {"disposition": "refurbish"}, {"disposition": "dispose"}),
        actor=operator,
    )
    assert resolved.status == R.RESOLVED and resolved.resolved_at is not None
    assert [x.disposition for x in resolved.lines.all()] == ["restock", "refurbish", "dispose"]

    def row(item):
        stock = Stock.objects.get(variant=item, warehouse=centre)
        return stock.on_hand, stock.reserved, stock.quarantined

    assert row(keep) == (2, 0, 0)  # the two grade-A units are sellable in Tokyo
    assert row(fix) == (0, 0, 0)
    assert row(scrap) == (0, 0, 0)
    ledger = StockMovement.objects.filter(reference="return:42").order_by("pk")
    assert [(m.stock.variant_id, m.kind, m.on_hand_delta, m.quarantined_delta) for m in ledger] == [
        (keep.pk, "return_restock", 2, 0),
        (keep.pk, "return_quarantine", 0, 1),
        (keep.pk, "dispose", 0, -1),
        (fix.pk, "return_quarantine", 0, 2),
        (fix.pk, "dispose", 0, -2),
        (scrap.pk, "return_quarantine", 0, 1),
        (scrap.pk, "dispose", 0, -1),
    ]
    # Every unit received is accounted for, once.
    assert sum(m.on_hand_delta + max(m.quarantined_delta, 0) for m in ledger) == 3 + 2 + 1
    assert [e.kind for e in resolved.events.all()] == [
        "label_created",
        "in_transit",
        "received",
        "inspected",
        "resolved",
    ]
    assert len(signals) == 2
    assert_ledger_balanced()


def test_restocked_units_join_existing_stock_at_the_centre(operator, centres):
    item = variant()
    receive(item, centres["nrt_returns"], 4)
    returned = a_return("JP", lines=[(item, 1)])
    physical_return_receive(
        physical_return=returned,
        lines=counts(returned, {"quantity_received": 1, "quantity_damaged": 0}),
        actor=operator,
    )
    physical_return_inspect(physical_return=returned, lines=counts(returned, {"grades": {"A": 1}}), actor=operator)
    physical_return_resolve(
        physical_return=returned, lines=counts(returned, {"disposition": "restock"}), actor=operator
    )
    assert Stock.objects.get(variant=item, warehouse=centres["nrt_returns"]).on_hand == 5
    assert_ledger_balanced()


def test_counts_must_make_sense(operator, centres):
    returned = a_return("JP", lines=[(variant(), 2), (variant(), 1)])
    bad = [
        counts(
            returned, {"quantity_received": 3, "quantity_damaged": 0}, {"quantity_received": 1, "quantity_damaged": 0}
        ),
        counts(
            returned, {"quantity_received": 1, "quantity_damaged": 2}, {"quantity_received": 1, "quantity_damaged": 0}
        ),
        counts(
            returned, {"quantity_received": 2, "quantity_damaged": 0}, {"quantity_received": 1, "quantity_damaged": 0}
        )[:1],
        counts(
            returned, {"quantity_received": -1, "quantity_damaged": 0}, {"quantity_received": 1, "quantity_damaged": 0}
        ),
    ]
    for lines in bad:
        with pytest.raises(InvalidInput):
            physical_return_receive(physical_return=returned, lines=lines, actor=operator)
    returned.refresh_from_db()
    assert returned.status == R.LABEL_CREATED
    assert all(line.quantity_received is None for line in returned.lines.all())


def test_grades_must_add_up_to_the_units_received_and_damaged_units_are_not_grade_a(operator, centres, signals):
    returned = a_return("JP", lines=[(variant(), 3)])
    physical_return_receive(
        physical_return=returned,
        lines=counts(returned, {"quantity_received": 3, "quantity_damaged": 1}),
        actor=operator,
    )
    for grades in ({"A": 2}, {"A": 2, "B": 2}, {"A": 3}, {"A": 1, "D": 2}, {"A": -1, "B": 4}):
        with pytest.raises(InvalidInput):
            physical_return_inspect(
                physical_return=returned, lines=counts(returned, {"grades": grades}), actor=operator
            )
    returned.refresh_from_db()
    assert returned.status == R.RECEIVED and returned.lines.get().grades == {}
    assert [s[0] for s in signals] == ["received"]


def test_restock_needs_a_grade_a_unit(operator, centres):
    returned = a_return("JP", lines=[(variant(), 1)])
    physical_return_receive(
        physical_return=returned,
        lines=counts(returned, {"quantity_received": 1, "quantity_damaged": 0}),
        actor=operator,
    )
    physical_return_inspect(physical_return=returned, lines=counts(returned, {"grades": {"B": 1}}), actor=operator)
    with pytest.raises(InvalidInput):
        physical_return_resolve(
            physical_return=returned, lines=counts(returned, {"disposition": "restock"}), actor=operator
        )
    assert not StockMovement.objects.filter(reference=returned.reference).exists()


def test_only_operators_handle_returns(operator, centres):
    returned = a_return("JP")
    sme = owner_of(company_with_owner())
    with pytest.raises(NotPermitted):
        physical_return_mark_in_transit(physical_return=returned, actor=sme)
    with pytest.raises(NotPermitted):
        physical_return_receive(
            physical_return=returned, lines=counts(returned, {"quantity_received": 1, "quantity_damaged": 0}), actor=sme
        )
    returned.refresh_from_db()
    assert returned.status == R.LABEL_CREATED


def return_in(state, operator):
    returned = a_return("JP", lines=[(variant(), 2)])
    steps = [
        (R.IN_TRANSIT, lambda: physical_return_mark_in_transit(physical_return=returned, actor=operator)),
        (
            R.RECEIVED,
            lambda: physical_return_receive(
                physical_return=returned,
                lines=counts(returned, {"quantity_received": 2, "quantity_damaged": 0}),
                actor=operator,
            ),
        ),
        (
            R.INSPECTED,
            lambda: physical_return_inspect(
                physical_return=returned, lines=counts(returned, {"grades": {"A": 2}}), actor=operator
            ),
        ),
        (
            R.RESOLVED,
            lambda: physical_return_resolve(
                physical_return=returned, lines=counts(returned, {"disposition": "restock"}), actor=operator
            ),
        ),
    ]
    for reached, step in steps:
        if state == R.LABEL_CREATED:
            break
        step()
        if reached == state:
            break
    returned.refresh_from_db()
    assert returned.status == state
    return returned


ALLOWED = {
    "in-transit": {R.LABEL_CREATED},
    "receive": {R.LABEL_CREATED, R.IN_TRANSIT},
    "inspect": {R.RECEIVED},
    "resolve": {R.INSPECTED},
}


def body_for(action, returned):
    line = returned.lines.get().pk
    return {
        "in-transit": {},
        "receive": {"lines": [{"line": line, "quantity_received": 2, "quantity_damaged": 0}]},
        "inspect": {"lines": [{"line": line, "grades": {"A": 2}}]},
        "resolve": {"lines": [{"line": line, "disposition": "dispose"}]},
    }[action]


@pytest.mark.parametrize(
    ("action", "state"),
    [(action, state) for action, allowed in ALLOWED.items() for state in R.values if state not in allowed],
)
def test_every_transition_from_every_wrong_state_is_a_409_and_changes_nothing(api, operator, centres, action, state):
    returned = return_in(state, operator)
    events, movements = returned.events.count(), StockMovement.objects.count()
    response = api.as_user(operator).post(
        f"/api/v1/physical-returns/{returned.pk}/{action}/", body_for(action, returned)
    )
    assert response.status_code == 409, response.content
    assert response.json()["errors"][0]["code"] == "wrong_state"
    returned.refresh_from_db()
    assert returned.status == state
    assert (returned.events.count(), StockMovement.objects.count()) == (events, movements)


def test_wrong_states_in_the_services_too(operator, centres):
    returned = return_in(R.RESOLVED, operator)
    with pytest.raises(WrongState):
        physical_return_mark_in_transit(physical_return=returned, actor=operator)


def test_the_journey_through_the_api(api, operator, centres, signals):
    item = variant()
    returned = a_return("JP", lines=[(item, 2)], reference="return:77")
    line = returned.lines.get().pk
    api.as_user(operator)
    base = f"/api/v1/physical-returns/{returned.pk}"
    listed = api.get("/api/v1/physical-returns/", {"status": "label_created", "returns_centre": "nrt-returns"}).json()
    assert [r["id"] for r in listed["results"]] == [returned.pk]
    assert api.post(f"{base}/in-transit/", {"note": "picked up"}).json()["status"] == "in_transit"
    bad = api.post(f"{base}/receive/", {"lines": [{"line": line, "quantity_received": 1, "quantity_damaged": 2}]})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["attr"] == "lines.0.quantity_damaged"
    received = api.post(f"{base}/receive/", {"lines": [{"line": line, "quantity_received": 2, "quantity_damaged": 1}]})
    assert received.status_code == 200, received.content
    assert received.json()["lines"][0] == {
        "id": line,
        "variant": item.pk,
        "sku": item.sku,
        "quantity_expected": 2,
        "quantity_received": 2,
        "quantity_damaged": 1,
        "grades": {},
        "disposition": "",
    }
    wrong_total = api.post(f"{base}/inspect/", {"lines": [{"line": line, "grades": {"A": 1}}]})
    assert wrong_total.status_code == 400
    assert wrong_total.json()["errors"][0]["code"] == "wrong_total"
    inspected = api.post(f"{base}/inspect/", {"lines": [{"line": line, "grades": {"A": 1, "C": 1}}]})
    assert inspected.status_code == 200, inspected.content
    resolved = api.post(f"{base}/resolve/", {"lines": [{"line": line, "disposition": "restock"}]})
    assert resolved.status_code == 200, resolved.content
    body = resolved.json()
    assert body["status"] == "resolved"
    assert [e["kind"] for e in body["events"]] == ["label_created", "in_transit", "received", "inspected", "resolved"]
    assert body["events"][1]["actor"] == operator.email
    assert Stock.objects.get(variant=item, warehouse=centres["nrt_returns"]).on_hand == 1
    assert signals == [
        ("received", returned.pk, "return:77"),
        ("inspected", returned.pk, "return:77", {"A": 1, "B": 0, "C": 1}),
    ]
    assert_ledger_balanced()


def test_physical_returns_are_for_operators_only(api, centres):
    returned = a_return("JP")
    paths = [
        ("get", "/api/v1/physical-returns/"),
        ("get", f"/api/v1/physical-returns/{returned.pk}/"),
        ("get", f"/api/v1/physical-returns/{returned.pk}/label/"),
        ("post", f"/api/v1/physical-returns/{returned.pk}/in-transit/"),
        ("post", f"/api/v1/physical-returns/{returned.pk}/receive/"),
        ("post", f"/api/v1/physical-returns/{returned.pk}/inspect/"),
        ("post", f"/api/v1/physical-returns/{returned.pk}/resolve/"),
    ]
    for method, path in paths:
        assert getattr(api, method)(path).status_code == 401, path
    api.as_user(owner_of(returned.lines.get().variant.product.company))
    for method, path in paths:
        assert getattr(api, method)(path).status_code == 403, path
    returned.refresh_from_db()
    assert returned.status == R.LABEL_CREATED


def test_operators_follow_returns_in_the_admin(client, operator, centres):
    returned = a_return("JP", reference="return:admin")
    client.force_login(operator)
    listing = client.get("/admin/logistics/physicalreturn/")
    assert listing.status_code == 200 and "return:admin" in listing.content.decode()
    page = client.get(f"/admin/logistics/physicalreturn/{returned.pk}/change/")
    assert page.status_code == 200 and "label_created" in page.content.decode()
    client.post("/admin/logistics/physicalreturn/", {"action": "mark_in_transit", "_selected_action": [returned.pk]})
    returned.refresh_from_db()
    assert returned.status == R.IN_TRANSIT
    client.force_login(owner_of(returned.lines.get().variant.product.company))
    assert client.get(f"/admin/logistics/physicalreturn/{returned.pk}/change/").status_code in (302, 403)

"""Inbound shipments (ASNs) draft -> in_transit -> received -> inspected -> stocked, through the
API and the services, and storage allotments with their usage."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from listings.models import Variant
from logistics.models import InboundShipment, Stock, StockMovement, StorageAllotment
from logistics.selectors import storage_allotment_check, storage_usage
from logistics.services import (
    InboundCount,
    InboundInspection,
    InboundLineSpec,
    InsufficientStock,
    Line,
    inbound_cancel,
    inbound_create,
    inbound_dispatch,
    inbound_inspect,
    inbound_receive,
    inbound_stock,
    stock_reserve,
)
from tests.factories import OperatorFactory, company_with_owner, owner_of, product, staff
from tests.logistics.helpers import assert_ledger_balanced, network

pytestmark = pytest.mark.django_db

S = InboundShipment.Status
URL = "/api/v1/inbound-shipments/"


def sized_variant(company, cm=(50, 40, 30)) -> Variant:
    """A variant of a new product of the company, 50 x 40 x 30 cm (0.06 m3) unless told."""
    variant = product(company).variants.get()
    variant.length_cm, variant.width_cm, variant.height_cm = (Decimal(v) for v in cm)
    variant.save(update_fields=["length_cm", "width_cm", "height_cm"])
    return variant


def allot(company, warehouse, m3=60, *, days_ago=30):
    """A year's allotment that started `days_ago` days ago."""
    starts_on = timezone.localdate() - timedelta(days_ago)
    return StorageAllotment.objects.create(
        company=company, warehouse=warehouse, volume_m3=m3, starts_on=starts_on, ends_on=starts_on + timedelta(365)
    )


def attrs(response) -> set:
    body = response.json()
    assert set(body) == {"type", "errors"}, body
    return {error["attr"] for error in body["errors"]}


def shipment_in(status, *, company=None, warehouse=None, operator=None, quantities=(4,)):
    """A shipment brought through the services into `status`, every line received and passed in full."""
    company = company or company_with_owner()
    warehouse = warehouse or network()["lax"]
    operator = operator or OperatorFactory()
    owner = owner_of(company)
    lines = [InboundLineSpec(sized_variant(company).pk, quantity) for quantity in quantities]
    shipment = inbound_create(actor=owner, company=company, warehouse=warehouse, lines=lines)
    if status == S.CANCELLED:
        return inbound_cancel(actor=owner, shipment=shipment)
    steps = [
        (S.IN_TRANSIT, lambda s: inbound_dispatch(actor=owner, shipment=s, carrier="CJ", tracking_number="CJ1")),
        (
            S.RECEIVED,
            lambda s: inbound_receive(
                actor=operator,
                shipment=s,
                counts=[InboundCount(line.pk, line.quantity_expected) for line in s.lines.all()],
            ),
        ),
        (
            S.INSPECTED,
            lambda s: inbound_inspect(
                actor=operator,
                shipment=s,
                results=[InboundInspection(line.pk, line.quantity_received, 0) for line in s.lines.all()],
            ),
        ),
        (S.STOCKED, lambda s: inbound_stock(actor=operator, shipment=s)),
    ]
    for reached, step in steps:
        if shipment.status == status:
            break
        shipment = step(shipment)
        assert shipment.status == reached
    return shipment


def count_body(shipment):
    return {"lines": [{"line": line.pk, "quantity_received": line.quantity_expected} for line in shipment.lines.all()]}


def inspect_body(shipment):
    return {
        "lines": [
            {"line": line.pk, "quantity_passed": line.quantity_received or line.quantity_expected, "quantity_failed": 0}
            for line in shipment.lines.all()
        ]
    }


# --- the whole flow -----------------------------------------------------------------------


def test_full_flow_keeps_the_shortage_quarantines_failed_units_and_records_the_fee(api, operator):
    net = network()
    company = company_with_owner()
    owner = owner_of(company)
    lamp, vase = sized_variant(company), sized_variant(company)
    allot(company, net["lax"], 60)

    api.as_user(owner)
    created = api.post(
        URL,
        {
            "company": company.pk,
            "warehouse": net["lax"].pk,
            "expected_on": "2026-03-01",
            "lines": [{"variant": lamp.pk, "quantity": 10, "lot": "L-2026-01"}, {"variant": vase.pk, "quantity": 5}],
        },
    )
    assert created.status_code == 201, created.content
    asn = created.json()
    assert asn["status"] == "draft" and asn["company"] == company.pk and asn["warehouse_code"] == "lax-dc"
    lamp_line, vase_line = (line["id"] for line in asn["lines"])

    dispatched = api.post(f"{URL}{asn['id']}/dispatch/", {"carrier": "CJ Logistics", "tracking_number": "CJ123"})
    assert dispatched.status_code == 200, dispatched.content
    assert dispatched.json()["status"] == "in_transit" and dispatched.json()["dispatched_at"]

    api.as_user(operator)
    received = api.post(
        f"{URL}{asn['id']}/receive/",
        {"lines": [{"line": lamp_line, "quantity_received": 8}, {"line": vase_line, "quantity_received": 5}]},
    )
    assert received.status_code == 200, received.content
    body = received.json()
    assert body["status"] == "received" and body["has_discrepancy"] is True
    assert [(line["quantity_expected"], line["quantity_received"], line["discrepancy"]) for line in body["lines"]] == [
        (10, 8, -2),
        (5, 5, 0),
    ]

    inspected = api.post(
        f"{URL}{asn['id']}/inspect/",
        {
            "lines": [
                {"line": lamp_line, "quantity_passed": 8, "quantity_failed": 0, "service": "repackage"},
                {
                    "line": vase_line,
                    "quantity_passed": 3,
                    "quantity_failed": 2,
                    "defect_codes": ["crushed-box", "chipped-rim"],
                    "service": "relabel",
                },
            ]
        },
    )
    assert inspected.status_code == 200, inspected.content
    lines = inspected.json()["lines"]
    assert [(line["quantity_passed"], line["quantity_failed"], line["defect_codes"]) for line in lines] == [
        (8, 0, []),
        (3, 2, ["crushed-box", "chipped-rim"]),
    ]
    # KRW 300 per unit repackaged, 100 per unit relabelled, on the passed units.
    assert [(line["service"], line["service_fee"]) for line in lines] == [
        ("repackage", {"amount": "2400", "currency": "KRW"}),
        ("relabel", {"amount": "300", "currency": "KRW"}),
    ]

    stocked = api.post(f"{URL}{asn['id']}/stock/")
    assert stocked.status_code == 200, stocked.content
    result = stocked.json()
    assert result["shipment"]["status"] == "stocked" and result["shipment"]["stocked_at"]
    # 8 + 3 units on hand and 2 quarantined, 0.06 m3 each: 13 x 0.06 = 0.78 m3.
    assert result["storage"] == {"used_m3": "0.780", "allotted_m3": "60.000", "exceeded": False}
    assert result["warnings"] == []

    lamp_stock, vase_stock = Stock.objects.get(variant=lamp), Stock.objects.get(variant=vase)
    assert (lamp_stock.on_hand, lamp_stock.quarantined) == (8, 0)
    assert (vase_stock.on_hand, vase_stock.quarantined) == (3, 2)
    movements = StockMovement.objects.filter(reference=f"inbound:{asn['id']}")
    assert sorted((m.stock.variant_id, m.kind, m.on_hand_delta, m.quarantined_delta) for m in movements) == sorted(
        [(lamp.pk, "receipt", 8, 0), (vase.pk, "receipt", 3, 0), (vase.pk, "quarantine", 0, 2)]
    )
    assert all(m.actor == operator for m in movements)
    # Failed units are never sellable: only the 3 passed vases can be reserved.
    with pytest.raises(InsufficientStock):
        stock_reserve(reference="order:1", lines=[Line(vase.pk, 4)], destination_country="US")
    stock_reserve(reference="order:2", lines=[Line(vase.pk, 3)], destination_country="US")
    # The timeline is on the shipment.
    shipment = InboundShipment.objects.get(pk=asn["id"])
    assert shipment.created_at <= shipment.dispatched_at <= shipment.received_at <= shipment.inspected_at
    assert shipment.inspected_at <= shipment.stocked_at
    assert_ledger_balanced()


def test_a_line_where_nothing_arrived_is_kept_and_the_rest_is_stocked(operator):
    shipment = shipment_in(S.IN_TRANSIT, operator=operator, quantities=(3, 2))
    missing, arrived = shipment.lines.all()
    inbound_receive(
        actor=operator, shipment=shipment, counts=[InboundCount(missing.pk, 0), InboundCount(arrived.pk, 2)]
    )
    inbound_inspect(
        actor=operator,
        shipment=shipment,
        results=[InboundInspection(missing.pk, 0, 0), InboundInspection(arrived.pk, 2, 0)],
    )
    inbound_stock(actor=operator, shipment=shipment)
    missing.refresh_from_db()
    assert missing.discrepancy == -3
    assert not Stock.objects.filter(variant_id=missing.variant_id).exists()
    assert Stock.objects.get(variant_id=arrived.variant_id).on_hand == 2
    assert_ledger_balanced()


def test_an_overage_is_recorded_and_stocked_as_counted(operator):
    shipment = shipment_in(S.IN_TRANSIT, operator=operator, quantities=(3,))
    line = shipment.lines.get()
    inbound_receive(actor=operator, shipment=shipment, counts=[InboundCount(line.pk, 5)])
    inbound_inspect(actor=operator, shipment=shipment, results=[InboundInspection(line.pk, 5, 0)])
    inbound_stock(actor=operator, shipment=shipment)
    line.refresh_from_db()
    assert line.discrepancy == 2
    assert Stock.objects.get(variant_id=line.variant_id).on_hand == 5
    assert_ledger_balanced()


def test_a_draft_is_cancelled_by_its_company(api):
    shipment = shipment_in(S.DRAFT)
    response = api.as_user(owner_of(shipment.company)).post(f"{URL}{shipment.pk}/cancel/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert not StockMovement.objects.exists()


# --- states -------------------------------------------------------------------------------

ACTIONS = {
    # action: (the one state it starts from, who calls it, body)
    "dispatch": (S.DRAFT, "owner", lambda s: {"carrier": "CJ", "tracking_number": "CJ9"}),
    "cancel": (S.DRAFT, "owner", lambda s: None),
    "receive": (S.IN_TRANSIT, "operator", count_body),
    "inspect": (S.RECEIVED, "operator", inspect_body),
    "stock": (S.INSPECTED, "operator", lambda s: None),
}
WRONG = [(action, state) for action, (source, _, _) in ACTIONS.items() for state in S.values if state != source]


@pytest.mark.parametrize(("action", "state"), WRONG, ids=[f"{a}-from-{s}" for a, s in WRONG])
def test_every_transition_from_a_wrong_state_is_a_409(api, operator, action, state):
    shipment = shipment_in(state, operator=operator)
    _, who, body = ACTIONS[action]
    api.as_user(operator if who == "operator" else owner_of(shipment.company))
    movements = StockMovement.objects.count()
    response = api.post(f"{URL}{shipment.pk}/{action}/", body(shipment))
    assert response.status_code == 409, response.content
    assert response.json()["errors"][0]["code"] == "wrong_state"
    shipment.refresh_from_db()
    assert shipment.status == state
    assert StockMovement.objects.count() == movements
    assert_ledger_balanced()


@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_transition_from_its_state_succeeds(api, operator, action):
    source, who, body = ACTIONS[action]
    shipment = shipment_in(source, operator=operator)
    api.as_user(operator if who == "operator" else owner_of(shipment.company))
    response = api.post(f"{URL}{shipment.pk}/{action}/", body(shipment))
    assert response.status_code == 200, response.content
    assert_ledger_balanced()


# --- validation ---------------------------------------------------------------------------


def test_variants_of_another_company_are_refused_naming_the_line(api):
    net = network()
    mine, theirs = company_with_owner(), company_with_owner()
    own, foreign = sized_variant(mine), sized_variant(theirs)
    response = api.as_user(owner_of(mine)).post(
        URL,
        {
            "company": mine.pk,
            "warehouse": net["lax"].pk,
            "lines": [{"variant": own.pk, "quantity": 1}, {"variant": foreign.pk, "quantity": 1}],
        },
    )
    assert response.status_code == 400
    assert attrs(response) == {"lines.1.variant"}
    assert not InboundShipment.objects.exists()


@pytest.mark.parametrize(
    ("change", "attr"),
    [
        (lambda v: {"lines": []}, "lines.non_field_errors"),
        (lambda v: {"lines": [{"variant": 0, "quantity": 1}]}, "lines.0.variant"),
        (
            lambda v: {"lines": [{"variant": v, "quantity": 1}, {"variant": v, "quantity": 0, "lot": "B"}]},
            "lines.1.quantity",
        ),
        (lambda v: {"lines": [{"variant": v, "quantity": 1, "colour": "red"}]}, "lines.0.colour"),
        (lambda v: {"warehouse": 999999}, "warehouse"),
        (lambda v: {"expected_on": "soon"}, "expected_on"),
        (lambda v: {"status": "stocked"}, "status"),
    ],
    ids=["no-lines", "no-variant", "zero-quantity", "unknown-line-field", "no-warehouse", "bad-date", "status"],
)
def test_bad_create_payloads_are_400_naming_the_field(api, change, attr):
    net = network()
    company = company_with_owner()
    variant = sized_variant(company)
    body = {"company": company.pk, "warehouse": net["lax"].pk, "lines": [{"variant": variant.pk, "quantity": 1}]}
    body.update(change(variant.pk))
    response = api.as_user(owner_of(company)).post(URL, body)
    assert response.status_code == 400, response.content
    assert attr in attrs(response)


def test_the_same_variant_and_lot_twice_is_refused(api):
    net, company = network(), company_with_owner()
    variant = sized_variant(company)
    line = {"variant": variant.pk, "quantity": 1, "lot": "A"}
    response = api.as_user(owner_of(company)).post(
        URL, {"company": company.pk, "warehouse": net["lax"].pk, "lines": [line, line]}
    )
    assert response.status_code == 400
    assert attrs(response) == {"lines.1.variant"}


def test_dispatch_needs_a_carrier_and_tracking_number(api):
    shipment = shipment_in(S.DRAFT)
    response = api.as_user(owner_of(shipment.company)).post(f"{URL}{shipment.pk}/dispatch/", {"carrier": "CJ"})
    assert response.status_code == 400
    assert attrs(response) == {"tracking_number"}
    shipment.refresh_from_db()
    assert shipment.status == S.DRAFT and shipment.carrier == ""


@pytest.mark.parametrize(
    ("counts", "attr"),
    [
        (
            lambda a, b: [{"line": a, "quantity_received": -1}, {"line": b, "quantity_received": 1}],
            "lines.0.quantity_received",
        ),
        (lambda a, b: [{"line": a, "quantity_received": 1}], "lines"),
        (lambda a, b: [{"line": a, "quantity_received": 1}, {"line": a, "quantity_received": 1}], "lines.1.line"),
        (lambda a, b: [{"line": a, "quantity_received": 1}, {"line": 10**12, "quantity_received": 1}], "lines.1.line"),
        (
            lambda a, b: [{"line": a, "quantity_received": "many"}, {"line": b, "quantity_received": 1}],
            "lines.0.quantity_received",
        ),
        (
            lambda a, b: [
                {"line": a, "quantity_received": 1, "quantity_passed": 1},
                {"line": b, "quantity_received": 1},
            ],
            "lines.0.quantity_passed",
        ),
    ],
    ids=["negative", "missing-line", "line-twice", "unknown-line", "not-a-number", "unknown-field"],
)
def test_bad_counts_are_400_naming_the_field(api, operator, counts, attr):
    shipment = shipment_in(S.IN_TRANSIT, operator=operator, quantities=(2, 2))
    a, b = (line.pk for line in shipment.lines.all())
    response = api.as_user(operator).post(f"{URL}{shipment.pk}/receive/", {"lines": counts(a, b)})
    assert response.status_code == 400, response.content
    assert attr in attrs(response)
    shipment.refresh_from_db()
    assert shipment.status == S.IN_TRANSIT
    assert not shipment.lines.filter(quantity_received__isnull=False).exists()


def test_a_line_of_another_shipment_cannot_be_counted(api, operator):
    shipment, other = shipment_in(S.IN_TRANSIT, operator=operator), shipment_in(S.IN_TRANSIT, operator=operator)
    body = {"lines": [{"line": other.lines.get().pk, "quantity_received": 4}]}
    response = api.as_user(operator).post(f"{URL}{shipment.pk}/receive/", body)
    assert response.status_code == 400
    assert attrs(response) == {"lines.0.line", "lines"}
    assert other.lines.get().quantity_received is None


@pytest.mark.parametrize(
    ("result", "attr"),
    [
        ({"quantity_passed": 3, "quantity_failed": 0}, "lines.0.quantity_passed"),  # 3 of 4 received
        ({"quantity_passed": 4, "quantity_failed": 1, "defect_codes": ["dent"]}, "lines.0.quantity_passed"),
        ({"quantity_passed": -1, "quantity_failed": 5, "defect_codes": ["dent"]}, "lines.0.quantity_passed"),
        ({"quantity_passed": 2, "quantity_failed": 2}, "lines.0.defect_codes"),
        ({"quantity_passed": 4, "quantity_failed": 0, "defect_codes": ["dent"]}, "lines.0.defect_codes"),
        ({"quantity_passed": 2, "quantity_failed": 2, "defect_codes": ["Not a slug!"]}, "lines.0.defect_codes.0"),
        ({"quantity_passed": 4, "quantity_failed": 0, "service": "gift-wrap"}, "lines.0.service"),
        (
            {"quantity_passed": 0, "quantity_failed": 4, "defect_codes": ["wet"], "service": "relabel"},
            "lines.0.service",
        ),
    ],
    ids=[
        "short",
        "over",
        "negative",
        "no-defect-codes",
        "codes-without-failures",
        "bad-code",
        "bad-service",
        "service-on-nothing",
    ],
)
def test_bad_inspections_are_400_naming_the_field(api, operator, result, attr):
    shipment = shipment_in(S.RECEIVED, operator=operator, quantities=(4,))
    body = {"lines": [{"line": shipment.lines.get().pk, **result}]}
    response = api.as_user(operator).post(f"{URL}{shipment.pk}/inspect/", body)
    assert response.status_code == 400, response.content
    assert attr in attrs(response)
    shipment.refresh_from_db()
    assert shipment.status == S.RECEIVED
    assert shipment.lines.get().quantity_passed is None


# --- permissions --------------------------------------------------------------------------


def test_sme_staff_see_only_their_companies_shipments_and_operators_all(api, operator):
    net = network()
    mine = shipment_in(S.DRAFT, warehouse=net["lax"])
    theirs = shipment_in(S.IN_TRANSIT, warehouse=net["icn"])
    api.as_user(owner_of(mine.company))
    assert [s["id"] for s in api.get(URL).json()["results"]] == [mine.pk]
    assert api.get(f"{URL}{mine.pk}/").status_code == 200
    assert api.get(f"{URL}{theirs.pk}/").status_code == 404
    assert api.post(f"{URL}{theirs.pk}/receive/", count_body(theirs)).status_code == 404
    api.as_user(operator)
    assert {s["id"] for s in api.get(URL).json()["results"]} == {mine.pk, theirs.pk}
    assert [s["id"] for s in api.get(URL, {"status": "in_transit"}).json()["results"]] == [theirs.pk]


@pytest.mark.parametrize("action", ["receive", "inspect", "stock"])
def test_operator_steps_are_403_for_the_shipments_own_company(api, operator, action):
    source, _, body = ACTIONS[action]
    shipment = shipment_in(source, operator=operator)
    response = api.as_user(owner_of(shipment.company)).post(f"{URL}{shipment.pk}/{action}/", body(shipment))
    assert response.status_code == 403, response.content
    shipment.refresh_from_db()
    assert shipment.status == source
    assert_ledger_balanced()


def test_a_viewer_sees_but_cannot_create_dispatch_or_cancel(api):
    shipment = shipment_in(S.DRAFT)
    viewer = staff(shipment.company, "viewer")
    api.as_user(viewer)
    assert api.get(f"{URL}{shipment.pk}/").status_code == 200
    assert api.post(f"{URL}{shipment.pk}/dispatch/", {"carrier": "CJ", "tracking_number": "1"}).status_code == 403
    assert api.post(f"{URL}{shipment.pk}/cancel/").status_code == 403
    variant = shipment.lines.get().variant
    body = {
        "company": shipment.company_id,
        "warehouse": shipment.warehouse_id,
        "lines": [{"variant": variant.pk, "quantity": 1}],
    }
    assert api.post(URL, body).status_code == 403
    # An editor may.
    api.as_user(staff(shipment.company, "editor"))
    assert api.post(URL, body).status_code == 201


def test_a_shipment_cannot_be_created_for_another_company(api):
    net = network()
    mine, theirs = company_with_owner(), company_with_owner()
    variant = sized_variant(theirs)
    body = {"company": theirs.pk, "warehouse": net["lax"].pk, "lines": [{"variant": variant.pk, "quantity": 1}]}
    response = api.as_user(owner_of(mine)).post(URL, body)
    assert response.status_code == 400
    assert attrs(response) == {"company"}


# --- storage ------------------------------------------------------------------------------


def test_storage_usage_counts_on_hand_and_quarantined_units_by_their_volume(operator):
    net = network()
    company = company_with_owner()
    shipment = shipment_in(S.RECEIVED, company=company, warehouse=net["lax"], operator=operator, quantities=(10,))
    line = shipment.lines.get()
    inbound_inspect(actor=operator, shipment=shipment, results=[InboundInspection(line.pk, 7, 3, ("torn-label",))])
    inbound_stock(actor=operator, shipment=shipment)
    unmeasured = product(company).variants.get()  # no dimensions: counts as no volume
    Stock.objects.create(variant=unmeasured, warehouse=net["lax"])
    # 10 units x 50 x 40 x 30 cm = 10 x 0.06 m3; reserving does not change the space used.
    assert storage_usage(company, net["lax"]) == Decimal("0.600")
    stock_reserve(reference="order:9", lines=[Line(line.variant_id, 2)], destination_country="US")
    assert storage_usage(company, net["lax"]) == Decimal("0.600")
    assert storage_usage(company, net["icn"]) == Decimal("0")
    assert storage_usage(company_with_owner(), net["lax"]) == Decimal("0")
    assert_ledger_balanced()


def test_stocking_beyond_the_allotment_warns_but_stocks(api, operator):
    net = network()
    company = company_with_owner()
    allot(company, net["lax"], 60)
    allot(company, net["lax"], 240, days_ago=400)  # ended: does not count
    big = sized_variant(company, cm=(200, 100, 100))  # 2 m3 each
    shipment = inbound_create(
        actor=owner_of(company), company=company, warehouse=net["lax"], lines=[InboundLineSpec(big.pk, 31)]
    )
    inbound_dispatch(actor=owner_of(company), shipment=shipment, carrier="CJ", tracking_number="CJ77")
    line = shipment.lines.get()
    inbound_receive(actor=operator, shipment=shipment, counts=[InboundCount(line.pk, 31)])
    inbound_inspect(actor=operator, shipment=shipment, results=[InboundInspection(line.pk, 31, 0)])
    response = api.as_user(operator).post(f"{URL}{shipment.pk}/stock/")
    assert response.status_code == 200, response.content
    result = response.json()
    assert result["shipment"]["status"] == "stocked"
    assert result["storage"] == {"used_m3": "62.000", "allotted_m3": "60.000", "exceeded": True}
    assert [w["code"] for w in result["warnings"]] == ["storage_allotment_exceeded"]
    assert Stock.objects.get(variant=big).on_hand == 31
    assert_ledger_balanced()


def test_stocking_without_an_allotment_warns(operator):
    net = network()
    shipment = shipment_in(S.STOCKED, warehouse=net["icn"], operator=operator)
    check = storage_allotment_check(company=shipment.company, warehouse=net["icn"])
    assert (check.used_m3, check.allotted_m3, check.exceeded) == (Decimal("0.240"), Decimal(0), True)
    assert [code for code, _ in check.warnings()] == ["no_storage_allotment"]


def test_sme_staff_see_their_allotments_with_the_space_used(api, operator):
    net = network()
    mine, theirs = company_with_owner(), company_with_owner()
    allotment = allot(mine, net["lax"], 120)
    allot(theirs, net["lax"], 60)
    shipment_in(S.STOCKED, company=mine, warehouse=net["lax"], operator=operator, quantities=(5, 5))
    shipment_in(S.STOCKED, company=theirs, warehouse=net["lax"], operator=operator, quantities=(50,))
    rows = api.as_user(owner_of(mine)).get("/api/v1/storage-allotments/").json()["results"]
    assert rows == [
        {
            "id": allotment.pk,
            "company": mine.pk,
            "warehouse": net["lax"].pk,
            "warehouse_code": "lax-dc",
            "allotted_m3": "120.000",
            "used_m3": "0.600",
            "starts_on": allotment.starts_on.isoformat(),
            "ends_on": allotment.ends_on.isoformat(),
            "active": True,
        }
    ]
    rows = api.as_user(operator).get("/api/v1/storage-allotments/").json()["results"]
    assert sorted(row["used_m3"] for row in rows) == ["0.600", "3.000"]
    assert_ledger_balanced()


def test_allotment_list_queries_do_not_grow_with_rows(api, operator, django_assert_max_num_queries):
    net = network()
    for _ in range(5):
        company = company_with_owner()
        allot(company, net["lax"])
        allot(company, net["icn"])
    api.as_user(operator)
    with django_assert_max_num_queries(8):
        assert len(api.get("/api/v1/storage-allotments/").json()["results"]) == 10


# --- admin --------------------------------------------------------------------------------


def test_the_admin_shows_discrepancies_and_dispatches_drafts(client, operator):
    received = shipment_in(S.IN_TRANSIT, operator=operator, quantities=(4, 2))
    first, second = received.lines.all()
    inbound_receive(actor=operator, shipment=received, counts=[InboundCount(first.pk, 3), InboundCount(second.pk, 2)])
    draft = shipment_in(S.DRAFT, company=received.company)
    InboundShipment.objects.filter(pk=draft.pk).update(carrier="CJ", tracking_number="CJ5")
    foreign = shipment_in(S.DRAFT)
    client.force_login(owner_of(received.company))
    listing = client.get("/admin/logistics/inboundshipment/").content.decode()
    assert f"{first.variant.sku} -1" in listing and "not counted" in listing
    assert f"ASN-{foreign.pk} " not in listing
    response = client.post(
        "/admin/logistics/inboundshipment/",
        {"action": "dispatch", "_selected_action": [draft.pk, received.pk]},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == S.IN_TRANSIT and draft.dispatched_at
    received.refresh_from_db()
    assert received.status == S.RECEIVED
    assert client.get(f"/admin/logistics/inboundshipment/{foreign.pk}/change/").status_code == 404


def test_shipment_list_queries_do_not_grow_with_rows(api, operator, django_assert_max_num_queries):
    net = network()
    for _ in range(5):
        shipment_in(S.RECEIVED, warehouse=net["lax"], operator=operator, quantities=(1, 2, 3))
    api.as_user(operator)
    with django_assert_max_num_queries(8):
        rows = api.get(URL).json()["results"]
    assert len(rows) == 5 and all(len(row["lines"]) == 3 for row in rows)

import hashlib
import hmac
import itertools
import json
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import Conflict, InvalidInput, NotPermitted, WrongState
from logistics.models import Fulfilment, Reservation, Shipment, ShippingRate, Stock, StockMovement, TrackingEvent
from logistics.services import (
    Line,
    fulfilment_cancel,
    fulfilment_pack,
    fulfilment_pick,
    fulfilment_ship,
    fulfilments_request,
    reservation_release,
    shipment_track,
    shipping_options,
    stock_reserve,
)
from logistics.signals import shipment_delivered
from tests.factories import company_with_owner, owner_of, product
from tests.logistics.helpers import assert_ledger_balanced, network, receive, warehouse, zone

pytestmark = pytest.mark.django_db

F = Fulfilment.Status
DESTINATION = {
    "recipient_name": "Jane Doe",
    "address_lines": ["1 Main St", "Apt 2"],
    "city": "Los Angeles",
    "postal_code": "90001",
    "country": "US",
}
PARCEL = {"weight_kg": "1.2", "length_cm": "30", "width_cm": "20", "height_cm": "10"}
SECRET = "test-carrier-secret"
_tracking = itertools.count(1)


def variant(**fields):
    sku = f"FF-{next(_tracking)}-{time.monotonic_ns() % 10**9}"
    return product(with_image=False, variants=[{"sku": sku, "weight_kg": Decimal("0.800"), **fields}]).variants.get()


def tracking_number():
    return f"1Z{next(_tracking):08d}"


def stock(item, warehouse_):
    return Stock.objects.get(variant=item, warehouse=warehouse_)


def on_hand_reserved(item, warehouse_):
    row = stock(item, warehouse_)
    return row.on_hand, row.reserved


@pytest.fixture
def delivered():
    """Every shipment_delivered sent during the test, as (shipment_id, reference)."""
    calls = []

    def receiver(sender, *, shipment_id, reference, **kwargs):
        calls.append((shipment_id, reference))

    shipment_delivered.connect(receiver, weak=False, dispatch_uid="test_shipment_delivered")
    yield calls
    shipment_delivered.disconnect(dispatch_uid="test_shipment_delivered")


def one_fulfilment(reference="order:1", quantity=3):
    """A requested fulfilment of `quantity` units reserved at the LAX DC."""
    net = network()
    item = variant()
    receive(item, net["lax"], 10)
    stock_reserve(reference=reference, lines=[Line(item.pk, quantity)], destination_country="US")
    (fulfilment,) = fulfilments_request(reference=reference, destination=DESTINATION, incoterm="DAP")
    return fulfilment, item, net


def fulfilment_in(state, operator):
    """A fulfilment of 3 units driven through the services to `state`."""
    fulfilment, item, net = one_fulfilment()
    if state == F.CANCELLED:
        return fulfilment_cancel(fulfilment=fulfilment)
    if state == F.REQUESTED:
        return fulfilment
    fulfilment_pick(fulfilment=fulfilment, actor=operator)
    if state == F.PICKING:
        return fulfilment
    fulfilment_pack(fulfilment=fulfilment, parcels=[PARCEL], actor=operator)
    if state == F.PACKED:
        return fulfilment
    line = fulfilment.lines.get()
    partial = [{"fulfilment_line": line, "quantity": 1}] if state == F.PARTIALLY_SHIPPED else None
    fulfilment_ship(
        fulfilment=fulfilment,
        carrier="DHL",
        service="express",
        tracking_number=tracking_number(),
        lines=partial,
        actor=operator,
    )
    fulfilment.refresh_from_db()
    assert fulfilment.status == state
    return fulfilment


# --- the flow ---------------------------------------------------------------------------------


def test_reserve_request_pick_pack_ship_part_then_the_rest(operator):
    net = network()
    lamp, vase = variant(), variant()
    receive(lamp, net["lax"], 5)
    receive(vase, net["lax"], 1)
    receive(vase, net["icn"], 5)
    reservation = stock_reserve(
        reference="order:7", lines=[Line(lamp.pk, 3), Line(vase.pk, 2)], destination_country="US"
    )

    fulfilments = fulfilments_request(reference="order:7", destination=DESTINATION, incoterm="DDP")
    by_code = {f.warehouse.code: f for f in fulfilments}
    assert sorted(by_code) == ["icn-hub", "lax-dc"]
    assert sorted((line.variant_id, line.quantity) for line in by_code["lax-dc"].lines.all()) == sorted(
        [(lamp.pk, 3), (vase.pk, 1)]
    )
    assert [(line.variant_id, line.quantity) for line in by_code["icn-hub"].lines.all()] == [(vase.pk, 1)]
    lax = by_code["lax-dc"]
    assert (lax.status, lax.country, lax.address_lines, lax.incoterm) == (
        F.REQUESTED,
        "US",
        ["1 Main St", "Apt 2"],
        "DDP",
    )
    # Requesting is not shipping: the stock is still only reserved.
    assert on_hand_reserved(lamp, net["lax"]) == (5, 3)

    assert fulfilment_pick(fulfilment=lax, actor=operator).status == F.PICKING
    packed = fulfilment_pack(fulfilment=lax, parcels=[PARCEL], actor=operator)
    assert packed.status == F.PACKED
    assert packed.parcels == [{"weight_kg": "1.200", "length_cm": "30.0", "width_cm": "20.0", "height_cm": "10.0"}]

    lamp_line = lax.lines.get(variant=lamp)
    first = fulfilment_ship(
        fulfilment=lax,
        carrier="DHL",
        service="express",
        tracking_number="1Z001",
        lines=[{"fulfilment_line": lamp_line, "quantity": 2}],
        actor=operator,
    )
    lax.refresh_from_db()
    lamp_line.refresh_from_db()
    assert lax.status == F.PARTIALLY_SHIPPED
    assert lamp_line.quantity_shipped == 2
    assert [(line.fulfilment_line_id, line.quantity) for line in first.lines.all()] == [(lamp_line.pk, 2)]
    assert first.parcels == packed.parcels and lax.parcels == []
    assert first.status == Shipment.Status.IN_TRANSIT and first.events.count() == 1
    assert on_hand_reserved(lamp, net["lax"]) == (3, 1)
    assert on_hand_reserved(vase, net["lax"]) == (1, 1)
    moved = StockMovement.objects.filter(reference=f"shipment:{first.pk}")
    assert [(m.kind, m.on_hand_delta, m.reserved_delta) for m in moved] == [("ship", -2, -2)]
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.ACTIVE

    # The packed parcel left with the first shipment: the rest needs its own.
    with pytest.raises(WrongState):
        fulfilment_ship(fulfilment=lax, carrier="DHL", service="express", tracking_number="1Z002", actor=operator)
    rest = fulfilment_ship(
        fulfilment=lax, carrier="DHL", service="express", tracking_number="1Z002", parcels=[PARCEL], actor=operator
    )
    lax.refresh_from_db()
    assert lax.status == F.SHIPPED
    assert sorted((line.fulfilment_line.variant_id, line.quantity) for line in rest.lines.all()) == sorted(
        [(lamp.pk, 1), (vase.pk, 1)]
    )
    assert on_hand_reserved(lamp, net["lax"]) == (2, 0)
    assert on_hand_reserved(vase, net["lax"]) == (0, 0)
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.ACTIVE  # the ICN part is still to ship

    icn = by_code["icn-hub"]
    fulfilment_pick(fulfilment=icn, actor=operator)
    fulfilment_pack(fulfilment=icn, parcels=[PARCEL], actor=operator)
    fulfilment_ship(fulfilment=icn, carrier="EMS", service="standard", tracking_number="EE1KR", actor=operator)
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.CONSUMED
    assert on_hand_reserved(vase, net["icn"]) == (4, 0)
    assert_ledger_balanced()


def test_the_same_flow_through_the_api(api, operator):
    fulfilment, item, net = one_fulfilment(quantity=3)
    api.as_user(operator)
    listed = api.get("/api/v1/fulfilments/", {"status": "requested", "warehouse": "lax-dc"}).json()
    assert [f["id"] for f in listed["results"]] == [fulfilment.pk]
    assert api.get("/api/v1/fulfilments/", {"warehouse": "icn-hub"}).json()["results"] == []
    base = f"/api/v1/fulfilments/{fulfilment.pk}"
    assert api.post(f"{base}/pick/").json()["status"] == "picking"
    packed = api.post(f"{base}/pack/", {"parcels": [PARCEL]})
    assert packed.status_code == 200, packed.content
    assert packed.json()["parcels"] == [
        {"weight_kg": "1.200", "length_cm": "30.0", "width_cm": "20.0", "height_cm": "10.0"}
    ]
    line = fulfilment.lines.get()
    shipped = api.post(
        f"{base}/ship/",
        {
            "carrier": "UPS",
            "service": "standard",
            "tracking_number": "1ZAPI1",
            "lines": [{"fulfilment_line": line.pk, "quantity": 1}],
        },
    )
    assert shipped.status_code == 201, shipped.content
    body = shipped.json()
    assert (body["reference"], body["status"], body["lines"][0]["quantity"]) == ("order:1", "in_transit", 1)
    rest = api.post(
        f"{base}/ship/", {"carrier": "UPS", "service": "standard", "tracking_number": "1ZAPI2", "parcels": [PARCEL]}
    )
    assert rest.status_code == 201, rest.content
    detail = api.get(f"{base}/").json()
    assert detail["status"] == "shipped"
    assert [(s["tracking_number"], s["status"]) for s in detail["shipments"]] == [
        ("1ZAPI1", "in_transit"),
        ("1ZAPI2", "in_transit"),
    ]
    assert detail["lines"][0]["quantity_shipped"] == 3
    assert on_hand_reserved(item, net["lax"]) == (7, 0)
    assert_ledger_balanced()


def test_shipping_more_than_is_left_or_another_fulfilments_line_is_refused(api, operator):
    fulfilment = fulfilment_in(F.PACKED, operator)
    other = fulfilment_in_other_reference(operator)
    api.as_user(operator)
    url = f"/api/v1/fulfilments/{fulfilment.pk}/ship/"
    line = fulfilment.lines.get()
    for lines in (
        [{"fulfilment_line": line.pk, "quantity": 4}],
        [{"fulfilment_line": other.lines.get().pk, "quantity": 1}],
    ):
        response = api.post(url, {"carrier": "UPS", "service": "standard", "tracking_number": "1ZX", "lines": lines})
        assert response.status_code == 400, response.content
    fulfilment.refresh_from_db()
    assert fulfilment.status == F.PACKED and not fulfilment.shipments.exists()
    assert_ledger_balanced()


def fulfilment_in_other_reference(operator):
    item = variant()
    receive(item, network()["lax"], 2)
    stock_reserve(reference="order:other", lines=[Line(item.pk, 1)], destination_country="US")
    (fulfilment,) = fulfilments_request(reference="order:other", destination=DESTINATION)
    return fulfilment


def test_a_tracking_number_is_used_once_per_carrier(operator):
    first = fulfilment_in(F.PACKED, operator)
    fulfilment_ship(fulfilment=first, carrier="DHL", service="express", tracking_number="SAME1", actor=operator)
    second = fulfilment_in_other_reference(operator)
    fulfilment_pick(fulfilment=second, actor=operator)
    fulfilment_pack(fulfilment=second, parcels=[PARCEL], actor=operator)
    with pytest.raises(Conflict):
        fulfilment_ship(fulfilment=second, carrier="DHL", service="express", tracking_number="SAME1", actor=operator)
    second.refresh_from_db()
    assert second.status == F.PACKED and second.lines.get().quantity_shipped == 0
    assert_ledger_balanced()


# --- requests, cancellation, refusals ---------------------------------------------------------


def test_a_request_needs_an_active_reservation_and_is_made_once():
    with pytest.raises(WrongState):
        fulfilments_request(reference="order:none", destination=DESTINATION)
    fulfilment, item, net = one_fulfilment(reference="order:2")
    with pytest.raises(Conflict):
        fulfilments_request(reference="order:2", destination=DESTINATION)
    assert Fulfilment.objects.filter(reference="order:2").count() == 1


def test_a_bad_destination_names_every_problem():
    net = network()
    item = variant()
    receive(item, net["lax"], 1)
    stock_reserve(reference="order:3", lines=[Line(item.pk, 1)], destination_country="US")
    with pytest.raises(InvalidInput) as refused:
        fulfilments_request(
            reference="order:3",
            destination={"recipient_name": "", "address_lines": [], "city": "LA", "country": "USA"},
        )
    assert set(refused.value.fields) == {
        "destination.recipient_name",
        "destination.address_lines",
        "destination.country",
    }
    with pytest.raises(InvalidInput):
        fulfilments_request(reference="order:3", destination=DESTINATION, incoterm="DPU")
    assert not Fulfilment.objects.exists()


def test_cancelling_keeps_the_reservation_for_its_owner_and_allows_a_new_request(operator):
    fulfilment, item, net = one_fulfilment(reference="order:4")
    fulfilment_pick(fulfilment=fulfilment, actor=operator)
    assert fulfilment_cancel(fulfilment=fulfilment).status == F.CANCELLED
    reservation = Reservation.objects.get(reference="order:4")
    assert reservation.status == Reservation.Status.ACTIVE
    assert on_hand_reserved(item, net["lax"]) == (10, 3)
    (again,) = fulfilments_request(reference="order:4", destination=DESTINATION)
    assert again.pk != fulfilment.pk and again.status == F.REQUESTED


def test_nothing_ships_once_the_owner_released_the_reservation(operator):
    fulfilment = fulfilment_in(F.PACKED, operator)
    reservation_release(reservation=Reservation.objects.get(reference=fulfilment.reference))
    with pytest.raises(WrongState):
        fulfilment_ship(fulfilment=fulfilment, carrier="DHL", service="express", tracking_number="1ZR", actor=operator)
    fulfilment.refresh_from_db()
    assert fulfilment.status == F.PACKED and not Shipment.objects.exists()
    assert_ledger_balanced()


def test_only_operators_pick_pack_ship_and_track(operator):
    fulfilment, item, net = one_fulfilment()
    sme = owner_of(company_with_owner())
    with pytest.raises(NotPermitted):
        fulfilment_pick(fulfilment=fulfilment, actor=sme)
    fulfilment_pick(fulfilment=fulfilment, actor=operator)
    with pytest.raises(NotPermitted):
        fulfilment_pack(fulfilment=fulfilment, parcels=[PARCEL], actor=sme)
    fulfilment_pack(fulfilment=fulfilment, parcels=[PARCEL], actor=operator)
    with pytest.raises(NotPermitted):
        fulfilment_ship(fulfilment=fulfilment, carrier="DHL", service="x", tracking_number="1", actor=sme)
    shipment = fulfilment_ship(fulfilment=fulfilment, carrier="DHL", service="x", tracking_number="1", actor=operator)
    with pytest.raises(NotPermitted):
        shipment_track(shipment=shipment, status="delivered", occurred_at=timezone.now(), actor=sme)
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.IN_TRANSIT


ALLOWED = {
    "pick": {F.REQUESTED},
    "pack": {F.PICKING, F.PACKED, F.PARTIALLY_SHIPPED},
    "ship": {F.PACKED, F.PARTIALLY_SHIPPED},
}
BODIES = {
    "pick": None,
    "pack": {"parcels": [PARCEL]},
    "ship": {"carrier": "UPS", "service": "standard", "tracking_number": "1ZWRONG", "parcels": [PARCEL]},
}


@pytest.mark.parametrize(
    ("action", "state"),
    [(action, state) for action, allowed in ALLOWED.items() for state in F.values if state not in allowed],
)
def test_every_transition_from_every_wrong_state_is_a_409_and_changes_nothing(api, operator, action, state):
    fulfilment = fulfilment_in(state, operator)
    shipments = Shipment.objects.count()
    movements = StockMovement.objects.count()
    response = api.as_user(operator).post(f"/api/v1/fulfilments/{fulfilment.pk}/{action}/", BODIES[action])
    assert response.status_code == 409, response.content
    assert response.json()["errors"][0]["code"] == "wrong_state"
    fulfilment.refresh_from_db()
    assert fulfilment.status == state
    assert (Shipment.objects.count(), StockMovement.objects.count()) == (shipments, movements)


@pytest.mark.parametrize("state", [F.PARTIALLY_SHIPPED, F.SHIPPED, F.CANCELLED])
def test_cancel_from_a_wrong_state_is_refused(operator, state):
    fulfilment = fulfilment_in(state, operator)
    with pytest.raises(WrongState):
        fulfilment_cancel(fulfilment=fulfilment)
    fulfilment.refresh_from_db()
    assert fulfilment.status == state


def test_fulfilments_are_for_operators_only(api, operator):
    fulfilment, item, net = one_fulfilment()
    shipment = fulfilment_ship_quick(fulfilment, operator)
    paths = [
        ("get", "/api/v1/fulfilments/"),
        ("get", f"/api/v1/fulfilments/{fulfilment.pk}/"),
        ("post", f"/api/v1/fulfilments/{fulfilment.pk}/pick/"),
        ("get", f"/api/v1/shipments/{shipment.pk}/"),
        ("post", f"/api/v1/shipments/{shipment.pk}/events/"),
    ]
    for method, path in paths:
        assert getattr(api, method)(path).status_code == 401
    api.as_user(owner_of(item.product.company))
    for method, path in paths:
        assert getattr(api, method)(path).status_code == 403


def fulfilment_ship_quick(fulfilment, operator):
    fulfilment_pick(fulfilment=fulfilment, actor=operator)
    fulfilment_pack(fulfilment=fulfilment, parcels=[PARCEL], actor=operator)
    return fulfilment_ship(
        fulfilment=fulfilment, carrier="DHL", service="express", tracking_number=tracking_number(), actor=operator
    )


# --- tracking -----------------------------------------------------------------------------------


def test_operator_events_move_the_shipment_forward_and_delivered_signals_once(api, operator, delivered):
    fulfilment, item, net = one_fulfilment(reference="order:9")
    shipment = fulfilment_ship_quick(fulfilment, operator)
    api.as_user(operator)
    url = f"/api/v1/shipments/{shipment.pk}/events/"
    now = timezone.now()

    def post(status, minutes, **more):
        body = {"status": status, "occurred_at": (now + timedelta(minutes=minutes)).isoformat(), **more}
        response = api.post(url, body)
        assert response.status_code == 201, response.content
        shipment.refresh_from_db()
        return shipment.status

    assert post("customs", 1, location="LAX customs") == "customs"
    assert post("in_transit", 0, description="late scan") == "customs"  # never backward
    assert post("out_for_delivery", 2) == "out_for_delivery"
    assert post("delivered", 3) == "delivered"
    assert shipment.delivered_at == now + timedelta(minutes=3)
    assert delivered == [(shipment.pk, "order:9")]
    assert post("delivered", 4) == "delivered"
    assert post("exception", 5, description="damaged?") == "delivered"  # nothing moves a delivered shipment
    assert delivered == [(shipment.pk, "order:9")]
    events = api.get(f"/api/v1/shipments/{shipment.pk}/").json()["events"]
    assert len(events) == 7  # the hand-over and the six posted
    assert {e["source"] for e in events} == {"operator"}


def test_an_exception_interrupts_and_a_later_event_resumes(operator):
    fulfilment, item, net = one_fulfilment()
    shipment = fulfilment_ship_quick(fulfilment, operator)
    now = timezone.now()
    shipment_track(shipment=shipment, status="exception", occurred_at=now, actor=operator)
    shipment.refresh_from_db()
    assert shipment.status == "exception"
    shipment_track(shipment=shipment, status="in_transit", occurred_at=now, actor=operator)
    shipment.refresh_from_db()
    assert shipment.status == "in_transit"


def sign(body: bytes, *, secret=SECRET, timestamp=None) -> dict:
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"HTTP_X_CARRIER_TIMESTAMP": timestamp, "HTTP_X_CARRIER_SIGNATURE": f"sha256={digest}"}


WEBHOOK = "/api/v1/carrier-webhooks/tracking/"


@pytest.fixture
def shipped(operator, settings):
    settings.CARRIER_WEBHOOK_SECRET = SECRET
    fulfilment, item, net = one_fulfilment(reference="order:11")
    return fulfilment_ship_quick(fulfilment, operator)


def carrier_event(shipment, event_id="evt-1", status="customs", **more) -> bytes:
    return json.dumps(
        {
            "carrier": shipment.carrier,
            "tracking_number": shipment.tracking_number,
            "event_id": event_id,
            "status": status,
            "occurred_at": timezone.now().isoformat(),
            "description": "Arrived at customs",
            "location": "Los Angeles, US",
            **more,
        }
    ).encode()


def test_a_signed_carrier_event_is_recorded_once(api, shipped, delivered):
    body = carrier_event(shipped)
    first = api.post(WEBHOOK, body, content_type="application/json", **sign(body))
    assert first.status_code == 201, first.content
    assert first.json()["recorded"] is True
    again = api.post(WEBHOOK, body, content_type="application/json", **sign(body))
    assert again.status_code == 200, again.content
    assert again.json() == {"received": True, "recorded": False, "event": first.json()["event"]}
    event = TrackingEvent.objects.get(external_id="evt-1")
    assert (event.source, event.status, event.location) == ("carrier", "customs", "Los Angeles, US")
    shipped.refresh_from_db()
    assert shipped.status == "customs"

    done = carrier_event(shipped, event_id="evt-2", status="delivered")
    for _ in range(2):
        assert api.post(WEBHOOK, done, content_type="application/json", **sign(done)).status_code in (200, 201)
    shipped.refresh_from_db()
    assert shipped.status == "delivered" and shipped.delivered_at is not None
    assert delivered == [(shipped.pk, "order:11")]
    assert shipped.events.filter(source="carrier").count() == 2


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda body: (body.replace(b"customs", b"delivered"), sign(body)), id="tampered-body"),
        pytest.param(lambda body: (body, sign(body, secret="not-the-secret")), id="wrong-secret"),
        pytest.param(lambda body: (body, sign(body, timestamp=int(time.time()) - 301)), id="stale-timestamp"),
        pytest.param(lambda body: (body, sign(body, timestamp=int(time.time()) + 301)), id="future-timestamp"),
        pytest.param(lambda body: (body, {}), id="unsigned"),
        pytest.param(
            lambda body: (body, {**sign(body), "HTTP_X_CARRIER_TIMESTAMP": str(int(time.time()) - 1)}),
            id="timestamp-swapped",
        ),
        pytest.param(
            lambda body: (body, {"HTTP_X_CARRIER_SIGNATURE": sign(body)["HTTP_X_CARRIER_SIGNATURE"]}),
            id="no-timestamp",
        ),
    ],
)
def test_a_bad_signature_is_a_400_and_changes_nothing(api, shipped, delivered, forge):
    body, headers = forge(carrier_event(shipped, status="customs"))
    events = TrackingEvent.objects.count()
    response = api.post(WEBHOOK, body, content_type="application/json", **headers)
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"type", "errors"}
    shipped.refresh_from_db()
    assert shipped.status == "in_transit" and TrackingEvent.objects.count() == events
    assert delivered == []


def test_a_signed_event_for_an_unknown_shipment_or_status_is_a_400(api, shipped):
    for body in (
        carrier_event(shipped, tracking_number="NOPE"),
        carrier_event(shipped, status="lost_in_space"),
        b"not json",
    ):
        response = api.post(WEBHOOK, body, content_type="application/json", **sign(body))
        assert response.status_code == 400, response.content
    assert not TrackingEvent.objects.filter(source="carrier").exists()


def test_the_webhook_ignores_tokens_and_sessions(api, shipped, operator):
    body = carrier_event(shipped)
    response = api.as_user(operator).post(WEBHOOK, body, content_type="application/json")
    assert response.status_code == 400


# --- shipping options ---------------------------------------------------------------------------


def rate(warehouse_, zone_, max_kg, amount, service="standard", carrier="DHL", **fields):
    return ShippingRate.objects.create(
        warehouse=warehouse_,
        zone=zone_,
        service=service,
        carrier=carrier,
        max_weight_kg=Decimal(max_kg),
        amount=Decimal(amount),
        currency="USD",
        transit_days_min=fields.pop("days_min", 3),
        transit_days_max=fields.pop("days_max", 6),
        **fields,
    )


@pytest.fixture
def rates():
    net = network()
    for max_kg, amount in (("1", "10"), ("5", "20"), ("15", "45"), ("30", "80")):
        rate(net["lax"], net["na"], max_kg, amount)
    rate(net["lax"], net["na"], "5", "35", service="express", carrier="UPS", days_min=1, days_max=2)
    rate(net["icn"], net["na"], "30", "60", carrier="EMS", days_min=7, days_max=12)
    return net


def test_volumetric_weight_beats_actual_weight_for_a_light_bulky_item(rates):
    # 0.5 kg, but 50 x 40 x 30 cm: 60,000 cm3 / 5000 = 12 kg volumetric.
    shade = variant(weight_kg=Decimal("0.5"), length_cm=Decimal(50), width_cm=Decimal(40), height_cm=Decimal(30))
    options = shipping_options(destination_country="US", lines=[(shade, 1)])
    standard = next(o for o in options if o.warehouse.code == "lax-dc" and o.service == "standard")
    assert standard.chargeable_weight_kg == Decimal("12.000")
    assert (standard.price.amount, standard.price.currency) == (Decimal("45.00"), "USD")  # the 15 kg band
    # Express tops out at 5 kg: no band holds 12 kg, so no express option.
    assert [(o.warehouse.code, o.service) for o in options] == [("lax-dc", "standard"), ("icn-hub", "standard")]


def test_the_band_follows_the_weight_and_quantity(rates):
    lamp = variant(weight_kg=Decimal("0.8"), length_cm=Decimal(10), width_cm=Decimal(10), height_cm=Decimal(10))
    one = shipping_options(destination_country="US", lines=[(lamp, 1)])
    assert [(o.service, o.chargeable_weight_kg, o.price.amount) for o in one if o.warehouse.code == "lax-dc"] == [
        ("standard", Decimal("0.800"), Decimal("10.00")),
        ("express", Decimal("0.800"), Decimal("35.00")),
    ]
    five = shipping_options(destination_country="US", lines=[(lamp, 5)])
    assert next(o for o in five if o.service == "standard").price.amount == Decimal("20.00")  # 4 kg: the 5 kg band


def test_the_dc_is_offered_before_the_hub(rates):
    lamp = variant()
    options = shipping_options(destination_country="US", lines=[(lamp, 1)])
    codes = [o.warehouse.code for o in options]
    assert codes == ["lax-dc", "lax-dc", "icn-hub"]
    hub = options[-1]
    assert (hub.carrier, hub.transit_days_min, hub.transit_days_max) == ("EMS", 7, 12)


def test_no_rate_no_option(rates):
    lamp = variant()
    assert shipping_options(destination_country="FR", lines=[(lamp, 1)]) == []  # no zone
    zone("east_asia", ("JP",))
    assert shipping_options(destination_country="JP", lines=[(lamp, 1)]) == []  # a zone without rates
    anvil = variant(weight_kg=Decimal("40"))
    assert shipping_options(destination_country="US", lines=[(anvil, 1)]) == []  # heavier than every band


def test_options_for_packed_parcels(rates):
    options = shipping_options(destination_country="US", parcels=[PARCEL, PARCEL])
    # Each parcel 1.2 kg actual, 6000 cm3 / 5000 = 1.2 kg volumetric: 2.4 kg.
    assert options[0].chargeable_weight_kg == Decimal("2.400") and options[0].price.amount == Decimal("20.00")


def test_the_quote_endpoint(api, rates):
    shade = variant(weight_kg=Decimal("0.5"), length_cm=Decimal(50), width_cm=Decimal(40), height_cm=Decimal(30))
    api.as_user(owner_of(company_with_owner()))
    response = api.get("/api/v1/shipping-rates/quote/", {"destination": "US", "sku": shade.sku, "quantity": 2})
    assert response.status_code == 200, response.content
    options = response.json()["options"]
    assert options[0] == {
        "warehouse": "lax-dc",
        "warehouse_kind": "overseas_dc",
        "carrier": "DHL",
        "service": "standard",
        "price": {"amount": "80.00", "currency": "USD"},
        "transit_days_min": 3,
        "transit_days_max": 6,
        "chargeable_weight_kg": "24.000",
    }
    assert api.get("/api/v1/shipping-rates/quote/", {"destination": "US", "sku": "NOPE"}).status_code == 400
    assert api.get("/api/v1/shipping-rates/quote/", {"destination": "XX", "sku": shade.sku}).status_code == 400
    api.credentials()
    assert api.get("/api/v1/shipping-rates/quote/", {"destination": "US", "sku": shade.sku}).status_code == 401


def test_a_different_volumetric_divisor_changes_the_chargeable_weight():
    na = zone()
    dc = warehouse("jfk-dc", zone_=na)
    from tests.logistics.helpers import route

    route(na, dc, 1)
    rate(dc, na, "20", "50", volumetric_divisor=6000)
    shade = variant(weight_kg=Decimal("0.5"), length_cm=Decimal(50), width_cm=Decimal(40), height_cm=Decimal(30))
    (option,) = shipping_options(destination_country="US", lines=[(shade, 1)])
    assert option.chargeable_weight_kg == Decimal("10.000")


# --- concurrency ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_shipping_ships_each_fulfilment_once_without_deadlocks():
    """Three fulfilments hold the same two stock rows in opposite line orders; two operators ship
    each of them at the same moment."""
    import threading

    from django.db import OperationalError, close_old_connections, connection

    from tests.factories import OperatorFactory

    operator = OperatorFactory()
    net = network()
    a, b = variant(), variant()
    receive(a, net["lax"], 10)
    receive(b, net["lax"], 10)
    fulfilments = []
    for i, order in enumerate([(a, b), (b, a), (a, b)]):
        stock_reserve(reference=f"order:c{i}", lines=[Line(v.pk, 2) for v in order], destination_country="US")
        (fulfilment,) = fulfilments_request(reference=f"order:c{i}", destination=DESTINATION)
        fulfilment_pick(fulfilment=fulfilment, actor=operator)
        fulfilment_pack(fulfilment=fulfilment, parcels=[PARCEL], actor=operator)
        fulfilments.append(fulfilment)
    jobs = [(f, n) for f in fulfilments for n in range(2)]
    barrier = threading.Barrier(len(jobs))
    shipped, refused, failures = [], [], []

    def work(fulfilment, n):
        try:
            barrier.wait()
            fulfilment_ship(
                fulfilment=fulfilment,
                carrier="DHL",
                service="express",
                tracking_number=f"C-{fulfilment.pk}-{n}",
                actor=operator,
            )
            shipped.append(fulfilment.pk)
        except WrongState:
            refused.append(fulfilment.pk)
        except (OperationalError, Exception) as error:  # noqa: BLE001 - a deadlock would surface here
            failures.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=work, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    assert sorted(shipped) == sorted(refused) == sorted(f.pk for f in fulfilments)
    assert on_hand_reserved(a, net["lax"]) == (4, 0) and on_hand_reserved(b, net["lax"]) == (4, 0)
    assert Shipment.objects.count() == 3
    assert set(Reservation.objects.values_list("status", flat=True)) == {Reservation.Status.CONSUMED}
    assert_ledger_balanced()


# --- admin --------------------------------------------------------------------------------------


def test_operators_follow_fulfilments_and_shipments_in_the_admin_and_pick_by_action(client, operator):
    fulfilment, item, net = one_fulfilment(reference="order:admin")
    other = fulfilment_in_other_reference(operator)
    shipment = fulfilment_ship_quick(other, operator)
    client.force_login(operator)
    listing = client.get("/admin/logistics/fulfilment/")
    assert listing.status_code == 200 and "order:admin" in listing.content.decode()
    page = client.get(f"/admin/logistics/fulfilment/{other.pk}/change/")
    assert page.status_code == 200 and shipment.tracking_number in page.content.decode()
    page = client.get(f"/admin/logistics/shipment/{shipment.pk}/change/")
    assert page.status_code == 200 and "Handed to DHL" in page.content.decode()
    assert client.get("/admin/logistics/fulfilment/add/").status_code == 403
    client.post("/admin/logistics/fulfilment/", {"action": "pick", "_selected_action": [fulfilment.pk, other.pk]})
    fulfilment.refresh_from_db()
    other.refresh_from_db()
    assert (fulfilment.status, other.status) == (F.PICKING, F.SHIPPED)  # the shipped one is refused, not changed


def test_sme_staff_do_not_see_fulfilments_in_the_admin(client):
    fulfilment, item, net = one_fulfilment()
    client.force_login(owner_of(item.product.company))
    assert client.get("/admin/logistics/fulfilment/").status_code in (302, 403)
    assert client.get(f"/admin/logistics/fulfilment/{fulfilment.pk}/change/").status_code in (302, 403)

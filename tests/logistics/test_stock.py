import random
import threading
from datetime import timedelta

import pytest
from django.db import OperationalError, close_old_connections, connection
from django.utils import timezone

from core.errors import Conflict, WrongState
from logistics.models import Reservation, Stock
from logistics.services import (
    InsufficientStock,
    Line,
    reservation_line_ship,
    reservation_release,
    reservations_expire,
    stock_adjust,
    stock_reserve,
    warehouses_for_destination,
)
from tests.factories import product
from tests.logistics.helpers import assert_ledger_balanced, network, receive

pytestmark = pytest.mark.django_db


def variant():
    return product().variants.get()


def test_the_dc_of_the_buyers_zone_is_chosen_first_then_the_hub():
    net = network()
    assert warehouses_for_destination(country="US") == [net["lax"], net["icn"]]
    assert warehouses_for_destination(country="FR") == [net["icn"]]  # no route: the hubs


def test_a_reservation_splits_across_warehouses_in_priority_order():
    net, item = network(), variant()
    receive(item, net["lax"], 3)
    receive(item, net["icn"], 10)
    reservation = stock_reserve(reference="order:1", lines=[Line(item.pk, 5)], destination_country="US")
    assert sorted((line.stock.warehouse.code, line.quantity) for line in reservation.lines.all()) == [
        ("icn-hub", 2),
        ("lax-dc", 3),
    ]
    assert_ledger_balanced()


def test_reservations_are_all_or_nothing_and_say_what_is_short():
    net, first, second = network(), variant(), variant()
    receive(first, net["lax"], 10)
    receive(second, net["lax"], 1)
    with pytest.raises(InsufficientStock) as refused:
        stock_reserve(reference="order:2", lines=[Line(first.pk, 2), Line(second.pk, 3)], destination_country="US")
    assert refused.value.reasons == [("insufficient_stock", f"{second.sku}: 1 of 3 available")]
    assert not Reservation.objects.exists()
    assert Stock.objects.get(variant=first).reserved == 0
    assert_ledger_balanced()


def test_one_active_reservation_per_reference():
    net, item = network(), variant()
    receive(item, net["lax"], 10)
    stock_reserve(reference="order:3", lines=[Line(item.pk, 1)], destination_country="US")
    with pytest.raises(Conflict):
        stock_reserve(reference="order:3", lines=[Line(item.pk, 1)], destination_country="US")


def test_release_ship_and_expire():
    net, item = network(), variant()
    receive(item, net["lax"], 10)
    kept = stock_reserve(reference="order:4", lines=[Line(item.pk, 4)], destination_country="US")
    line = kept.lines.get()
    reservation_line_ship(line=line, quantity=1, reference="shipment:1")
    reservation_release(reservation=kept)
    stock = Stock.objects.get(variant=item)
    assert (stock.on_hand, stock.reserved) == (9, 0)
    with pytest.raises(WrongState):
        reservation_release(reservation=kept)

    unpaid = stock_reserve(
        reference="order:5",
        lines=[Line(item.pk, 2)],
        destination_country="US",
        expires_at=timezone.now() - timedelta(1),
    )
    assert reservations_expire() == 1
    unpaid.refresh_from_db()
    assert unpaid.status == Reservation.Status.EXPIRED
    shipped = stock_reserve(reference="order:6", lines=[Line(item.pk, 2)], destination_country="US")
    reservation_line_ship(line=shipped.lines.get(), quantity=2, reference="shipment:2")
    shipped.refresh_from_db()
    assert shipped.status == Reservation.Status.CONSUMED
    assert_ledger_balanced()


def test_on_hand_cannot_be_adjusted_below_what_is_reserved():
    net, item = network(), variant()
    stock = receive(item, net["lax"], 5)
    stock_reserve(reference="order:7", lines=[Line(item.pk, 4)], destination_country="US")
    with pytest.raises(Conflict):
        stock_adjust(stock=stock, delta=-2, reference="count:1")
    stock_adjust(stock=stock, delta=-1, reference="count:1")
    assert_ledger_balanced()


def test_the_database_refuses_reserving_beyond_on_hand():
    from django.db import IntegrityError, transaction

    net, item = network(), variant()
    stock = receive(item, net["lax"], 2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.filter(pk=stock.pk).update(reserved=3)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("seed", [1, 2])
def test_reserve_never_exceeds_on_hand_under_concurrency(seed):
    """50 threads reserve and release random quantities of 5 variants in 3 warehouses."""
    net = network()
    from tests.logistics.helpers import route, warehouse, zone

    third = warehouse("ord-dc", country="US")
    route(zone(), third, 3)
    variants = [variant() for _ in range(5)]
    for item in variants:
        for where in (net["lax"], net["icn"], third):
            receive(item, where, 20)
    errors, deadlocks = [], []
    rng = random.Random(seed)
    plans = [[(rng.choice(variants).pk, rng.randint(1, 15)) for _ in range(rng.randint(1, 3))] for _ in range(50)]
    barrier = threading.Barrier(50)

    def work(i, plan):
        try:
            barrier.wait()
            try:
                reservation = stock_reserve(
                    reference=f"order:c{i}", lines=[Line(v, q) for v, q in plan], destination_country="US"
                )
            except InsufficientStock:
                return
            if i % 2:
                reservation_release(reservation=reservation)
        except OperationalError as error:  # a deadlock would surface here
            deadlocks.append(error)
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=work, args=(i, plan)) for i, plan in enumerate(plans)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not deadlocks and not errors, (deadlocks, errors)
    assert_ledger_balanced()
    active = Reservation.objects.filter(status="active").count()
    assert active > 0
    assert sum(s.reserved for s in Stock.objects.all()) == sum(
        line.quantity for r in Reservation.objects.filter(status="active") for line in r.lines.all()
    )


def _pair_statements(lines: list[Line]) -> list[str]:
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        reservation = stock_reserve(reference=f"order:{len(lines)}", lines=lines, destination_country="US")
        reservation_release(reservation=reservation)
    # Savepoints stand for the transactions a worker runs these in here (the test's own wraps them).
    return [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]


def test_a_reserve_and_release_pair_costs_seven_statements_whatever_the_lines_and_warehouses():
    hubs = network()
    variants = [variant() for _ in range(3)]
    for item in variants:
        receive(item, hubs["lax"], 2)
        receive(item, hubs["icn"], 5)  # 3 units of each split across both warehouses
    one = _pair_statements([Line(variants[0].pk, 1)])
    split = _pair_statements([Line(item.pk, 3) for item in variants])
    # reserve: warehouses, stock rows locked, the reservation, rows + ledger + lines in one statement;
    # release: the reservation closed, its lines with their rows locked, rows + ledger in one statement.
    assert len(one) == len(split) == 7, (one, split)
    assert_ledger_balanced()
    assert set(Stock.objects.values_list("reserved", flat=True)) == {0}

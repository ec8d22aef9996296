"""Stock reservations per second under contention: one hot variant against 1,000 spread ones.

    TEST_REDIS_URL=redis://127.0.0.1:6379 .venv/bin/python bench/reserve.py [--threads 10] [--seconds 10] [--processes]

Creates a scratch database (`bench_reserve`, dropped at the end) on postgres://postgres@127.0.0.1,
stocks 1,001 variants in the Los Angeles DC through the inbound flow (create, dispatch, receive,
inspect, stock: one ASN), then runs two scenarios of the same length, each with N worker
threads, every thread on its own database connection:
- hot: every thread reserves 1 unit of the same variant;
- spread: every thread reserves 1 unit of a variant picked at random among 1,000.
Each operation is logistics.services.stock_reserve of 1 unit for a new reference, followed by
reservation_release of it (so stock never runs out and both scenarios measure the same work;
the rate counts reserve + release pairs). Prints the statements one pair sends (counted with
Django's CaptureQueriesContext, outside any transaction as the workers run it; the BEGIN and
COMMIT of its two transactions are shown, not counted), both rates and spread / hot against the
goals (500/s spread, 200/s hot, at most 8 statements per pair), checks the stock ledger still
balances and that nothing stayed reserved.
"""

import argparse
import multiprocessing
import os
import queue
import random
import sys
import threading
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
SERVER = "postgres://postgres@127.0.0.1:5432"
SCRATCH = "bench_reserve"
SPREAD = 1_000
UNITS = 1_000
GOALS = {"hot": 200, "spread": 500}
STATEMENTS_GOAL = 8

sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ["TEST_DATABASE_URL"] = f"{SERVER}/{SCRATCH}"


def seed() -> tuple[int, list[int]]:
    """A company with 1,001 variants, each stocked with UNITS units; returns (hot, spread ids)."""
    from brands.models import Company, CompanyStaff
    from core.models import User
    from listings.models import Category, Product, Variant
    from logistics.models import Warehouse, WarehouseRoute, Zone
    from logistics.services import (
        InboundCount,
        InboundInspection,
        InboundLineSpec,
        inbound_create,
        inbound_dispatch,
        inbound_inspect,
        inbound_receive,
        inbound_stock,
    )

    owner = User.objects.create_user("owner@bench.example", "x", full_name="Owner")
    operator = User.objects.create_superuser("operator@bench.example", "x", full_name="Operator")
    company = Company.objects.create(
        legal_name="Bench Co.",
        registration_number="bench-1",
        country="KR",
        sector="mfg_pulp_paper",
        annual_sales_amount=5_000_000_000,
        annual_sales_currency="KRW",
        employees=40,
    )
    CompanyStaff.objects.create(company=company, user=owner, role=CompanyStaff.Role.OWNER)
    category = Category.objects.create(slug="lighting", path="lighting", name_translations={"en": "Lighting"})
    product = Product.objects.create(company=company, category=category, slug="bench-lamp")
    Variant.objects.bulk_create(
        Variant(product=product, sku=f"BENCH-{n:04d}", position=n, length_cm=30, width_cm=20, height_cm=10)
        for n in range(SPREAD + 1)
    )
    variants = list(product.variants.order_by("position").values_list("pk", flat=True))
    zone = Zone.objects.create(code="north_america", name="North America", countries=["US", "CA"])
    lax = Warehouse.objects.create(
        code="lax-dc", name="LA", kind=Warehouse.Kind.OVERSEAS_DC, country="US", zone=zone, capacity_m3=1000
    )
    WarehouseRoute.objects.create(zone=zone, warehouse=lax, priority=1)

    shipment = inbound_create(
        actor=owner, company=company, warehouse=lax, lines=[InboundLineSpec(pk, UNITS) for pk in variants]
    )
    inbound_dispatch(actor=owner, shipment=shipment, carrier="CJ", tracking_number="BENCH-1")
    lines = list(shipment.lines.all())
    inbound_receive(actor=operator, shipment=shipment, counts=[InboundCount(line.pk, UNITS) for line in lines])
    inbound_inspect(actor=operator, shipment=shipment, results=[InboundInspection(line.pk, UNITS, 0) for line in lines])
    inbound_stock(actor=operator, shipment=shipment)
    return variants[0], variants[1:]


def _work(name: str, pick, t: int, barrier, stop, done, errors) -> None:
    """One worker (thread or process, on its own database connection): reserves and releases
    1 unit of pick(rng) until `stop` is set, counting in done[t]."""
    from django.db import connection

    from logistics.services import Line, reservation_release, stock_reserve

    rng = random.Random(t)
    try:
        barrier.wait()
        i = 0
        while not stop.is_set():
            reservation = stock_reserve(
                reference=f"bench:{name}:{t}:{i}", lines=[Line(pick(rng), 1)], destination_country="US"
            )
            reservation_release(reservation=reservation)
            i += 1
            done[t] = i
    except Exception as error:  # noqa: BLE001 - reported by the caller
        errors.put(f"{type(error).__name__}: {error}")
    finally:
        connection.close()


def run(name: str, pick, workers: int, seconds: float, processes: bool) -> tuple[int, float, list[str]]:
    if processes:
        context = multiprocessing.get_context("fork")  # children inherit Django, set up; no connection is open
        barrier, stop, done, errors = (
            context.Barrier(workers + 1),
            context.Event(),
            context.Array("l", workers),
            context.Queue(),
        )
        spawn = context.Process
    else:
        barrier, stop, done, errors = threading.Barrier(workers + 1), threading.Event(), [0] * workers, queue.Queue()
        spawn = threading.Thread
    running = [spawn(target=_work, args=(name, pick, t, barrier, stop, done, errors)) for t in range(workers)]
    for worker in running:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for worker in running:
        worker.join()
    elapsed = time.perf_counter() - started
    failures = []
    while not errors.empty():
        failures.append(errors.get())
    return sum(done), elapsed, failures


def statements_per_pair(variant_id: int) -> list[str]:
    """The statements of one reserve + release of 1 unit, as the workers run them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from logistics.services import Line, reservation_release, stock_reserve

    with CaptureQueriesContext(connection) as captured:
        reservation = stock_reserve(reference="bench:count", lines=[Line(variant_id, 1)], destination_country="US")
        reservation_release(reservation=reservation)
    return [" ".join(query["sql"].split())[:100] for query in captured.captured_queries]


def check_ledger() -> None:
    from django.db.models import Sum

    from logistics.models import Stock, StockMovement

    for stock in Stock.objects.all():
        sums = StockMovement.objects.filter(stock=stock).aggregate(
            on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta")
        )
        assert (sums["on_hand"], sums["reserved"] or 0) == (stock.on_hand, stock.reserved), stock
        assert stock.reserved == 0 and stock.on_hand == UNITS, stock


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=10, help="workers")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--processes", action="store_true", help="worker processes instead of threads (no shared GIL in the client)"
    )
    args = parser.parse_args()

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {SCRATCH}")
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        hot, spread = seed()
        seconds = time.perf_counter() - started
        print(f"seeded {len(spread) + 1} variants x {UNITS} units through one ASN in {seconds:.1f} s")
        connections.close_all()

        sent = statements_per_pair(spread[0])
        # BEGIN and COMMIT (Django logs them) are the transactions' own, not the work's.
        statements = [sql for sql in sent if sql not in ("BEGIN", "COMMIT")]
        print(f"statements per reserve + release pair: {len(statements)} (goal <= {STATEMENTS_GOAL})")
        for statement in sent:
            print(f"    {statement}")
        connections.close_all()

        rates = {}
        kind = "processes" if args.processes else "threads"
        for name, pick in (("hot", lambda rng: hot), ("spread", lambda rng: rng.choice(spread))):
            connections.close_all()  # nothing open to share with the workers
            count, elapsed, errors = run(name, pick, args.threads, args.seconds, args.processes)
            rates[name] = count / elapsed
            print(
                f"{name:>6}: {count} reservations (reserve + release) in {elapsed:.1f} s with {args.threads} {kind}"
                f" = {rates[name]:.0f}/s; errors: {len(errors)}"
            )
            for error in errors[:3]:
                print(f"        {error}")
        check_ledger()
        print(f"spread / hot = {rates['spread'] / rates['hot']:.2f}x (ledger balanced, nothing left reserved)")
        print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
        for name, goal in GOALS.items():
            print(f"{name}: {rates[name]:.0f}/s (goal >= {goal}/s): {'met' if rates[name] >= goal else 'NOT met'}")
        verdict = "met" if len(statements) <= STATEMENTS_GOAL else "NOT met"
        print(f"statements per pair: {len(statements)} (goal <= {STATEMENTS_GOAL}): {verdict}")
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")


if __name__ == "__main__":
    main()

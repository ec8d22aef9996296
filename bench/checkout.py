"""Checkout completions per second and the statements one completion sends, for 1 and 5 lines.

    TEST_REDIS_URL=redis://127.0.0.1:6379 .venv/bin/python bench/checkout.py [--threads 4] [--seconds 10]

Creates a scratch database (`bench_checkout`, dropped at the end) on postgres://postgres@127.0.0.1
with the demo distribution network (logistics.demo: zones, warehouses, routes, shipping rates and
the seeded trade rules) and 50 published lamps, each stocked with 1,000,000 units in the Tokyo DC.
For each size (1 and 5 lines), it opens enough checkouts to Tokyo in JPY through the API (create,
then the first DDP shipping option chosen) and then, with N threads each on its own database
connection, completes them through the API door (POST /api/v1/checkouts/{id}/complete/ with an
Idempotency-Key, in process: Django's test client, no HTTP server) for --seconds. Prints the
statements of one completion (CaptureQueriesContext; the request's BEGIN and COMMIT are shown, not
counted) and
completions per second per size, against the goals (at most 20 statements for 1 line and 2 more
per extra line); checks every completed order holds its reservation.
"""

import argparse
import os
import random
import sys
import threading
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
SERVER = "postgres://postgres@127.0.0.1:5432"
SCRATCH = "bench_checkout"
PRODUCTS = 50
UNITS = 1_000_000
SIZES = (1, 5)
STATEMENTS_GOAL = 20
PER_LINE_GOAL = 2
TOKYO = {"name": "Sato Hanako", "lines": ["1-2-3 Ginza"], "city": "Tokyo", "postal_code": "104-0061", "country": "JP"}

sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ["TEST_DATABASE_URL"] = f"{SERVER}/{SCRATCH}"


def seed() -> list[str]:
    """The network and the stocked lamps; returns their SKUs."""
    from logistics.demo import LogisticsDemo
    from logistics.services import stock_receive
    from tests.factories import product, published

    network = LogisticsDemo(Counter()).load_network()
    texts = {"en": {"title": "Hanji moon lamp", "description": "A mood lamp of mulberry paper."}}
    skus = []
    for _ in range(PRODUCTS):
        item = published(product(translations=texts, retail_price=Decimal(45000)))
        variant = item.variants.get()
        stock_receive(variant=variant, warehouse=network["warehouses"]["tyo-dc"], quantity=UNITS, reference="bench")
        skus.append(variant.sku)
    return skus


def open_checkouts(client, skus: list[str], lines: int, count: int, rng: random.Random) -> list[tuple[str, str]]:
    """`count` checkouts of `lines` lines with the first DDP option chosen: (id, secret) each."""
    opened = []
    for _ in range(count):
        body = client.post(
            "/api/v1/checkouts/",
            {
                "lines": [{"sku": sku, "quantity": 1} for sku in rng.sample(skus, lines)],
                "currency": "JPY",
                "email": "bench@example.jp",
                "shipping_address": TOKYO,
            },
            format="json",
        ).json()
        secret = {"HTTP_X_CHECKOUT_SECRET": body["secret"]}
        options = client.get(f"/api/v1/checkouts/{body['id']}/shipping-options/", **secret).json()
        option = next(o for o in options if o["incoterm"] == "DDP")
        response = client.patch(f"/api/v1/checkouts/{body['id']}/", {"shipping_option": option["id"]}, **secret)
        assert response.status_code == 200, response.json()
        opened.append((body["id"], body["secret"]))
    return opened


def complete(client, checkout: tuple[str, str]) -> None:
    checkout_id, secret = checkout
    response = client.post(
        f"/api/v1/checkouts/{checkout_id}/complete/",
        HTTP_X_CHECKOUT_SECRET=secret,
        HTTP_IDEMPOTENCY_KEY=f"bench-{checkout_id}",
    )
    assert response.status_code == 201, response.json()


def statements_of_one(client, checkout) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        complete(client, checkout)
    return [" ".join(query["sql"].split())[:100] for query in captured.captured_queries]


def counted(statements: list[str]) -> int:
    return len([sql for sql in statements if sql not in ("BEGIN", "COMMIT")])


def run(pool: list, threads: int, seconds: float) -> tuple[int, float, list[str]]:
    """Completes checkouts from `pool` with `threads` threads until the time is up or the pool is empty."""
    from django.db import connection
    from rest_framework.test import APIClient

    lock, done, errors = threading.Lock(), [0], []
    barrier = threading.Barrier(threads + 1)
    deadline = [0.0]

    def worker():
        client = APIClient()
        barrier.wait()
        try:
            while time.perf_counter() < deadline[0]:
                with lock:
                    if not pool:
                        return
                    checkout = pool.pop()
                complete(client, checkout)
                with lock:
                    done[0] += 1
        except Exception as error:  # noqa: BLE001 - reported by the caller
            errors.append(f"{type(error).__name__}: {error}")
        finally:
            connection.close()

    running = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in running:
        thread.start()
    deadline[0] = time.perf_counter() + seconds
    started = time.perf_counter()
    barrier.wait()
    for thread in running:
        thread.join()
    return done[0], time.perf_counter() - started, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--checkouts", type=int, default=400, help="checkouts opened per size before the run")
    args = parser.parse_args()

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {SCRATCH}")
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connections
        from rest_framework.test import APIClient

        settings.ALLOWED_HOSTS = ["testserver"]
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        skus = seed()
        print(f"seeded {len(skus)} lamps x {UNITS} units in the Tokyo DC in {time.perf_counter() - started:.1f} s")
        client, rng = APIClient(), random.Random(7)
        figures = {}
        for lines in SIZES:
            pool = open_checkouts(client, skus, lines, args.checkouts + 1, rng)
            statements = statements_of_one(client, pool.pop())
            print(f"{lines} line(s): {counted(statements)} statements per completion (and BEGIN, COMMIT)")
            for statement in statements:
                print(f"    {statement}")
            connections.close_all()
            count, elapsed, errors = run(pool, args.threads, args.seconds)
            figures[lines] = (counted(statements), count / elapsed)
            print(
                f"{lines} line(s): {count} completions in {elapsed:.1f} s with {args.threads} threads = "
                f"{count / elapsed:.1f}/s; errors: {len(errors)}" + (" (pool emptied early)" if not pool else "")
            )
            for error in errors[:3]:
                print(f"        {error}")
        from logistics.models import Reservation
        from marketplace.models import Order

        orders = Order.objects.count()
        held = Reservation.objects.filter(status=Reservation.Status.ACTIVE).count()
        assert orders == held, (orders, held)
        print(f"{orders} orders, each holding its reservation")
        print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
        one, five = figures[1][0], figures[5][0]
        per_line = (five - one) / 4
        first = "met" if one <= STATEMENTS_GOAL else "NOT met"
        extra = "met" if per_line <= PER_LINE_GOAL else "NOT met"
        print(f"statements: {one} for 1 line (goal <= {STATEMENTS_GOAL}): {first}; ", end="")
        print(f"+{per_line:g} per extra line (goal <= +{PER_LINE_GOAL}): {extra}")
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")


if __name__ == "__main__":
    main()

"""Product CSV import against PostgreSQL's COPY of the same rows.

    DJANGO_SETTINGS_MODULE=tests.settings .venv/bin/python bench/import.py [--sizes 10000 100000] [--profile]

Creates a scratch database (`bench_import`, or $BENCH_IMPORT_DB; dropped at the end) on postgres://postgres@127.0.0.1,
writes a CSV of N rows (two variants per product), and for each size:
- imports it with listings.imports.products_import, the code the Celery task runs, in a fresh
  subprocess so peak memory figures are comparable: rows/s, peak RSS of the process and the
  RSS growth during the import, and the CPU time the import's process used (its Python side);
- copies the same file with `COPY ... FROM STDIN (FORMAT csv)` into a scratch table of text
  columns, timed the same way;
- with `--floor`, writes the rows the import wrote again with nothing but COPY (see `floor`):
  the least the import's database writes can cost;
then prints the ratios: import time / COPY time (goal: at most 10x), the growth (rows/s of the
largest size / the smallest: 1.0x means the cost per row does not grow with the file), and peak
memory of the largest size / the smallest (goal: at most 1.2x). The load average is printed with
each size, since the machine may be shared. `--profile` runs each import under cProfile and
prints its top functions (by own time and by cumulative time) to stderr; the times then include
the profiler's overhead, so read the shares, not the ratios.
"""

import argparse
import cProfile
import csv
import json
import os
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
SERVER = "postgres://postgres@127.0.0.1:5432"
SCRATCH = os.environ.get("BENCH_IMPORT_DB", "bench_import")  # another name for two runs side by side
VARIANTS_PER_PRODUCT = 2

sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ["TEST_DATABASE_URL"] = f"{SERVER}/{SCRATCH}"


def setup_django(media: str | None = None) -> None:
    import django
    from django.conf import settings

    if media:  # a real file on disk, as production stores it (the test settings keep files in memory)
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}},
        }
    django.setup()


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def write_file(path: Path, rows: int, prefix: str) -> None:
    from listings.csv_format import columns

    names = columns()
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(names)
        for n in range(rows // VARIANTS_PER_PRODUCT):
            product = {
                "product_key": f"{prefix}-{n}",
                "category": "home/lighting",
                "mode": "b2c",
                "base_currency": "KRW",
                "hs_code": "940540",
                "origin_country": "KR",
                "material": "Hanji paper, oak",
                "retail_price": str(45000 + n % 1000),
                "b2c_prices": "USD:32.00|JPY:4800",
                "title_ko": f"한지 무드등 {prefix} {n}",
                "description_ko": "손으로 뜬 한지로 만든 무드등. 따뜻한 빛을 냅니다.",
                "title_en": f"Hanji mood lamp {prefix} {n}",
                "description_en": "A mood lamp of hand-made hanji paper with an oak base; warm light.",
            }
            for size, weight in (("S", "0.8"), ("L", "1.25"))[:VARIANTS_PER_PRODUCT]:
                row = {
                    **product,
                    "sku": f"{prefix}-{n}-{size}",
                    "options": json.dumps({"size": size}),
                    "weight_kg": weight,
                }
                writer.writerow([row.get(name, "") for name in names])


def child(rows: int, path: str, media: str, profile: bool) -> None:
    """One import in this fresh process; prints its figures as JSON on the last line."""
    setup_django(media)
    from django.core.files import File

    from brands.models import Company, CompanyStaff
    from core.models import User
    from listings.imports import products_import, products_import_job_create

    user = User.objects.create_user(f"bench-{rows}@example.com", "x", full_name="Bench")
    company = Company.objects.create(
        legal_name=f"Bench {rows} Co.",
        registration_number=f"bench-{rows}",
        country="KR",
        sector="mfg_pulp_paper",
        annual_sales_amount=5_000_000_000,
        annual_sales_currency="KRW",
        employees=40,
    )
    CompanyStaff.objects.create(company=company, user=user, role=CompanyStaff.Role.OWNER)
    with open(path, "rb") as handle:
        job = products_import_job_create(
            actor=user, company=company, file=File(handle, name="bench.csv"), max_rows=None
        )
    before = rss_kib()

    def progress(done, total):
        print(f"\r  {rows} rows: {done}/{total}", end="", file=sys.stderr, flush=True)

    profiler = cProfile.Profile() if profile else None
    started, cpu = time.perf_counter(), time.process_time()
    if profiler is not None:
        profiler.enable()
    job = products_import(job_id=job.pk, on_progress=progress)
    if profiler is not None:
        profiler.disable()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(file=sys.stderr)
    if profiler is not None:
        stats = pstats.Stats(profiler, stream=sys.stderr).strip_dirs()
        stats.sort_stats("tottime").print_stats(35)
        stats.sort_stats("cumulative").print_stats(45)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    assert job.status == "succeeded", (job.status, job.errors[:5])
    assert job.counts["rows"] == rows, job.counts
    print(json.dumps({"rows": rows, "seconds": seconds, "cpu": cpu, "peak_kib": peak, "growth_kib": peak - before}))


def copy_baseline(path: Path, table: str) -> float:
    from listings.csv_format import columns

    with psycopg.connect(f"{SERVER}/{SCRATCH}") as connection, connection.cursor() as cursor:
        cursor.execute(f'CREATE TABLE {table} ({", ".join(f""""{name}" text""" for name in columns())})')
        connection.commit()
        started = time.perf_counter()
        with path.open("rb") as source, cursor.copy(f"COPY {table} FROM STDIN (FORMAT csv, HEADER true)") as copy:
            while chunk := source.read(64 * 1024):
                copy.write(chunk)
        connection.commit()
        return time.perf_counter() - started


# The tables an import writes, each with the column naming its product.
WRITTEN = [
    ("listings_product", "id"),
    ("listings_producttranslation", "product_id"),
    ("listings_b2cprice", "product_id"),
    ("listings_pricetier", "product_id"),
    ("listings_variant", "product_id"),
    ("listings_productevent", "product_id"),
]


def floor(rows: int) -> float:
    """The rows the import of `rows` wrote, read back, deleted and copied in again into the same
    tables (their indexes, checks and foreign keys), a batch of the import's size per
    transaction: what writing them costs PostgreSQL with no parsing, checking or lookups."""
    from listings.imports import BATCH_ROWS

    with psycopg.connect(f"{SERVER}/{SCRATCH}") as connection, connection.cursor() as cursor:
        company = f"SELECT id FROM brands_company WHERE registration_number = 'bench-{rows}'"
        products = f"SELECT id FROM listings_product WHERE company_id = ({company})"
        saved = {}  # table: (columns, {product id: its lines of COPY text})
        for table, key in WRITTEN:
            names = cursor.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name <> 'id'",
                [table],
            ).fetchall()
            columns = ", ".join(dict.fromkeys([key, *(name for (name,) in names)]))  # the product's id first
            by_product: dict[bytes, list[bytes]] = {}
            with cursor.copy(f"COPY (SELECT {columns} FROM {table} WHERE {key} IN ({products})) TO STDOUT") as copy:
                for line in b"".join(bytes(block) for block in copy).splitlines(keepends=True):
                    by_product.setdefault(line.split(b"\t", 1)[0], []).append(line)
            saved[table] = (columns, by_product)
        for table, key in reversed(WRITTEN):
            cursor.execute(f"DELETE FROM {table} WHERE {key} IN ({products})")
        connection.commit()
        connection.autocommit = True
        cursor.execute(f"VACUUM {', '.join(table for table, _ in WRITTEN)}")
        connection.autocommit = False
        ids = list(saved["listings_product"][1])
        step = BATCH_ROWS // VARIANTS_PER_PRODUCT
        started = time.perf_counter()
        for start in range(0, len(ids), step):
            for table, (columns, by_product) in saved.items():
                lines = b"".join(line for pk in ids[start : start + step] for line in by_product.get(pk, ()))
                if lines:
                    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                        copy.write(lines)
            connection.commit()
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--profile", action="store_true", help="cProfile each import (figures to stderr)")
    parser.add_argument("--floor", action="store_true", help="also time the import's rows written by COPY alone")
    parser.add_argument("--child", nargs=3, metavar=("ROWS", "FILE", "MEDIA"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(int(args.child[0]), args.child[1], args.child[2], args.profile)
        return

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {SCRATCH}")
        admin.execute(f"CREATE DATABASE {SCRATCH}")
    work = Path(tempfile.mkdtemp(prefix="bench-import-"))
    try:
        setup_django(str(work / "media"))
        from django.core.management import call_command
        from django.db import connections

        from listings.services import category_create

        call_command("migrate", verbosity=0)
        home = category_create(parent=None, slug="home", name_translations={"en": "Home"})
        category_create(parent=home, slug="lighting", name_translations={"en": "Lighting"})
        connections.close_all()

        results = []
        for rows in args.sizes:
            path = work / f"products-{rows}.csv"
            write_file(path, rows, prefix=f"B{rows}")
            size_mb = path.stat().st_size / 1e6
            load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
            print(
                f"{rows} rows ({rows // VARIANTS_PER_PRODUCT} products, {size_mb:.1f} MB), load average {load}: "
                "importing...",
                flush=True,
            )
            done = subprocess.run(  # noqa: S603 - our own interpreter and script
                [sys.executable, __file__, "--child", str(rows), str(path), str(work / "media")]
                + (["--profile"] if args.profile else []),
                check=True,
                capture_output=False,
                stdout=subprocess.PIPE,
                text=True,
            )
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            figures["copy_seconds"] = copy_baseline(path, f"copy_{rows}")
            if args.floor:
                figures["floor_seconds"] = floor(rows)
            figures["mb"] = size_mb
            figures["load"] = os.getloadavg()[0]
            results.append(figures)

        print()
        print(
            f"{'rows':>8} {'MB':>6} {'import s':>9} {'CPU s':>6} {'rows/s':>8} {'COPY s':>7} {'COPY rows/s':>12} "
            f"{'import/COPY':>12} {'peak RSS MiB':>13} {'growth MiB':>11} {'load':>5}"
        )
        for r in results:
            print(
                f"{r['rows']:>8} {r['mb']:>6.1f} {r['seconds']:>9.1f} {r['cpu']:>6.1f} "
                f"{r['rows'] / r['seconds']:>8.0f} "
                f"{r['copy_seconds']:>7.2f} {r['rows'] / r['copy_seconds']:>12.0f} "
                f"{r['seconds'] / r['copy_seconds']:>11.0f}x "
                f"{r['peak_kib'] / 1024:>13.1f} {r['growth_kib'] / 1024:>11.1f} {r['load']:>5.1f}"
            )
        small, large = results[0], results[-1]
        print()
        print(
            f"peak memory {large['rows']} / {small['rows']} rows: {large['peak_kib'] / small['peak_kib']:.2f}x "
            f"(goal <= 1.2x); growth during the import: {large['growth_kib'] / 1024:.1f} MiB vs "
            f"{small['growth_kib'] / 1024:.1f} MiB"
        )
        growth = (large["rows"] / large["seconds"]) / (small["rows"] / small["seconds"])
        print(f"growth: rows/s at {large['rows']} / at {small['rows']} rows: {growth:.2f}x (1.0x: flat per row)")
        for r in results:
            if "floor_seconds" in r:
                print(
                    f"floor at {r['rows']} rows: the import's rows by COPY alone {r['floor_seconds']:.2f} s, "
                    f"{r['floor_seconds'] / r['copy_seconds']:.0f}x COPY; the import is "
                    f"{r['seconds'] / r['floor_seconds']:.1f}x its floor"
                )
        for r in results:
            ratio = r["seconds"] / r["copy_seconds"]
            print(
                f"import / COPY at {r['rows']} rows: {ratio:.0f}x (goal <= 10x): {'met' if ratio <= 10 else 'NOT met'}"
            )
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

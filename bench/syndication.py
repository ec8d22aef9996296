"""Syndication to the channel simulator, against baselines run in the same script.

    .venv/bin/python bench/syndication.py [--sizes 2000 20000] [--profile full]

Creates a scratch database (`bench_syndication`, dropped at the end), bulk-creates a published
catalogue (four locales, two images and one variant per product) and starts the simulator on a
free loopback port. For each size (the catalogue grows to it), each phase runs in a fresh
subprocess so peak memory figures compare:
- render only: ListingData for every product and the Kmall24 payload, no HTTP, no queue;
- full run: a full syndication job to Kmall24 (one PUT per listing: Kmall24 has no bulk call),
  run inline (the batches the Celery task runs, one after another, without the queue);
- incremental run with no change: the same job in incremental mode (a comparison of hashes in
  SQL; sends nothing);
- full run to eBay: the same catalogue through eBay's bulk calls (items, offers and publishing
  25 listings per call);
- feed file: the whole catalogue streamed as JSON lines, against PostgreSQL's
  `COPY (SELECT json_build_object(...)) TO STDOUT` of the same rows into a file.
Prints listings/s, seconds, peak RSS and the load average per phase, the ratios (goal for the
feed: at most 5x COPY, under 256 MB) and the growth: listings/s at the largest size over the
smallest, per phase (1.0x: the cost per listing does not grow with the catalogue). The temporary
folder (feed files) is removed at the end. `--profile PHASE` runs that phase under cProfile and
prints its 30 costliest functions (cumulative time) after the figures.
"""

import argparse
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
SERVER = "postgres://postgres@127.0.0.1:5432"
SCRATCH = os.environ.get("BENCH_SYNDICATION_DB", "bench_syndication")  # another name: two runs side by side

sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ["TEST_DATABASE_URL"] = f"{SERVER}/{SCRATCH}"
os.environ.setdefault("CHANNEL_RATE_PER_SECOND", "1000000")
os.environ.setdefault("CHANNEL_BURST", "1000000")


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def seed(start: int, count: int) -> None:
    from django.utils import timezone

    from brands.models import Company
    from listings.models import Category, Product, ProductMedia, ProductTranslation, Variant

    company = Company.objects.filter(registration_number="synd-bench").first() or Company.objects.create(
        legal_name="Syndication Bench Ceramics Co.",
        registration_number="synd-bench",
        country="KR",
        sector="mfg_other",
        annual_sales_amount=Decimal(5_000_000_000),
        annual_sales_currency="KRW",
        employees=40,
    )
    home = Category.objects.filter(path="home").first() or Category.objects.create(
        slug="home", path="home", name_translations={"en": "Home"}
    )
    tableware = Category.objects.filter(path="home/tableware").first() or Category.objects.create(
        parent=home,
        slug="tableware",
        path="home/tableware",
        name_translations={"en": "Tableware"},
        attribute_schema=[{"code": "brand", "type": "text", "required": False}],  # eBay's item specific
    )
    now = timezone.now()
    words = {"ko": "청자 사발", "en": "Celadon bowl", "zh-hans": "青瓷碗", "ja": "青磁の碗"}
    for first in range(start, start + count, 5000):
        numbers = range(first, min(first + 5000, start + count))
        products = Product.objects.bulk_create(
            Product(
                company=company,
                category=tableware,
                slug=f"synd-{n:06d}",
                mode=Product.Mode.B2C,
                status=Product.Status.PUBLISHED,
                base_currency="KRW",
                hs_code="691200",
                origin_country="KR",
                material="porcelain",
                attributes={"brand": "Gangjin Celadon"},
                retail_price_amount=Decimal(20_000 + n % 50_000),
                content_hash=f"{n:064x}",
                published_at=now,
            )
            for n in numbers
        )
        ProductTranslation.objects.bulk_create(
            ProductTranslation(product=p, locale=loc, title=f"{w} {p.slug}", description=f"{w}: {p.slug}")
            for p in products
            for loc, w in words.items()
        )
        Variant.objects.bulk_create(
            Variant(product=p, sku=f"{p.slug}-std", weight_kg=Decimal("0.450"), options={"size": "M"}) for p in products
        )
        ProductMedia.objects.bulk_create(
            ProductMedia(
                product=p,
                image=f"products/{p.pk}/{i}.jpg",
                content_type="image/jpeg",
                size_bytes=1000,
                sha256=f"{p.pk:032x}{i:032x}",
                position=i,
            )
            for p in products
            for i in (1, 2)
        )


CHANNELS = {
    "kmall24": {"name": "Kmall24", "locales": ["en", "zh", "ja"], "category_mapping": {}},
    "ebay": {"name": "eBay US", "locales": ["en"], "category_mapping": {"home/tableware": "20625"}},
}


def channel(sim_url: str, code: str = "kmall24"):
    from integrations.models import Channel

    return Channel.objects.update_or_create(
        code=code,
        defaults={
            **CHANNELS[code],
            "connector": code,
            "base_url": f"{sim_url}/{code}",
            "currency": "USD",
            "destination_country": "US",
            "batch_size": 200,
            "rate_limit_per_second": 1_000_000,
        },
    )[0]


def child(phase: str, sim_url: str, out: str) -> None:
    import django

    django.setup()
    started = time.perf_counter()
    if phase == "render":
        from integrations.selectors import channel_connector, listing_data_list
        from listings.models import Product

        connector = channel_connector(channel(sim_url))
        ids = list(Product.objects.order_by("pk").values_list("pk", flat=True))
        done = 0
        for start in range(0, len(ids), 500):
            for _, data in listing_data_list(ids[start : start + 500]):
                connector.validate(data)
                connector.render(data)
                done += 1
        result = {"listings": done}
    elif phase in ("full", "incremental", "full-ebay"):
        from integrations.services import syndication_job_run_inline, syndication_job_start

        code, mode = ("ebay", "full") if phase == "full-ebay" else ("kmall24", phase)
        syndication = syndication_job_start(actor=None, channel=channel(sim_url, code), mode=mode, run=False)
        syndication_job_run_inline(syndication=syndication)
        job = syndication.job
        job.refresh_from_db()
        result = {"listings": job.total, "status": job.status, "counts": job.counts}
    elif phase == "feed":
        from integrations.feed import channel_feed_write

        with open(out, "w", encoding="utf-8") as handle:
            result = {"listings": channel_feed_write(channel=channel(sim_url), out=handle)}
    elif phase == "copy":
        from django.db import connection

        sql = """COPY (
            SELECT json_build_object(
                'seller_sku', p.slug,
                'title', (SELECT json_object_agg(t.locale, t.title) FROM listings_producttranslation t
                          WHERE t.product_id = p.id),
                'description', (SELECT json_object_agg(t.locale, t.description) FROM listings_producttranslation t
                                WHERE t.product_id = p.id),
                'price', json_build_object('amount', round(p.retail_price_amount / 1380, 2), 'currency', 'USD'),
                'images', (SELECT json_agg(m.image ORDER BY m.position) FROM listings_productmedia m
                           WHERE m.product_id = p.id),
                'options', (SELECT json_agg(json_build_object('sku', v.sku, 'weight', v.weight_kg))
                            FROM listings_variant v WHERE v.product_id = p.id),
                'origin_country', p.origin_country, 'hs_code', p.hs_code, 'category', 'home/tableware')
            FROM listings_product p WHERE p.status = 'published' ORDER BY p.id
        ) TO STDOUT"""
        rows = 0
        with open(out, "wb") as handle, connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for block in copy:
                handle.write(block)
                rows += bytes(block).count(b"\n")
        result = {"listings": rows}
    result.update(seconds=time.perf_counter() - started, peak_mib=peak_mib())
    print(json.dumps(result))


def child_profiled(phase: str, sim_url: str, out: str) -> None:
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.runcall(child, phase, sim_url, out)
    pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(30)


def run_phase(phase: str, sim_url: str, out: str = "", profile: bool = False) -> dict:
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, __file__, "--child", phase, "--sim", sim_url, "--out", out, *(["--profiled"] * profile)],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "CHANNEL_SIMULATOR_URL": sim_url},
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def start_simulator() -> tuple[subprocess.Popen, str]:
    import requests

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "integrations.simulator", "--port", str(port), "--seed", "0"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            requests.get(f"{url}/_control/health", timeout=1).raise_for_status()
            return process, url
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError("the simulator did not start")


def show(name: str, figures: dict) -> None:
    rate = figures["listings"] / max(figures["seconds"], 1e-9)
    print(
        f"{name:<28} {figures['listings']:>8} listings {figures['seconds']:8.2f} s {rate:9.0f}/s "
        f"peak {figures['peak_mib']:6.0f} MiB  load {figures['load']:.1f}"
    )


def rate(figures: dict) -> float:
    return figures["listings"] / max(figures["seconds"], 1e-9)


PHASES = [
    ("render", "render only (no HTTP/queue)"),
    ("full", "full run to kmall24"),
    ("incremental", "incremental, no change"),
    ("full-ebay", "full run to eBay (bulk, 25)"),
    ("feed", "feed file (streamed)"),
    ("copy", "COPY json_build_object"),
]


def measure(size: int, sim_url: str, tmp: str, profile: str = "") -> dict[str, dict]:
    results = {}
    for phase, _ in PHASES:
        out = f"{tmp}/{phase}-{size}.jsonl" if phase in ("feed", "copy") else ""
        results[phase] = run_phase(phase, sim_url, out, profile=phase == profile)
        results[phase]["load"] = os.getloadavg()[0]
        if out:
            os.unlink(out)
    print(f"\n{size} published products:")
    for phase, name in PHASES:
        show(name, results[phase])
    full, incremental = results["full"], results["incremental"]
    print(f"  full: {full['status']} {full['counts']}")
    print(f"  incremental: {incremental['status']} sent={incremental['counts'].get('sent')}")
    print(f"  eBay: {results['full-ebay']['status']} {results['full-ebay']['counts']}")
    feed, copy = results["feed"], results["copy"]
    print(
        f"  full run {rate(full):.0f}/s (goal >= 300/s); incremental {rate(incremental):.0f}/s (goal >= 8,000/s); "
        f"feed / COPY time {feed['seconds'] / copy['seconds']:.1f}x (goal <= 5x), "
        f"feed peak {feed['peak_mib']:.0f} MiB (goal < 256 MB)",
        flush=True,
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[2_000, 20_000])
    parser.add_argument("--child")
    parser.add_argument("--sim", default="")
    parser.add_argument("--out", default="")
    parser.add_argument("--profile", default="", choices=["", *(phase for phase, _ in PHASES)])
    parser.add_argument("--profiled", action="store_true")
    args = parser.parse_args()
    if args.child:
        (child_profiled if args.profiled else child)(args.child, args.sim, args.out)
        return
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {SCRATCH}")
    simulator, sim_url = start_simulator()
    os.environ["CHANNEL_SIMULATOR_URL"] = sim_url
    tmp = tempfile.mkdtemp(prefix="synd-bench-")
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        print(f"simulator at {sim_url}; load average {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
        seeded, runs = 0, []
        for size in sorted(args.sizes):
            seed(seeded, size - seeded)
            seeded = size
            runs.append((size, measure(size, sim_url, tmp, args.profile)))
        if len(runs) > 1:
            (small, first), (large, last) = runs[0], runs[-1]
            print(f"\ngrowth, listings/s at {large} / at {small} listings (1.0x: flat per listing):")
            for phase, name in PHASES:
                print(f"  {name:<28} {rate(last[phase]) / rate(first[phase]):.2f}x")
    finally:
        simulator.terminate()
        simulator.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")


if __name__ == "__main__":
    main()

"""Storefront list, search and detail behind gunicorn against a raw-SQL baseline view, at two
catalogue sizes with the growth between them, and full-text search against an unindexed icontains.

    BENCH_REDIS_URL=redis://127.0.0.1:6379/9 .venv/bin/python bench/storefront.py \
        [--sizes 20000,200000] [--seconds 10] [--keep-db]

BENCH_STOREFRONT_DB names the scratch database (its template gets `_template` appended).

For each size, a scratch database (`bench_storefront`, dropped at the end; migrated once into
`bench_storefront_template` and copied from it) on postgres://postgres@127.0.0.1 gets that many
published products (titles and descriptions in ko, en, zh-hans, ja and es, one variant each, 60%
under 5 active brands, 10% with an explicit USD price) and their search documents, written with
COPY (the facet counts recounted after), then:
- times N=20 searches of marketplace.SearchDocument in this process: the tsvector match (GIN
  index) against `search_text__icontains` for the same words (each word in 1% of the rows);
- starts gunicorn (config.wsgi, 2 sync workers, settings bench.storefront_settings: the project's
  settings plus /bench/baseline/ from bench/storefront_urls.py), a fresh one per endpoint, with
  the cache disabled (dummycache://) and with Redis (BENCH_REDIS_URL, emptied of the bench's keys
  first); each endpoint gets one request to fill the cache, a few timed alone, a 2 s warm-up and
  --seconds of load from 8 connections (wrk when installed, else a thread pool): storefront list,
  search (a word in ~1% of the rows), detail, and the baseline: the same page of 20 rows (slug,
  title, price) from one raw SQL query as a plain JsonResponse;
then prints requests/s, p50 and p95 per endpoint and each endpoint's requests/s over the
baseline's, per size, and the growth: each endpoint's requests/s at the largest size over the
smallest. Goals: list and search at least 0.4x the baseline and detail 0.5x with the cache off,
every endpoint 0.6x with Redis; full-text search at least 10x faster than icontains. Any non-2xx
response fails the run.
"""

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from http.client import HTTPConnection
from pathlib import Path
from statistics import quantiles

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
SERVER = "postgres://postgres@127.0.0.1:5432"
SCRATCH = os.environ.get("BENCH_STOREFRONT_DB", "bench_storefront")  # another name: two runs side by side
TEMPLATE = f"{SCRATCH}_template"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")  # a Redis of your own: BENCH_REDIS_URL
CACHE_PREFIX = "bench-storefront"  # as bench/storefront_settings.py sets
SIZES = (20_000, 200_000)
COMPANIES = 50
BRANDS = 5
LOCALES = ["ko", "en", "zh-hans", "ja", "es"]
CONCURRENCY = 8
WORKERS = 2
FTS_QUERIES = 20
GOALS = {("off", "list"): 0.4, ("off", "search"): 0.4, ("off", "detail"): 0.5}
CACHED_GOAL = 0.6
FTS_GOAL = 10.0

sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ["TEST_DATABASE_URL"] = f"{SERVER}/{SCRATCH}"
if os.environ.get("BENCH_REDIS_URL"):  # the seeding process's cache too (its facet recount bumps a version)
    os.environ.setdefault("TEST_REDIS_URL", os.environ["BENCH_REDIS_URL"].rsplit("/", 1)[0])

_WORDS = {
    "en": "hand-made rustic minimal classic compact large small bright warm soft lamp bowl cup tray vase "
    "candle basket stool mirror shelf paper oak walnut ceramic linen cotton brass glass indigo ivory "
    "charcoal amber celadon crafted woven glazed polished carved natural durable gentle light kitchen "
    "table garden gift studio everyday traditional modern artisan set pair",
    "ko": "한지 무드등 도자기 찻잔 나무 수제 전통 모던 그릇 향초 바구니 쟁반 거울 선반 리넨 황동 유리 쪽빛 백자 청자",
    "zh-hans": "韩纸 台灯 陶瓷 茶杯 木制 手工 传统 现代 碗 香薰蜡烛 篮子 托盘 镜子 架子 亚麻 黄铜 玻璃 靛蓝 白瓷 青瓷",
    "ja": "和紙 ランプ 陶器 茶碗 木製 手作り 伝統 モダン 器 キャンドル "
    "かご トレイ 鏡 棚 リネン 真鍮 ガラス 藍色 白磁 青磁",
    "es": "lámpara papel cerámica taza madera artesanal tradicional moderno cuenco vela cesta bandeja espejo "
    "estante lino latón vidrio índigo marfil celadón",
}
WORDS = {locale: words.split() for locale, words in _WORDS.items()}

# wrk: every response outside 2xx counts as bad (wrk's own error count skips 3xx); one JSON line at the end.
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body) if status < 200 or status > 299 then bad = bad + 1 end end
function done(summary, latency, requests)
  local total_bad = 0
  for _, thread in ipairs(threads) do total_bad = total_bad + thread:get("bad") end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %f, "p50_ms": %f, "p95_ms": %f, "non2xx": %d, "socket_errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    total_bad, e.connect + e.read + e.write + e.timeout))
end
"""


def collection_words(count: int) -> list[str]:
    """Made-up 7-letter words, one per 1% of the products, found nowhere else in the texts (so the
    tsvector match and icontains return the same rows)."""
    rng = random.Random(7)
    words: list[str] = []
    while len(words) < count:
        word = "".join(rng.choice("bdfgklmnprstvz") + rng.choice("aeiou") for _ in range(3)) + rng.choice("kxq")
        if word not in words:
            words.append(word)
    return words


COLLECTIONS = collection_words(100)


def _copy(cursor, model, rows) -> int:
    """Writes model instances with one COPY (each field's own conversion to the database value,
    auto_now dates filled in); returns how many."""
    from django.db import connection

    if not rows:
        return 0
    pk = model._meta.pk
    # The database numbers the rows its sequence gives ids to.
    fields = [f for f in model._meta.concrete_fields if f is not pk or rows[0].pk is not None]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    count = 0
    with cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([f.get_db_prep_save(f.pre_save(row, True), connection) for f in fields])
            count += 1
    return count


def seed(products: int) -> dict:
    """The catalogue, written with COPY. Deliberately not through listings' and marketplace's
    services (create, publish, search_document_refresh) one product at a time: that many products
    that way take far too long for a bench. Ids are given here (the database is new) and the
    sequences moved past them. The search documents get the same text and the same tsvector
    (titles weight A, the rest weight B, 'simple' configuration) as search_document_refresh, and
    the facet counts are recounted from them (facet_counts_rebuild)."""
    from django.core.management.color import no_style
    from django.db import connection
    from django.utils import timezone

    from brands.models import Brand, Company
    from listings.models import B2CPrice, Category, Product, ProductTranslation, Variant
    from marketplace.models import SearchDocument
    from marketplace.services.storefront import facet_counts_rebuild

    rng = random.Random(42)
    now = timezone.now()
    companies = Company.objects.bulk_create(
        Company(
            legal_name=f"Storefront Bench Crafts {n} Co.",
            name_translations={"ko": f"벤치 공방 {n}", "en": f"Bench Crafts {n}"},
            registration_number=f"sfb-{n}",
            country="KR",
            sector="mfg_pulp_paper",
            annual_sales_amount=Decimal(5_000_000_000),
            annual_sales_currency="KRW",
            employees=40,
        )
        for n in range(COMPANIES)
    )
    brands = Brand.objects.bulk_create(
        Brand(
            name=f"Bench Brand {n}",
            slug=f"bench-brand-{n}",
            name_translations={"en": f"Bench Brand {n}", "ko": f"벤치 브랜드 {n}"},
            lead_company=companies[n],
            status=Brand.Status.ACTIVE,
            activated_at=now,
        )
        for n in range(BRANDS)
    )
    home = Category.objects.create(slug="home", path="home", name_translations={"en": "Home"})
    lighting = Category.objects.create(
        parent=home, slug="lighting", path="home/lighting", name_translations={"en": "Lighting"}
    )

    def phrase(locale: str, words: int) -> str:
        return " ".join(rng.choice(WORDS[locale]) for _ in range(words))

    counts = {"products": 0, "translations": 0, "prices": 0}
    chunk = 10_000
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # psycopg's own, for COPY
        for first in range(0, products, chunk):
            numbers = range(first, min(first + chunk, products))
            batch = [
                Product(
                    pk=n + 1,
                    company=companies[n % COMPANIES],
                    brand=brands[n % BRANDS] if n % 5 < 3 else None,
                    category=lighting,
                    slug=f"bench-{n:06d}",
                    mode=Product.Mode.BOTH if n % 5 == 0 else Product.Mode.B2C,
                    status=Product.Status.PUBLISHED,
                    base_currency="KRW",
                    hs_code="940540",
                    origin_country="KR",
                    material="Hanji paper, oak",
                    retail_price_amount=Decimal(10_000 + (n * 370) % 190_000),
                    published_at=now - timedelta(seconds=n),
                )
                for n in numbers
            ]
            counts["products"] += _copy(cursor, Product, batch)
            translations, variants, prices, documents = [], [], [], []
            for n, product in zip(numbers, batch, strict=True):
                collection = COLLECTIONS[n % len(COLLECTIONS)]  # each collection word in exactly 1% of the products
                texts = {}
                for locale in LOCALES:
                    title = phrase(locale, 4)
                    if locale in ("en", "es"):
                        title = f"{title} {collection}"
                    texts[locale] = (title, phrase(locale, rng.randint(12, 24)))
                translations += [
                    ProductTranslation(product=product, locale=locale, title=title, description=description)
                    for locale, (title, description) in texts.items()
                ]
                sku = f"SFB-{n:06d}"
                variants.append(Variant(product=product, sku=sku, options={"size": "M"}, weight_kg=Decimal("0.800")))
                if n % 10 == 0:
                    amount = Decimal(20 + n % 80) + Decimal("0.99")
                    prices.append(B2CPrice(product=product, currency="USD", amount=amount))
                # As marketplace.services.storefront._texts: translations in locale order, then the rest.
                ordered = [texts[locale] for locale in sorted(texts)]
                rest = [description for _title, description in ordered]
                if product.brand_id:
                    rest += [product.brand.name, *product.brand.name_translations.values()]
                rest += [product.company.legal_name, *product.company.name_translations.values(), sku]
                titles = "\n".join(title for title, _description in ordered)
                documents.append(
                    SearchDocument(
                        product=product,
                        search_text=f"{titles}\n" + "\n".join(filter(None, rest)),
                        brand_id=product.brand_id,
                        category_id=product.category_id,
                        mode=product.mode,
                        published_at=product.published_at,
                    )
                )
            counts["translations"] += _copy(cursor, ProductTranslation, translations)
            _copy(cursor, Variant, variants)
            counts["prices"] += _copy(cursor, B2CPrice, prices)
            _copy(cursor, SearchDocument, documents)
        # The vector in one UPDATE: the first len(LOCALES) lines of the text are the titles (weight A),
        # the rest descriptions, brand, company and SKU (weight B), as search_document_refresh builds it.
        django_cursor.execute(
            """
            UPDATE marketplace_searchdocument SET search_vector =
                setweight(to_tsvector('simple', array_to_string(
                    (string_to_array(search_text, E'\\n'))[1:%(titles)s], E'\\n')), 'A')
                || setweight(to_tsvector('simple', array_to_string(
                    (string_to_array(search_text, E'\\n'))[%(rest)s:], E'\\n')), 'B')
            """,
            {"titles": len(LOCALES), "rest": len(LOCALES) + 1},
        )
        for statement in connection.ops.sequence_reset_sql(
            no_style(), [Product, ProductTranslation, Variant, B2CPrice]
        ):
            django_cursor.execute(statement)
    assert facet_counts_rebuild() == products
    return counts


def fts_vs_icontains(words: list[str], products: int, rounds: int = 3) -> dict:
    """N searches each way for the same words, best of `rounds` passes after a warming pass."""
    from django.contrib.postgres.search import SearchQuery
    from django.db import connection

    from marketplace.models import SearchDocument

    def fts(word):
        return SearchDocument.objects.filter(search_vector=SearchQuery(word, config="simple", search_type="websearch"))

    def icontains(word):
        return SearchDocument.objects.filter(search_text__icontains=word)

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'marketplace_searchdocument'")
        indexes = sorted(row[0] for row in cursor.fetchall())
    assert "search_document_vector_gin" in indexes, indexes
    for word in words:  # same rows both ways, and the warming pass
        found = set(fts(word).values_list("product_id", flat=True))
        assert found == set(icontains(word).values_list("product_id", flat=True)), word
        assert len(found) == products // len(COLLECTIONS), (word, len(found))
    result = {"indexes": indexes, "rows_per_word": products // len(COLLECTIONS)}
    for name, query in (("fts", fts), ("icontains", icontains)):
        plan = query(words[0]).explain()
        result[f"{name}_plan"] = sorted(
            set(re.findall(r"((?:Seq|Bitmap Heap|Bitmap Index|Index Only|Index) Scan)", plan))
        )
        best = float("inf")
        for _ in range(rounds):
            started = time.perf_counter()
            for word in words:
                list(query(word).values_list("product_id", flat=True))
            best = min(best, time.perf_counter() - started)
        result[name] = best
    return result


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """One gunicorn (config.wsgi, WORKERS sync workers) on a free loopback port, with the cache given."""

    def __init__(self, cache_url: str, log: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "DJANGO_SETTINGS_MODULE")},
            "DJANGO_SETTINGS_MODULE": "bench.storefront_settings",
            "DATABASE_URL": f"{SERVER}/{SCRATCH}",
            "CACHE_URL": cache_url,
            "DJANGO_DEBUG": "false",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
        }
        command = [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi:application",
            *("--workers", str(WORKERS), "--worker-class", "sync"),
            *("--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", "--chdir", str(ROOT)),
        ]
        with log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            self.wait_until_up(seconds=60)
        except BaseException:  # never leave a gunicorn behind: the caller has no handle on it yet
            self.stop()
            raise

    def wait_until_up(self, seconds: float) -> None:
        """Probes the baseline until it answers. A busy machine can make a probe time out (an
        OSError like a refused connection): that is another try, until the deadline."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                get_json(self.base + "/bench/baseline/", timeout=10)
                return
            except OSError:  # URLError, ConnectionError and TimeoutError alike
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer in {seconds:g} s:\n{self.log_tail()}")

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        """Quick shutdown (a slow endpoint leaves requests queued that would otherwise run on into
        the next measurement), then ends the database sessions still running their queries."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # the session this script started for it
                self.process.wait()
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [SCRATCH],
            )


def get_json(url: str, timeout: float = 120) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - our own gunicorn on loopback
        assert response.status == 200, (url, response.status)
        return json.load(response)


def timed_get(url: str) -> float:
    started = time.perf_counter()
    get_json(url)
    return time.perf_counter() - started


def preflight(base: str, urls: dict, products: int) -> dict:
    """The endpoints answer, and the baseline returns the list's first page: same slugs, titles and prices."""
    listed = get_json(base + urls["list"])
    assert listed["count"] == products and len(listed["results"]) == 20, (listed["count"], len(listed["results"]))
    plain = get_json(base + urls["baseline"])["results"]
    api_rows = [(r["slug"], r["text"]["title"], r["price"]["amount"]) for r in listed["results"]]
    baseline_rows = [(r["slug"], r["title"], r["price"]) for r in plain]
    assert api_rows == baseline_rows, (api_rows[:3], baseline_rows[:3])
    found = get_json(base + urls["search"])
    assert products // 200 <= found["count"] <= products // 25, found["count"]  # ~1%: 0.5% to 4%
    detail = get_json(base + urls["detail"])
    assert detail["slug"] == listed["results"][0]["slug"], detail["slug"]
    return {"search_count": found["count"]}


def load_wrk(url: str, seconds: float, script: Path) -> dict:
    """Requests still running when the time is up are not counted (and no request times out
    within the run: a slow endpoint completes few requests rather than failing)."""
    done = subprocess.run(  # noqa: S603 - wrk from PATH on our own URL
        [
            shutil.which("wrk"),
            *("-t2", f"-c{CONCURRENCY}", f"-d{seconds:g}s", "--timeout", f"{seconds + 60:g}s"),
            *("-s", str(script), url),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    figures = json.loads([line for line in done.stdout.splitlines() if line.startswith("{")][-1])
    figures["rps"] = figures["requests"] / figures["seconds"]
    if not figures["requests"]:
        figures["p50_ms"] = figures["p95_ms"] = None
    return figures


def load_threads(url: str, seconds: float) -> dict:
    """The fallback without wrk: CONCURRENCY threads, each a loop of GETs on its own connection
    (reconnecting whenever the server closes it, as gunicorn's sync workers do after each
    response). As with wrk, a request still running when the time is up is not counted."""
    host, port = url.split("/")[2].split(":")
    path = "/" + url.split("/", 3)[3]
    latencies: list[float] = []
    counts = {"non2xx": 0, "socket_errors": 0}
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker():
        mine, bad, errors = [], 0, 0
        connection = None
        while (left := deadline - time.perf_counter()) > 0:
            started = time.perf_counter()
            try:
                connection = connection or HTTPConnection(host, int(port), timeout=left + 1)
                connection.timeout = left + 1
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                if response.will_close:
                    connection.close()
                    connection = None
            except OSError:
                if time.perf_counter() < deadline:
                    errors += 1
                if connection:
                    connection.close()
                connection = None
                continue
            if time.perf_counter() > deadline:
                break
            bad += not 200 <= response.status <= 299
            mine.append(time.perf_counter() - started)
        if connection:
            connection.close()
        with lock:
            latencies.extend(mine)
            counts["non2xx"] += bad
            counts["socket_errors"] += errors

    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        for _ in range(CONCURRENCY):
            pool.submit(worker)
    elapsed = time.perf_counter() - started
    cuts = quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else latencies * 99
    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "rps": len(latencies) / elapsed,
        "p50_ms": cuts[49] * 1e3 if cuts else None,
        "p95_ms": cuts[94] * 1e3 if cuts else None,
        **counts,
    }


def empty_cache() -> None:
    keys = redis.Redis.from_url(REDIS_URL)
    for key in keys.scan_iter(f"{CACHE_PREFIX}:*"):
        keys.delete(key)


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def fresh_database() -> None:
    """The scratch database as a copy of the migrated template (CREATE DATABASE ... TEMPLATE)."""
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {SCRATCH} TEMPLATE {TEMPLATE}")


def measure(products: int, seconds: float, load) -> dict:
    """Seeds `products` and loads every endpoint with the cache off and on; returns the figures."""
    from django.db import connections

    fresh_database()
    started = time.perf_counter()
    counts = seed(products)
    connections.close_all()
    with psycopg.connect(f"{SERVER}/{SCRATCH}", autocommit=True) as scratch:
        scratch.execute("VACUUM ANALYZE")
    print(
        f"{products} products: seeded {counts['products']} products, {counts['translations']} translations, "
        f"{counts['prices']} USD prices, one variant and one search document each in "
        f"{time.perf_counter() - started:.1f} s (COPY, search vectors, VACUUM ANALYZE)",
        flush=True,
    )
    fts = fts_vs_icontains(COLLECTIONS[:FTS_QUERIES], products)
    connections.close_all()

    search_word = COLLECTIONS[42]
    query = "page_size=20&currency=USD&lang=en"
    urls = {
        "baseline": "/bench/baseline/",
        "list": f"/api/v1/storefront/products/?{query}",
        "search": f"/api/v1/storefront/products/?{query}&q={search_word}",
        "detail": "/api/v1/storefront/products/bench-000000/?currency=USD&lang=en",
    }
    # The cache's keys carry the bench's prefix (bench/storefront_settings.py): emptied by prefix,
    # not by flushing the database, which test runs (tests/settings.py: Redis db 1 + pid % 14) may share.
    cache_keys = redis.Redis.from_url(REDIS_URL)
    sentinel = f"{CACHE_PREFIX}:sentinel"
    log = WORK / "gunicorn.log"
    server = Server("dummycache://", log)
    try:
        checked = preflight(server.base, urls, products)
    finally:
        server.stop()
    runs, alone, warnings = {}, {}, []
    for mode, cache_url in (("off", "dummycache://"), ("Redis", REDIS_URL)):
        if cache_url.startswith("redis://"):
            empty_cache()
            cache_keys.set(sentinel, 1)
        figures, alone[mode] = {}, {}
        for name, path in urls.items():
            server = Server(cache_url, log)
            try:
                url = server.base + path
                timed_get(url)  # fills the cache (its entries last STOREFRONT_CACHE_SECONDS, 60 s by default)
                # Alone: the fastest of up to 5 requests in a row (within a second), so that a worker's
                # first request (Django's lazy imports, the database connection) does not count.
                times = [timed_get(url)]
                while len(times) < 5 and sum(times) < 1:
                    times.append(timed_get(url))
                alone[mode][name] = min(times)
                # A warm-up opens each worker's database connection; skipped where one request alone
                # takes over a second, as the requests it leaves running would spill into the measurement.
                warm = load(url, 2) if alone[mode][name] < 1 else None
                result = load(url, seconds)
            finally:
                server.stop()
            for label, measured in (("warm-up", warm), ("measured", result)):
                if measured and (measured["non2xx"] or measured["socket_errors"]):
                    raise RuntimeError(
                        f"cache {mode}, {name} ({label}): {measured['non2xx']} non-2xx responses and "
                        f"{measured['socket_errors']} socket errors in {measured['requests']} requests\n"
                        f"{log.read_text(errors='replace')[-3000:]}"
                    )
            if cache_url.startswith("redis://") and not cache_keys.exists(sentinel):
                warnings.append(f"{products}, cache {mode}, {name}: Redis db emptied by another process during the run")
                cache_keys.set(sentinel, 1)
            figures[name] = result
            print(
                f"  {products} products, cache {mode}: {name:<8} {result['rps']:8.1f} req/s  "
                f"p50 {ms(result['p50_ms']):>7} ms  p95 {ms(result['p95_ms']):>7} ms  ({result['requests']} requests; "
                f"alone {alone[mode][name] * 1e3:.0f} ms)",
                flush=True,
            )
        runs[mode] = figures
    return {"runs": runs, "alone": alone, "warnings": warnings, "fts": fts, "search": (search_word, checked)}


def report(products: int, measured: dict, seconds: float) -> list[str]:
    """Prints one size's table; returns its verdicts."""
    runs, alone = measured["runs"], measured["alone"]
    word, checked = measured["search"]
    print()
    print(f"Storefront behind gunicorn: {products} published products in {len(LOCALES)} locales, PostgreSQL")
    print(
        f"{seconds:g} s per endpoint, {CONCURRENCY} connections, {WORKERS} sync workers; "
        f"search q={word}: {checked['search_count']} matching products"
    )
    header = (
        f"{'cache':<6} {'endpoint':<9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'requests':>9} "
        f"{'alone ms':>9} {'/ baseline':>11}"
    )
    print(header)
    print("-" * len(header))
    verdicts = []
    for mode, figures in runs.items():
        ceiling = figures["baseline"]["rps"]
        for name in ("list", "search", "detail", "baseline"):
            r = figures[name]
            ratio = r["rps"] / ceiling
            print(
                f"{mode:<6} {name:<9} {r['rps']:>8.1f} {ms(r['p50_ms']):>8} {ms(r['p95_ms']):>8} "
                f"{r['requests']:>9} {alone[mode][name] * 1e3:>9.0f} {ratio:>10.2f}x"
            )
            goal = GOALS.get((mode, name)) if mode == "off" else (CACHED_GOAL if name != "baseline" else None)
            if goal is not None:
                verdicts.append(
                    f"{products} products, {name} / baseline, cache {mode}: {ratio:.2f}x (goal >= {goal}x): "
                    f"{'met' if ratio >= goal else 'NOT met'}"
                )
    fts = measured["fts"]
    ratio = fts["icontains"] / fts["fts"]
    print(
        f"SearchDocument, {FTS_QUERIES} one-word queries ({fts['rows_per_word']} of {products} rows match each), "
        f"best of 3: full-text {fts['fts'] * 1e3 / FTS_QUERIES:.2f} ms/query ({', '.join(fts['fts_plan'])}), "
        f"icontains {fts['icontains'] * 1e3 / FTS_QUERIES:.2f} ms/query ({', '.join(fts['icontains_plan'])})"
    )
    verdicts.append(
        f"{products} products, full-text is {ratio:.1f}x faster than icontains (goal >= {FTS_GOAL:g}x): "
        f"{'met' if ratio >= FTS_GOAL else 'NOT met'}"
    )
    return verdicts


WORK = Path(tempfile.mkdtemp(prefix="bench-storefront-"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default=",".join(str(size) for size in SIZES), help="catalogue sizes, comma-separated"
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="load per endpoint (after a 2 s warm-up)")
    parser.add_argument("--keep-db", action="store_true", help="leave the last scratch database for a look afterwards")
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        for name in (SCRATCH, TEMPLATE):
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {SCRATCH}")
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        connections.close_all()
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f"ALTER DATABASE {SCRATCH} RENAME TO {TEMPLATE}")
        print(f"migrated in {time.perf_counter() - started:.1f} s", flush=True)
        wrk = shutil.which("wrk")
        script = WORK / "report.lua"
        script.write_text(WRK_SCRIPT)
        generator = (
            f"wrk -t2 -c{CONCURRENCY}" if wrk else f"Python thread pool ({CONCURRENCY} threads, `which wrk` found none)"
        )
        print(
            f"load: {generator}, {args.seconds:g} s per endpoint after a 2 s warm-up, a fresh gunicorn "
            f"({WORKERS} sync workers) per endpoint; {os.cpu_count()} CPUs shared by the load generator, "
            f"gunicorn and PostgreSQL (load average now {os.getloadavg()[0]:.2f}: other work on the machine skews the "
            "figures)",
            flush=True,
        )

        def load(url: str, seconds: float) -> dict:
            return load_wrk(url, seconds, script) if wrk else load_threads(url, seconds)

        measured = {size: measure(size, args.seconds, load) for size in sizes}
        verdicts, warnings = [], []
        for size, figures in measured.items():
            verdicts += report(size, figures, args.seconds)
            warnings += figures["warnings"]
        if len(sizes) > 1:
            small, large = sizes[0], sizes[-1]
            print()
            print(f"Growth from {small} to {large} products ({large / small:g}x): requests/s at {large} / at {small}")
            for mode in measured[small]["runs"]:
                cells = []
                for name in ("list", "search", "detail", "baseline"):
                    rps = [measured[size]["runs"][mode][name]["rps"] for size in (small, large)]
                    cells.append(f"{name} {rps[1] / rps[0]:.2f}x")
                print(f"  cache {mode:<6} " + ", ".join(cells))
        print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
        for warning in warnings:
            print(f"WARNING: {warning}; its figures are not trustworthy")
        print()
        for verdict in verdicts:
            print(verdict)
    finally:
        from django.db import connections

        connections.close_all()
        empty_cache()
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
            if not args.keep_db:
                admin.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()

"""`make faults`: PostgreSQL restarted under load -> clean 503s, then recovery without restarting the app.

A THROWAWAY PostgreSQL cluster (a temporary directory and its own port, never the machine's cluster on
5432) gets the demo data; gunicorn serves the app on it with the production-like settings of
scripts/load.sh. FAULT_THREADS client threads read the storefront (list, detail, search) and /healthz for
FAULT_SECONDS; at FAULT_AT s the cluster is stopped (`pg_ctl stop -m fast`), kept down FAULT_DOWN s and
started again. The run fails (exit 1) unless:

- every answer is a 200 or a 503 (no 500/502/504) and no request fails on the client side;
- every 503 has the API's error shape and Retry-After (/healthz: its own shape naming the failed check);
- at least one request got a 503 while the cluster was down (the fault was exercised);
- /healthz (which queries the database) answers 200 within FAULT_RECOVERY s of the cluster being back,
  and every request from FAULT_STEADY s after it on is a 200;
- the gunicorn master and worker pids are the same at the end as at the start (no restart).

Writes docs/fault-results.md (every request: var/faults/requests.csv). Stops the cluster and deletes its
directory in every case, failures included.
"""

import csv
import json
import os
import signal
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import requests
from stack import ROOT, Cluster, Gunicorn, any_free_port, children, port_free, run

OUT = ROOT / "var" / "faults"
RESULTS = ROOT / "docs" / "fault-results.md"
DB = "fault_platform"

PG_PORT = int(os.environ.get("FAULT_PG_PORT", "55433"))
APP_PORT = int(os.environ.get("FAULT_APP_PORT", "0"))  # 0: any free port
SECONDS = float(os.environ.get("FAULT_SECONDS", "40"))
THREADS = int(os.environ.get("FAULT_THREADS", "8"))
FAULT_AT = float(os.environ.get("FAULT_AT", "10"))
DOWN = float(os.environ.get("FAULT_DOWN", "5"))
RECOVERY = float(os.environ.get("FAULT_RECOVERY", "3"))  # cluster up -> first /healthz 200, at most
STEADY = float(os.environ.get("FAULT_STEADY", "5"))  # from this long after the cluster is up: only 200s
TIMEOUT = float(os.environ.get("FAULT_TIMEOUT", "15"))  # per request, client side

API_503 = {"type": "server_error", "code": "service_unavailable"}
T0 = time.monotonic()
ABORT = threading.Event()  # set on the way out: the fault thread stops touching the cluster


def now() -> float:
    return time.monotonic() - T0


def say(message: str) -> None:
    print(f"[{now():6.1f}s] {message}", flush=True)


def app_environment(pg_port: int) -> dict:
    """scripts/load.sh's production-like settings, on the throwaway cluster."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="fault-" + os.urandom(24).hex(),
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{pg_port}/{DB}",
        CACHE_URL="rediscache://127.0.0.1:6379/12",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/13",
        VAR_DIR=str(OUT / "var"),
        LOG_LEVEL="WARNING",
    )
    return env


# ---------------------------------------------------------------------------------------------------
# Load


def shape_of_503(name: str, response: requests.Response) -> str | None:
    """None when a 503 is well formed, else what is wrong with it."""
    try:
        body = response.json()
    except ValueError:
        return "not JSON"
    if name == "healthz":
        if isinstance(body, dict) and body.get("status") == "fail" and body.get("failed"):
            return None
        return f"healthz body {body!r:.120}"
    errors = body.get("errors") if isinstance(body, dict) else None
    if not (body.get("type") == API_503["type"] and errors and errors[0].get("code") == API_503["code"]):
        return f"body {body!r:.120}"
    if not response.headers.get("Retry-After"):
        return "no Retry-After"
    return None


class Load:
    def __init__(self, url: str, slugs: list[str]):
        self.url = url
        self.endpoints = [
            ("list", lambda i: "/api/v1/storefront/products/?page_size=20"),
            ("detail", lambda i: f"/api/v1/storefront/products/{slugs[i % len(slugs)]}/"),
            ("search", lambda i: "/api/v1/storefront/products/?q=tea&page_size=20"),
            ("healthz", lambda i: "/healthz"),
        ]
        self.records: list[dict] = []
        self.lock = threading.Lock()
        self.stop_at = 0.0
        self.fault_thread: threading.Thread | None = None

    def worker(self, number: int) -> None:
        session = requests.Session()
        i = number  # each thread starts elsewhere in the mix
        while now() < self.stop_at:
            name, path = self.endpoints[i % len(self.endpoints)]
            record = {"name": name, "start": now()}
            try:
                response = session.get(self.url + path(i // len(self.endpoints)), timeout=TIMEOUT)
                record["status"] = response.status_code
                record["healthz_failed"] = None
                if response.status_code == 503:
                    record["shape_error"] = shape_of_503(name, response)
                    if name == "healthz" and record["shape_error"] is None:
                        record["healthz_failed"] = ",".join(response.json()["failed"])
            except requests.RequestException as error:
                record["status"] = type(error).__name__
                session.close()
                session = requests.Session()
            record["end"] = now()
            with self.lock:
                self.records.append(record)
            i += 1
        session.close()

    def run(self, seconds: float, fault) -> None:
        self.stop_at = now() + seconds
        threads = [threading.Thread(target=self.worker, args=(n,), daemon=True) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        self.fault_thread = threading.Thread(target=fault, daemon=True)
        self.fault_thread.start()
        while any(t.is_alive() for t in threads):
            time.sleep(5)
            with self.lock:
                recent = [r for r in self.records if r["end"] > now() - 5]
            counts = {}
            for r in recent:
                counts[r["status"]] = counts.get(r["status"], 0) + 1
            say(f"load: last 5 s {len(recent)} requests {dict(sorted(counts.items(), key=str))}")
        self.fault_thread.join(timeout=120)


# ---------------------------------------------------------------------------------------------------
# Report


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def signed(seconds: float) -> str:
    return f"{round(seconds, 2) + 0.0:+.2f}"  # + 0.0: no "-0.00"


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f}"


def analyse(records: list[dict], times: dict, pids: dict) -> tuple[list[tuple[bool, str]], dict]:
    stop_begin, stop_done, start_begin, up = (times[k] for k in ("stop_begin", "stop_done", "start_begin", "up"))

    def started(low, high):
        return [r for r in records if low <= r["start"] < high]

    phases = {
        "before": started(0, stop_begin),
        "stopping (`pg_ctl stop` running)": started(stop_begin, stop_done),
        "down": started(stop_done, start_begin),
        "starting (`pg_ctl start` running)": started(start_begin, up),
        f"recovering (first {STEADY:.0f} s after up)": started(up, up + STEADY),
        f"after ({STEADY:.0f} s after up on)": started(up + STEADY, float("inf")),
    }
    others = [r for r in records if r["status"] not in (200, 503)]
    bad_shapes = [r for r in records if r["status"] == 503 and r.get("shape_error")]
    down_503 = [r for r in phases["down"] if r["status"] == 503]
    # Started after the cluster had stopped, answered before its start was issued: served without the database.
    down_200 = [r for r in phases["down"] if r["end"] < start_begin and r["status"] == 200]
    healthz_ok = sorted(
        r["end"] for r in records if r["name"] == "healthz" and r["status"] == 200 and r["start"] >= stop_done
    )
    # From `pg_ctl start -w` returning; PostgreSQL may accept a little before pg_ctl notices (negative).
    first_200 = healthz_ok[0] - up if healthz_ok else None
    first_200_from_start = healthz_ok[0] - start_begin if healthz_ok else None
    late_non_200 = [r for r in records if r["status"] != 200 and r["start"] >= stop_begin]
    steady = max(r["end"] for r in late_non_200) - up if late_non_200 else 0.0
    after_steady_bad = [r for r in records if r["start"] >= up + STEADY and r["status"] != 200]
    before_bad = [r for r in records if r["end"] < stop_begin and r["status"] != 200]
    healthz_names = sorted({r["healthz_failed"] for r in records if r.get("healthz_failed")})

    def count(bad, of, what):
        """'0 of 1,234 not a 200', with the first few offenders when there are any."""
        text = f"{len(bad)} of {len(of)} {what}"
        shown = "; ".join(
            f"{r['name']} at {r['start']:.1f} s: {r['status']} {r.get('shape_error') or ''}" for r in bad[:5]
        )
        return f"{text}: {shown}" if bad else text

    ended_before = [r for r in records if r["end"] < stop_begin]
    from_steady = [r for r in records if r["start"] >= up + STEADY]
    all_503 = [r for r in records if r["status"] == 503]
    checks = [
        (not before_bad, f"before the fault only 200s ({count(before_bad, ended_before, 'not a 200')})"),
        (not others, f"only 200s and 503s, no client-side errors ({count(others, records, 'other')})"),
        (
            not bad_shapes,
            "every 503 has the error shape and Retry-After, or the healthz shape "
            f"({count(bad_shapes, all_503, 'malformed')})",
        ),
        (bool(down_503), f"at least one 503 while the database was down ({len(down_503)})"),
        (
            first_200 is not None and first_200 <= RECOVERY,
            f"first /healthz 200 within {RECOVERY:.0f} s of the cluster accepting again "
            f"({'never' if first_200 is None else f'{signed(first_200)} s'})",
        ),
        (
            not after_steady_bad,
            f"only 200s from {STEADY:.0f} s after the restart on ({count(after_steady_bad, from_steady, 'not a 200')})",
        ),
        (
            pids["master_alive"] and pids["workers"] == pids["workers_end"],
            f"no app restart: gunicorn master {pids['master']} {'alive' if pids['master_alive'] else 'GONE'}, "
            f"workers {sorted(pids['workers'])} -> {sorted(pids['workers_end'])}",
        ),
    ]
    figures = {
        "phases": phases,
        "down_200": len(down_200),
        "first_200": first_200,
        "first_200_from_start": first_200_from_start,
        "steady": steady,
        "healthz_names": healthz_names,
        "bad_shapes": len(bad_shapes),
        "n503": sum(1 for r in records if r["status"] == 503),
    }
    return checks, figures


def report(records: list[dict], times: dict, checks: list, figures: dict, log_notes: str) -> str:
    passed = all(ok for ok, _ in checks)
    n503 = figures["n503"]
    if figures["first_200"] is None:
        first_200 = "never"
    else:
        first_200 = (
            f"{signed(figures['first_200'])} s ({figures['first_200_from_start']:.2f} s after the start was issued)"
        )
    lines = [
        "# PostgreSQL restart under load (`make faults`)",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on a {os.cpu_count()}-core machine shared with other work "
        "(latencies are those of a busy machine). Command: `.venv/bin/python scripts/pg_restart_fault.py` "
        "(the last step of `make faults`).",
        "",
        f"Setup: a throwaway PostgreSQL {Path(times['bin']).parent.name} cluster (temporary directory, port "
        f"{times['pg_port']}, fsync off) with the demo data; gunicorn `config.wsgi` 2 workers x 2 threads with "
        "scripts/load.sh's production-like settings (DEBUG off, Redis cache db 12 and broker db 13, JSON logs); "
        f"{THREADS} client threads for {SECONDS:.0f} s cycling storefront list (`?page_size=20`), detail, search "
        f"(`?q=tea`) and `/healthz`, timeout {TIMEOUT:.0f} s. At {FAULT_AT:.0f} s `pg_ctl stop -m fast`, "
        f"{DOWN:.0f} s down, `pg_ctl start -w`. The app is not touched.",
        "",
        f"Fault: stop issued at {times['stop_begin']:.2f} s, stopped at {times['stop_done']:.2f} s, start issued at "
        f"{times['start_begin']:.2f} s, accepting at {times['up']:.2f} s: "
        f"**down {times['up'] - times['stop_begin']:.2f} s**. "
        f"From accepting (`pg_ctl start -w` returned) to the first `/healthz` 200: **{first_200}**; to the "
        f"last non-200 answered (only 200s from then): **{signed(figures['steady'])} s**. (PostgreSQL accepts "
        "connections a little before pg_ctl's poll notices, hence negative figures.)",
        "",
        "| phase (by request start) | requests | 200 | 503 | other | p50 ms | p95 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, rows in [*figures["phases"].items(), ("**all**", records)]:
        ok = sum(1 for r in rows if r["status"] == 200)
        unavailable = sum(1 for r in rows if r["status"] == 503)
        latencies = [r["end"] - r["start"] for r in rows]
        lines.append(
            f"| {name} | {len(rows)} | {ok} | {unavailable} | {len(rows) - ok - unavailable} "
            f"| {ms(percentile(latencies, 0.5))} | {ms(percentile(latencies, 0.95))} |"
        )
    by_name = {}
    for r in records:
        entry = by_name.setdefault(r["name"], [0, 0, 0])
        entry[0] += 1
        entry[1] += r["status"] == 503
        entry[2] += r["status"] not in (200, 503)
    lines += [
        "",
        "Per endpoint (requests / 503 / other): "
        + ", ".join(f"{name} {c[0]} / {c[1]} / {c[2]}" for name, c in sorted(by_name.items()))
        + ".",
        "",
        f"Error shape: {n503 - figures['bad_shapes']} of {n503} 503s conform (API: "
        '`{"type": "server_error", "errors": [{"code": "service_unavailable", ...}]}` with `Retry-After`; '
        f"`/healthz`: its own body naming the failed check: {', '.join(figures['healthz_names']) or 'none'}). "
        f"200s served without the database (started once it had stopped, answered before its start was issued): "
        f"{figures['down_200']}; storefront reads look up the day's exchange rates in the database before "
        "reading the Redis cache, so a cached page does not help them.",
        "",
        f"Logs (var/faults/gunicorn.log): {log_notes}.",
        "",
        f"Result: **{'PASS' if passed else 'FAIL'}**",
        "",
    ]
    lines += [f"- {'pass' if ok else 'FAIL'}: {text}" for ok, text in checks]
    return "\n".join(lines) + "\n"


def log_notes() -> str:
    entries = []
    for line in (OUT / "gunicorn.log").read_text(errors="replace").splitlines():
        try:
            entries.append(json.loads(line))
        except ValueError:
            entries.append({"level": "gunicorn", "message": line})
    messages = [e.get("message", "") for e in entries]
    app_503 = sum(1 for e in entries if e.get("logger") == "django.request" and "unavailable" in e["message"].lower())
    return (
        f"{app_503} `django.request` 503 lines, "
        f"{sum(1 for m in messages if m.startswith('healthz: database failed'))} `healthz: database failed`, "
        f"{sum(1 for m in messages if m.startswith('Internal Server Error'))} `Internal Server Error`, "
        f"{sum(1 for e in entries if e.get('exception'))} tracebacks, "
        f"{sum(1 for m in messages if 'WORKER TIMEOUT' in m)} worker timeouts, "
        f"{sum(1 for m in messages if 'Booting worker' in m) - 2} workers booted after the first two"
    )


# ---------------------------------------------------------------------------------------------------


def main() -> int:
    if PG_PORT == 5432:
        raise SystemExit("FAULT_PG_PORT must not be 5432: that is the machine's own cluster")
    if not port_free(PG_PORT):
        raise SystemExit(f"port {PG_PORT} is in use; set FAULT_PG_PORT to a free one")
    app_port = APP_PORT or any_free_port()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "var").mkdir(exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally blocks on `kill`

    cluster = Cluster(PG_PORT)
    gunicorn = load = None
    try:
        say(f"cluster: initdb in {cluster.tmp} ({cluster.bin})")
        cluster.init()
        cluster.start()
        say(f"cluster: accepting on 127.0.0.1:{PG_PORT}")
        cluster.psql(f"CREATE DATABASE {DB}")
        env = app_environment(PG_PORT)
        say("app: migrate")
        run([ROOT / ".venv" / "bin" / "python", "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env)
        say("app: load_demo")
        run([ROOT / ".venv" / "bin" / "python", "manage.py", "load_demo"], cwd=ROOT, env=env, timeout=900)
        say(f"app: gunicorn on 127.0.0.1:{app_port}")
        gunicorn = Gunicorn(env, app_port, OUT / "gunicorn.log")
        workers = gunicorn.wait_ready()
        say(f"app: healthy, master {gunicorn.master}, workers {sorted(workers)}")
        first = requests.get(f"{gunicorn.url}/api/v1/storefront/products/?page_size=20", timeout=TIMEOUT)
        first.raise_for_status()
        slugs = [p["slug"] for p in first.json()["results"]]
        if not slugs:
            raise RuntimeError("the storefront lists no products: did load_demo run?")

        times = {"bin": str(cluster.bin), "pg_port": PG_PORT}
        load = Load(gunicorn.url, slugs)
        start = now()

        def fault():
            if ABORT.wait(max(0.0, start + FAULT_AT - now())):
                return
            times["stop_begin"] = now() - start
            say("fault: pg_ctl stop -m fast")
            cluster.stop("fast")
            times["stop_done"] = now() - start
            say(f"fault: cluster down; keeping it down {DOWN:.0f} s")
            ABORT.wait(max(0.0, start + times["stop_begin"] + DOWN - now()))
            if ABORT.is_set():
                return
            times["start_begin"] = now() - start
            say("fault: pg_ctl start -w")
            cluster.start()
            times["up"] = now() - start
            say("fault: cluster accepting again; recovery phase")

        say(f"load: {THREADS} threads for {SECONDS:.0f} s; fault at {FAULT_AT:.0f} s")
        load.run(SECONDS, fault)
        if "up" not in times:
            raise RuntimeError(f"the fault did not complete: {times}")
        for r in load.records:
            r["start"] -= start
            r["end"] -= start
        workers_end = children(gunicorn.master)
        pids = {
            "master": gunicorn.master,
            "master_alive": gunicorn.process.poll() is None,
            "workers": workers,
            "workers_end": workers_end,
        }
        say("load: done; stopping gunicorn")
        gunicorn.stop()
        with open(OUT / "requests.csv", "w", newline="") as out:
            fields = ["start", "end", "name", "status", "shape_error", "healthz_failed"]
            writer = csv.DictWriter(out, fields, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(sorted(load.records, key=lambda r: r["start"]))
        checks, figures = analyse(load.records, times, pids)
        text = report(load.records, times, checks, figures, log_notes())
        RESULTS.write_text(text)
        print("\n" + text, flush=True)
        print(f"Written to {RESULTS.relative_to(ROOT)}.")
        return 0 if all(ok for ok, _ in checks) else 1
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second kill must not cut the clean-up short
        ABORT.set()
        if load is not None:
            load.stop_at = 0.0
            if load.fault_thread is not None:
                load.fault_thread.join(timeout=90)  # never delete the cluster under a running pg_ctl
        if gunicorn is not None:
            gunicorn.stop()
        say("cluster: stopping and deleting")
        cluster.destroy()


if __name__ == "__main__":
    sys.exit(main())

"""`make replica-test`: the read-replica router (core/replicas.py) against a real streaming replica.

A THROWAWAY primary cluster (its own directory and port, never the machine's cluster on 5432) gets
the schema and a published product; `pg_basebackup -R` makes a streaming replica of it; gunicorn
serves the app with DATABASE_URL on the primary and DATABASE_REPLICA_URLS on the replica. Then,
through HTTP as clients use it (each client its own X-Forwarded-For, as the proxy sets it):

1. storefront reads are served by the replica: with the replica's replay paused, a change written
   on the primary is not in the storefront an anonymous buyer reads;
2. a seller who writes (PATCH through the API) reads the write back at once (the primary), while
   the buyer still reads the replica;
3. once the paused replica is further behind than DATABASE_REPLICA_MAX_LAG_SECONDS, the buyer reads
   from the primary;
4. with the replica stopped (`pg_ctl stop -m fast`), every read answers 200 from the primary.

Exit 1 on the first failed check. Both clusters are stopped and deleted in every case.
"""

import os
import signal
import sys
import tempfile
import time
from pathlib import Path

import requests
from stack import ROOT, Cluster, Gunicorn, any_free_port, run

DB = "replica_platform"
MAX_LAG = 3.0  # DATABASE_REPLICA_MAX_LAG_SECONDS for this run: short, so step 3 waits little
REDIS_URL = os.environ.get("REPLICA_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
BUYER = {"X-Forwarded-For": "203.0.113.10"}
SELLER = {"X-Forwarded-For": "203.0.113.20"}
T0 = time.monotonic()

SEED = """
from tests.factories import PASSWORD, owner_of, product, published
item = published(product())
print(item.pk, item.slug, owner_of(item.company).email, PASSWORD)
"""


def say(message: str) -> None:
    print(f"[{time.monotonic() - T0:6.1f}s] {message}", flush=True)


def check(ok: bool, what: str) -> None:
    say(f"{'ok  ' if ok else 'FAIL'} {what}")
    if not ok:
        raise SystemExit(1)


def wait_for(condition, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)


def replayed_up_to_primary(primary: Cluster, replica: Cluster, column: str = "replay") -> bool:
    """Whether the replica has received (or replayed) everything the primary has written so far."""
    target = primary.psql("SELECT pg_current_wal_lsn()")
    return replica.psql(f"SELECT pg_last_wal_{column}_lsn() >= '{target}'::pg_lsn") == "t"


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally block on `kill`
    primary, replica = Cluster(any_free_port()), Cluster(any_free_port())
    gunicorn = None
    scratch = Path(tempfile.mkdtemp(prefix="replica-check-"))
    try:
        say(f"primary: initdb, 127.0.0.1:{primary.port}")
        primary.init()
        primary.start()
        primary.psql(f"CREATE DATABASE {DB}")
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DJANGO_DEBUG="false",
            DJANGO_SECRET_KEY="replica-" + os.urandom(24).hex(),
            DATABASE_URL=f"postgres://postgres@127.0.0.1:{primary.port}/{DB}",
            CACHE_URL=REDIS_URL.replace("redis://", "rediscache://", 1),
            CELERY_BROKER_URL="memory://",
            CELERY_TASK_ALWAYS_EAGER="true",
            STOREFRONT_CACHE_SECONDS="0",  # every storefront read reaches a database
            VAR_DIR=str(scratch / "var"),
            LOG_LEVEL="INFO",
            LOG_FORMAT="text",
        )
        python = ROOT / ".venv" / "bin" / "python"
        say("app: migrate and seed a published product on the primary")
        run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, timeout=600)
        seeded = run([python, "manage.py", "shell", "-c", SEED], cwd=ROOT, env=env).stdout
        pk, slug, email, password = seeded.strip().splitlines()[-1].split()  # after any mail the console printed

        say(f"replica: pg_basebackup -R, 127.0.0.1:{replica.port}")
        replica.base_backup(primary)
        replica.start()
        check(replica.psql("SELECT pg_is_in_recovery()") == "t", "the replica is a standby")

        env.update(
            DATABASE_REPLICA_URLS=f"postgres://postgres@127.0.0.1:{replica.port}/{DB}",
            DATABASE_REPLICA_MAX_LAG_SECONDS=str(MAX_LAG),
        )
        gunicorn = Gunicorn(env, any_free_port(), scratch / "gunicorn.log")
        gunicorn.wait_ready()
        detail = f"{gunicorn.url}/api/v1/storefront/products/{slug}/"
        own = f"{gunicorn.url}/api/v1/products/{pk}/"

        # Lead time, not material: a published product's material edit waits for review
        # (listings/services/edits.py), a lead time applies at once.
        def lead_time(url: str, headers: dict):
            response = requests.get(url, headers=headers, timeout=15)
            response.raise_for_status()
            return response.json()["lead_time_days"]

        before = lead_time(detail, BUYER)
        token = requests.post(
            f"{gunicorn.url}/api/v1/auth/token/",
            json={"email": email, "password": password},
            headers=SELLER,
            timeout=15,
        ).json()["token"]
        seller = {**SELLER, "Authorization": f"Bearer {token}"}

        # 1. A commit just replayed (so the lag counts from now), then replay paused and a change on the primary.
        primary.psql("CREATE TABLE replica_mark AS SELECT now() AS at", DB)
        wait_for(lambda: replayed_up_to_primary(primary, replica), "the replica to replay the mark")
        replica.psql("SELECT pg_wal_replay_pause()")
        paused_at = time.monotonic()
        change = f"UPDATE listings_product SET lead_time_days = 41 WHERE id = {int(pk)}"  # noqa: S608
        primary.psql(change, DB)
        wait_for(lambda: replayed_up_to_primary(primary, replica, "receive"), "the replica to receive the change")
        check(lead_time(detail, BUYER) == before, "a storefront read is served by the replica (it lacks the change)")

        # 2. Read your own writes.
        response = requests.patch(own, json={"lead_time_days": 42}, headers=seller, timeout=15)
        check(response.status_code == 200, f"the seller's PATCH answers 200 ({response.status_code})")
        check(lead_time(own, seller) == 42, "the seller reads its own write at once (primary)")
        check(lead_time(detail, BUYER) == before, "meanwhile the buyer still reads the replica")
        check(time.monotonic() - paused_at < MAX_LAG, "all of that within the lag bound")

        # 3. Lagging past the bound: the primary. Lag is time since the last replayed commit.
        time.sleep(max(0.0, paused_at + MAX_LAG + 0.5 - time.monotonic()))
        check(lead_time(detail, BUYER) == 42, f"a replica over {MAX_LAG:.0f} s behind is skipped")
        replica.psql("SELECT pg_wal_replay_resume()")
        wait_for(lambda: replayed_up_to_primary(primary, replica), "the replica to catch up")

        # 4. The replica stops: reads go to the primary, with no error.
        replica.stop("fast")
        answers = [requests.get(detail, headers=BUYER, timeout=15) for _ in range(10)]
        answers += [requests.get(own, headers=seller, timeout=15) for _ in range(4)]
        statuses = sorted({r.status_code for r in answers})
        check(statuses == [200], f"with the replica stopped, 14 reads answer {statuses}")
        check(answers[0].json()["lead_time_days"] == 42, "from the primary")
        log = (scratch / "gunicorn.log").read_text(errors="replace")
        check("replica replica1 unavailable" in log, "the fallback is logged")
        check("Internal Server Error" not in log and "Traceback" not in log, "no error in the app's log")
        say("all checks passed")
        return 0
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if gunicorn is not None:
            gunicorn.stop()
        say("clusters: stopping and deleting")
        replica.destroy()
        primary.destroy()
        run(["rm", "-rf", scratch], check=False)


if __name__ == "__main__":
    sys.exit(main())

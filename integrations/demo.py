"""The demo's syndication: the five outside channels (simulated on loopback), and one full run to
each, so the admin and the API show products live on some channels and rejected on others with
their reasons. `load_demo` runs before `make run` starts the simulator, so this part starts one
itself on a free loopback port for the length of the run (or uses the configured one when it
answers) and stops it afterwards. A second load finds the runs done and sends nothing."""

import socket
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import requests
from django.conf import settings
from django.test.utils import override_settings

from core.models import Job
from integrations.models import Channel, SyndicationJob
from integrations.services import syndication_job_run_inline, syndication_job_start

HOME = {
    "home/lighting": ("HOME", "20625", "50012100"),
    "home/tableware": ("KITCHEN", "20625", "50008163"),
    "home/textiles": ("HOME_BED_AND_BATH", "20625", "50012100"),
    "home/storage": ("HOME", "20625", "50012100"),
    "home/decor": ("HOME", "20625", "50012100"),
    "beauty/skincare": ("BEAUTY", "11863", "50010788"),
    "beauty/masks": ("BEAUTY", "11863", "50010788"),
    "beauty/haircare": ("BEAUTY", "11863", ""),  # not mapped on Tmall: rejected as category_unmapped
    "food/tea": ("FOOD", "14308", ""),
    "food/preserves": ("FOOD", "14308", ""),
}
CHANNELS = [
    # code, connector, name, locales, currency, destination, mapping column (None: no mapping needed)
    ("kmall24", "kmall24", "Kmall24", ["en", "zh", "ja"], "USD", "US", None),
    ("buykorea", "buykorea", "buyKOREA", ["en"], "USD", "US", None),
    ("amazon", "amazon", "Amazon US", ["en"], "USD", "US", 0),
    ("amazon-jp", "amazon", "Amazon Japan", ["ja"], "JPY", "JP", 0),  # a second marketplace of one connector
    ("ebay", "ebay", "eBay US", ["en"], "USD", "US", 1),
    ("tmall", "tmall", "Tmall Global", ["zh"], "CNY", "CN", 2),
]
ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def simulator_running(url: str):
    """A simulator for the block: the one answering at `url`, or one started on a free loopback
    port (never the configured one, which `make run` or a parallel run may be about to use)."""
    try:
        requests.get(f"{url}/_control/health", timeout=1).raise_for_status()
        yield url
        return
    except requests.RequestException:
        pass
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    own = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "integrations.simulator", "--host", "127.0.0.1", "--port", str(port), "--seed", "0"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(f"{own}/_control/health", timeout=1).raise_for_status()
                break
            except requests.RequestException:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the channel simulator did not start") from None
                time.sleep(0.1)
        yield own
    finally:
        process.terminate()
        process.wait(timeout=10)


class IntegrationsDemo:
    def __init__(self, tally: Counter):
        self.tally = tally

    def count(self, kind: str, created: bool) -> None:
        self.tally[kind, "created" if created else "existing"] += 1

    def load(self, context: dict) -> dict:
        base = settings.CHANNEL_SIMULATOR_URL.rstrip("/")
        channels = [self.load_channel(spec, base) for spec in CHANNELS]
        due = [c for c in channels if not SyndicationJob.objects.filter(channel=c).exists()]
        for channel in channels:
            self.count("syndication jobs", channel in due)
        if due:
            operator = context.get("operator")
            with simulator_running(base) as url, override_settings(CHANNEL_SIMULATOR_URL=url):
                for channel in due:
                    # Within load_demo's transaction: nobody sees the temporary URL.
                    Channel.objects.filter(pk=channel.pk).update(base_url=f"{url}/{channel.code}")
                    channel.refresh_from_db()
                    syndication = syndication_job_start(actor=operator, channel=channel, mode="full", run=False)
                    syndication_job_run_inline(syndication=syndication)
                    Channel.objects.filter(pk=channel.pk).update(base_url=f"{base}/{channel.code}")
                    if syndication.job.status in (Job.Status.FAILED, Job.Status.QUEUED, Job.Status.RUNNING):
                        raise RuntimeError(f"The demo sync to {channel.code} ended {syndication.job.status}.")
        return {"channels": {c.code: c for c in channels}}

    def load_channel(self, spec, base: str) -> Channel:
        code, connector, name, locales, currency, destination, column = spec
        mapping = {} if column is None else {path: ids[column] for path, ids in HOME.items() if ids[column]}
        channel, created = Channel.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "connector": connector,
                "base_url": f"{base}/{code}",
                "locales": locales,
                "currency": currency,
                "destination_country": destination,
                "category_mapping": mapping,
                "batch_size": 25,
                "sync_interval_minutes": 60,
            },
        )
        self.count("channels", created)
        return channel

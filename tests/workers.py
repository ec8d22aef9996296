"""Real Celery worker processes for tests about workers: on this run's Redis queues, reading the
test's database (tests/settings.py gives each run its own queue prefix, inherited by the worker)."""

import os
import subprocess
import sys
import time

from celery import current_app
from django.db import connection


def worker_start(**env: str) -> subprocess.Popen:
    """Starts a solo-pool worker and waits until it answers a ping; `env` adds variables."""
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=warning"]
        + ["--without-mingle", "--without-gossip"],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "TEST_DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}",
            **env,
        },
    )
    deadline = time.monotonic() + 60
    while not current_app.control.ping(timeout=0.5):
        if process.poll() is not None:
            raise RuntimeError("the Celery worker exited while starting")
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("the Celery worker did not answer within 60 s")
    return process


def worker_stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=30)


def wait_for(predicate, timeout: float = 120, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False

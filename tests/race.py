"""Reproducible races on PostgreSQL. The code under test runs until it reaches a patched point;
there a second piece of work starts in another thread, on its own database connection, and the
code under test waits until that work has finished or is waiting for a row lock, then carries
on. So two transactions overlap at exactly one chosen point, every run: no thread storm, no
sleeps. A deadlock between them is PostgreSQL's `deadlock detected`, raised in one of the two."""

import threading
import time
from contextlib import contextmanager
from unittest import mock

from django.db import close_old_connections, connection

WAIT_SECONDS = 10


class Overlap:
    def __init__(self, other):
        self.other = other
        self.thread: threading.Thread | None = None
        self.backend_pid: int | None = None
        self.result = None
        self.error: BaseException | None = None
        self.waited_for_lock = False

    def _run(self):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.backend_pid = cursor.fetchone()[0]
            self.result = self.other()
        except BaseException as error:  # noqa: BLE001 - handed to the test, which asserts on it
            self.error = error
        finally:
            close_old_connections()
            connection.close()

    def start_and_wait(self):
        """Starts the other work and returns once it is done or blocked on a lock."""
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + WAIT_SECONDS
        while self.thread.is_alive() and time.monotonic() < deadline:
            if self.backend_pid is not None and self._waiting_for_lock():
                self.waited_for_lock = True
                return
            time.sleep(0.01)
        if self.thread.is_alive():
            raise AssertionError("the overlapping work neither finished nor waited for a lock")

    def _waiting_for_lock(self) -> bool:
        with connection.cursor() as cursor:
            # Statistics are a snapshot per transaction: clear it to see the other session now.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [self.backend_pid])
            row = cursor.fetchone()
        return bool(row) and row[0] == "Lock"

    def join(self):
        if self.thread is not None:
            self.thread.join(WAIT_SECONDS)
            assert not self.thread.is_alive(), "the overlapping work never finished"


@contextmanager
def run_before(owner, name: str, other):
    """The first time this thread calls `owner.<name>` (e.g. `Payment.objects`,
    "select_for_update"), `other()` starts in a second thread and overlaps from there. Yields
    the Overlap: its `result`, `error` and `waited_for_lock` once the block ends."""
    original = getattr(owner, name)
    me = threading.get_ident()
    overlap = Overlap(other)

    def patched(*args, **kwargs):
        if threading.get_ident() == me and overlap.thread is None:
            overlap.start_and_wait()
        return original(*args, **kwargs)

    with mock.patch.object(owner, name, patched):
        try:
            yield overlap
        finally:
            overlap.join()

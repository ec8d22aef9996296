"""Throwaway PostgreSQL clusters and the app under gunicorn on loopback, for the scripts that break
or scale them (scripts/pg_restart_fault.py, scripts/replica_check.py). A cluster lives in a temporary
directory on its own port: never the machine's cluster on 5432."""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def run(args: list, *, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    kwargs.setdefault("timeout", 300)
    done = subprocess.run([str(a) for a in args], check=False, **kwargs)  # noqa: S603 - fixed argv, no shell
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(str(a) for a in args)} exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return done


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) != 0


def any_free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """A PostgreSQL cluster in a temporary directory, run as `postgres` when we are root (initdb
    refuses root), on 127.0.0.1:port and a socket in its own directory."""

    def __init__(self, port: int):
        versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
        if not versions:
            raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
        self.bin = Path(versions[-1])
        self.port = port
        self.tmp = Path(tempfile.mkdtemp(prefix="pgfault-"))
        self.data = self.tmp / "data"
        self.prefix: list = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.tmp, user.pw_uid, user.pw_gid)
            self.prefix = [shutil.which("runuser") or "/usr/sbin/runuser", "-u", "postgres", "--"]

    def pg(self, tool: str, *args, check: bool = True) -> subprocess.CompletedProcess:
        return run([*self.prefix, self.bin / tool, *args], check=check, cwd=self.tmp)

    def init(self) -> None:
        self.pg("initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C")

    def base_backup(self, primary: "Cluster") -> None:
        """This cluster as a streaming replica of `primary` (initdb's pg_hba trusts replication
        from loopback; `-R` writes standby.signal and primary_conninfo)."""
        self.pg(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            primary.port,
            "-U",
            "postgres",
            "-D",
            self.data,
            "-R",
            "-X",
            "stream",
            "--checkpoint=fast",  # else it waits for the next spread checkpoint, minutes away
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.pg("pg_ctl", "-D", self.data, "-l", self.data / "log", "-w", "-t", "60", "-o", options, "start")

    def stop(self, mode: str = "fast", check: bool = True) -> None:
        self.pg("pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop", check=check)

    def running(self) -> bool:
        return self.data.exists() and self.pg("pg_ctl", "-D", self.data, "status", check=False).returncode == 0

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Runs `sql`; its rows' values, unaligned, one row a line."""
        args = [self.bin / "psql", "-h", "127.0.0.1", "-p", self.port, "-U", "postgres", "-qtAc", sql, database]
        return run(args).stdout.strip()

    def destroy(self) -> None:
        try:
            if self.running():
                self.stop("immediate", check=False)
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)
            if self.tmp.exists():
                time.sleep(1)
                shutil.rmtree(self.tmp, ignore_errors=True)
            if self.tmp.exists():
                print(f"could not delete {self.tmp}: remove it by hand", file=sys.stderr)


def children(pid: int) -> set[int]:
    found = set()
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited meanwhile
        if int(fields[1]) == pid:
            found.add(int(Path(stat).parent.name))
    return found


class Gunicorn:
    """The app under gunicorn on 127.0.0.1:port with two workers, its output in `log`."""

    def __init__(self, env: dict, port: int, log: Path):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log
        self.log = open(log, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--threads",
                "2",
                "--access-logfile",
                "/dev/null",
                "--no-control-socket",  # the default socket under ~/.gunicorn is shared by every gunicorn here
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.master = self.process.pid

    def wait_ready(self, seconds: float = 90) -> set[int]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited {self.process.returncode}; see {self.log_path}")
            try:
                healthy = requests.get(f"{self.url}/healthz", timeout=5).status_code == 200
            except requests.RequestException:
                healthy = False
            workers = children(self.master)
            if healthy and len(workers) == 2:
                return workers
            time.sleep(0.5)
        raise RuntimeError(f"gunicorn did not answer /healthz 200 with 2 workers within {seconds:.0f} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

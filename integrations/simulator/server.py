"""The simulator's HTTP server: routing, fault injection, the request log and the control endpoint.

No Django here: it is a stand-alone threaded server (`python -m integrations.simulator`) so the
platform talks to it over real sockets exactly as to the real services.
"""

from __future__ import annotations

import contextlib
import json
import random
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from integrations.simulator.channels import CHANNELS
from integrations.simulator.channels.common import Reply

SECRET_HEADERS = {"authorization", "x-amz-access-token", "x-kmall-api-key", "x-api-key", "x-app-secret", "cookie"}
FAULT_KINDS = ("error_rate", "rate_limit_rate", "timeout_rate", "reset_rate", "lost_response_rate")
MAX_RECORDS = 200_000


@dataclass
class Faults:
    error_rate: float = 0.0
    rate_limit_rate: float = 0.0
    timeout_rate: float = 0.0
    reset_rate: float = 0.0
    lost_response_rate: float = 0.0
    latency_ms: float = 0.0
    timeout_ms: float = 3000.0  # how long a "timeout" sleeps: longer than the client's read timeout
    retry_after_min: float = 1.0
    retry_after_max: float = 3.0
    outage: bool = False
    redirect_to: str = "http://169.254.169.254/latest/meta-data/"  # where a "redirect" fault points
    # Faults for the next requests, in order, before the rates apply: ["error", "rate_limit", "ok", ...].
    next: list = field(default_factory=list)

    def update(self, values: dict) -> None:
        for key, value in values.items():
            if key not in self.__dataclass_fields__:
                raise ValueError(f"unknown fault setting '{key}'")
            if key == "next":
                unknown = set(value) - {
                    "ok",
                    "error",
                    "rate_limit",
                    "timeout",
                    "reset",
                    "lost_response",
                    "outage",
                    "redirect",
                }
                if unknown:
                    raise ValueError(f"unknown faults {sorted(unknown)}")
                self.next = list(value)
            else:
                setattr(
                    self, key, bool(value) if key == "outage" else str(value) if key == "redirect_to" else float(value)
                )

    def as_dict(self) -> dict:
        return {**self.__dict__, "next": list(self.next)}


@dataclass
class Request:
    id: int
    time: float
    method: str
    path: str
    channel: str
    headers: dict
    body: object
    fault: str = ""
    status: int = 0
    early: bool = False  # arrived before a Retry-After this simulator had issued to the channel elapsed
    early_by: float = 0.0
    answered_at: float = 0.0  # when the answer left (0: none was sent)
    retry_after: float = 0.0  # the Retry-After a 429 carried, in seconds

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Simulator:
    """All state; every change happens under `lock`."""

    seed: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self):
        self.reset(self.seed)

    def reset(self, seed: int | None = None) -> None:
        with self.lock:
            if seed is not None:
                self.seed = seed
            self.rng = random.Random(self.seed)  # noqa: S311 - fault draws, repeatable by seed
            self.global_faults = Faults()
            self.channel_faults: dict[str, Faults] = {}
            self.requests: list[Request] = []
            self.retry_until: dict[str, float] = {}
            self.idempotency: dict[tuple[str, str], Reply] = {}
            self.data = {code: cls() for code, cls in CHANNELS.items()}
            self.grace_seconds = 0.0

    def store(self, channel: str):
        """The channel's store, made on first use, or None for no known connector. A marketplace of
        a connector is addressed as `{connector}-{marketplace}` (amazon-jp) and keeps its own data."""
        kind = channel.split("-", 1)[0]
        if kind not in CHANNELS:
            return None
        with self.lock:
            if channel not in self.data:
                self.data[channel] = CHANNELS[kind]()
            return self.data[channel]

    def faults_for(self, channel: str) -> Faults:
        return self.channel_faults.get(channel, self.global_faults)

    def draw_fault(self, channel: str) -> str:
        faults = self.faults_for(channel)
        if faults.next:
            fault = faults.next.pop(0)
            return "" if fault == "ok" else fault
        if faults.outage:
            return "outage"
        r = self.rng.random()
        for kind in FAULT_KINDS:
            rate = getattr(faults, kind)
            if r < rate:
                return kind.removesuffix("_rate")
            r -= rate
        return ""

    def control(self, method: str, path: str, query: dict, body) -> tuple[int, object]:
        body = body if isinstance(body, dict) else {}
        if path == "/_control/health":
            return 200, {"ok": True}
        if path == "/_control/reset" and method == "POST":
            self.reset(body.get("seed", self.seed))
            return 200, {"ok": True, "seed": self.seed}
        if path == "/_control/faults":
            with self.lock:
                if method == "POST":
                    channel = body.pop("channel", "") or ""
                    if "seed" in body:
                        self.seed = int(body.pop("seed"))
                        self.rng = random.Random(self.seed)  # noqa: S311
                    if "grace_ms" in body:
                        self.grace_seconds = float(body.pop("grace_ms")) / 1000
                    if body.pop("clear", False):
                        if channel:
                            self.channel_faults.pop(channel, None)
                        else:
                            self.global_faults, self.channel_faults = Faults(), {}
                    try:
                        if channel:
                            if channel not in self.channel_faults:
                                self.channel_faults[channel] = Faults(**self.global_faults.as_dict())
                            self.channel_faults[channel].update(body)
                        else:
                            self.global_faults.update(body)
                    except (ValueError, TypeError) as exc:
                        return 400, {"error": str(exc)}
                return 200, {
                    "global": self.global_faults.as_dict(),
                    "channels": {code: f.as_dict() for code, f in self.channel_faults.items()},
                    "seed": self.seed,
                }
        if path == "/_control/requests":
            channel = (query.get("channel") or [""])[0]
            with self.lock:
                rows = [r.as_dict() for r in self.requests if not channel or r.channel == channel]
            return 200, {"requests": rows}
        if path == "/_control/listings":
            channel = (query.get("channel") or [""])[0]
            with self.lock:
                if (store := self.store(channel)) is None:
                    return 404, {"error": f"unknown channel '{channel}'"}
                return 200, {"listings": store.listing_rows()}
        if path == "/_control/records":
            channel = (query.get("channel") or [""])[0]
            with self.lock:
                if (store := self.store(channel)) is None:
                    return 404, {"error": f"unknown channel '{channel}'"}
                return 200, {"inventory": list(store.inventory), "tracking": list(store.tracking)}
        if path == "/_control/orders" and method == "POST":
            channel = body.get("channel", "")
            if self.store(channel) is None:
                return 400, {"error": f"unknown channel '{channel}'"}
            skus, quantities = list(body.get("skus") or []), list(body.get("quantities") or [])
            if not skus or len(quantities) not in (0, len(skus)):
                return 400, {"error": "give skus and as many quantities"}
            with self.lock:
                order = self.store(channel).order_create(
                    skus=skus,
                    quantities=[int(q) for q in quantities] or [1] * len(skus),
                    buyer_email=body.get("buyer_email", "buyer@example.com"),
                    address=body.get("address"),
                )
            return 201, {"order": order}
        return 404, {"error": f"no control endpoint {method} {path}"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ChannelSimulator/1.0"
    simulator: Simulator  # set on the class by `make_server`

    def setup(self):
        super().setup()
        # Headers and body leave in one segment without waiting for the client's delayed ACK.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode("utf-8", "replace")

    def _send(self, status: int, body, headers: dict | None = None) -> None:
        data = b"" if body is None else json.dumps(body, default=str).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self._headers_buffer.append(b"\r\n" + data)  # one write for the head and the body
        self.flush_headers()

    def _reset_connection(self) -> None:
        """Close with a TCP reset and no response, as a crashed proxy would."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def _handle(self) -> None:
        arrived = time.time()
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        body = self._body()
        sim = self.simulator
        if parts.path.startswith("/_control/"):
            status, reply = sim.control(self.command, parts.path, query, body)
            self._send(status, reply)
            return
        segments = [s for s in parts.path.split("/") if s]
        channel = segments[0] if segments else ""
        with sim.lock:
            record = Request(
                id=len(sim.requests) + 1,
                time=arrived,
                method=self.command,
                path=self.path,
                channel=channel,
                headers={k: ("***" if k.lower() in SECRET_HEADERS else v) for k, v in self.headers.items()},
                body=body,
            )
            until = sim.retry_until.get(channel, 0.0)
            if arrived < until - sim.grace_seconds:
                record.early, record.early_by = True, round(until - arrived, 4)
            if len(sim.requests) < MAX_RECORDS:
                sim.requests.append(record)
            if sim.store(channel) is None:
                record.status = 404
                self._send(404, {"error": f"unknown channel '{channel}'"})
                return
            fault = sim.draw_fault(channel)
            record.fault = fault
            faults = sim.faults_for(channel)
            # Drawn in the same step as the fault, so a seed gives the same sequence whatever the threads do.
            wait = (
                round(sim.rng.uniform(faults.retry_after_min, faults.retry_after_max), 3)
                if fault == "rate_limit"
                else 0
            )
        if faults.latency_ms:
            time.sleep(faults.latency_ms / 1000)
        if fault == "outage":
            record.status = 503
            self._send(503, {"error": "Service Unavailable"}, {"Connection": "close"})
            return
        if fault == "redirect":
            record.status = 302
            self._send(302, {}, {"Location": faults.redirect_to})
            return
        if fault == "error":
            record.status = 500
            self._send(500, {"error": "Internal Server Error"})
            return
        if fault == "rate_limit":
            record.status, record.retry_after = 429, wait
            # Counted from when the answer leaves, as a client could first know it: noted just before
            # the write, since a client may read it and call again before this thread runs again.
            with sim.lock:
                record.answered_at = time.time()
                sim.retry_until[channel] = max(sim.retry_until.get(channel, 0.0), record.answered_at + wait)
            self._send(429, {"error": "Too Many Requests"}, {"Retry-After": f"{wait:g}"})
            return
        if fault == "reset":
            record.status = -1
            self._reset_connection()
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        with sim.lock:
            reply = self._apply(sim, channel, segments[1:], query, headers, body)
        record.status = reply.status
        if fault == "timeout":
            time.sleep(faults.timeout_ms / 1000)
        if fault == "lost_response":
            self._reset_connection()
            return
        try:
            self._send(reply.status, reply.body, reply.headers)
        except OSError:
            self.close_connection = True  # the client gave up (a timeout): the write was applied anyway

    def _apply(self, sim: Simulator, channel: str, segments, query, headers, body) -> Reply:
        store = sim.store(channel)
        key = headers.get("idempotency-key") or headers.get(store.idempotency_header or "idempotency-key")
        if self.command in ("POST", "PATCH") and key:
            known = sim.idempotency.get((channel, key))
            if known is not None:
                return known
        reply = store.route(self.command, segments, query, headers, body)
        if self.command in ("POST", "PATCH") and key and reply.status < 400:  # successes are replayed
            sim.idempotency[channel, key] = reply
        return reply

    def do_GET(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def do_PUT(self):
        self._handle()

    def do_PATCH(self):
        self._handle()

    def do_DELETE(self):
        self._handle()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def make_server(host: str = "127.0.0.1", port: int = 8765, seed: int = 0) -> Server:
    simulator = Simulator(seed=seed)
    handler = type("BoundHandler", (Handler,), {"simulator": simulator})
    server = Server((host, port), handler)
    server.simulator = simulator
    return server

"""Monitoring on every request: Prometheus figures, a request id, one access log line, and the
5-minute history behind the admin's System health page. It also answers GET /metrics.

Plain ASGI (not BaseHTTPMiddleware, which costs an extra task per request), and cheap by design:
per request one header scan, one id, two perf_counter calls, cached Prometheus label children, a
bucket increment under a lock and an access log record. bench/middleware_overhead.py, on 2 busy
cores: +7 µs a request without the access line, +26 µs with it written as text, +47 µs as JSON,
against pages whose p95 is tens of milliseconds.

- Routes are labelled by their template (/products/{slug}), never the raw path, so the number of
  series is bounded by the app's routes; a request no route answers is "unmatched".
- The request id: an incoming X-Request-ID is kept when short and safe (app.logs.SAFE_REQUEST_ID),
  else one is made; it is returned in X-Request-ID and put on every log record made while serving.
- /metrics is not public: it answers a client on the loopback interface that came through no proxy
  (no Forwarded / X-Forwarded-For header), or any client with `Authorization: Bearer METRICS_TOKEN`;
  others get 401 when a token is set, else 404.
- Figures are per process (no prometheus_client multiprocess mode): see docs/deployment.md.
- The history is flushed to MongoDB by a background thread started with the app (its lifespan
  passes through here), once a minute and at shutdown; never on a visitor's request.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from prometheus_client import REGISTRY, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from pymongo.database import Database
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.logs import ACCESS_LOG, REQUEST_ID, SAFE_REQUEST_ID, install_request_id
from shop.backoffice.system_health import RequestHistory, remove_old, save
from vectorstore.single_flight import CacheStats

log = logging.getLogger(__name__)
access_log = logging.getLogger(ACCESS_LOG)

METRICS_PATH = "/metrics"
FLUSH_SECONDS = 60.0
PROCESS_STARTED = time.time()

# Seconds: pages are served in 1-50 ms, the chat streams for up to a minute.
HTTP_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
HTTP_SECONDS = Histogram(
    "aishop_http_request_duration_seconds",
    "Time to answer HTTP requests (to the end of the body), by method and route template.",
    ["method", "route"],
    buckets=HTTP_BUCKETS,
)
HTTP_REQUESTS = Counter(
    "aishop_http_requests_total",
    "HTTP requests answered, by method, route template and status class (2xx, 3xx, 4xx, 5xx).",
    ["method", "route", "status"],
)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_STATUS_CLASSES = ("1xx", "1xx", "2xx", "3xx", "4xx", "5xx")
_LOOPBACK = frozenset({"127.0.0.1", "::1", "::ffff:127.0.0.1", "localhost"})
_PROXY_HEADERS = frozenset({b"forwarded", b"x-forwarded-for", b"x-real-ip"})


class Monitor:
    """What one app's middleware keeps: this process's request history, and the thread that saves it."""

    def __init__(self) -> None:
        self.process = f"{socket.gethostname()}-{os.getpid()}"
        self.history = RequestHistory()
        self.started = PROCESS_STARTED
        self._db: Database | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._flush_lock = threading.Lock()

    @property
    def uptime_seconds(self) -> float:
        return time.time() - self.started

    def start(self, db: Database) -> None:
        self._db = db
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="health-history", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and save what is left (the app's database client is still open here)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.flush()

    def flush(self) -> None:
        """Save the figures recorded since the last flush; a failure keeps them for the next one."""
        if self._db is None:
            return
        with self._flush_lock:
            taken = self.history.take()
            try:
                save(self._db, self.process, taken)
            except Exception:
                self.history.give_back(taken)
                log.warning("could not save the request history", exc_info=True)

    def _run(self) -> None:
        cleaned = 0.0
        while not self._stop.wait(FLUSH_SECONDS):
            self.flush()
            if self._db is not None and time.monotonic() - cleaned > 3600:
                cleaned = time.monotonic()
                try:
                    remove_old(self._db, datetime.now(UTC))
                except Exception:
                    log.warning("could not remove old request history", exc_info=True)


class MetricsMiddleware:
    """See the module docstring. `metrics_token`: the bearer token that opens /metrics to non-local
    clients (None: loopback only)."""

    def __init__(self, app: ASGIApp, *, metrics_token: str | None = None) -> None:
        self.app = app
        self.token = metrics_token.encode() if metrics_token else None
        self.monitor = Monitor()
        self._seconds: dict[tuple[str, str], Any] = {}
        self._counts: dict[tuple[str, str, int], Any] = {}
        install_request_id()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http":
            if kind == "lifespan":
                await self._lifespan(scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path == METRICS_PATH:
            await self._metrics(scope, send)
            return

        request_id = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                text = value.decode("latin-1")
                if SAFE_REQUEST_ID.match(text):
                    request_id = text
                break
        if request_id is None:
            request_id = secrets.token_hex(8)
        header = (b"x-request-id", request_id.encode("latin-1"))
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        context = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            self._observe(scope, path, status, seconds)
            REQUEST_ID.reset(context)

    def _observe(self, scope: Scope, path: str, status: int, seconds: float) -> None:
        method = scope["method"]
        if method not in _METHODS:
            method = "OTHER"
        route = getattr(scope.get("route"), "path", None) or "unmatched"
        key = (method, route)
        histogram = self._seconds.get(key)
        if histogram is None:
            histogram = self._seconds[key] = HTTP_SECONDS.labels(method, route)
        histogram.observe(seconds)
        status_class = status // 100
        count_key = (method, route, status_class)
        counter = self._counts.get(count_key)
        if counter is None:
            label = _STATUS_CLASSES[status_class] if 0 < status_class < 6 else "5xx"
            counter = self._counts[count_key] = HTTP_REQUESTS.labels(method, route, label)
        counter.inc()
        ms = seconds * 1000.0
        if not path.startswith(("/static/", "/media/")):
            self.monitor.history.record(time.time(), ms, status)
        if access_log.isEnabledFor(logging.INFO):
            access_log.info(
                "%s %s %d %.1f ms (%s)",
                method,
                path,
                status,
                ms,
                route,
                extra={"method": method, "route": route, "path": path, "status": status, "duration_ms": round(ms, 2)},
            )

    # --- the app's start and stop: the history thread ----------------------------------------------
    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = scope.get("app")

        async def receive_shutdown() -> Message:
            message = await receive()
            if message["type"] == "lifespan.shutdown" and app is not None:
                await asyncio.to_thread(self.monitor.stop)  # before the app closes its database client
            return message

        async def send_started(message: Message) -> None:
            if message["type"] == "lifespan.startup.complete" and app is not None:
                services = getattr(app.state, "services", None)
                if services is not None:
                    self.monitor.start(services.db)
            await send(message)

        if app is not None:
            app.state.monitor = self.monitor
        await self.app(scope, receive_shutdown, send_started)

    # --- /metrics ------------------------------------------------------------------------------------
    def _allowed(self, scope: Scope) -> bool:
        authorization = None
        proxied = False
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value
            elif name in _PROXY_HEADERS:
                proxied = True
        if self.token is not None and authorization is not None:
            scheme, _, given = authorization.partition(b" ")
            if scheme.lower() == b"bearer" and hmac.compare_digest(given.strip(), self.token):
                return True
        client = scope.get("client")
        return client is not None and client[0] in _LOOPBACK and not proxied

    async def _metrics(self, scope: Scope, send: Send) -> None:
        if not self._allowed(scope):
            if self.token is not None:
                await _answer(send, 401, b"Unauthorized\n", [(b"www-authenticate", b"Bearer")])
            else:
                await _answer(send, 404, b"Not Found\n")
            return
        if scope["method"] not in ("GET", "HEAD"):
            await _answer(send, 405, b"Method Not Allowed\n", [(b"allow", b"GET, HEAD")])
            return
        body = generate_latest(REGISTRY) + generate_latest(AppCollector(scope.get("app"), self.monitor))  # type: ignore[arg-type]
        await _answer(
            send,
            200,
            b"" if scope["method"] == "HEAD" else body,
            [(b"content-type", CONTENT_TYPE_PLAIN_0_0_4.encode()), (b"cache-control", b"no-store")],
            length=len(body),
        )


async def _answer(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None, length: int | None = None
) -> None:
    headers = [
        *(headers or [(b"content-type", b"text/plain; charset=utf-8")]),
        (b"content-length", str(len(body) if length is None else length).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def cache_stats(app: Any) -> dict[str, CacheStats]:
    """The app's caches by name: rendered pages, product cards and query vectors."""
    state = app.state
    caches: dict[str, CacheStats] = {}
    for name, attribute in (
        ("listing_pages", "page_cache"),
        ("home_pages", "home_page_cache"),
        ("product_pages", "product_page_cache"),
        ("api_answers", "api_cache"),
        ("product_cards", "product_cards"),
    ):
        cache = getattr(state, attribute, None)
        if cache is not None:
            caches[name] = cache.stats
    services = getattr(state, "services", None)
    store = getattr(getattr(services, "search", None), "store", None)
    embedding = getattr(store, "embedding", None)
    stats = getattr(embedding, "query_cache_stats", None)
    if isinstance(stats, CacheStats):
        caches["query_vectors"] = stats
    return caches


class AppCollector:
    """The figures read at scrape time from one app: the chat line, its caches and the uptime."""

    def __init__(self, app: Any, monitor: Monitor) -> None:
        self.app = app
        self.monitor = monitor

    def collect(self) -> Iterator[Metric]:
        queue = getattr(self.app.state, "turn_queue", None) if self.app is not None else None
        waiting = GaugeMetricFamily("aishop_chat_queue_waiting", "Chat turns waiting in line for the model.")
        waiting.add_metric([], queue.waiting if queue is not None else 0)
        yield waiting
        running = GaugeMetricFamily("aishop_chat_queue_running", "Chat turns being answered by the model.")
        running.add_metric([], queue.running if queue is not None else 0)
        yield running
        hits = CounterMetricFamily("aishop_cache_hits", "Cache lookups answered from the cache.", labels=["cache"])
        misses = CounterMetricFamily("aishop_cache_misses", "Cache lookups that had to build.", labels=["cache"])
        for name, stats in (cache_stats(self.app) if self.app is not None else {}).items():
            hits.add_metric([name], stats.hits)
            misses.add_metric([name], stats.misses)
        yield hits
        yield misses
        uptime = GaugeMetricFamily(
            "aishop_process_uptime_seconds", "Seconds since this process started.", labels=["process"]
        )
        uptime.add_metric([self.monitor.process], self.monitor.uptime_seconds)
        yield uptime

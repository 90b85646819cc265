"""The process's Prometheus metrics that the lower layers feed: database commands, orders, chat turns.

They live in shop/core (the lowest layer that records any) so that shop/, agent/ and app/ all reach
them without importing upward; the HTTP metrics and the /metrics answer are app/middleware/metrics.py.
Each process keeps and exposes its own figures (no prometheus_client multiprocess mode): see the
"Monitoring" section of docs/deployment.md for why.

Cost: an observation is ~1 µs (a lock and a bucket search); label children are looked up once and
kept, so the database listener adds no dictionary building per command.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram
from pymongo import monitoring

# Seconds. Database commands on SecantusDB take 0.1-300 ms (a point read ~0.5 ms, a 10k-document
# sorted scan 135-280 ms); chat turns take seconds to a minute on the embedded model.
DB_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
TURN_BUCKETS = (0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0)

DB_COMMAND_SECONDS = Histogram(
    "aishop_db_command_duration_seconds",
    "MongoDB command round trips seen by the driver, by command name.",
    ["command"],
    buckets=DB_BUCKETS,
)
DB_COMMAND_FAILURES = Counter(
    "aishop_db_command_failures_total", "MongoDB commands that failed, by command name.", ["command"]
)
ORDERS = Counter(
    "aishop_orders_total",
    "Orders asked for, by outcome: placed (or replayed by its idempotency key), rejected (the "
    "request's fault: stock, unknown product, reused key), failed (the shop's fault).",
    ["outcome"],
)
CHAT_TURN_SECONDS = Histogram(
    "aishop_chat_turn_duration_seconds",
    "Chat turns from the moment they got a slot with the model to their end.",
    buckets=TURN_BUCKETS,
)
CHAT_WAIT_SECONDS = Histogram(
    "aishop_chat_queue_wait_seconds",
    "Time chat turns waited in line for a slot with the model.",
    buckets=(0.0, *TURN_BUCKETS),
)

# Command names as a closed set, so a label never grows with what a client sends.
_COMMANDS = frozenset(
    {
        "find",
        "getMore",
        "insert",
        "update",
        "delete",
        "findAndModify",
        "aggregate",
        "count",
        "distinct",
        "createIndexes",
        "listIndexes",
        "listCollections",
        "drop",
        "dropDatabase",
        "ping",
        "commitTransaction",
        "abortTransaction",
        "killCursors",
        "endSessions",
    }
)


class CommandTimer(monitoring.CommandListener):
    """A pymongo listener that times every command (registered by shop.core.db.connect).

    pymongo measures the round trip itself (`duration_micros`), so nothing is timed twice; the
    listener only files it. It runs on the thread that sent the command, so it must stay cheap.
    """

    def __init__(self) -> None:
        self._seconds = {name: DB_COMMAND_SECONDS.labels(name) for name in (*_COMMANDS, "other")}
        self._failures = {name: DB_COMMAND_FAILURES.labels(name) for name in (*_COMMANDS, "other")}

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        pass

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        histogram = self._seconds.get(event.command_name) or self._seconds["other"]
        histogram.observe(event.duration_micros / 1e6)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        (self._failures.get(event.command_name) or self._failures["other"]).inc()
        histogram = self._seconds.get(event.command_name) or self._seconds["other"]
        histogram.observe(event.duration_micros / 1e6)


COMMAND_TIMER = CommandTimer()

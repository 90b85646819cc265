"""Per-request cost of the monitoring middleware (app/middleware/metrics.py), measured in-process.

Calls a bare ASGI app that answers 200 directly, then the same app wrapped in MetricsMiddleware
(route label, histogram, status-class counter, request id, health history, access line), and prints
the difference per request. The access line is timed twice: logging off (as in tests) and written
by the text and JSON handlers to /dev/null (as `make run` does to the terminal).

    .venv/bin/python bench/middleware_overhead.py [--requests 50000]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.logs import ACCESS_LOG, TEXT_FORMAT, JsonFormatter
from app.middleware.metrics import MetricsMiddleware


class Route:
    path = "/products/{slug}"


async def bare(scope: dict[str, Any], receive: Any, send: Any) -> None:
    scope["route"] = Route
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html")]})
    await send({"type": "http.response.body", "body": b"ok"})


def scope() -> dict[str, Any]:
    return {
        "type": "http",
        "method": "GET",
        "path": "/products/kenya-aa",
        "headers": [(b"host", b"shop"), (b"accept", b"text/html"), (b"user-agent", b"bench"), (b"cookie", b"x=1")],
        "client": ("203.0.113.7", 1234),
    }


async def run(app: Any, requests: int) -> float:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        pass

    started = time.perf_counter()
    for _ in range(requests):
        await app(scope(), receive, send)
    return (time.perf_counter() - started) / requests * 1e6


def best_of(app: Any, requests: int, rounds: int = 5) -> float:
    return min(asyncio.run(run(app, requests)) for _ in range(rounds))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50000)
    args = parser.parse_args()
    wrapped = MetricsMiddleware(bare)
    base = best_of(bare, args.requests)
    access = logging.getLogger(ACCESS_LOG)
    access.propagate = False
    access.setLevel(logging.WARNING)
    quiet = best_of(wrapped, args.requests)
    results = {"access line off": quiet - base}
    for name, formatter in (
        ("text access line", logging.Formatter(TEXT_FORMAT)),
        ("JSON access line", JsonFormatter()),
    ):
        handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115 - closed with the process
        handler.setFormatter(formatter)
        access.handlers = [handler]
        access.setLevel(logging.INFO)
        results[name] = best_of(wrapped, args.requests) - base
    print(f"bare ASGI app: {base:.2f} µs a request (best of 5 x {args.requests:,})")
    for name, extra in results.items():
        print(f"middleware, {name}: +{extra:.2f} µs a request")


if __name__ == "__main__":
    main()

"""Throughput and p95 of pages and checkout with 1 and then 2 app processes (uvicorn --workers).

Starts its own embedded database (seeded with the demo shop) and a Chroma server, then serves the
shop with `uvicorn app.main:create_app --factory --workers N` for each N in turn (the workers share
one listening socket, as `python -m app run --workers N` does) and runs bench/load.py's clients
against it. The clients run on the same machine as the server processes and the database, so on a
2-core machine the figures show what a second process buys when everything shares two cores.

    .venv/bin/python bench/processes.py [--workers 1 2] [--clients 20] [--requests 60] [--products 500]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.chroma_server import running_chroma
from app.embedded_mongo import EmbeddedMongo, free_port
from bench.load import LOAD_LIMITS, Client, Request, checkout_request, percentile, run_scenario
from demo.seed import seed_demo_shop
from shop.core.db import connect, database

ROOT = Path(__file__).resolve().parent.parent


def wait_warm(port: int, workers: int, timeout: float = 600.0) -> float:
    """Seconds until every worker is warm: fresh connections land on any worker, so ask until
    10 * workers answers in a row say warm."""
    started = time.perf_counter()
    deadline = time.monotonic() + timeout
    in_a_row = 0
    while in_a_row < 10 * workers:
        if time.monotonic() > deadline:
            raise RuntimeError("the app did not get ready")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            health = json.loads(connection.getresponse().read() or b"{}")
            connection.close()
            warm = bool(health.get("semanticSearch") and health.get("warm"))
        except (OSError, ValueError):
            warm = False
        in_a_row = in_a_row + 1 if warm else 0
        time.sleep(0.05 if warm else 0.5)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=60, help="requests per client per scenario")
    parser.add_argument("--products", type=int, default=500)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="aishop-bench-processes-"))
    mongo = EmbeddedMongo(workdir / "db")
    mongo.start()
    try:
        db = database(connect(mongo.uri), "bench")
        started = time.perf_counter()
        seed_demo_shop(db, workdir / "media", n_products=args.products)
        print(f"seeded {args.products} products in {time.perf_counter() - started:.1f} s")
        products = list(db.products.find({"deletedAt": None}, {"slug": 1}))
        slugs = [p["slug"] for p in products]
        ids = [str(p["_id"]) for p in products]
        # Enough stock that every checkout of every run succeeds (the app starts after this).
        db.products.update_many({"deletedAt": None}, {"$inc": {"stock": 10_000}})

        def checkout(rng: random.Random, n: int) -> Request:
            return checkout_request(rng, n, ids)

        scenarios = [
            ("home", lambda rng, n: ("GET", "/", None, {})),
            ("catalog page", lambda rng, n: ("GET", f"/products?page={rng.randint(1, 10)}", None, {})),
            ("product page", lambda rng, n: ("GET", f"/products/{rng.choice(slugs)}", None, {})),
            ("API product", lambda rng, n: ("GET", f"/api/products/{rng.choice(ids)}", None, {})),
            ("checkout (API order)", checkout),
        ]
        results: dict[str, dict[int, tuple[float, float, int]]] = {name: {} for name, _ in scenarios}
        with running_chroma(workdir / "chroma", log_path=workdir / "chroma.log") as chroma_url:
            for workers in args.workers:
                port = free_port()
                env = dict(
                    os.environ,
                    MONGODB_URI=mongo.uri,
                    MONGODB_DB="bench",
                    CHROMA_URL=chroma_url,
                    DATA_DIR=str(workdir),
                    SEED_DEMO="false",
                    SCHEDULER_ENABLED="false",
                    HF_HUB_OFFLINE="1",
                    OMP_WAIT_POLICY="PASSIVE",
                    ANONYMIZED_TELEMETRY="False",
                    **LOAD_LIMITS,
                )
                command = [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory"]
                command += ["--port", str(port), "--workers", str(workers), "--log-level", "warning"]
                server = subprocess.Popen(command, env=env, cwd=ROOT)
                try:
                    ready = wait_warm(port, workers)
                    print(f"\n{workers} process(es) ready and warm after {ready:.0f} s")
                    Client(port).send("GET", "/")
                    for name, make_request in scenarios:
                        latencies, errors, elapsed = run_scenario(port, args.clients, args.requests, make_request)
                        results[name][workers] = (len(latencies) / elapsed, percentile(latencies, 0.95), errors)
                        print(
                            f"  {name:<22} p50 {statistics.median(latencies):7.1f} ms  "
                            f"p95 {percentile(latencies, 0.95):7.1f} ms  {len(latencies) / elapsed:6.0f} req/s  "
                            f"errors {errors}"
                        )
                finally:
                    server.terminate()
                    server.wait(30)
        print(f"\n{args.clients} clients x {args.requests} requests per scenario, {args.products} products")
        header = "".join(f"  {w}p req/s  {w}p p95 ms" for w in args.workers)
        print(f"{'scenario':<22}{header}")
        for name, by_workers in results.items():
            row = "".join(
                f"  {by_workers[w][0]:9.0f}  {by_workers[w][1]:10.1f}" for w in args.workers if w in by_workers
            )
            print(f"{name:<22}{row}")
    finally:
        mongo.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Load test of the storefront and API on the embedded default, 2,000-product catalog.

Starts its own embedded database and app server (nothing of yours is touched), seeds the demo shop
with 2,000 products, then runs each scenario with N concurrent clients on keep-alive connections and
prints p50 / p95 latency and requests per second. The clients run on the same 2 cores as the server,
so the figures are conservative. Each client sends 100 requests per scenario: with 30, a page
scenario lasted half a second and one 100 ms pause of the machine decided its p95.

    .venv/bin/python bench/load.py [--clients 20] [--requests 100] [--products 2000]
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
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pymongo import UpdateOne
from pymongo.database import Database

from app.embedded_mongo import EmbeddedMongo, free_port
from demo.seed import seed_demo_shop
from shop.core.db import connect, database
from shop.core.location_stock import LOCATION_STOCK
from shop.inventory.locations import ensure_default_location

Request = tuple[str, str, bytes | None, dict[str, str]]  # method, path, body, headers

LOAD_LIMITS = {
    "LIMIT_ORDERS_PER_VISITOR": "1000000/1h",
    "LIMIT_ORDERS_PER_IP": "1000000/1h",
}
"""Every bench client shares one address, so the default order limits (20 an hour per address) would
answer nearly every checkout with a 429. Raised rather than turned off: each order still pays for its
limit check, which is part of what checkout costs."""


class Client:
    """One shopper: a keep-alive connection and a cookie jar of one session cookie. It asks for
    gzip as every browser does (`--accept-encoding identity` measures uncompressed answers)."""

    accept_encoding = "gzip"

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""

    def send(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> int:
        headers = {"Accept-Encoding": self.accept_encoding, **(headers or {})}
        if self.cookie:
            headers["Cookie"] = self.cookie
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        response.read()
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status


Scenario = tuple[str, Callable[[random.Random, int], Request], Callable[[random.Random], list[Request]] | None]
"""Name, the timed request, and requests each client sends first, outside the timing (e.g. a history)."""


def run_scenario(
    port: int,
    clients: int,
    per_client: int,
    make_request: Callable[[random.Random, int], Request],
    prepare: Callable[[random.Random], list[Request]] | None = None,
) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def worker(index: int) -> None:
        nonlocal errors
        rng = random.Random(index)
        client = Client(port)
        client.send("GET", "/healthz")  # connect and get a session cookie outside the timing
        for method, path, body, headers in prepare(rng) if prepare else ():
            client.send(method, path, body, headers)
        mine: list[float] = []
        failed = 0
        barrier.wait()
        for n in range(per_client):
            method, path, body, headers = make_request(rng, index * per_client + n)
            started = time.perf_counter()
            status = client.send(method, path, body, headers)
            mine.append((time.perf_counter() - started) * 1000)
            if status >= 400:
                failed += 1
        with lock:
            latencies.extend(mine)
            errors += failed

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return latencies, errors, time.perf_counter() - started


def checkout_request(rng: random.Random, n: int, ids: list[str]) -> Request:
    """One API checkout of one random product, with its own idempotency key (a new order each time)."""
    body = {
        "customerName": "Bench Shopper",
        "email": f"bench{n}@example.com",
        "address": "1 Load Street, Testville",
        "items": [{"productId": rng.choice(ids), "quantity": 1}],
    }
    headers = {"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex}
    return ("POST", "/api/orders", json.dumps(body).encode(), headers)


def split_stock(db: Database) -> None:
    """A second, lower-priority location holding half of each product's units (shop.inventory.locations):
    checkouts then pick between two locations, reading them in the order transaction."""
    ensure_default_location(db)
    db.locations.insert_one({"_id": "east", "name": "Warehouse East", "address": "", "priority": 2, "active": True})
    db.products.bulk_write(
        [
            UpdateOne({"_id": p["_id"]}, {"$set": {f"{LOCATION_STOCK}.east": int(p.get("stock") or 0) // 2}})
            for p in db.products.find({}, {"stock": 1})
        ]
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=100, help="requests per client per scenario")
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--accept-encoding", default="gzip", help="what the clients accept (identity: no gzip)")
    parser.add_argument("--only", default="", help="run only the scenarios whose name contains this text")
    parser.add_argument(
        "--second-location",
        action="store_true",
        help="move half of every product's stock to a second location (checkout then allocates across two)",
    )
    args = parser.parse_args()
    Client.accept_encoding = args.accept_encoding

    workdir = Path(tempfile.mkdtemp(prefix="aishop-bench-"))
    mongo = EmbeddedMongo(workdir / "db")
    mongo.start()
    server: subprocess.Popen[bytes] | None = None
    try:
        db = database(connect(mongo.uri), "bench")
        started = time.perf_counter()
        seed_demo_shop(db, workdir / "media", n_products=args.products)
        print(f"seeded {args.products} products in {time.perf_counter() - started:.1f} s")
        if args.second_location:
            split_stock(db)
        products = list(db.products.find({"stock": {"$gt": 50}}, {"slug": 1}))
        slugs = [p["slug"] for p in products]
        ids = [str(p["_id"]) for p in products]

        port = free_port()
        env = dict(
            os.environ,
            MONGODB_URI=mongo.uri,
            MONGODB_DB="bench",
            DATA_DIR=str(workdir),
            SEED_DEMO="false",
            HF_HUB_OFFLINE="1",
            OMP_WAIT_POLICY="PASSIVE",
            **LOAD_LIMITS,
        )
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "app.main:create_app",
                "--factory",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=Path(__file__).resolve().parent.parent,
        )
        # Wait until the app is up AND has done its start-up work (/healthz "warm"): indexing 2,000
        # products and pre-rendering their pages take the CPU for a minute or two after start-up
        # and would be measured instead of the pages.
        deadline = time.monotonic() + 600
        started = time.perf_counter()
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/healthz")
                health = json.loads(connection.getresponse().read() or b"{}")
                if health.get("semanticSearch") and health.get("warm"):
                    break
            except (OSError, ValueError):
                pass
            if server.poll() is not None:
                raise RuntimeError("the app exited during start-up (see its error above)")
            if time.monotonic() > deadline:
                raise RuntimeError("the app did not get ready")
            time.sleep(0.5)
        print(
            f"app ready and warm (vector index in sync, pages pre-rendered) after {time.perf_counter() - started:.0f} s"
        )
        Client(port).send("GET", "/")  # warm the snapshot and templates

        queries = ["ethiopia", "green tea", "decaf", "honey", "hand cream", "chocolate", "espresso", "herbal"]

        def checkout(rng: random.Random, n: int) -> Request:
            return checkout_request(rng, n, ids)

        shelf = ids[:40]  # a cart holds at most 50 different items: each client adds from these 40

        def add_to_cart(rng: random.Random, n: int) -> Request:
            body = urlencode({"product_id": rng.choice(shelf), "quantity": 1}).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true"}
            return ("POST", "/cart/items", body, headers)

        filtered = "/products?" + urlencode(
            {"category": "tea", "min_price": "5", "max_price": "25", "in_stock": "true", "sort": "price_asc"}
        )

        def viewed(rng: random.Random) -> list[Request]:
            """A few product views first: the row is personal, and empty for a visitor without a history."""
            return [("GET", f"/products/{rng.choice(slugs)}", None, {}) for _ in range(3)]

        scenarios: list[Scenario] = [
            ("home", lambda rng, n: ("GET", "/", None, {}), None),
            ("catalog page", lambda rng, n: ("GET", f"/products?page={rng.randint(1, 20)}", None, {}), None),
            ("filtered catalog", lambda rng, n: ("GET", filtered, None, {}), None),
            (
                "search (page)",
                lambda rng, n: ("GET", "/products?" + urlencode({"q": rng.choice(queries)}), None, {}),
                None,
            ),
            ("product page", lambda rng, n: ("GET", f"/products/{rng.choice(slugs)}", None, {}), None),
            (
                "product for-you (htmx)",
                lambda rng, n: ("GET", f"/products/{rng.choice(slugs)}/for-you", None, {"HX-Request": "true"}),
                viewed,
            ),
            (
                "API list+filter",
                lambda rng, n: ("GET", "/api/products?category=coffee&sort=rating&in_stock=true", None, {}),
                None,
            ),
            (
                "API search",
                lambda rng, n: ("GET", "/api/products?" + urlencode({"q": rng.choice(queries)}), None, {}),
                None,
            ),
            ("API product", lambda rng, n: ("GET", f"/api/products/{rng.choice(ids)}", None, {}), None),
            ("add to cart", add_to_cart, None),
            ("checkout (API order)", checkout, None),
        ]
        print(
            f"{args.clients} concurrent clients, {args.requests} requests each per scenario, {args.products} products\n"
        )
        print(f"{'scenario':<22} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'req/s':>8} {'errors':>7}")
        for name, make_request, prepare in scenarios:
            if args.only not in name:
                continue
            latencies, errors, elapsed = run_scenario(port, args.clients, args.requests, make_request, prepare)
            print(
                f"{name:<22} {statistics.median(latencies):8.1f} {percentile(latencies, 0.95):8.1f} "
                f"{max(latencies):8.1f} {len(latencies) / elapsed:8.0f} {errors:7d}"
            )
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        mongo.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

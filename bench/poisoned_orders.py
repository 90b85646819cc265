"""One poisoned order among concurrent honest ones: how many of the honest ones are placed?

Starts its own embedded database and app server (nothing of yours is touched), puts one product with
enough stock on the shelf, then sends N orders at the same moment, one of them with a customer name
holding a lone UTF-16 surrogate ("\\ud800", which the database cannot store), twice:

- over HTTP (POST /api/orders, one thread and connection each): validation refuses the poisoned one
  with 422 before it reaches any batch;
- to the order service directly, the poisoned request built without validation (as if text had
  slipped past it): the group commit writes it with the others and must isolate it.

It prints the outcomes, the batch sizes the group commit wrote, the orders stored and the stock left.
Before fault isolation, 33 of 36 honest orders failed with 500 over HTTP.

    .venv/bin/python bench/poisoned_orders.py [--orders 36]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.embedded_mongo import EmbeddedMongo, free_port
from app.main import create_app
from demo.seed import demo_categories
from shop.catalog.categories import save_categories
from shop.core.db import connect, database, ensure_indexes
from shop.core.settings import Settings
from shop.ordering.orders import OrderItem, OrderRequest
from shop.services import ShopServices
from tests.support.products import make_product

POISON = "Mallory \ud800"


def at_once(count: int, work: Callable[[int], object]) -> list[object]:
    """`work(n)` for n in range(count), all released at the same moment; each result or exception."""
    outcomes: list[object] = [None] * count
    barrier = threading.Barrier(count)

    def run(n: int) -> None:
        barrier.wait()
        try:
            outcomes[n] = work(n)
        except Exception as exc:
            outcomes[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return outcomes


def body(product_id: str, n: int, poisoned: bool) -> dict[str, Any]:
    return {
        "customerName": POISON if poisoned else f"Buyer {n}",
        "email": f"buyer{n}@example.com",
        "address": f"{n} Honest Street, Springfield",
        "items": [{"productId": product_id, "quantity": 1}],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=36)
    args = parser.parse_args()
    count, bad = args.orders, args.orders // 2

    with tempfile.TemporaryDirectory(prefix="poisoned-orders-") as tmp, EmbeddedMongo(Path(tmp) / "db") as mongo:
        client = connect(mongo.uri, maxPoolSize=100)
        db = database(client, "poisoned")
        ensure_indexes(db)
        save_categories(db, demo_categories())
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            mongodb_uri=mongo.uri,
            mongodb_db=db.name,
            data_dir=Path(tmp) / "var",
            seed_demo=False,
        )
        services = ShopServices.build(db, settings, background_mail=False)
        product = make_product(db, stock=1000, name="Batch Beans")
        product_id = str(product["_id"])
        batches: list[int] = []
        group = services.orders._group
        write = group._write_batch

        def counted(attempts: Sequence[Any]) -> Any:
            batches.append(len(attempts))
            return write(attempts)

        group._write_batch = counted

        port = free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(settings, services), port=port, log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)

        def send(n: int) -> int:
            data = json.dumps(body(product_id, n, n == bad)).encode()  # json escapes the surrogate
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as http:
                return http.post("/api/orders", content=data, headers={"Content-Type": "application/json"}).status_code

        started = time.perf_counter()
        statuses = at_once(count, send)
        took = time.perf_counter() - started
        print(f"HTTP: {count} orders at once, #{bad} poisoned, {took:.1f} s")
        print(f"  statuses: {dict(Counter(statuses))}; poisoned one: {statuses[bad]}")
        print(f"  batches written: {batches}")
        print(f"  orders stored: {db.orders.count_documents({})}, stock left: {db.products.find_one()['stock']}")

        batches.clear()
        requests = [OrderRequest.model_validate(body(product_id, n, False)) for n in range(count)]
        requests[bad] = OrderRequest.model_construct(  # past validation, as a bug elsewhere might let it
            **{**body(product_id, bad, True), "items": [OrderItem(productId=product_id, quantity=1)]}
        )
        started = time.perf_counter()
        outcomes = at_once(count, lambda n: services.orders.place(requests[n]))
        took = time.perf_counter() - started
        kinds = Counter(type(outcome).__name__ for outcome in outcomes)
        print(f"Service: {count} orders at once, #{bad} poisoned past validation, {took:.1f} s")
        print(f"  outcomes: {dict(kinds)}; poisoned one: {type(outcomes[bad]).__name__}: {outcomes[bad]}")
        print(f"  batches written (the failed ones split in halves): {batches}")
        stored = db.orders.count_documents({})
        print(f"  orders stored: {stored}, stock left: {db.products.find_one()['stock']}")

        server.should_exit = True
        services.close()
        client.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

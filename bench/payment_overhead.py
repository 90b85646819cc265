"""What payments add to a checkout: the same order placed in-process, one at a time, interleaved
three ways: without the payment block, paid by bank transfer, and by Stripe against a local stub
(its Checkout Session opened after the commit). Starts its own embedded database; nothing of yours
is touched.

    .venv/bin/python bench/payment_overhead.py [--orders 600]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.embedded_mongo import EmbeddedMongo
from demo.seed import demo_categories
from shop.catalog.categories import save_categories
from shop.core.db import connect, database
from shop.core.settings import Settings
from shop.ordering.orders import OrderRequest
from shop.services import ShopServices
from tests.support.payments import stripe_settings, stripe_stub
from tests.support.products import make_product

KINDS = ("no payments", "bank_transfer", "stripe (stub)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=600)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    server = EmbeddedMongo(tmp / "db")
    server.start()
    try:
        db = database(connect(server.uri), "bench")
        save_categories(db, demo_categories())
        products = [make_product(db, stock=1_000_000) for _ in range(20)]
        base = Settings(
            _env_file=None,  # type: ignore[call-arg]
            mongodb_uri=server.uri,
            mongodb_db="bench",
            data_dir=tmp / "var",
            seed_demo=False,
            rate_limits=False,
        )
        with stripe_stub() as stub:
            shop = ShopServices.build(db, stripe_settings(base, stub), background_mail=False)
            payments = shop.orders.payments
            times: dict[str, list[float]] = {kind: [] for kind in KINDS}
            for n in range(args.orders):
                kind = KINDS[n % len(KINDS)]
                shop.orders.payments = None if kind == "no payments" else payments
                body: dict[str, Any] = {
                    "customerName": "Bench Shopper",
                    "email": f"bench{n}@example.com",
                    "address": "1 Load Street, Testville",
                    "items": [{"productId": str(products[n % len(products)]["_id"]), "quantity": 1}],
                }
                if kind != "no payments":
                    body["paymentMethod"] = "stripe" if kind.startswith("stripe") else "bank_transfer"
                started = time.perf_counter()
                shop.checkout.place(OrderRequest.model_validate(body), channel="api", key=None)
                times[kind].append((time.perf_counter() - started) * 1000)
            shop.close()
        for kind, values in times.items():
            values.sort()
            p95 = values[int(0.95 * (len(values) - 1))]
            print(f"{kind:15} n={len(values)}  p50 {statistics.median(values):6.1f} ms  p95 {p95:6.1f} ms")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Shared set-up for the agent benches: a throwaway embedded database with the demo shop, and a check
that an OpenAI-compatible endpoint answers.

Each bench starts its own SecantusDB in a temporary folder (never the shop's var/ data) so it can run
beside a running shop and leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.embedded_mongo import EmbeddedMongo
from demo.seed import build_demo_shop, demo_categories, seed_demo_shop
from shop.catalog.categories import save_categories
from shop.core.db import connect, database, ensure_indexes
from shop.core.settings import Settings
from shop.discovery.index_sync import open_vector_store
from shop.services import ShopServices


@contextmanager
def demo_shop(
    *, orders: bool, products: int = 160, semantic: bool = False, **settings_overrides: object
) -> Iterator[ShopServices]:
    """Services over a fresh demo shop: with `orders` the full 12-month history (owner questions need
    it; ~20-60 s to seed), without it only products, inventory and reviews (a few seconds). With
    `semantic` search is hybrid like the running shop's (a Chroma index in the temporary folder, built
    before this yields: ~10-30 s); without it keyword-only."""
    with tempfile.TemporaryDirectory(prefix="aishop-bench-") as tmp:
        server = EmbeddedMongo(Path(tmp) / "db")
        server.start()
        client = connect(server.uri)
        try:
            values: dict[str, object] = {"seed_demo": False, "catalog_refresh_seconds": 0, **settings_overrides}
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                mongodb_uri=server.uri,
                mongodb_db="bench",
                data_dir=Path(tmp) / "var",
                **values,  # type: ignore[arg-type]
            )
            db = database(client, "bench")
            ensure_indexes(db)
            if orders:
                seed_demo_shop(db, settings.resolved_media_dir, n_products=products)
            else:
                shop = build_demo_shop(n_products=products)
                save_categories(db, demo_categories())
                db.products.insert_many(shop.products)
                db.inventory.insert_many(shop.inventory)
                db.reviews.insert_many(shop.reviews)
            store = open_vector_store(settings) if semantic else None
            services = ShopServices.build(db, settings, background_mail=False, vector_store=store)
            try:
                services.catalog.all()
                if store is not None:
                    index_sync = services.start_background_work()
                    if index_sync is not None:
                        index_sync.join()
                yield services
            finally:
                services.close()
        finally:
            client.close()
            server.stop()


def endpoint_alive(base_url: str, api_key: str | None = None, timeout: float = 3.0) -> bool:
    """True when `<base_url>/models` answers like an OpenAI-compatible server."""
    request = urllib.request.Request(base_url.rstrip("/") + "/models")
    if api_key:
        request.add_header("Authorization", f"Bearer {api_key}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return "data" in json.loads(response.read())
    except Exception:
        return False

"""Shared set-up for the agent benches: a throwaway embedded database with the demo shop, and the chat
endpoint the benches talk to, checked to answer before anything is seeded.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


@dataclass(frozen=True)
class ChatEndpoint:
    """The chat model a bench talks to: `overrides` are the settings that name it (for demo_shop)."""

    overrides: dict[str, Any]
    model: str
    base_url: str


def chat_endpoint(base_url: str | None, model: str | None) -> ChatEndpoint | None:
    """The endpoint of the --base-url / --model options (else the settings' default, the embedded local
    model), or None after saying on stderr that nothing answers there."""
    overrides: dict[str, Any] = {}
    if base_url:
        overrides["openai_base_url"] = base_url
    if model:
        overrides["openai_model"] = model
    probe = Settings(_env_file=None, **overrides)  # type: ignore[call-arg]
    key = probe.openai_api_key.get_secret_value() if probe.openai_api_key else None
    base = probe.llm_base_url or "https://api.openai.com/v1"
    if not endpoint_alive(base, key):
        print(
            f"No OpenAI-compatible endpoint answers at {base}; start `python -m agent.local_llm` first.",
            file=sys.stderr,
        )
        return None
    return ChatEndpoint(overrides, probe.llm_model, base)


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

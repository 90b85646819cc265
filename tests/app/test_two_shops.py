"""Two shops side by side on one database server: separate data, emails, jobs, backups and media."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pymongo import MongoClient
from pymongo.database import Database

from app.embedded_mongo import EmbeddedMongo
from app.init_env import ShopConfig, render_env
from app.scheduler import Scheduler
from shop.backoffice import backup
from shop.core.settings import Settings
from shop.services import ShopServices
from tests.support.databases import another_shop
from tests.support.orders import order_body
from tests.support.products import make_product


@pytest.fixture
def second_shop(
    mongo_server: EmbeddedMongo, mongo_client: MongoClient, db: Database, tmp_path: Path
) -> Iterator[ShopServices]:
    """Shop B, configured from the .env that `init` would write for it."""
    env = tmp_path / "shop-b.env"
    config = ShopConfig(
        shop_name="Shop B",
        mongodb_db=f"{db.name}_b",
        owner_email="b@example.com",
        port=8101,
        embedded_db_port=27101,
        data_dir=str(tmp_path / "var-b"),
    )
    env.write_text(render_env(config) + f"MONGODB_URI={mongo_server.uri}\nSEMANTIC_SEARCH=false\n", encoding="utf-8")
    with another_shop(mongo_client, Settings(_env_file=env, catalog_refresh_seconds=0)) as shop_b:  # type: ignore[call-arg]
        yield shop_b


def test_two_shops_do_not_see_each_other(services: ShopServices, second_shop: ShopServices) -> None:
    from app.main import create_app

    shop_a, shop_b = services, second_shop
    assert shop_a.settings.mongodb_db != shop_b.settings.mongodb_db
    assert shop_a.settings.data_dir != shop_b.settings.data_dir
    beans = make_product(shop_a.db, name="Shop A Beans", stock=3, price=Decimal("9.00"))
    make_product(shop_b.db, name="Shop B Cream", stock=40)

    with (
        TestClient(create_app(shop_a.settings, shop_a)) as client_a,
        TestClient(create_app(shop_b.settings, shop_b)) as client_b,
    ):
        assert "Shop A Beans" in client_a.get("/products").text
        assert "Shop A Beans" not in client_b.get("/products").text
        assert "Shop B Cream" in client_b.get("/products").text
        order = client_a.post("/api/orders", json=order_body(beans["_id"]), headers={"Idempotency-Key": "two-shops-1"})
        assert order.status_code in (200, 201), order.text

    assert shop_a.db.orders.count_documents({}) == 1
    assert shop_b.db.orders.count_documents({}) == 0

    # Each shop's jobs work on its own data, lock and folders.
    for shop in (shop_a, shop_b):
        Scheduler(shop).tick()
    emails_a = [m["to"] for m in shop_a.db.outbox.find({"kind": "low_stock"})]
    assert emails_a == [[shop_a.settings.owner_email]]
    assert shop_b.db.outbox.count_documents({"kind": "low_stock"}) == 0
    archive_a = backup.list_backups(shop_a.settings.resolved_backup_dir)
    archive_b = backup.list_backups(shop_b.settings.resolved_backup_dir)
    assert len(archive_a) == len(archive_b) == 1
    assert archive_a[0].name.startswith(shop_a.db.name) and archive_b[0].name.startswith(shop_b.db.name)
    manifest_b: dict[str, Any] = backup.read_manifest(archive_b[0])
    assert manifest_b["shopName"] == "Shop B"
    assert manifest_b["collections"]["products"]["documents"] == 1
    assert manifest_b["collections"].get("orders", {"documents": 0})["documents"] == 0

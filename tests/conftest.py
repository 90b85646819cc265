"""Shared fixtures: one real SecantusDB server per test session, a fresh database per test.

No mocks of our storage: every test talks MongoDB's wire protocol to a real server through pymongo.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from bson import ObjectId
from fastapi.testclient import TestClient
from pymongo import MongoClient
from pymongo.database import Database

from app.embedded_mongo import EmbeddedMongo
from shop.catalog.categories import load_categories, save_categories
from shop.core.db import connect, database
from shop.core.settings import Settings
from shop.services import ShopServices

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

_db_names = itertools.count()
# A test shop sells what the demo shop sells, in its categories (a test of another kind of shop
# replaces them: tests/app/test_other_kind_of_shop.py).
DEMO_CATEGORIES = load_categories(Path(__file__).resolve().parent.parent / "demo" / "data" / "categories.json")


@pytest.fixture(scope="session")
def mongo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedMongo]:
    server = EmbeddedMongo(tmp_path_factory.mktemp("secantus") / "db")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mongo_client(mongo_server: EmbeddedMongo) -> Iterator[MongoClient]:
    client = connect(mongo_server.uri, maxPoolSize=100)
    yield client
    client.close()


@pytest.fixture
def db(mongo_client: MongoClient) -> Iterator[Database]:
    name = f"test_{os.getpid()}_{next(_db_names)}"
    test_db = database(mongo_client, name)
    save_categories(test_db, DEMO_CATEGORIES)
    yield test_db
    # SecantusDB drops a large collection slowly (~6 ms per document) but empties it fast.
    for collection in test_db.list_collection_names():
        test_db[collection].delete_many({})
    mongo_client.drop_database(name)


@pytest.fixture
def settings(mongo_server: EmbeddedMongo, tmp_path: Path, db: Database) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        mongodb_uri=mongo_server.uri,
        mongodb_db=db.name,
        data_dir=tmp_path / "var",
        seed_demo=False,
        catalog_refresh_seconds=0,
    )


@pytest.fixture
def services(db: Database, settings: Settings) -> Iterator[ShopServices]:
    built = ShopServices.build(db, settings, background_mail=False)
    yield built
    built.close()


@pytest.fixture
def client(services: ShopServices, settings: Settings) -> Iterator[TestClient]:
    from app.main import create_app

    with TestClient(create_app(settings, services)) as test_client:
        yield test_client


_slugs = itertools.count()


def make_product(db: Database, **overrides: Any) -> dict[str, Any]:
    """Insert one product (and its inventory row) the way the seed and the admin do."""
    n = next(_slugs)
    now = datetime.now(UTC)
    doc: dict[str, Any] = {
        "_id": ObjectId(),
        "slug": f"test-product-{n}",
        "name": f"Test Product {n}",
        "description": "A product made for a test. It has two sentences.",
        "category": "coffee",
        "price": Decimal("10.00"),
        "stock": 10,
        "imageUrl": f"/media/products/test-product-{n}.svg",
        "tags": ["test"],
        "attributes": {"origin": "Testland"},
        "supplier": "Test Supplier",
        "leadTimeDays": 7,
        "featured": False,
        "rating": 0.0,
        "reviewCount": 0,
        "createdAt": now,
        "updatedAt": now,
        "deletedAt": None,
    }
    doc.update(overrides)
    db.products.insert_one(doc)
    db.inventory.insert_one(
        {
            "productId": doc["_id"],
            "stockLevel": doc["stock"],
            "lastRestocked": now,
            "predictedDemand": None,
            "restockAlert": False,
        }
    )
    return doc


@pytest.fixture
def product_factory(db: Database) -> Any:
    def factory(**overrides: Any) -> dict[str, Any]:
        return make_product(db, **overrides)

    return factory

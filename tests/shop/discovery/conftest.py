"""Fixtures of the discovery tests: the small shop in the real SecantusDB, read back by the catalog,
vectors from the real MiniLM model (loaded once per session) in a real Chroma under tmp_path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from shop.catalog.snapshot import Catalog
from shop.discovery.hybrid import HybridSearch
from shop.discovery.index_sync import ProductIndex
from shop.services import ShopServices
from tests.shop.discovery.small_shop import SHOP
from vectorstore import LocalSentenceEmbedding, ProductVectorStore


@pytest.fixture(scope="session")
def embedding() -> LocalSentenceEmbedding:
    return LocalSentenceEmbedding()


@pytest.fixture
def store(tmp_path: Path, embedding: LocalSentenceEmbedding) -> ProductVectorStore:
    return ProductVectorStore(tmp_path / "chroma", embedding=embedding)


@pytest.fixture
def catalog(services: ShopServices) -> Catalog:
    return services.catalog


@pytest.fixture
def index(store: ProductVectorStore) -> ProductIndex:
    return ProductIndex(store)


@pytest.fixture
def shop(product_factory: Any) -> dict[str, dict[str, Any]]:
    return {spec["slug"]: product_factory(**spec) for spec in SHOP}


@pytest.fixture
def indexed(shop: dict[str, dict[str, Any]], catalog: Catalog, index: ProductIndex) -> dict[str, str]:
    """The small shop, indexed; returns slug -> product id."""
    index.sync(catalog)
    return {slug: str(doc["_id"]) for slug, doc in shop.items()}


@pytest.fixture
def search(store: ProductVectorStore) -> HybridSearch:
    return HybridSearch(store)

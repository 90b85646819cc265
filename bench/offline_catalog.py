"""Shared set-up for the offline evaluations (search relevance, recommendations): the generated demo
documents behind a real Catalog, and a Chroma index of them, with no database.

They only need a catalog snapshot, so starting SecantusDB and seeding it would add seconds to every
run without changing a figure.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from pymongo.database import Database

from demo.seed import demo_categories
from shop.catalog.snapshot import Catalog
from shop.discovery.index_sync import ProductIndex

if TYPE_CHECKING:
    from vectorstore import ProductVectorStore


class _Collection:
    """Just enough of a pymongo collection for Catalog to load a snapshot from generated documents."""

    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self.docs = docs

    def find(self, filter: dict[str, Any] | None = None, *_args: Any, **_kwargs: Any) -> list[dict[str, Any]]:
        return list(self.docs) if not filter else []  # incremental refreshes find nothing new


class _Db:
    def __init__(self, docs: list[dict[str, Any]], categories: list[dict[str, Any]]) -> None:
        self.products = _Collection(docs)
        self.categories = _Collection(categories)


def snapshot_catalog(docs: list[dict[str, Any]]) -> Catalog:
    """A Catalog over `docs`, in the demo shop's categories, that never refreshes during a run."""
    categories = [category.to_doc() for category in demo_categories()]
    return Catalog(cast(Database, _Db(docs, categories)), refresh_seconds=3600)


def indexed_store(catalog: Catalog, location: Path) -> ProductVectorStore:
    """The catalog embedded with the real MiniLM model into Chroma at `location` (kept between runs if
    the caller keeps the folder: fingerprints make a second sync embed nothing).

    vectorstore is imported here, not at the top, so a run without embeddings never loads torch.
    """
    from vectorstore import LocalSentenceEmbedding, ProductVectorStore

    store = ProductVectorStore(location, embedding=LocalSentenceEmbedding())
    ProductIndex(store).sync(catalog)
    return store

"""The vector index follows the catalog: only changed text is embedded, events never block a page."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pymongo.database import Database

from shop.catalog.snapshot import Catalog
from shop.discovery.index_sync import ProductIndex
from tests.support.small_shop import SHOP, touch
from vectorstore import ProductVectorStore


def test_sync_embeds_only_what_changed(
    db: Database,
    small_shop: dict[str, dict[str, Any]],
    catalog: Catalog,
    index: ProductIndex,
    store: ProductVectorStore,
) -> None:
    first = index.sync(catalog)
    assert (first.embedded, first.unchanged, first.deleted) == (len(SHOP), 0, 0)
    assert store.count() == len(SHOP)

    again = index.sync(catalog)
    assert (again.embedded, again.metadata_updated, again.unchanged) == (0, 0, len(SHOP))

    espresso, honeyless = small_shop["house-espresso"], small_shop["english-breakfast"]
    touch(db, espresso, price=Decimal("11.00"), stock=0)  # filters only: no new vector
    touch(db, honeyless, description="A brisk, malty black tea. Now with Assam leaves.")  # meaning changed
    touch(db, small_shop["dark-chocolate"], deletedAt=datetime.now(UTC))  # soft delete
    report = index.sync(catalog)
    assert (report.embedded, report.metadata_updated, report.deleted) == (1, 1, 1)
    meta = store.metadata([str(espresso["_id"])])[str(espresso["_id"])]
    assert meta["price"] == 11.0
    assert meta["in_stock"] is False
    assert str(small_shop["dark-chocolate"]["_id"]) not in store.ids()


def test_rebuild_reembeds_everything(
    small_shop: dict[str, dict[str, Any]], catalog: Catalog, index: ProductIndex, store: ProductVectorStore
) -> None:
    index.sync(catalog)
    store.upsert(["orphan"], ["a vector no product owns"])
    progress: list[tuple[int, int]] = []
    report = index.rebuild(catalog, progress=lambda done, total: progress.append((done, total)))
    assert report.embedded == len(SHOP)
    assert progress[-1] == (len(SHOP), len(SHOP))
    assert "orphan" not in store.ids()
    assert store.count() == len(SHOP)


def test_attached_index_follows_creates_updates_and_deletes(
    db: Database, product_factory: Any, catalog: Catalog, index: ProductIndex, store: ProductVectorStore
) -> None:
    index.attach(catalog)
    assert store.count() == 0  # attaching never embeds the initial snapshot inline

    doc = product_factory(name="Peppermint Evening Tisane", category="tea", description="Cool peppermint.")
    pid = str(doc["_id"])
    catalog.all()  # the next read sees the new product and fires on_change
    assert pid in store.ids()
    fingerprint = store.fingerprints()[pid]

    touch(db, doc, name="Peppermint & Liquorice Tisane")
    catalog.all()
    assert store.fingerprints()[pid] != fingerprint
    assert store.query("liquorice", 1)[0][0] == pid

    touch(db, doc, price=Decimal("3.00"))
    catalog.all()
    assert store.metadata([pid])[pid]["price"] == 3.0

    touch(db, doc, deletedAt=datetime.now(UTC))
    catalog.all()
    assert pid not in store.ids()


def test_a_failing_index_never_breaks_the_catalog(
    product_factory: Any, catalog: Catalog, index: ProductIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    index.attach(catalog)

    def broken(*_args: Any, **_kwargs: Any) -> int:
        raise RuntimeError("chroma is down")

    monkeypatch.setattr(index.store, "upsert", broken)
    doc = product_factory(name="Rooibos Vanilla", category="tea")
    assert catalog.get(str(doc["_id"])) is not None  # the page still renders
    assert index.dirty
    monkeypatch.undo()
    index.sync(catalog)
    assert not index.dirty
    assert str(doc["_id"]) in index.store.ids()


def test_changes_during_a_long_sync_are_queued_not_waited_for(
    product_factory: Any,
    catalog: Catalog,
    index: ProductIndex,
    store: ProductVectorStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    index.attach(catalog)
    started, release = threading.Event(), threading.Event()
    real_metadata = store.metadata

    def slow_metadata(ids: Any = None) -> dict[str, dict[str, Any]]:
        if ids is None:  # the full listing that sync starts with
            started.set()
            release.wait(30)
        return real_metadata(ids)

    monkeypatch.setattr(store, "metadata", slow_metadata)
    syncing = threading.Thread(target=index.sync, args=(catalog,))
    syncing.start()
    assert started.wait(30)

    doc = product_factory(name="Hibiscus Cooler", category="tea")
    began = time.monotonic()
    assert catalog.get(str(doc["_id"])) is not None
    assert time.monotonic() - began < 2  # the page did not wait behind the sync
    assert str(doc["_id"]) not in real_metadata()

    release.set()
    syncing.join(60)
    assert str(doc["_id"]) in store.ids()  # the sync applied the queued change before letting go


def test_big_change_batches_are_indexed_in_the_background(
    product_factory: Any, catalog: Catalog, store: ProductVectorStore
) -> None:
    index = ProductIndex(store, inline_limit=1)
    index.attach(catalog)
    docs = [product_factory(name=f"Bulk Import Blend {n}", category="tea") for n in range(3)]
    catalog.all()
    assert index.wait_idle(60)
    assert {str(d["_id"]) for d in docs} <= set(store.ids())


# --- one index shared by several processes (a Chroma server) --------------------------------------


def test_a_shared_index_is_synced_under_the_database_lock_and_followed_by_the_others(
    db: Database,
    small_shop: dict[str, dict[str, Any]],
    catalog: Catalog,
    store: ProductVectorStore,
    tmp_path: Any,
    embedding: Any,
) -> None:
    """Two ProductIndexes on one Chroma location and one database stand for two processes."""
    from shop.core.locks import acquire_lock, release_lock
    from shop.core.versions import SharedVersions

    other_store = ProductVectorStore(tmp_path / "chroma", embedding=embedding)
    first = ProductIndex(store, db=db, versions=SharedVersions(db, poll_seconds=0))
    second = ProductIndex(other_store, db=db, versions=SharedVersions(db, poll_seconds=0))

    # While another process holds the lock (a sync in progress), a sync waits for it.
    token = acquire_lock(db, "vector-index")
    assert token is not None
    reports: list[Any] = []
    waiting = threading.Thread(target=lambda: reports.append(second.sync(catalog)))
    waiting.start()
    time.sleep(0.8)
    assert waiting.is_alive() and not reports
    release_lock(db, "vector-index", token)
    waiting.join(60)
    assert reports[0].embedded == len(SHOP)  # it found the index empty: it built it
    assert db.job_locks.find_one({"_id": "vector-index"}) is None  # and let the lock go

    # The next process finds every fingerprint current: nothing to embed.
    assert first.sync(catalog).embedded == 0

    # A process that did not write the vectors drops its in-memory copy when another one did.
    first.shared_version()  # it has followed the versions so far
    store.warm_up()
    assert store._mirror is not None
    espresso = small_shop["house-espresso"]
    touch(db, espresso, description="A darker roast now, with notes of cocoa and smoke.")
    catalog.invalidate()
    changed = [catalog.get(str(espresso["_id"]))]
    assert second.apply(changed).embedded == 1
    before = store.version
    assert first.shared_version() > 0
    assert store._mirror is None and store.version > before  # caches stamped with it start afresh

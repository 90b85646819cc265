"""Keeping the product vector index in step with the catalog: embed what changed, drop what is gone.

Several processes on one Chroma server (CHROMA_URL): the full sync at start-up and a rebuild run
under a lock in the database (`vector-index`), one process at a time, so N processes starting together
embed the catalog once (the next ones find every fingerprint current: a metadata read). Change events
are followed by every process without a lock: the same text makes the same vector and the fingerprint
check turns the second writer's upsert into a no-op, so concurrent writers are harmless. A process
that wrote vectors bumps the shared "vectors" version (shop.core.versions); the others then drop
their in-memory copy of the vectors (read again from the server on the next search) and restart the
caches stamped with it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pymongo.database import Database

from shop.catalog.snapshot import Catalog, Product
from shop.core.locks import acquire_lock, release_lock
from shop.core.settings import Settings
from shop.core.versions import VECTORS, SharedVersions
from shop.discovery.documents import product_document, product_metadata

if TYPE_CHECKING:
    from vectorstore.store import ProductVectorStore

log = logging.getLogger(__name__)

INDEX_LOCK = "vector-index"
INDEX_LOCK_TTL = timedelta(minutes=30)
"""Longer than a first embedding of a big catalog (4,000 products: ~40 s on 2 cores); a holder that
died leaves the lock to expire."""
INDEX_LOCK_WAIT = 600.0


def open_vector_store(settings: Settings) -> ProductVectorStore | None:
    """The configured vector index (a local Chroma folder, or the Chroma server at CHROMA_URL), or
    None when semantic search is off. The embedding model loads with it (~90 MB, a few seconds),
    so it is imported only here, when a shop actually asks for it."""
    if not settings.semantic_search:
        return None
    from vectorstore import ProductVectorStore

    return ProductVectorStore(settings.chroma_location)


@dataclass
class SyncReport:
    embedded: int = 0
    metadata_updated: int = 0
    deleted: int = 0
    unchanged: int = 0


class ProductIndex:
    """Keeps a ProductVectorStore equal to the catalog's active products.

    Only changed text is re-embedded (fingerprint compare); a changed price, rating or stock flag only
    rewrites metadata. Catalog change events arrive on whichever request thread refreshed the
    catalog, so that thread must never wait behind a long sync: events are queued, applied at once
    when the index is idle and by the running sync otherwise, and a big batch (a bulk import) goes
    to a background thread. A failure while following events must never break the page that
    triggered them: it is logged and `dirty` is set for the next `sync` to repair.
    """

    def __init__(
        self,
        store: ProductVectorStore,
        *,
        inline_limit: int = 32,
        db: Database | None = None,
        versions: SharedVersions | None = None,
    ) -> None:
        self.store = store
        self.inline_limit = inline_limit
        self.db = db
        """Given when the store is shared with other processes: its lock serialises syncs."""
        self.versions = versions
        self._vectors_seen = 0
        """The shared vectors version the store's in-memory copy of the vectors follows."""
        self.dirty = False
        self._lock = threading.Lock()
        self._pending: list[Product] = []
        self._pending_lock = threading.Lock()

    def shared_version(self) -> int:
        """The shared vectors version (0 when the store is this process's own). When another process
        wrote vectors since the last look, the in-memory copy of them is dropped to be read again."""
        if self.versions is None:
            return 0
        current = self.versions.get(VECTORS)
        if current != self._vectors_seen:
            self.store.forget_mirror()
            self._vectors_seen = current
        return current

    def _announce(self, report: SyncReport) -> None:
        if self.versions is None or not (report.embedded or report.deleted):
            return
        seen = self._vectors_seen
        value = self.versions.bump(VECTORS)
        if value is not None and value == seen + 1:  # nobody else wrote meanwhile: our copy is current
            self._vectors_seen = value

    def _index_lock(self) -> str | None:
        """Wait for the shared index's lock (None without a shared store); raises TimeoutError."""
        if self.db is None:
            return None
        deadline = time.monotonic() + INDEX_LOCK_WAIT
        while (token := acquire_lock(self.db, INDEX_LOCK, ttl=INDEX_LOCK_TTL)) is None:
            if time.monotonic() > deadline:
                raise TimeoutError("another process has held the vector index lock for 10 minutes")
            time.sleep(0.5)
        return token

    def _release(self, token: str | None) -> None:
        if token is not None and self.db is not None:
            release_lock(self.db, INDEX_LOCK, token)

    def sync(self, catalog: Catalog, *, progress: Callable[[int, int], None] | None = None) -> SyncReport:
        """Make the store match the catalog; cheap when nothing changed (no model call)."""
        token = self._index_lock()
        try:
            report = self._sync(catalog, progress)
        finally:
            self._release(token)
        self._announce(report)
        return report

    def _sync(self, catalog: Catalog, progress: Callable[[int, int], None] | None) -> SyncReport:
        with self._lock:
            try:
                active = catalog.all()
                stored = self.store.metadata()
                report = self._apply(active, stored, progress=progress)
                gone = set(stored) - {p.id for p in active}
                self.store.delete(sorted(gone))
                report.deleted += len(gone)
                self.dirty = False
            finally:
                self._drain_locked()
        self._drain_stragglers()
        return report

    def rebuild(self, catalog: Catalog, progress: Callable[[int, int], None] | None = None) -> SyncReport:
        """Drop every vector and embed the whole catalog again (after a model or document change).

        A shared store keeps its collection (other processes hold it open) and loses its records instead."""
        token = self._index_lock()
        try:
            with self._lock:
                try:
                    if self.db is None:
                        self.store.reset()
                    else:
                        self.store.delete(self.store.ids())
                    report = self._apply(catalog.all(), {}, progress=progress)
                    self.dirty = False
                finally:
                    self._drain_locked()
        finally:
            self._release(token)
        self._drain_stragglers()
        self._announce(report)
        return report

    def apply(self, products: Iterable[Product]) -> SyncReport:
        """Follow changed products now: re-embed, update metadata, or remove the deleted ones."""
        with self._lock:
            report = self._apply_changes(list(products))
        self._announce(report)
        return report

    def attach(self, catalog: Catalog) -> None:
        """Follow the catalog's change events from now on.

        The catalog is loaded first, so its initial load is not replayed through the listener (that
        would embed a fresh catalog inside the first page request); call `sync` once at start-up,
        in a background thread if the store may be empty.
        """
        catalog.all()
        catalog.on_change(self._on_change)

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until queued changes are applied (tests, CLI commands); False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._pending_lock:
                idle = not self._pending
            if idle and self._lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
                self._lock.release()
                with self._pending_lock:
                    if not self._pending:
                        return True
            time.sleep(0.01)
        return False

    # --- change events ----------------------------------------------------------------------
    def _on_change(self, products: list[Product]) -> None:
        with self._pending_lock:
            self._pending.extend(products)
            backlog = len(self._pending)
        if backlog > self.inline_limit:
            threading.Thread(target=self._drain_stragglers, name="product-index", daemon=True).start()
        else:
            self._drain_stragglers()

    def _drain_stragglers(self) -> None:
        """Apply queued changes unless someone else holds the index; they will apply them instead.

        Re-checked after every release, so a change queued while the holder was finishing is not
        left behind until the next event.
        """
        while True:
            with self._pending_lock:
                if not self._pending:
                    return
            if not self._lock.acquire(blocking=False):
                return
            try:
                self._drain_locked()
            finally:
                self._lock.release()

    def _drain_locked(self) -> None:
        with self._pending_lock:
            batch, self._pending = self._pending, []
        if not batch:
            return
        latest = {product.id: product for product in batch}  # later versions win
        try:
            self._announce(self._apply_changes(list(latest.values())))
        except Exception:
            self.dirty = True
            log.exception("Could not update the product vector index; the next sync will repair it")

    def _apply_changes(self, changed: list[Product]) -> SyncReport:
        removed = [p.id for p in changed if p.deleted]
        live = [p for p in changed if not p.deleted]
        stored = self.store.metadata([p.id for p in live])
        report = self._apply(live, stored)
        self.store.delete(removed)
        report.deleted += len(removed)
        return report

    def _apply(
        self,
        products: Sequence[Product],
        stored: dict[str, dict[str, Any]],
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> SyncReport:
        from vectorstore.store import FINGERPRINT_KEY

        embed: list[tuple[str, str, dict[str, Any]]] = []
        update: list[tuple[str, dict[str, Any]]] = []
        unchanged = 0
        for product in products:
            document = product_document(product)
            metadata = product_metadata(product)
            current = stored.get(product.id)
            if current is None or current.get(FINGERPRINT_KEY) != self.store.fingerprint(document):
                embed.append((product.id, document, metadata))
            elif any(current.get(key) != value for key, value in metadata.items()):
                update.append((product.id, metadata))
            else:
                unchanged += 1
        if embed:
            ids, documents, metadatas = zip(*embed, strict=True)
            self.store.upsert(ids, documents, metadatas, progress=progress)
        if update:
            ids_, metadatas_ = zip(*update, strict=True)
            self.store.update_metadata(ids_, metadatas_)
        return SyncReport(embedded=len(embed), metadata_updated=len(update), unchanged=unchanged)

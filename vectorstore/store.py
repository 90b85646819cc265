"""A Chroma collection of product vectors: ids, vectors and flat metadata, nothing else.

Why this layer knows nothing about MongoDB, orders or HTTP: the domain (shop/) decides what text to
embed and which metadata to filter on; this module only guarantees that vectors are made by OUR
embedding function (never Chroma's downloading default), that writes are batched, and that a caller
can tell which stored vectors are stale.

Staleness: every record carries a `fingerprint` metadata value, a hash of the embedded text and the
model name. A caller recomputes `fingerprint(document)` and re-embeds only where it differs, so a
restart (or a price change) does not re-embed an unchanged catalog, and switching models does.

Unfiltered reads, the neighbours of a stored record (the "similar products" row of every product
page) and the nearest records to a search text, are answered from an exact in-memory mirror of the
vectors (`_Mirror`), loaded from Chroma on first use and kept in step by this object's own writes:
a matrix product over a small shop's few thousand vectors takes a fraction of a millisecond, where a
Chroma `get` plus `query` costs milliseconds and contends under concurrent requests. Filtered
queries go to Chroma, which stays the store of record.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings as ChromaSettings

from vectorstore.embeddings import LocalSentenceEmbedding

log = logging.getLogger(__name__)

FINGERPRINT_KEY = "fingerprint"
"""Metadata key holding the hash of the embedded text; reserved, callers must not use it."""

MetadataValue = str | int | float | bool
Metadata = Mapping[str, MetadataValue]
Progress = Callable[[int, int], None]
"""Called as progress(done, total) after each embedded batch."""

_PAGE = 5000  # rows per `get` page when listing a whole collection
MIRROR_LIMIT = 100_000
"""Above this many vectors (~150 MB as float32) neighbours go to Chroma instead of the mirror."""
TABLE_K = 32
TABLE_LIMIT = 20_000
"""Up to this many vectors every record's TABLE_K nearest are computed at once and kept."""


class _Mirror:
    """Unit-length copies of the collection's vectors for exact cosine neighbours (see module doc)."""

    _compute = threading.Lock()

    def __init__(self, ids: Sequence[str], vectors: Any) -> None:
        self.ids = list(ids)
        self.rows = {id_: i for i, id_ in enumerate(self.ids)}
        self.matrix = self._unit(np.asarray(vectors, dtype=np.float32).reshape(len(self.ids), -1))
        self._table: list[list[tuple[str, float]]] | None = None  # built on first use, see _build_table

    @staticmethod
    def _unit(matrix: Any) -> Any:
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return matrix / np.where(norms == 0, 1.0, norms)

    def upsert(self, ids: Sequence[str], vectors: Any) -> _Mirror:
        """A new mirror with these rows replaced or added (readers keep using the old one meanwhile)."""
        new = self._unit(np.asarray(vectors, dtype=np.float32).reshape(len(ids), -1))
        if self.ids and new.shape[1] != self.matrix.shape[1]:
            raise ValueError("vector dimension changed")
        matrix = self.matrix.copy() if self.ids else np.zeros((0, new.shape[1]), dtype=np.float32)
        all_ids = list(self.ids)
        extra = []
        for id_, row in zip(ids, new, strict=True):
            index = self.rows.get(id_)
            if index is None:
                all_ids.append(id_)
                extra.append(row)
            else:
                matrix[index] = row
        if extra:
            matrix = np.vstack([matrix, np.stack(extra)])
        return _Mirror(all_ids, matrix)

    def delete(self, ids: Iterable[str]) -> _Mirror:
        gone = set(ids)
        keep = [i for i, id_ in enumerate(self.ids) if id_ not in gone]
        return _Mirror(
            [self.ids[i] for i in keep],
            self.matrix[keep] if keep else np.zeros((0, self.matrix.shape[1]), dtype=np.float32),
        )

    def neighbours(self, id_: str, n: int) -> list[tuple[str, float]] | None:
        index = self.rows.get(id_)
        if index is None:
            return None
        if n <= TABLE_K and len(self.ids) <= TABLE_LIMIT:
            table = self._table if self._table is not None else self._build_table()
            return table[index][:n]
        # One product at a time: OpenBLAS called from many request threads at once spends its time
        # in contention (measured 40x slower than the same calls in a row).
        with self._compute:
            similarity = self.matrix @ self.matrix[index]
        return self._top(similarity, index, n)

    def nearest(self, vector: Any, n: int) -> list[tuple[str, float]]:
        """Records nearest to a (query) vector, as (id, cosine distance), closest first."""
        unit = self._unit(np.asarray(vector, dtype=np.float32).reshape(1, -1))[0]
        with self._compute:
            similarity = self.matrix @ unit
        return self._top(similarity, None, n)

    def _top(self, similarity: Any, index: int | None, n: int) -> list[tuple[str, float]]:
        if index is not None:
            similarity[index] = -np.inf
        k = min(n, len(self.ids) - (index is not None))
        if k <= 0:
            return []
        top = np.argpartition(-similarity, k - 1)[:k]
        top = top[np.argsort(-similarity[top], kind="stable")]
        return [(self.ids[i], float(1.0 - similarity[i])) for i in top]

    def _build_table(self) -> list[list[tuple[str, float]]]:
        """Every record's TABLE_K nearest, in one blocked matrix product (~30 ms for 2,000 records)."""
        with self._compute:
            if self._table is None:
                table: list[list[tuple[str, float]]] = []
                for start in range(0, len(self.ids), 512):
                    block = self.matrix[start : start + 512] @ self.matrix.T
                    table.extend(self._top(row, start + i, TABLE_K) for i, row in enumerate(block))
                self._table = table
            return self._table


def chroma_settings() -> ChromaSettings:
    """Client settings: telemetry off, so a search never phones home."""
    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def make_client(location: str | Path) -> ClientAPI:
    """A PersistentClient for a directory, or an HttpClient for an http(s):// Chroma server URL."""
    text = str(location)
    if text.startswith(("http://", "https://")):
        parts = urlsplit(text)
        if not parts.hostname:
            raise ValueError(f"Chroma URL without a host: {text!r}")
        ssl = parts.scheme == "https"
        return chromadb.HttpClient(
            host=parts.hostname,
            port=parts.port or (443 if ssl else 8000),
            ssl=ssl,
            settings=chroma_settings(),
        )
    path = Path(text)
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings())


class ProductVectorStore:
    """One Chroma collection in cosine space, written and queried with our own embeddings."""

    def __init__(
        self,
        location: str | Path,
        collection: str = "products",
        *,
        embedding: LocalSentenceEmbedding | None = None,
        batch_size: int = 256,
    ) -> None:
        self.location = str(location)
        self.collection_name = collection
        self.embedding = embedding or LocalSentenceEmbedding()
        self.batch_size = batch_size
        self.client = make_client(location)
        self._lock = threading.RLock()
        self._collection = self._open()
        self._mirror: _Mirror | None = None  # loaded on the first unfiltered read
        self.version = 0
        """Moves with every write, so callers can cache what they derived from the vectors."""

    # --- collection lifecycle ---------------------------------------------------------------
    def _open(self) -> Collection:
        # Our function is passed on create AND get: a collection fetched without it would silently
        # fall back to Chroma's default, which downloads an ONNX model on first use.
        collection = self.client.get_or_create_collection(
            self.collection_name,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"model": self.embedding.model},
            embedding_function=self.embedding,  # type: ignore[arg-type]
        )
        stored_model = (collection.metadata or {}).get("model")
        if stored_model not in (None, self.embedding.model):
            # Vectors of another model (maybe another dimension) cannot be mixed with ours.
            log.warning("Chroma collection %s was built with %s; rebuilding it", self.collection_name, stored_model)
            self.client.delete_collection(self.collection_name)
            return self._open()
        return collection

    @property
    def collection(self) -> Collection:
        return self._collection

    def reset(self) -> None:
        """Drop every vector (e.g. before a full rebuild)."""
        with self._lock:
            self.client.delete_collection(self.collection_name)
            self._collection = self._open()
            self._mirror = None
            self.version += 1

    def forget_mirror(self) -> None:
        """Drop the in-memory copy of the vectors (another process wrote to a shared server); the next
        read that uses it loads it again."""
        with self._lock:
            if self._mirror is not None:
                self._mirror = None
                self.version += 1

    # --- writes -----------------------------------------------------------------------------
    def fingerprint(self, document: str) -> str:
        """Hash of what a vector was made from: the text and the model that embedded it."""
        return hashlib.sha256(f"{self.embedding.model}\n{document}".encode()).hexdigest()[:32]

    def upsert(
        self,
        ids: Sequence[str],
        documents: Sequence[str],
        metadatas: Sequence[Metadata] | None = None,
        *,
        progress: Progress | None = None,
    ) -> int:
        """Embed and store records in batches; returns how many were written."""
        if not (len(ids) == len(documents) and (metadatas is None or len(metadatas) == len(ids))):
            raise ValueError("ids, documents and metadatas must have the same length")
        total = len(ids)
        step = max(1, min(self.batch_size, self.client.get_max_batch_size()))
        done = 0
        for start in range(0, total, step):
            batch_ids = list(ids[start : start + step])
            batch_docs = list(documents[start : start + step])
            batch_meta = [
                {**(metadatas[start + i] if metadatas is not None else {}), FINGERPRINT_KEY: self.fingerprint(doc)}
                for i, doc in enumerate(batch_docs)
            ]
            vectors = self.embedding.encode(batch_docs)
            with self._lock:
                self._collection.upsert(
                    ids=batch_ids,
                    embeddings=vectors,
                    documents=batch_docs,
                    metadatas=batch_meta,  # type: ignore[arg-type]
                )
                if self._mirror is not None:
                    self._mirror = self._mirror.upsert(batch_ids, vectors)
                self.version += 1
            done += len(batch_ids)
            if progress is not None:
                progress(done, total)
        return done

    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[Metadata]) -> None:
        """Change filterable metadata (price, stock) without re-embedding; the fingerprint is kept."""
        if not ids:
            return
        current = self.metadata(ids)
        merged = []
        for id_, meta in zip(ids, metadatas, strict=True):
            row = dict(meta)
            if FINGERPRINT_KEY in current.get(id_, {}):
                row[FINGERPRINT_KEY] = current[id_][FINGERPRINT_KEY]
            merged.append(row)
        with self._lock:
            self._collection.update(ids=list(ids), metadatas=merged)  # type: ignore[arg-type]
            self.version += 1

    def delete(self, ids: Iterable[str]) -> None:
        id_list = list(ids)
        if id_list:
            with self._lock:
                self._collection.delete(ids=id_list)
                if self._mirror is not None:
                    self._mirror = self._mirror.delete(id_list)
                self.version += 1

    # --- reads ------------------------------------------------------------------------------
    def count(self) -> int:
        return self._collection.count()

    def ids(self) -> list[str]:
        return list(self.metadata())

    def metadata(self, ids: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
        """Metadata by id (all records when `ids` is None), fingerprint included."""
        result: dict[str, dict[str, Any]] = {}
        if ids is not None:
            if not ids:
                return result
            got = self._collection.get(ids=list(ids), include=["metadatas"])
            for id_, meta in zip(got["ids"], got["metadatas"] or [], strict=False):
                result[id_] = dict(meta or {})
            return result
        offset = 0
        while True:
            got = self._collection.get(include=["metadatas"], limit=_PAGE, offset=offset)
            for id_, meta in zip(got["ids"], got["metadatas"] or [], strict=False):
                result[id_] = dict(meta or {})
            if len(got["ids"]) < _PAGE:
                return result
            offset += _PAGE

    def fingerprints(self) -> dict[str, str]:
        """Stored fingerprint per id, for the caller's staleness check."""
        return {id_: str(meta.get(FINGERPRINT_KEY, "")) for id_, meta in self.metadata().items()}

    def stale_ids(self, documents: Mapping[str, str]) -> list[str]:
        """Ids (of `documents`) whose stored vector is missing or was made from other text."""
        stored = self.fingerprints()
        return [id_ for id_, doc in documents.items() if stored.get(id_) != self.fingerprint(doc)]

    def query(self, text: str, n: int = 10, where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """Nearest records to a text as (id, cosine distance), closest first."""
        if n <= 0 or not text.strip():
            return []
        return self._query_vector(self.embedding.encode_query(text), n, where)

    def neighbours_of(self, id_: str, n: int = 10, where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """Nearest records to a stored record's own vector (no re-embedding), itself excluded."""
        if n <= 0:
            return []
        mirror = self._load_mirror() if where is None else None
        if mirror is not None:
            found = mirror.neighbours(id_, n)
            if found is not None:
                return found
        got = self._collection.get(ids=[id_], include=["embeddings"])
        embeddings = got.get("embeddings")
        if not got["ids"] or embeddings is None or len(embeddings) == 0:
            return []
        hits = self._query_vector(embeddings[0], n + 1, where)
        return [(hit, distance) for hit, distance in hits if hit != id_][:n]

    def warm_up(self) -> None:
        """Load the mirror and its neighbour table now (start-up), not on a visitor's first page."""
        mirror = self._load_mirror()
        if mirror is not None and mirror.ids:
            mirror.neighbours(mirror.ids[0], 1)

    def _load_mirror(self) -> _Mirror | None:
        mirror = self._mirror
        if mirror is not None:
            return mirror
        with self._lock:
            if self._mirror is None:
                if self._collection.count() > MIRROR_LIMIT:
                    return None
                ids: list[str] = []
                vectors: list[Any] = []
                offset = 0
                while True:
                    got = self._collection.get(include=["embeddings"], limit=_PAGE, offset=offset)
                    ids.extend(got["ids"])
                    embeddings = got.get("embeddings")
                    if embeddings is not None and len(embeddings):
                        vectors.extend(embeddings)
                    if len(got["ids"]) < _PAGE:
                        break
                    offset += _PAGE
                if len(vectors) != len(ids) or not ids:
                    return None
                self._mirror = _Mirror(ids, vectors)
            return self._mirror

    def _query_vector(self, vector: Any, n: int, where: dict[str, Any] | None) -> list[tuple[str, float]]:
        mirror = self._load_mirror() if not where else None
        if mirror is not None:
            return mirror.nearest(vector, n)
        # Chroma 1.x returns fewer rows (not an error) when n exceeds the collection size.
        result = self._collection.query(
            query_embeddings=[vector],
            n_results=n,
            where=where or None,
            include=["distances"],
        )
        ids = result["ids"][0] if result["ids"] else []
        distances = result["distances"][0] if result.get("distances") else [0.0] * len(ids)
        return [(id_, float(d)) for id_, d in zip(ids, distances, strict=False)]

"""The Chroma product store with the real MiniLM model and a real persistent Chroma in tmp_path.

The network guard matters as much as the results: Chroma's default embedding function downloads an
ONNX model on first use, and a search must never reach outside the machine.
"""

from __future__ import annotations

import ipaddress
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chromadb.api.types import DefaultEmbeddingFunction
from chromadb.utils.embedding_functions.onnx_mini_lm_l6_v2 import ONNXMiniLM_L6_V2

from vectorstore import FINGERPRINT_KEY, LocalSentenceEmbedding, ProductVectorStore
from vectorstore.embeddings import default_model_path
from vectorstore.store import make_client

DOCS = {
    "chamomile": "Chamomile & Lavender Herbal Blend. Tea. A caffeine-free infusion to unwind before sleep.",
    "valerian": "Valerian & Lemon Balm Herbal Blend. Tea. A calming bedtime tea for a restful night.",
    "espresso": "House Espresso Roast. Coffee. A dark roast with thick crema and notes of cocoa.",
    "handcream": "Shea Butter Hand Cream. Beauty Cream. Rich cream for dry, cracked hands.",
    "honey": "Acacia Honey. Pantry & Treats. Mild runny honey, lovely in tea or on toast.",
}
META: dict[str, dict[str, str | float | bool]] = {
    "chamomile": {"category": "tea", "price": 9.5, "in_stock": True},
    "valerian": {"category": "tea", "price": 18.0, "in_stock": True},
    "espresso": {"category": "coffee", "price": 14.95, "in_stock": True},
    "handcream": {"category": "beauty", "price": 12.0, "in_stock": False},
    "honey": {"category": "food", "price": 7.25, "in_stock": True},
}


@pytest.fixture
def filled(store: ProductVectorStore) -> ProductVectorStore:
    store.upsert(list(DOCS), list(DOCS.values()), [META[k] for k in DOCS])
    return store


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Refuse every non-loopback connection and make Chroma's default embedder explode if called."""
    attempts: list[Any] = []

    def is_loopback(address: Any) -> bool:
        if not isinstance(address, tuple):
            return True  # AF_UNIX paths
        host = str(address[0])
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return host == "localhost"

    real_connect = socket.socket.connect
    real_create = socket.create_connection

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        if not is_loopback(address):
            attempts.append(address)
            raise OSError(f"network access blocked in test: {address!r}")
        return real_connect(self, address)

    def guarded_create(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        if not is_loopback(address):
            attempts.append(address)
            raise OSError(f"network access blocked in test: {address!r}")
        return real_create(address, *args, **kwargs)

    def no_default(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("Chroma's default embedding function was called")

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "create_connection", guarded_create)
    monkeypatch.setattr(DefaultEmbeddingFunction, "__call__", no_default)
    monkeypatch.setattr(ONNXMiniLM_L6_V2, "__call__", no_default)
    yield attempts


def test_collection_uses_our_embedding_function_in_cosine_space(
    store: ProductVectorStore, embedding: LocalSentenceEmbedding, tmp_path: Path
) -> None:
    assert store.collection._embedding_function is embedding
    config = store.collection.configuration_json
    assert config["hnsw"]["space"] == "cosine"
    assert config["embedding_function"]["name"] == LocalSentenceEmbedding.name()
    assert config["embedding_function"]["config"]["model"] == "all-MiniLM-L6-v2"  # a name, not a venv path

    reopened = ProductVectorStore(tmp_path / "chroma", embedding=embedding)  # the get path, not create
    assert reopened.collection._embedding_function is embedding
    assert reopened.collection.configuration_json["hnsw"]["space"] == "cosine"


def test_whole_lifecycle_runs_offline_without_chromas_default_embedder(
    offline: list[Any], tmp_path: Path, embedding: LocalSentenceEmbedding
) -> None:
    store = ProductVectorStore(tmp_path / "chroma", embedding=embedding)
    store.upsert(list(DOCS), list(DOCS.values()), [META[k] for k in DOCS])
    assert store.query("something to help me sleep", 2)
    assert store.neighbours_of("espresso", 2)
    # Chroma's own text path must also land on our function, never its default.
    assert store.collection.query(query_texts=["bedtime tea"], n_results=1)["ids"][0]
    reopened = ProductVectorStore(tmp_path / "chroma", embedding=LocalSentenceEmbedding())
    assert reopened.count() == len(DOCS)
    assert reopened.query("hand cream", 1)[0][0] == "handcream"
    assert offline == []
    with pytest.raises(OSError):  # the guard is live: this is what a download attempt would hit
        socket.create_connection(("192.0.2.1", 443), timeout=0.1)
    assert offline == [("192.0.2.1", 443)]


def test_embeddings_are_normalised_384_float_vectors(embedding: LocalSentenceEmbedding) -> None:
    vectors = embedding(["green tea", "espresso"])
    assert len(vectors) == 2
    assert all(len(v) == 384 for v in vectors)
    assert embedding.dimension == 384
    assert abs(float((vectors[0] ** 2).sum()) - 1.0) < 1e-4
    assert embedding.model_path == default_model_path()


def test_query_vectors_are_cached(embedding: LocalSentenceEmbedding) -> None:
    first = embedding.encode_query("a cached query")
    assert embedding.encode_query("a cached query") is first


def test_concurrent_misses_of_one_query_encode_it_once(monkeypatch: pytest.MonkeyPatch) -> None:
    embedding = LocalSentenceEmbedding()
    calls: list[list[str]] = []
    real_encode = embedding.encode

    def counted(texts: list[str]) -> Any:
        calls.append(texts)
        time.sleep(0.2)  # long enough for every thread to miss the cache while the first encodes
        return real_encode(texts)

    monkeypatch.setattr(embedding, "encode", counted)
    results: list[Any] = []
    threads = [threading.Thread(target=lambda: results.append(embedding.encode_query("herd"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [["herd"]]
    assert len(results) == 8 and all(r is results[0] for r in results)


def test_hub_model_names_are_refused() -> None:
    with pytest.raises(ValueError, match="never downloaded"):
        LocalSentenceEmbedding("sentence-transformers/all-mpnet-base-v2")


def test_upsert_query_delete(filled: ProductVectorStore) -> None:
    assert filled.count() == 5
    assert sorted(filled.ids()) == sorted(DOCS)

    hits = filled.query("something caffeine-free to help me sleep", 3)
    assert {pid for pid, _ in hits[:2]} == {"chamomile", "valerian"}
    assert all(0.0 <= distance <= 2.0 for _, distance in hits)
    assert [d for _, d in hits] == sorted(d for _, d in hits)

    filled.delete(["chamomile"])
    assert filled.count() == 4
    assert "chamomile" not in [pid for pid, _ in filled.query("chamomile sleep", 5)]
    filled.delete([])  # a no-op, not an error


def test_query_handles_more_results_than_records_and_empty_store(filled: ProductVectorStore) -> None:
    assert len(filled.query("tea", 50)) == 5
    assert filled.query("   ", 5) == []
    filled.reset()
    assert filled.count() == 0
    assert filled.query("tea", 5) == []
    assert filled.neighbours_of("chamomile", 5) == []


def test_upsert_is_batched_and_reports_progress(tmp_path: Path, embedding: LocalSentenceEmbedding) -> None:
    store = ProductVectorStore(tmp_path / "chroma", embedding=embedding, batch_size=2)
    calls: list[tuple[int, int]] = []
    written = store.upsert(list(DOCS), list(DOCS.values()), progress=lambda done, total: calls.append((done, total)))
    assert written == 5
    assert calls == [(2, 5), (4, 5), (5, 5)]
    with pytest.raises(ValueError):
        store.upsert(["a", "b"], ["only one"])


def test_where_filters_restrict_the_candidates(filled: ProductVectorStore) -> None:
    teas = filled.query("something nice", 10, where={"category": "tea"})
    assert {pid for pid, _ in teas} == {"chamomile", "valerian"}
    cheap = filled.query("something nice", 10, where={"$and": [{"price": {"$lte": 10.0}}, {"in_stock": True}]})
    assert {pid for pid, _ in cheap} == {"chamomile", "honey"}


def test_neighbours_use_the_stored_vector_and_exclude_the_record(filled: ProductVectorStore) -> None:
    neighbours = filled.neighbours_of("chamomile", 3)
    assert "chamomile" not in [pid for pid, _ in neighbours]
    assert len(neighbours) == 3
    assert neighbours[0][0] == "valerian"
    assert [pid for pid, _ in filled.neighbours_of("chamomile", 3, where={"category": "coffee"})] == ["espresso"]
    assert filled.neighbours_of("no-such-id", 3) == []


def test_neighbours_from_the_mirror_match_chroma_and_follow_writes(filled: ProductVectorStore) -> None:
    """Unfiltered reads come from the in-memory mirror; they must be Chroma's answer, and stay so
    after upserts and deletes made through the store."""

    def from_chroma(id_: str, n: int) -> list[tuple[str, float]]:
        got = filled.collection.get(ids=[id_], include=["embeddings"])
        result = filled.collection.query(query_embeddings=[got["embeddings"][0]], n_results=n + 1)
        hits = zip(result["ids"][0], result["distances"][0], strict=True)  # type: ignore[index]
        return [(hit, d) for hit, d in hits if hit != id_][:n]

    filled.warm_up()  # start-up loads the mirror and every record's neighbours before any visitor
    assert filled._mirror is not None and filled._mirror._table is not None
    for id_ in DOCS:
        mirrored = filled.neighbours_of(id_, 3)
        assert [pid for pid, _ in mirrored] == [pid for pid, _ in from_chroma(id_, 3)]
        assert [d for _, d in mirrored] == pytest.approx([d for _, d in from_chroma(id_, 3)], abs=1e-4)
    vector = filled.embedding.encode_query("something caffeine-free to help me sleep")
    chroma = filled.collection.query(query_embeddings=[vector], n_results=3)
    assert [pid for pid, _ in filled.query("something caffeine-free to help me sleep", 3)] == chroma["ids"][0]
    filled.upsert(["sleepy"], ["Caffeine-free bedtime tea of chamomile and valerian root, calming."])
    assert "sleepy" in [pid for pid, _ in filled.neighbours_of("chamomile", 2)]
    filled.delete(["valerian", "sleepy"])
    assert not {"valerian", "sleepy"} & {pid for pid, _ in filled.neighbours_of("chamomile", 10)}
    assert len(filled.neighbours_of("chamomile", 10)) == 3


def test_fingerprints_tell_which_records_are_stale(filled: ProductVectorStore) -> None:
    fingerprints = filled.fingerprints()
    assert set(fingerprints) == set(DOCS)
    assert fingerprints["honey"] == filled.fingerprint(DOCS["honey"])
    assert filled.stale_ids(DOCS) == []
    changed = {**DOCS, "honey": DOCS["honey"] + " Now in a bigger jar.", "new": "Brand new product."}
    assert sorted(filled.stale_ids(changed)) == ["honey", "new"]
    assert filled.metadata(["espresso"])["espresso"]["category"] == "coffee"


def test_update_metadata_keeps_vector_and_fingerprint(filled: ProductVectorStore) -> None:
    before = filled.neighbours_of("espresso", 4)
    fingerprint = filled.fingerprints()["espresso"]
    filled.update_metadata(["espresso"], [{"category": "coffee", "price": 9.0, "in_stock": False}])
    meta = filled.metadata(["espresso"])["espresso"]
    assert meta["price"] == 9.0
    assert meta["in_stock"] is False
    assert meta[FINGERPRINT_KEY] == fingerprint
    assert filled.neighbours_of("espresso", 4) == before
    assert [pid for pid, _ in filled.query("coffee", 5, where={"price": {"$lt": 10.0}})][:1] == ["espresso"]


def test_switching_model_rebuilds_the_collection(tmp_path: Path, filled: ProductVectorStore) -> None:
    # The same weights given as a path count as "another model": the stored vectors must not be reused.
    other = LocalSentenceEmbedding(default_model_path())
    assert other.model != filled.embedding.model
    reopened = ProductVectorStore(tmp_path / "chroma", embedding=other)
    assert reopened.count() == 0
    assert filled.fingerprint("x") != reopened.fingerprint("x")


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    """A real Chroma server (the `chroma run` CLI that ships with chromadb) on a free loopback port."""
    executable = shutil.which("chroma", path=str(Path(sys.executable).parent))
    if executable is None:
        pytest.skip("the chroma CLI is not installed next to this Python")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [executable, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                make_client(url).heartbeat()
                break
            except Exception:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(10)


def test_http_client_against_a_real_chroma_server(chroma_server: str, embedding: LocalSentenceEmbedding) -> None:
    store = ProductVectorStore(chroma_server, embedding=embedding)
    assert store.collection._embedding_function is embedding
    assert store.collection.configuration_json["hnsw"]["space"] == "cosine"
    store.upsert(list(DOCS), list(DOCS.values()), [META[k] for k in DOCS])
    assert ProductVectorStore(chroma_server, embedding=embedding).count() == len(DOCS)
    assert store.query("shea butter for dry hands", 1)[0][0] == "handcream"
    assert [pid for pid, _ in store.query("something", 5, where={"category": "coffee"})] == ["espresso"]
    assert store.neighbours_of("chamomile", 1)[0][0] == "valerian"
    store.reset()
    assert store.count() == 0


def test_chroma_urls_must_name_a_host() -> None:
    with pytest.raises(ValueError, match="without a host"):
        make_client("http://")

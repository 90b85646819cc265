"""Product vectors in Chroma, embedded locally; knows ids, vectors and metadata, nothing about the shop.

Import from here: `ProductVectorStore` (the collection) and `LocalSentenceEmbedding` (the embedding
function that replaces Chroma's downloading default).
"""

from vectorstore.embeddings import LocalSentenceEmbedding
from vectorstore.store import FINGERPRINT_KEY, ProductVectorStore

__all__ = ["FINGERPRINT_KEY", "LocalSentenceEmbedding", "ProductVectorStore"]

"""Finding passages: the Chroma collection (dense), BM25 over the same chunks (lexical),
and reciprocal-rank fusion of the two.

Dense search finds paraphrases ("backs" ~ "has the support of"); lexical search
finds rare names and numbers the small embedding model blurs. Fusing ranks, not
scores, needs no tuning across the two scales.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from agent.errors import IndexUnavailable
from agent.index.store import Store
from agent.models import Chunk
from agent.settings import Settings
from agent.timing import stage

if TYPE_CHECKING:  # chromadb takes a second to import: a graph or date answer never needs it
    import chromadb


@dataclass
class Hit:
    chunk: Chunk
    score: float


def open_collection(settings: Settings) -> chromadb.Collection:
    import chromadb

    from agent.index.embeddings import EMBEDDING_NAME, MiniLMEmbedding  # registers it with Chroma

    # No telemetry: Dossier runs offline, and what is indexed is nobody else's business.
    client_settings = chromadb.Settings(anonymized_telemetry=False)
    if settings.chroma_host:
        try:
            client = chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=client_settings)
            client.heartbeat()
        except Exception as exc:  # chromadb raises several types for an unreachable server
            raise IndexUnavailable(
                f"cannot reach the Chroma server at {settings.chroma_host}:{settings.chroma_port} "
                f"(DOSSIER_CHROMA_HOST / DOSSIER_CHROMA_PORT): {exc}"
            ) from exc
    else:
        settings.index_path.mkdir(parents=True, exist_ok=True)
        client = chromadb.PersistentClient(path=str(settings.index_path), settings=client_settings)
    collection = client.get_or_create_collection(
        settings.collection,
        embedding_function=MiniLMEmbedding(),
        metadata={"embedding_model": EMBEDDING_NAME, "hnsw:space": "cosine"},
    )
    built_with = (collection.metadata or {}).get("embedding_model")
    if built_with != EMBEDDING_NAME:
        raise IndexUnavailable(
            f"the index '{settings.collection}' was built with embedding model {built_with!r}, "
            f"not {EMBEDDING_NAME!r}: re-ingest into a new index path or collection"
        )
    return collection


def reopen_collection(settings: Settings) -> chromadb.Collection:
    """The collection opened anew: an embedded Chroma client keeps its vector index in memory
    and does not see what another process added since. (A server needs no reopening.)"""
    if not settings.chroma_host:
        from chromadb.api.shared_system_client import SharedSystemClient

        # Chroma shares one client per path in a process; drop ours so the next one reads the files.
        SharedSystemClient._identifier_to_system.pop(str(settings.index_path), None)
    return open_collection(settings)


# Chroma refuses a write of more records than its client's maximum (5,461 on disk: one
# 3.7 MB article has more chunks); a server that does not say gets this many per write.
UNREPORTED_MAX_BATCH = 1000


def max_batch_size(collection: chromadb.Collection) -> int:
    """The most records one write may carry, as the collection's Chroma client reports it
    (Chroma's own batching helper asks the client the same way)."""
    reported = collection._client.get_max_batch_size()
    return reported if reported > 0 else UNREPORTED_MAX_BATCH


def add_chunks(collection: chromadb.Collection, chunks: list[Chunk]) -> None:
    """Embed and upsert `chunks`, in as many writes as the client's batch limit needs."""
    if not chunks:
        return
    from agent.index.embeddings import embed

    size = max_batch_size(collection)
    for first in range(0, len(chunks), size):
        batch = chunks[first : first + size]
        collection.upsert(
            ids=[c.id for c in batch],
            # Embedded here rather than by Chroma per call: `embed` sorts by length.
            embeddings=embed([c.text for c in batch]),
            documents=[c.text for c in batch],
            metadatas=[{"article_id": c.article_id, "start": c.start, "end": c.end} for c in batch],
        )


def delete_chunks(collection: chromadb.Collection, ids: list[str]) -> None:
    if not ids:
        return
    size = max_batch_size(collection)
    for first in range(0, len(ids), size):
        collection.delete(ids=ids[first : first + size])


_TOKEN = re.compile(r"\w+", re.UNICODE)
_STOP = frozenset(
    "a an and are as at be by did do does for from had has have he her his how in is it its of on or "
    "she that the their they this to was were what when where which who whom why will with".split()
)


def tokens(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text.lower()) if t not in _STOP]


class Retriever:
    """Hybrid search over everything in the store. Build once per process; cheap to query."""

    def __init__(self, store: Store, collection: Callable[[], chromadb.Collection | None]) -> None:
        """`collection` opens the vector collection on first dense search; it may give None:
        lexical search only (a read-only index whose vectors cannot be opened)."""
        import bm25s

        self._open_collection: Callable[[], chromadb.Collection | None] | None = collection
        self._collection: chromadb.Collection | None = None
        self.chunks = store.chunks()
        self._by_id = {c.id: c for c in self.chunks}
        self._bm25 = None
        if self.chunks:
            self._bm25 = bm25s.BM25()
            self._bm25.index([tokens(c.text) or ["_"] for c in self.chunks], show_progress=False)

    def dense(self, query: str, k: int) -> list[str]:
        if self.chunks and self._open_collection is not None:
            self._collection, self._open_collection = self._open_collection(), None  # opened once, or never
        if not self.chunks or self._collection is None:
            return []
        result = self._collection.query(query_texts=[query], n_results=min(k, len(self.chunks)))
        return [i for i in result["ids"][0] if i in self._by_id]

    def lexical(self, query: str, k: int) -> list[str]:
        terms = tokens(query)
        if self._bm25 is None or not terms:
            return []
        docs, scores = self._bm25.retrieve([terms], k=min(k, len(self.chunks)), show_progress=False)
        return [self.chunks[int(d)].id for d, s in zip(docs[0], scores[0]) if s > 0]

    def search(self, query: str, k: int = 6) -> list[Hit]:
        """Reciprocal-rank fusion (k=60, the usual constant) of dense and lexical rankings."""
        fused: dict[str, float] = {}
        with stage("search"):
            rankings = (self.dense(query, 3 * k), self.lexical(query, 3 * k))
        for ranking in rankings:
            for rank, chunk_id in enumerate(ranking):
                fused[chunk_id] = fused.get(chunk_id, 0.0) + 1.0 / (60 + rank)
        best = sorted(fused.items(), key=lambda item: -item[1])[:k]
        return [Hit(self._by_id[i], s) for i, s in best]

    def mentions(self, term: str) -> bool:
        """Whether any chunk contains `term` as a word prefix (so 'Turk' finds 'Turkish')."""
        pattern = re.compile(rf"\b{re.escape(term)}", re.IGNORECASE)
        return any(pattern.search(c.text) for c in self.chunks)

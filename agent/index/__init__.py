"""The index: the SQLite store of articles and records (`store.Store`), offline embeddings,
and retrieval over Chroma and BM25 (`retrieval.Retriever`)."""

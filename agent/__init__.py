"""Dossier: grounded extraction and cited question answering over news articles.

The public API: `Corpus` (ingest, extract, actors, stances, dates, ask), `Settings`, the record
models and the consolidated ones (`CanonicalActor`, `Edge`).
"""

from agent.corpus import Corpus
from agent.models import (
    Actor, Answer, Article, CanonicalActor, Chunk, Citation, DateMention, Edge, Evidence, Link, Merge, Stance,
)
from agent.settings import Settings

__all__ = [
    "Actor", "Answer", "Article", "CanonicalActor", "Chunk", "Citation", "Corpus", "DateMention", "Edge", "Evidence",
    "Link", "Merge", "Settings", "Stance",
]

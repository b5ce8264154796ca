"""Dossier: grounded extraction and cited question answering over news articles.

The public API: `Corpus` (ingest, ask, extract), `Settings`, and the record models.
"""

from agent.corpus import Corpus
from agent.models import Actor, Answer, Article, Chunk, Citation, DateMention, Evidence, Stance
from agent.settings import Settings

__all__ = ["Actor", "Answer", "Article", "Chunk", "Citation", "Corpus", "DateMention", "Evidence", "Settings", "Stance"]

"""JSON Schemas of the public models, as written to `schemas/` (a test checks they match)."""

from __future__ import annotations

from agent.models import (
    Actor, Answer, Article, CanonicalActor, Chunk, Citation, DateMention, Edge, Evidence, Link, Merge, Stance,
)

PUBLIC_MODELS = (Article, Chunk, Evidence, Actor, Stance, DateMention, Link, Citation, Answer, CanonicalActor, Merge, Edge)


def all_schemas() -> dict[str, dict]:
    return {model.__name__: model.model_json_schema() for model in PUBLIC_MODELS}

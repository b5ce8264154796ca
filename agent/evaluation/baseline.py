"""The obvious approach, kept to measure against: one model call per sentence, the obvious
prompt, no grammar and no checks. `agent eval --baseline naive` scores it beside the pipeline
on the same gold, in the same run, with the same model."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from agent.data.prompts import load as load_prompt
from agent.extract.attitude_judge import RELATION
from agent.models import Article, Evidence, ReadStance, Stance
from agent.text.sentences import split_sentences

MAX_TOKENS = 160  # a few stances at most: bounded like every call


class NaiveStance(BaseModel):
    holder: str
    relation: Literal["supports", "opposes"]
    target: str


class NaiveStances(BaseModel):
    stances: list[NaiveStance]


def naive_read(sentence: str, llm) -> list[ReadStance]:
    """The stances one call reads in `sentence`, as the model wrote them."""
    result = llm.structured(
        NaiveStances,
        [
            {"role": "system", "content": load_prompt("naive_stances_system")},
            {"role": "user", "content": sentence},
        ],
        max_tokens=MAX_TOKENS,
    )
    return [ReadStance(holder=s.holder, relation=s.relation, target=s.target) for s in result.stances]


class NaiveAttitude(BaseModel):
    attitude: Literal["none", "positive", "negative"]
    holder: Literal["A", "B"]


def naive_attitude(sentence: str, first: str, second: str, llm) -> list[ReadStance]:
    """The attitude between two given actors as one call reads it: the obvious prompt for the
    directed-sentiment task, told the same pair the pipeline is told."""
    result = llm.structured(
        NaiveAttitude,
        [
            {"role": "system", "content": load_prompt("naive_attitude_system")},
            {"role": "user", "content": f"Sentence: {sentence}\nA: {first}\nB: {second}"},
        ],
        max_tokens=MAX_TOKENS,
    )
    if result.attitude == "none":
        return []
    holder, target = (first, second) if result.holder == "A" else (second, first)
    return [ReadStance(holder=holder, relation=RELATION[result.attitude], target=target)]


def naive_records(article: Article, llm) -> list[Stance]:
    """Stance records for an article, one call per sentence; the evidence is the sentence."""
    records = []
    for start, end in split_sentences(article.text):
        sentence = article.text[start:end]
        for stance in naive_read(sentence, llm):
            if stance.holder.strip() and stance.target.strip():
                records.append(Stance(
                    holder=stance.holder, relation=stance.relation, target=stance.target,  # type: ignore[arg-type]
                    evidence=Evidence(article=article.id, start=start, end=end, quote=sentence),
                ))
    return records

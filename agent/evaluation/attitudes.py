"""Directed attitudes in single sentences: a gold set, the scoring, and the two systems scored.

A gold sentence names two actors and says what one shows toward the other: `positive`
(praise, thanks, endorsement, support), `negative` (blame, criticism, accusation, a lawsuit,
an attack) or `none` (a neutral mention, or an attitude the sentence negates). A system
answers with the stances it reads in the sentence; those between the two actors, stated
(not claimed or denied), become (holder, polarity, target) triples: supports is positive,
opposes and condemns negative, calls_for has no target actor and does not count. A sentence is
right when the triples are exactly the gold one, or none for `none`. A stance naming a third
party is ignored. Names match an actor when one contains the other as whole words
("Dunmar's President Tomas Vell" is Tomas Vell), or one of the actor's listed `aliases`.
"""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from agent.models import ReadStance

Attitude = Literal["positive", "negative", "none"]
POLARITY = {"supports": "positive", "opposes": "negative", "condemns": "negative"}


class AttitudeItem(BaseModel):
    text: str
    holder: str
    attitude: Attitude
    target: str
    domain: str = ""
    kind: str = ""
    aliases: dict[str, list[str]] = Field(default_factory=dict, description="Other names that count for an actor.")


class AttitudeResult(BaseModel):
    item: AttitudeItem
    read: list[ReadStance]
    triples: list[tuple[str, str, str]]
    correct: bool


class AttitudeReport(BaseModel):
    system: str
    correct: int = 0
    total: int = 0
    accuracy: float = 0.0
    seconds_per_sentence: float = 0.0
    results: list[AttitudeResult] = Field(default_factory=list)


def load_attitudes(path: str | Path) -> list[AttitudeItem]:
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    items = data.get("sentences") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ValueError(f"{path}: an attitude file is a JSON object with a list `sentences`")
    return [AttitudeItem.model_validate(item) for item in items]


def _fold(name: str) -> str:
    name = re.sub(r"['’]s?\b", " ", name.lower())
    name = re.sub(r"^\s*the\s+", "", name)
    return " ".join(re.findall(r"\w+", name))


def _names_match(a: str, b: str) -> bool:
    fa, fb = _fold(a), _fold(b)
    if not fa or not fb:
        return False
    return fa == fb or f" {fa} " in f" {fb} " or f" {fb} " in f" {fa} "


def _actor(name: str, item: AttitudeItem) -> str | None:
    """The sentence's actor `name` stands for: the holder, the target, or none of them."""
    for actor in (item.holder, item.target):
        if any(_names_match(name, form) for form in [actor, *item.aliases.get(actor, [])]):
            return actor
    return None


def triples(item: AttitudeItem, read: Iterable[ReadStance]) -> set[tuple[str, str, str]]:
    out = set()
    for stance in read:
        polarity = POLARITY.get(stance.relation)
        if polarity is None or stance.status != "stated":
            continue
        holder, target = _actor(stance.holder, item), _actor(stance.target, item)
        if holder and target and holder != target:
            out.add((holder, polarity, target))
    return out


def score(system: str, items: list[AttitudeItem], read: Callable[[str], list[ReadStance]]) -> AttitudeReport:
    """Run `read` on every sentence and score it."""
    results = []
    started = time.perf_counter()
    for item in items:
        stances = read(item.text)
        found = triples(item, stances)
        gold = set() if item.attitude == "none" else {(item.holder, item.attitude, item.target)}
        results.append(AttitudeResult(item=item, read=stances, triples=sorted(found), correct=found == gold))
    correct = sum(r.correct for r in results)
    return AttitudeReport(
        system=system, correct=correct, total=len(results),
        accuracy=round(correct / len(results), 4) if results else 0.0,
        seconds_per_sentence=round((time.perf_counter() - started) / len(results), 2) if results else 0.0,
        results=results,
    )


def format_attitudes(reports: list[AttitudeReport], details: bool = True) -> str:
    """The systems side by side: overall, by kind of sentence, then each sentence one got wrong."""
    lines = ["attitudes: " + "   ".join(
        f"{r.system} {r.correct}/{r.total} ({r.accuracy:.0%}, {r.seconds_per_sentence:.1f} s/sentence)" for r in reports)]
    by_domain: dict[str, list[list[bool]]] = defaultdict(lambda: [[] for _ in reports])
    for n, report in enumerate(reports):
        for result in report.results:
            by_domain[result.item.domain or "-"][n].append(result.correct)
    for domain, columns in by_domain.items():
        lines.append(f"  {domain:<10}" + "".join(f"{sum(c):>4}/{len(c):<4}" for c in columns))
    if details and reports:
        for n, result in enumerate(reports[0].results):
            marks = "".join("ok " if r.results[n].correct else "-- " for r in reports)
            if all(r.results[n].correct for r in reports):
                continue
            item = result.item
            gold = "none" if item.attitude == "none" else f"{item.holder} {item.attitude} {item.target}"
            got = "; ".join(f"{r.system}: " + (", ".join(" ".join(t) for t in r.results[n].triples) or "none") for r in reports)
            lines.append(f"  {marks}{item.text[:70]}\n        gold {gold} | {got}")
    return "\n".join(lines)

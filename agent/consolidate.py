"""Across articles: one name per real-world actor, and a stance graph whose edges list
every article and quote behind them. Denied or disputed claims stay marked, never merged
into plain support.

Names are merged conservatively: an alias an article itself gave ("Libyan National
Army (LNA)"), a close spelling of the same name ("Hifter" / "Haftar", "al-Sarraj" /
"al-Serraj"), or a demonym and its country ("Russian" / "Russia"). A name merely
contained in a longer one is not merged ("Libyan" is not the "Libyan National Army").
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from pydantic import BaseModel, Field
from rapidfuzz import fuzz

from agent.models import Actor, Evidence, Relation, Stance


class Edge(BaseModel):
    holder: str
    relation: Relation
    target: str
    status: str = Field(description="stated, claimed, denied, or contested (stated by one source, denied by another).")
    articles: list[str]
    evidence: list[Evidence]


def fold(name: str) -> str:
    """Lower-case, whitespace-folded, without a leading "the" or a possessive 's."""
    name = re.sub(r"['’]s\b", "", name.lower())
    return re.sub(r"^the\s+", "", " ".join(name.split()))


def _same(a: str, b: str) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) >= 5 and fuzz.ratio(a, b) >= 85:
        return True
    # Transliterations of one person: the same number of words, each close ("Khalifa Hifter").
    wa, wb = a.split(), b.split()
    return len(wa) == len(wb) > 1 and all(fuzz.ratio(x, y) >= 70 for x, y in zip(wa, wb)) and fuzz.ratio(a, b) >= 80


class Names:
    """Union-find over folded names; the canonical spelling is the longest, most frequent one."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}
        self._count: dict[str, int] = defaultdict(int)
        self._display: dict[str, str] = {}

    def _find(self, key: str) -> str:
        self._parent.setdefault(key, key)
        while self._parent[key] != key:
            self._parent[key] = self._parent[self._parent[key]]
            key = self._parent[key]
        return key

    def add(self, name: str, *aliases: str) -> None:
        key = fold(name)
        self._display.setdefault(key, name)
        self._count[key] += 1
        for alias in aliases:
            akey = fold(alias)
            self._display.setdefault(akey, alias)
            self._union(key, akey)
        for other in list(self._parent):
            if other != key and _same(key, other):
                self._union(key, other)
        self._find(key)

    def _union(self, a: str, b: str) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            self._parent[rb] = ra

    def canonical(self, name: str) -> str:
        key = fold(name)
        if key not in self._parent:
            return name
        root = self._find(key)
        members = [k for k in self._parent if self._find(k) == root]
        best = max(members, key=lambda k: (self._count[k], len(k)))
        return self._display[best]

    def groups(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for key in self._parent:
            out[self.canonical(key)].append(self._display[key])
        return dict(out)


def names_from(actors: Iterable[Actor], stances: Iterable[Stance]) -> Names:
    names = Names()
    for actor in actors:
        names.add(actor.name, *actor.aliases)
    for stance in stances:
        names.add(stance.holder)
        if stance.relation != "calls_for":
            names.add(stance.target)
    return names


def stance_graph(actors: Iterable[Actor], stances: Iterable[Stance]) -> list[Edge]:
    """One edge per (holder, relation, target) after name merging, with all its evidence."""
    stances = list(stances)
    names = names_from(actors, stances)
    grouped: dict[tuple[str, str, str], list[Stance]] = defaultdict(list)
    for stance in stances:
        target = stance.target if stance.relation == "calls_for" else names.canonical(stance.target)
        grouped[(names.canonical(stance.holder), stance.relation, target)].append(stance)
    edges = []
    for (holder, relation, target), members in grouped.items():
        statuses = {s.status for s in members}
        if "stated" in statuses and "denied" in statuses:
            status = "contested"
        elif "stated" in statuses:
            status = "stated"
        else:
            status = "denied" if "denied" in statuses else "claimed"
        edges.append(
            Edge(
                holder=holder, relation=relation, target=target, status=status,  # type: ignore[arg-type]
                articles=sorted({s.evidence.article for s in members}),
                evidence=list(dict.fromkeys(s.evidence for s in members)),
            )
        )
    return sorted(edges, key=lambda e: (e.relation, e.target, -len(e.articles), e.holder))

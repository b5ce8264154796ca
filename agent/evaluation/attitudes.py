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

Two formats are read: our JSON sets (tests/data/attitudes.json) and the public
directed-sentiment news set of Park et al. (2021): one tab-separated line per sentence, the two
entity mentions in [brackets], entity p, entity q and a label, 0 none, 1 p positive toward q,
2 q positive toward p, 3 p negative toward q, 4 q negative toward p. Every answer falls in one
of those five classes (relative to the item's p and q; for a JSON item p is the holder), so
accuracy, macro-F1 and the confusion matrix are the same for both.
"""

from __future__ import annotations

import csv
import json
import random
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from agent.extract.attitude_judge import CLASSES, POLARITY, attitude_of
from agent.models import ReadStance

Attitude = Literal["positive", "negative", "none"]
SEVERAL = "several"  # an answer holding more than one attitude between the two: always wrong


class AttitudeItem(BaseModel):
    text: str
    holder: str
    attitude: Attitude
    target: str
    domain: str = ""
    kind: str = ""
    aliases: dict[str, list[str]] = Field(default_factory=dict, description="Other names that count for an actor.")
    # The directed-sentiment set's order of the two entities, which its labels refer to;
    # None: p is the holder and q the target.
    pair: tuple[str, str] | None = None

    @property
    def entities(self) -> tuple[str, str]:
        return self.pair or (self.holder, self.target)

    @property
    def forms(self) -> tuple[list[str], list[str]]:
        """Each of the two entities' names: its own, then the other forms the sentence uses."""
        first, second = self.entities
        return [first, *self.aliases.get(first, [])], [second, *self.aliases.get(second, [])]

    @property
    def label(self) -> str:
        """The gold class, one of `CLASSES`."""
        if self.attitude == "none":
            return "none"
        return attitude_of(self.holder == self.entities[0], self.attitude)


class AttitudeResult(BaseModel):
    item: AttitudeItem
    read: list[ReadStance]
    triples: list[tuple[str, str, str]]
    correct: bool
    predicted: str = "none"  # one of CLASSES, or SEVERAL


class AttitudeReport(BaseModel):
    system: str
    correct: int = 0
    total: int = 0
    accuracy: float = 0.0
    macro_f1: float = 0.0
    # gold class -> predicted class (or SEVERAL) -> count
    confusion: dict[str, dict[str, int]] = Field(default_factory=dict)
    seconds_per_sentence: float = 0.0
    results: list[AttitudeResult] = Field(default_factory=list)


def load_attitudes(path: str | Path) -> list[AttitudeItem]:
    """A JSON attitude set, or a file of the directed-sentiment set (tab-separated lines)."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    if not text.lstrip().startswith("{"):
        return load_directed_sentiment(path, text)
    data = json.loads(text)
    items = data.get("sentences") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ValueError(f"{path}: an attitude file is a JSON object with a list `sentences`")
    return [AttitudeItem.model_validate(item) for item in items]


def load_directed_sentiment(path: str | Path, text: str | None = None) -> list[AttitudeItem]:
    """The directed-sentiment set's lines as items, brackets taken out of the sentence. A name
    the brackets cut inside a word ("[Conservative]s") also counts as the whole word."""
    if text is None:
        text = Path(path).read_text(encoding="utf-8")
    items = []
    # Some sentences are quoted CSV-style, their quotes doubled: the csv module undoes that.
    for number, row in enumerate(csv.reader(text.splitlines(), delimiter="\t"), start=1):
        if not row:
            continue
        if len(row) != 4 or row[3].strip() not in {"0", "1", "2", "3", "4"}:
            raise ValueError(f"{path}:{number}: expected `sentence<TAB>p<TAB>q<TAB>label 0-4`, got {len(row)} fields")
        marked, p, q, label = (field.strip() for field in row)
        sentence = re.sub(r"\[\s*([^\]]*?)\s*\]", r"\1", marked)
        aliases = {name: _whole_words(marked, name) for name in (p, q)}
        holder, target = (q, p) if label in {"2", "4"} else (p, q)
        attitude = {"0": "none", "1": "positive", "2": "positive"}.get(label, "negative")
        items.append(AttitudeItem(
            text=sentence, holder=holder, attitude=attitude, target=target,  # type: ignore[arg-type]
            domain="news", aliases={k: v for k, v in aliases.items() if v}, pair=(p, q),
        ))
    return items


def _whole_words(marked: str, name: str) -> list[str]:
    """The words a bracketed `name` sits in, where the brackets cut one: "[Liberal]s" gives "Liberals"."""
    found = re.findall(rf"(\w*)\[\s*{re.escape(name)}\s*\](\w*)", marked)
    return sorted({f"{before}{name}{after}" for before, after in found if before or after})


def balanced_sample(items: list[AttitudeItem], per_label: int, seed: int = 0) -> list[AttitudeItem]:
    """`per_label` items of each gold class (all of a class that has fewer), drawn with `seed`:
    the same sample every run. Each class is shuffled on its own and the classes take turns,
    so the first 5k items are the sample of k per class: a long run stopped part-way has
    judged a balanced sample, and a larger sample holds a smaller one."""
    shuffled = []
    for label in CLASSES:
        indices = [n for n, item in enumerate(items) if item.label == label]
        random.Random(f"{seed}:{label}").shuffle(indices)
        shuffled.append(indices[:per_label])
    return [items[column[n]] for n in range(per_label) for column in shuffled if n < len(column)]


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


def predicted_class(item: AttitudeItem, found: set[tuple[str, str, str]]) -> str:
    """The class of `triples`' answer (whose names are the item's own)."""
    if not found:
        return "none"
    if len(found) > 1:
        return SEVERAL
    holder, polarity, _ = next(iter(found))
    return attitude_of(holder == item.entities[0], polarity)


def score(
    system: str, items: list[AttitudeItem], read: Callable[[str], list[ReadStance]],
    on_item: Callable[[int, int], None] | None = None,
) -> AttitudeReport:
    """Run `read` on every sentence and score it; `on_item(done, total)` hears of each one."""
    return score_items(system, items, lambda item: read(item.text), on_item)


def score_items(
    system: str, items: list[AttitudeItem], read: Callable[[AttitudeItem], list[ReadStance]],
    on_item: Callable[[int, int], None] | None = None,
) -> AttitudeReport:
    """`score` for a system that is told the item's two actors."""
    results = []
    started = time.perf_counter()
    for item in items:
        stances = read(item)
        found = triples(item, stances)
        gold = set() if item.attitude == "none" else {(item.holder, item.attitude, item.target)}
        results.append(AttitudeResult(item=item, read=stances, triples=sorted(found), correct=found == gold,
                                      predicted=predicted_class(item, found)))
        if on_item:
            on_item(len(results), len(items))
    correct = sum(r.correct for r in results)
    confusion = confusion_matrix(results)
    return AttitudeReport(
        system=system, correct=correct, total=len(results),
        accuracy=round(correct / len(results), 4) if results else 0.0,
        macro_f1=round(macro_f1(confusion), 4),
        confusion=confusion,
        seconds_per_sentence=round((time.perf_counter() - started) / len(results), 2) if results else 0.0,
        results=results,
    )


def confusion_matrix(results: list[AttitudeResult]) -> dict[str, dict[str, int]]:
    matrix = {gold: {predicted: 0 for predicted in (*CLASSES, SEVERAL)} for gold in CLASSES}
    for result in results:
        matrix[result.item.label][result.predicted] += 1
    return matrix


def macro_f1(confusion: dict[str, dict[str, int]]) -> float:
    """The mean F1 over the classes that occur in the gold or in the answers."""
    scores = []
    for label in CLASSES:
        true = confusion[label][label]
        gold = sum(confusion[label].values())
        answered = sum(row[label] for row in confusion.values())
        if gold or answered:
            scores.append(2 * true / (gold + answered))
    return sum(scores) / len(scores) if scores else 0.0


def format_attitudes(reports: list[AttitudeReport], details: bool = True) -> str:
    """The systems side by side: overall, by kind of sentence, then each sentence one got wrong."""
    lines = ["attitudes: " + "   ".join(
        f"{r.system} {r.correct}/{r.total} ({r.accuracy:.0%}, macro-F1 {r.macro_f1:.2f}, {r.seconds_per_sentence:.1f} s/sentence)"
        for r in reports)]
    for report in reports:
        lines.append(format_confusion(report))
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


def format_confusion(report: AttitudeReport) -> str:
    """Gold classes down, answers across; "p+q" is p positive toward q, "q-p" q negative toward p."""
    columns = [*CLASSES, SEVERAL]
    lines = [f"  {report.system}: gold \\ answer " + "".join(f"{c:>8}" for c in columns)]
    for gold in CLASSES:
        row = report.confusion.get(gold, {})
        if any(row.values()):
            lines.append(f"  {'':<{len(report.system)}}  {gold:>13} " + "".join(f"{row.get(c, 0):>8}" for c in columns))
    return "\n".join(lines)


def class_shares(items: list[AttitudeItem]) -> dict[str, float]:
    """Each gold class's share of `items`."""
    return {c: sum(i.label == c for i in items) / len(items) for c in CLASSES} if items else {}

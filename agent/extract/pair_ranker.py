"""How a pair's words lean, read from sentence vectors with no model call: which pairs of
actors the attitude judge is asked about first, and one more piece of evidence for its decision.

An article holds far more pairs of named actors than the judge can afford to ask about (1 to
64 per article, four one-token questions each). Ranking them by distance picked the channel of
a speech ("X told the BBC") and pieces of names; the parse alone separates the pairs that hold
an attitude no better (on 12 development news articles, the pairs with a parse direction hold
27 of 31 gold pairs, and 230 of 321 pairs have one). This model reads what the pair's words
say: the sentence's MiniLM vector (the index's own embedding) and the vector of the stretch
from the first name to the second, each 384 numbers, weighed by a multinomial logistic model
into the five directed-sentiment classes, the name earlier in the sentence as p. The pairs
judged first are those least likely "none"; the judge also weighs the class's odds against
"none" (`attitude_judge.FEATURES`, "vectors"). The weights are data (`agent/data/pair_ranker.json`),
fitted by `agent calibrate --ranker` on the public directed-sentiment training split, leaving
out the sentences the judge's weights are fitted on; the file records what it was fitted and
checked on.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from agent import data
from agent.extract.attitude_judge import CLASSES  # here p is the name earlier in the sentence

RANKER_FILE = "pair_ranker.json"  # in agent/data
INPUTS = ("sentence", "span")
DIMENSIONS = 384 * len(INPUTS)
_SWAPPED = {"none": "none", "p+q": "q+p", "q+p": "p+q", "p-q": "q-p", "q-p": "p-q"}

Span = tuple[int, int]


def pair_texts(sentence: str, first: Span, second: Span) -> tuple[str, str]:
    """What the ranker reads of a pair: the sentence, and its stretch from the first of the two
    names to the end of the last (offsets within `sentence`)."""
    return sentence, sentence[min(first[0], second[0]) : max(first[1], second[1])]


def vectors(texts: Sequence[tuple[str, str]]) -> np.ndarray:
    """The ranker's input for each (sentence, stretch): the two MiniLM vectors side by side."""
    # Imported here: the embedding module loads chromadb (about 1.5 s), which every command that
    # imports extraction would pay, and only the attitude judge reads these vectors.
    from agent.index.embeddings import embed

    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    return np.hstack([embed([t[0] for t in texts]), embed([t[1] for t in texts])])


def in_text_order(classes: dict[str, float], first_is_earlier: bool) -> dict[str, float]:
    """Class probabilities read with the earlier name as p, restated with `first` as p."""
    return classes if first_is_earlier else {_SWAPPED[c]: v for c, v in classes.items()}


@dataclass
class PairRanker:
    """Weights and a bias per attitude class (`CLASSES[1:]`), each against "none", whose score is 0."""

    weights: list[list[float]]
    biases: list[float]
    about: dict = field(default_factory=dict)

    def leanings(self, pairs: Sequence[tuple[str, Span, Span]]) -> list[dict[str, float]]:
        """P of each of `CLASSES` for each (sentence, first name's span, second's), `first` as p."""
        if not pairs:
            return []
        scores = vectors([pair_texts(*pair) for pair in pairs]) @ np.asarray(self.weights, dtype=np.float64).T + self.biases
        found = []
        for row, (_, first, second) in zip(scores, pairs):
            row = np.concatenate([[0.0], row])
            exp = np.exp(row - row.max())
            classes = dict(zip(CLASSES, (float(v) for v in exp / exp.sum())))
            found.append(in_text_order(classes, first[0] <= second[0]))
        return found

    def to_json(self) -> str:
        return json.dumps({"inputs": list(INPUTS), "classes": list(CLASSES[1:]),
                           "weights": [[round(w, 5) for w in row] for row in self.weights],
                           "biases": [round(b, 5) for b in self.biases], "about": self.about}, ensure_ascii=False) + "\n"


def load_ranker(path: Path | None = None) -> PairRanker:
    """The fitted ranker from `path`, by default the shipped `agent/data/pair_ranker.json`; a
    missing or malformed file is a clear error naming it."""
    name = path if path is not None else f"agent/data/{RANKER_FILE}"
    try:
        found = json.loads(path.read_text(encoding="utf-8") if path is not None else data.text(RANKER_FILE))
    except FileNotFoundError:
        raise ValueError(f"{name}: no pair ranker file (fit one with `agent calibrate --ranker`)") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{name}: the pair ranker is not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(found, dict) or found.get("inputs") != list(INPUTS) or found.get("classes") != list(CLASSES[1:]):
        raise ValueError(f"{name}: the pair ranker must read the inputs {list(INPUTS)} into the classes {list(CLASSES[1:])}")
    weights, biases = found.get("weights"), found.get("biases")
    rows = isinstance(weights, list) and len(weights) == len(CLASSES) - 1 and all(
        isinstance(row, list) and len(row) == DIMENSIONS and all(_finite(w) for w in row) for row in weights)
    if not (rows and isinstance(biases, list) and len(biases) == len(CLASSES) - 1 and all(_finite(b) for b in biases)):
        raise ValueError(f"{name}: the pair ranker needs {len(CLASSES) - 1} rows of {DIMENSIONS} finite weights and as many finite biases")
    return PairRanker([[float(w) for w in row] for row in weights], [float(b) for b in biases], found.get("about") or {})


@lru_cache(maxsize=1)
def shipped_ranker() -> PairRanker:
    return load_ranker()


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)

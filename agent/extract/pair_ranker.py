"""Which pairs of actors the attitude judge is asked about first: the pairs whose words most
look like an attitude, by a logistic model over sentence vectors.

An article holds far more pairs of named actors than the judge can afford to ask about (1 to
64 per article, four one-token questions each). Ranking them by distance picked the channel of
a speech ("X told the BBC") and pieces of names; the parse alone separates the pairs that hold
an attitude no better (on 12 development news articles, the pairs with a parse direction hold
27 of 31 gold pairs, and 230 of 321 pairs have one). This model reads what the pair's words
say: the sentence's MiniLM vector (the index's own embedding) and the vector of the stretch
from the first name to the second, each 384 numbers, weighed by `weights` and `bias` into
P(the sentence states an attitude between the two). The weights are data
(`agent/data/pair_ranker.json`), fitted by `agent calibrate --ranker` on the public
directed-sentiment training split, none against any attitude; the file records what it was
fitted and checked on. It ranks; it decides nothing: the judge and its calibrated threshold do.
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

RANKER_FILE = "pair_ranker.json"  # in agent/data
INPUTS = ("sentence", "span")
DIMENSIONS = 384 * len(INPUTS)


def pair_texts(sentence: str, first: tuple[int, int], second: tuple[int, int]) -> tuple[str, str]:
    """What the ranker reads of a pair: the sentence, and its stretch from the first of the two
    names to the end of the last (offsets within `sentence`)."""
    return sentence, sentence[min(first[0], second[0]) : max(first[1], second[1])]


def vectors(texts: Sequence[tuple[str, str]]) -> np.ndarray:
    """The ranker's input for each (sentence, stretch): the two MiniLM vectors side by side."""
    # Imported here: the embedding module loads chromadb (about 1.5 s), which every command that
    # imports extraction would pay, and only the judge, off by default, reads these vectors.
    from agent.index.embeddings import embed

    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    return np.hstack([embed([t[0] for t in texts]), embed([t[1] for t in texts])])


@dataclass
class PairRanker:
    weights: list[float]
    bias: float
    about: dict = field(default_factory=dict)

    def probabilities(self, texts: Sequence[tuple[str, str]]) -> list[float]:
        """P(an attitude between the two names) for each (sentence, stretch)."""
        if not texts:
            return []
        logits = vectors(texts) @ np.asarray(self.weights, dtype=np.float32) + self.bias
        return [1.0 / (1.0 + math.exp(-float(z))) for z in logits]

    def to_json(self) -> str:
        return json.dumps({"inputs": list(INPUTS), "weights": [round(w, 5) for w in self.weights],
                           "bias": round(self.bias, 5), "about": self.about}, ensure_ascii=False) + "\n"


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
    if not isinstance(found, dict) or found.get("inputs") != list(INPUTS):
        raise ValueError(f"{name}: the pair ranker must read the inputs {list(INPUTS)}")
    weights, bias = found.get("weights"), found.get("bias")
    if not (isinstance(weights, list) and len(weights) == DIMENSIONS and all(_finite(w) for w in weights) and _finite(bias)):
        raise ValueError(f"{name}: the pair ranker needs {DIMENSIONS} finite weights and a finite bias")
    return PairRanker([float(w) for w in weights], float(bias), found.get("about") or {})


@lru_cache(maxsize=1)
def shipped_ranker() -> PairRanker:
    return load_ranker()


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)

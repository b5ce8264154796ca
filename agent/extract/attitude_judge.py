"""The model's judgement of a directed attitude between two actors, as a calibrated probability.

For a sentence and two actors, first and second, the model answers narrow one-token questions:
"does X show a positive attitude toward Y?", "a negative one?", in each direction the grammar
leaves open. P(yes) is read from the answer token's log-probabilities, not from a sampled
label; an endpoint that gives none is read as its sampled answer, yes 1 and no 0. The sentence
comes first and the question last, so the questions about one sentence share the prompt prefix
the server caches. Each answer is cached per (model, sentence, holder, question, target).

The answers meet the grammar's evidence in a small conditional-logit model: each of the four
directed attitudes ("p+q": first positive toward second, "q+p", "p-q", "q-p") scores
w · features, "none" scores 0, and a softmax makes them probabilities. The features (`FEATURES`)
are the attitude's own P(yes) as a logit, the opposite polarity's in the same direction, the
same polarity's in the reverse direction, a lexicon or frame hit for this very attitude, one
for any other attitude between the two, the parse's direction (subject or agent -> holder),
whether the holder is the one speaking ("'...,' said X": the speaker of a quote most often
holds what it voices), the sentence vectors' odds of this attitude against none (`pair_ranker`)
and the polarity. Lexicon hits are strong evidence, not the only door; the parse's direction is a
hint, not a verdict. The weights and the threshold below which no attitude is kept are data
(`agent/data/attitude_judge.json`), fitted on the public directed-sentiment train split by
`agent calibrate`, and checked on a disjoint sample.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from agent import data
from agent.data.prompts import load as load_prompt

CLASSES = ("none", "p+q", "q+p", "p-q", "q-p")  # the directed-sentiment set's label order
ATTITUDES = CLASSES[1:]
FEATURES = ("bias", "own", "other_polarity", "reverse", "frame", "other_frame", "direction", "speaker", "vectors", "positive")
PROMPTS = ("attitude_question_system", "attitude_question_user", "attitude_question_positive", "attitude_question_negative")
CALIBRATION_FILE = "attitude_judge.json"  # in agent/data
TOP_TOKENS = 10
UNASKED = 0.02  # P(yes) assumed for a direction the grammar settled and no one asked about
_LOGIT_BOUND = 6.0


class TokenAnswer(Protocol):
    """A one-token answer (the client's `FirstToken`): the token, and the likeliest first
    tokens with their probabilities, None where the endpoint gives none."""

    token: str
    top: dict[str, float] | None


class AsksTokens(Protocol):
    def first_token(self, messages: list[dict], top: int = TOP_TOKENS) -> TokenAnswer: ...


def holder_of(attitude: str) -> str:
    """"p" or "q": who holds `attitude`."""
    return attitude[0]


# A stance relation's polarity, and the relation a polarity is read as.
POLARITY = {"supports": "positive", "opposes": "negative", "condemns": "negative"}
RELATION = {"positive": "supports", "negative": "opposes"}


def polarity_of(attitude: str) -> str:
    return "positive" if attitude[1] == "+" else "negative"


def attitude_of(first_holds: bool, polarity: str) -> str:
    sign = "+" if polarity == "positive" else "-"
    return f"p{sign}q" if first_holds else f"q{sign}p"


# --- the grammar's evidence ------------------------------------------------------------------


@dataclass(frozen=True)
class Grammar:
    """What code reads about a pair without the model: the attitudes lexicon or grammar frames read between
    them (`CLASSES` names), the parse's direction (1: first acts on second, -1: the reverse,
    0: neither), and who speaks of whom (`SentenceFrames.speaker`: 1 the first says something
    naming the second, -1 the reverse, 0 neither)."""

    frames: frozenset[str] = frozenset()
    direction: int = 0
    speaker: int = 0
    # How the pair's words lean by the sentence-vector model (`pair_ranker`): P of each of
    # `CLASSES`, the first actor as p; empty where none was read.
    leaning: dict[str, float] = field(default_factory=dict, compare=False, hash=False)

    @property
    def settled(self) -> str | None:
        """"p" or "q" when the frames agree on who holds the attitude: the other direction is
        not asked about."""
        holders = {holder_of(a) for a in self.frames}
        return holders.pop() if len(holders) == 1 else None

    def asked(self) -> list[str]:
        return [a for a in ATTITUDES if self.settled in (None, holder_of(a))]


# --- asking the model ------------------------------------------------------------------------


class AnswerCache:
    """P(yes) per question, in memory and, given a path, in a JSON Lines file that survives a
    crash (a torn last line is skipped). Keys carry the model's identity and the prompts'."""

    def __init__(self, path: Path | None = None, model: str = "") -> None:
        self.path = path
        self.model = model
        self._lock = threading.Lock()
        self._answers: dict[str, float] = {}
        if path is not None and path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    key, value = json.loads(line)
                except (ValueError, TypeError):
                    continue
                self._answers[key] = float(value)

    def key(self, sentence: str, holder: str, polarity: str, target: str) -> str:
        return hashlib.sha256(f"{self.model}|{_prompts_digest()}|{sentence}|{holder}|{polarity}|{target}".encode()).hexdigest()

    def __len__(self) -> int:
        return len(self._answers)

    def get(self, key: str) -> float | None:
        return self._answers.get(key)

    def put(self, key: str, value: float) -> None:
        with self._lock:
            self._answers[key] = value
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as out:
                    out.write(json.dumps([key, value]) + "\n")


@lru_cache(maxsize=1)
def _prompts_digest() -> str:
    return hashlib.sha256("\n".join(load_prompt(p) for p in PROMPTS).encode()).hexdigest()[:16]


def question_messages(sentence: str, holder: str, polarity: str, target: str) -> list[dict]:
    question = load_prompt(f"attitude_question_{polarity}").strip().format(holder=holder, target=target)
    return [
        {"role": "system", "content": load_prompt("attitude_question_system").strip()},
        {"role": "user", "content": load_prompt("attitude_question_user").strip().format(sentence=sentence, question=question)},
    ]


def yes_probability(answer: TokenAnswer) -> float:
    """P(yes) among the yes/no answers the first token can start; the sampled token, 1 or 0,
    where the endpoint gives no probabilities."""
    if answer.top:
        yes = sum(p for token, p in answer.top.items() if token.strip().lower() == "yes")
        no = sum(p for token, p in answer.top.items() if token.strip().lower() == "no")
        if yes + no > 0:
            return yes / (yes + no)
    return 1.0 if answer.token.strip().lower().startswith("yes") else 0.0


def ask(sentence: str, first: str, second: str, grammar: Grammar, llm: AsksTokens, cache: AnswerCache) -> dict[str, float]:
    """P(yes) for each attitude the grammar leaves open, by `ATTITUDES` name. The questions
    not in the cache are sent together: a server that queues requests then takes them one
    after another, on the sentence's prefix, even when other clients share it."""
    questions = {}
    for attitude in grammar.asked():
        holder, target = (first, second) if holder_of(attitude) == "p" else (second, first)
        questions[attitude] = (cache.key(sentence, holder, polarity_of(attitude), target), holder, polarity_of(attitude), target)
    answers = {a: v for a, (key, *_) in questions.items() if (v := cache.get(key)) is not None}
    missing = [a for a in questions if a not in answers]

    def answer(attitude: str) -> float:
        key, holder, polarity, target = questions[attitude]
        value = yes_probability(llm.first_token(question_messages(sentence, holder, polarity, target)))
        cache.put(key, value)
        return value

    if len(missing) > 1:
        pool = ThreadPoolExecutor(max_workers=len(missing))
        try:
            answers |= dict(zip(missing, pool.map(answer, missing)))
        finally:  # on Ctrl-C, no wait for the questions still with the model
            pool.shutdown(wait=False, cancel_futures=True)
    else:
        answers |= {a: answer(a) for a in missing}
    return {a: answers[a] for a in questions}


# --- the decision ----------------------------------------------------------------------------


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return max(-_LOGIT_BOUND, min(_LOGIT_BOUND, math.log(p / (1 - p))))


def _odds(leaning: dict[str, float], attitude: str) -> float:
    """The sentence vectors' log-odds of `attitude` against "none"; 0 where none were read."""
    if not leaning:
        return 0.0
    return max(-_LOGIT_BOUND, min(_LOGIT_BOUND, math.log(max(leaning[attitude], 1e-6) / max(leaning["none"], 1e-6))))


def features(answers: dict[str, float], grammar: Grammar, attitude: str) -> list[float]:
    """`FEATURES` of one directed attitude."""
    holder, polarity = holder_of(attitude), polarity_of(attitude)
    other_polarity = attitude_of(holder == "p", "negative" if polarity == "positive" else "positive")
    reverse = attitude_of(holder != "p", polarity)
    direction = grammar.direction if holder == "p" else -grammar.direction
    speaker = grammar.speaker if holder == "p" else -grammar.speaker
    return [
        1.0,
        _logit(answers.get(attitude, UNASKED)),
        _logit(answers.get(other_polarity, UNASKED)),
        _logit(answers.get(reverse, UNASKED)),
        float(attitude in grammar.frames),
        float(bool(grammar.frames - {attitude})),
        float(direction),
        float(speaker > 0),
        _odds(grammar.leaning, attitude),
        float(polarity == "positive"),
    ]


@dataclass
class Calibration:
    """The fitted decision: weights over `FEATURES`; the threshold below which the likeliest
    attitude is not kept, for the best accuracy on a balanced sample (`threshold`) and for
    precision where attitudes are as rare as in news (`keep_threshold`, what extraction uses);
    and what they were fitted on."""

    weights: list[float]
    threshold: float
    keep_threshold: float = 0.5
    about: dict = field(default_factory=dict)

    def probabilities(self, answers: dict[str, float], grammar: Grammar) -> dict[str, float]:
        return class_probabilities(self.weights, [features(answers, grammar, a) for a in ATTITUDES])

    def decide(self, answers: dict[str, float], grammar: Grammar, threshold: float | None = None) -> tuple[str, float]:
        """The likeliest attitude and its probability, or ("none", P(none)) below the threshold."""
        probabilities = self.probabilities(answers, grammar)
        best = max(ATTITUDES, key=probabilities.__getitem__)
        if probabilities[best] >= (self.threshold if threshold is None else threshold) and probabilities[best] > probabilities["none"]:
            return best, probabilities[best]
        return "none", probabilities["none"]

    def to_json(self) -> str:
        return json.dumps({"features": list(FEATURES), "weights": [round(w, 6) for w in self.weights],
                           "threshold": round(self.threshold, 4), "keep_threshold": round(self.keep_threshold, 4),
                           "about": self.about}, indent=2, ensure_ascii=False) + "\n"


def load_calibration(path: Path | None = None) -> Calibration:
    """The fitted decision from `path`, by default the shipped `agent/data/attitude_judge.json`;
    a missing or malformed file is a clear error naming it."""
    name = path if path is not None else f"agent/data/{CALIBRATION_FILE}"
    try:
        found = json.loads(path.read_text(encoding="utf-8") if path is not None else data.text(CALIBRATION_FILE))
    except FileNotFoundError:
        raise ValueError(f"{name}: no attitude calibration file (fit one with `agent calibrate`)") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{name}: the attitude calibration is not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(found, dict) or found.get("features") != list(FEATURES):
        raise ValueError(f"{name}: the attitude calibration must list the features {list(FEATURES)}")
    weights, thresholds = found.get("weights"), [found.get("threshold"), found.get("keep_threshold")]
    numbers = isinstance(weights, list) and len(weights) == len(FEATURES) and all(_finite(w) for w in weights)
    if not numbers or not all(_finite(t) and 0 <= t <= 1 for t in thresholds):
        raise ValueError(
            f"{name}: the attitude calibration needs {len(FEATURES)} finite weights, and a threshold and a keep_threshold in [0, 1]")
    about = found.get("about") or {}
    if not isinstance(about, dict):
        raise ValueError(f"{name}: the attitude calibration's `about` must be an object (what it was fitted on)")
    return Calibration([float(w) for w in weights], float(thresholds[0]), float(thresholds[1]), about)


@lru_cache(maxsize=1)
def shipped_calibration() -> Calibration:
    return load_calibration()


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def class_probabilities(weights: Sequence[float], vectors: Sequence[Sequence[float]]) -> dict[str, float]:
    """The conditional-logit model: each of `ATTITUDES` scores weights · its feature vector (in
    that order), "none" scores 0, and a softmax makes them probabilities."""
    return _softmax({"none": 0.0} | {a: _dot(weights, v) for a, v in zip(ATTITUDES, vectors)})


def _dot(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(x * y for x, y in zip(a, b))


def _softmax(scores: dict[str, float]) -> dict[str, float]:
    top = max(scores.values())
    exp = {k: math.exp(v - top) for k, v in scores.items()}
    total = sum(exp.values())
    return {k: v / total for k, v in exp.items()}

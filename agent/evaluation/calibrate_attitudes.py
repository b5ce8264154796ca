"""`agent calibrate` as a function: fit the attitude judge's decision on one sample of attitude
sentences, check it on another, and print the precision/recall curve.

The judge (`agent.extract.attitude_judge`) asks the model its yes/no questions about each
sentence's two actors; here the answers and the grammar's evidence meet each sentence's gold
class. A conditional-logit model over `FEATURES` is fitted by Newton's method, then two
thresholds: the best five-class accuracy on the balanced sample (`threshold`), and the lowest
one whose kept attitudes reach `KEEP_PRECISION` where attitudes are as rare as in the whole
training file (`keep_threshold`, what extraction uses). The result is the shipped data file's
format, `agent/data/attitude_judge.json`.

    from agent import Corpus
    from agent.evaluation.calibrate_attitudes import calibrate_files

    with Corpus() as corpus:
        report = calibrate_files(corpus, Path("train.txt"), Path("valid.txt"), out=Path("attitude_judge.json"))
    print("\\n".join(report.parts))
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from agent.corpus import Corpus
from agent.errors import DossierError
from agent.evaluation.attitudes import (
    AttitudeItem, AttitudeReport, balanced_sample, class_shares, format_attitudes, load_attitudes, score_items,
)
from agent.evaluation.baseline import naive_attitude
from agent.evaluation.run import BASELINES, EvalReport
from agent.extract.attitude_judge import (
    ATTITUDES, CLASSES, FEATURES, AnswerCache, AsksTokens, Calibration, Grammar, ask, class_probabilities, features,
)
from agent.extract.frames import DEFAULT_LEXICON
from agent.extract.pair_attitude import Pair, as_stances, grammars_between, pair_spans
from agent.extract.pair_ranker import PairRanker, in_text_order, pair_texts, vectors
from agent.extract.lexicon import Lexicon
from agent.output.export import write_atomically

KEEP_PRECISION = 0.9  # what extraction's keep threshold is fitted for


# --- the fit ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    """One judged pair with its gold class: what the fit and the curve are made of."""

    answers: dict[str, float]
    grammar: Grammar
    gold: str


def fit(examples: Sequence[Example], l2: float = 1.0, iterations: int = 50) -> list[float]:
    """Weights of the conditional-logit model by Newton's method, with an L2 penalty `l2`
    (the bias included: a few hundred sentences are a small sample)."""
    size = len(FEATURES)
    weights = [0.0] * size
    rows = [([features(e.answers, e.grammar, a) for a in ATTITUDES], e.gold) for e in examples]
    for _ in range(iterations):
        gradient = [l2 * w for w in weights]
        hessian = [[l2 * (i == j) for j in range(size)] for i in range(size)]
        for vectors, gold in rows:
            p = class_probabilities(weights, vectors)
            mean = [sum(p[a] * v[k] for a, v in zip(ATTITUDES, vectors)) for k in range(size)]
            for a, v in zip(ATTITUDES, vectors):
                target = 1.0 if a == gold else 0.0
                for k in range(size):
                    gradient[k] += (p[a] - target) * v[k]
                    for j in range(size):
                        hessian[k][j] += p[a] * v[k] * v[j]
            for k in range(size):
                for j in range(size):
                    hessian[k][j] -= mean[k] * mean[j]
        step = _solve(hessian, gradient)
        weights = [w - s for w, s in zip(weights, step)]
        if max(abs(s) for s in step) < 1e-7:
            break
    return weights


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """x with matrix · x = vector, by Gaussian elimination with partial pivoting."""
    n = len(vector)
    rows = [list(matrix[i]) + [vector[i]] for i in range(n)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(rows[r][col]))
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(col + 1, n):
            factor = rows[r][col] / rows[col][col]
            for c in range(col, n + 1):
                rows[r][c] -= factor * rows[col][c]
    solution = [0.0] * n
    for r in range(n - 1, -1, -1):
        solution[r] = (rows[r][n] - sum(rows[r][c] * solution[c] for c in range(r + 1, n))) / rows[r][r]
    return solution


@dataclass(frozen=True)
class CurvePoint:
    threshold: float
    precision: float  # of the attitudes kept, the share with the gold class
    recall: float  # of the gold attitudes, the share kept with their class
    accuracy: float  # five-class accuracy, "none" included


def curve(
    calibration: Calibration, examples: Sequence[Example], thresholds: Iterable[float], shares: dict[str, float] | None = None,
) -> list[CurvePoint]:
    """Precision, recall and accuracy at each threshold; `shares`: each gold class's share in
    the population the figures are for (default: as in `examples`), so that a balanced sample
    can stand for news, where most pairs hold no attitude."""
    counts = {c: sum(e.gold == c for e in examples) for c in CLASSES}
    weight = {c: (shares[c] / counts[c] if shares and counts[c] else 1.0) for c in CLASSES}
    total = sum(weight[e.gold] for e in examples)
    gold_attitudes = sum(weight[e.gold] for e in examples if e.gold != "none")
    points = []
    for threshold in thresholds:
        decided = [calibration.decide(e.answers, e.grammar, threshold)[0] for e in examples]
        kept = sum(weight[e.gold] for d, e in zip(decided, examples) if d != "none")
        right = sum(weight[e.gold] for d, e in zip(decided, examples) if d != "none" and d == e.gold)
        points.append(CurvePoint(
            threshold=round(threshold, 4),
            precision=round(right / kept, 4) if kept else 1.0,
            recall=round(right / gold_attitudes, 4) if gold_attitudes else 0.0,
            accuracy=round(sum(weight[e.gold] for d, e in zip(decided, examples) if d == e.gold) / total, 4) if total else 0.0,
        ))
    return points


def best_threshold(calibration: Calibration, examples: Sequence[Example]) -> float:
    """The threshold with the best five-class accuracy on `examples` (the lowest of equals)."""
    points = curve(calibration, examples, [n / 100 for n in range(0, 100)])
    return max(points, key=lambda p: (p.accuracy, -p.threshold)).threshold


def keep_threshold(calibration: Calibration, examples: Sequence[Example], shares: dict[str, float], precision: float) -> float:
    """The lowest threshold at which the attitudes kept reach `precision` where gold classes
    have these `shares`; 1.0 (keep almost nothing) when none does."""
    points = curve(calibration, examples, [n / 100 for n in range(0, 100)], shares)
    return next((p.threshold for p in points if p.precision >= precision and p.recall > 0), 1.0)


def format_curve(points: Sequence[CurvePoint]) -> str:
    lines = ["  threshold  precision  recall  accuracy"]
    lines += [f"  {p.threshold:>9.2f}  {p.precision:>9.2f}  {p.recall:>6.2f}  {p.accuracy:>8.2f}" for p in points]
    return "\n".join(lines)


# --- the judge on a set's own pairs ----------------------------------------------------------


def item_pair(item: AttitudeItem) -> Pair:
    return Pair(item.text, *item.forms)


def item_grammars(items: list[AttitudeItem], words: Lexicon = DEFAULT_LEXICON) -> list[Grammar]:
    """What the grammar reads between each item's two actors (`grammars_between`)."""
    return grammars_between([item_pair(item) for item in items], words)


def judge_examples(
    items: list[AttitudeItem], llm: AsksTokens, cache: AnswerCache, on_item: Callable[[int, int], None] | None = None,
) -> list[Example]:
    """The model's answers and the grammar's evidence on each item's pair, with its gold class."""
    examples = []
    for item, grammar in zip(items, item_grammars(items)):
        first, second = item.entities
        examples.append(Example(ask(item.text, first, second, grammar, llm, cache), grammar, item.label))
        if on_item:
            on_item(len(examples), len(items))
    return examples


class CalibrationReport(BaseModel):
    calibration: dict
    train: AttitudeReport
    check: AttitudeReport
    curve: list[dict]  # on the balanced check sample
    curve_as_in_news: list[dict]  # the same, each class weighted by its share in the whole check file


def calibrate(
    train: list[AttitudeItem], check: list[AttitudeItem], llm: AsksTokens, cache: AnswerCache,
    about: dict, shares: tuple[dict[str, float], dict[str, float]], on_item: Callable[[str, int, int], None] | None = None,
) -> tuple[Calibration, CalibrationReport]:
    """Fit the judge's weights and thresholds on `train`, then score it on `check` (disjoint)
    with the precision/recall curve there. `shares`: the classes' shares in the files `train`
    and `check` were sampled from: the keep threshold is for precision where attitudes are as
    rare as in the first, and the second curve weighs the check sample as its file."""
    train_examples = judge_examples(train, llm, cache, on_item and (lambda d, t: on_item("train", d, t)))
    calibration = Calibration(fit(train_examples), 0.0, about=about)
    calibration.threshold = best_threshold(calibration, train_examples)
    calibration.keep_threshold = keep_threshold(calibration, train_examples, shares[0], KEEP_PRECISION)
    started = time.perf_counter()
    check_examples = judge_examples(check, llm, cache, on_item and (lambda d, t: on_item("check", d, t)))
    check_seconds = time.perf_counter() - started  # a cached answer costs nothing: a re-run is faster
    reports = []
    for name, items, examples in (("judge (train, in-sample)", train, train_examples), ("judge", check, check_examples)):
        decided = {id(item): calibration.decide(e.answers, e.grammar)[0] for item, e in zip(items, examples)}
        reports.append(score_items(name, items, lambda item: as_stances(item_pair(item), decided[id(item)])))
    train_report, check_report = reports
    check_report.seconds_per_sentence = round(check_seconds / len(check), 2) if check else 0.0
    asked = sum(len(e.answers) for e in train_examples)
    calibration.about |= {
        "questions_per_sentence": round(asked / len(train), 2) if train else 0.0,
        "train_accuracy": train_report.accuracy, "check_accuracy": check_report.accuracy, "check_macro_f1": check_report.macro_f1,
    }
    thresholds = [n / 20 for n in range(0, 20)]
    return calibration, CalibrationReport(
        calibration=json.loads(calibration.to_json()), train=train_report, check=check_report,
        curve=[vars(p) for p in curve(calibration, check_examples, thresholds)],
        curve_as_in_news=[vars(p) for p in curve(calibration, check_examples, thresholds, shares[1])],
    )


def calibrate_files(
    corpus: Corpus,
    train: Path,
    check: Path,
    *,
    per_label: int = 80,
    check_per_label: int = 20,
    seed: int = 0,
    baseline: str | None = None,
    out: Path | None = None,
    on_item: Callable[[str, int, int], None] | None = None,
) -> EvalReport:
    """Fit the judge on a balanced sample of `train` (`per_label` sentences of each gold class),
    check it on one of `check` (a disjoint file), write the fitted file to `out` if given, and
    report accuracy, macro-F1, the confusion matrix and the precision/recall curve there, beside
    the naive baseline when `baseline="naive"`. The model's answers are kept in the corpus's
    cache folder: a re-run asks nothing twice. `on_item(stage, done, total)` hears of each
    sentence judged ("train" or "check")."""
    if baseline not in (None, *BASELINES):
        raise DossierError(f"unknown --baseline {baseline!r}: the one baseline is `naive`")
    for path in (train, check):
        if not path.is_file():
            raise DossierError(f"no such file: {path}")
    if train.resolve() == check.resolve():
        raise DossierError(f"--check {check} is the file fitted on: check on sentences the fit never saw")
    train_all, check_all = load_attitudes(train), load_attitudes(check)
    fit_on = balanced_sample(train_all, per_label, seed)
    check_on = balanced_sample(check_all, check_per_label, seed)
    about = {
        "fitted_on": f"{train.name}: {len(fit_on)} sentences, {per_label} per gold class (seed {seed})",
        "checked_on": f"{check.name}: {len(check_on)} sentences, {check_per_label} per gold class (seed {seed})",
        "model": corpus.model_id,
        "threshold": "the best five-class accuracy on the fitted sample",
        "keep_threshold": f"the lowest with precision {KEEP_PRECISION} on the fitted sample, its classes weighted as in {train.name}",
    }
    calibration, found = calibrate(
        fit_on, check_on, corpus.llm, corpus.attitude_answers, about, (class_shares(train_all), class_shares(check_all)), on_item
    )
    checked = [found.check]
    if baseline:
        checked.append(score_items("naive", check_on, lambda item: naive_attitude(item.text, *item.entities, corpus.llm)))
    if out is not None:
        write_atomically(out, calibration.to_json())
    weights = dict(zip(FEATURES, (round(w, 3) for w in calibration.weights)))
    report = EvalReport(payload=found.model_dump(mode="json") | {"baseline_naive": checked[1].model_dump(mode="json") if baseline else None})
    report.parts += [
        f"fitted weights: {weights}",
        f"threshold {calibration.threshold:.2f} (balanced accuracy), keep threshold {calibration.keep_threshold:.2f} (extraction)",
        format_attitudes([found.train], details=False),
        f"check ({check.name}):",
        format_attitudes(checked, details=False),
        "precision/recall on the check sample (an attitude counts when its class is right):",
        format_curve([CurvePoint(**p) for p in found.curve]),
        f"the same, each class weighted by its share in {check.name} (most pairs hold no attitude):",
        format_curve([CurvePoint(**p) for p in found.curve_as_in_news]),
    ]
    if out is not None:
        report.parts.append(f"-> {out}")
    return report


# --- the pair ranker -------------------------------------------------------------------------


def fit_ranker(
    inputs: np.ndarray, classes: Sequence[int], l2: float = 1e-4, iterations: int = 1000, step: float = 2.0,
) -> tuple[list[list[float]], list[float]]:
    """Multinomial logistic regression of `classes` (indices into `pair_ranker.CLASSES`) on
    `inputs` (rows of `pair_ranker.vectors`), each class weighted by its rarity, by full-batch
    gradient descent from zero: deterministic, and enough for 768 inputs and some thousand
    sentences. Each attitude's weights and bias are returned against "none"'s."""
    count = len(CLASSES)
    x = np.hstack([inputs.astype(np.float64), np.ones((len(inputs), 1))])
    labels = np.asarray(classes)
    target = np.eye(count)[labels]
    seen = np.bincount(labels, minlength=count).astype(np.float64)
    balance = (len(labels) / (count * np.maximum(seen, 1)))[labels]
    w = np.zeros((x.shape[1], count))
    for _ in range(iterations):
        scores = x @ w
        p = np.exp(scores - scores.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        gradient = x.T @ ((p - target) * balance[:, None]) / balance.sum()
        gradient[:-1] += l2 * w[:-1]
        w -= step * gradient
    against_none = w[:, 1:] - w[:, :1]
    return [[float(v) for v in column[:-1]] for column in against_none.T], [float(v) for v in against_none[-1]]


def auc(scores: Sequence[float], positive: Sequence[bool]) -> float:
    """The probability that a random positive scores above a random negative (ties count half)."""
    n_pos = sum(1 for p in positive if p)
    n_neg = len(positive) - n_pos
    if not n_pos or not n_neg:
        return float("nan")
    ranks: dict[float, list[int]] = {}
    for rank, value in enumerate(sorted(scores), start=1):
        ranks.setdefault(value, []).append(rank)
    mean_rank = {value: sum(r) / len(r) for value, r in ranks.items()}
    return (sum(mean_rank[s] for s, p in zip(scores, positive) if p) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def ranker_pair(item: AttitudeItem) -> tuple[str, tuple[int, int], tuple[int, int]]:
    """What the ranker reads of an item (`pair_spans`); the whole sentence twice where one of
    its two actors is not found."""
    return pair_spans(item_pair(item)) or (item.text, (0, len(item.text)), (0, len(item.text)))


def in_text_order_class(item: AttitudeItem) -> int:
    """The item's gold class as the ranker reads it, the name earlier in the sentence as p."""
    _, first, second = ranker_pair(item)
    swapped = in_text_order({item.label: 1.0}, first[0] <= second[0])
    return CLASSES.index(next(iter(swapped)))


def calibrate_ranker_files(train: Path, check: Path, out: Path | None = None, per_label: int = 40, seed: int = 0) -> EvalReport:
    """Fit the pair ranker on the sentences of `train`, leaving out the balanced sample
    (`per_label`, `seed`) the judge's weights are fitted on, so that the judge learns how far
    to trust the vectors on sentences they never saw; check it on every sentence of `check`
    (a disjoint file): five-class balanced accuracy, and the area under the ROC curve of
    "any attitude" against "none". No model calls: only the index's embedding."""
    for path in (train, check):
        if not path.is_file():
            raise DossierError(f"no such file: {path}")
    if train.resolve() == check.resolve():
        raise DossierError(f"--check {check} is the file fitted on: check on sentences the fit never saw")
    train_all, check_items = load_attitudes(train), load_attitudes(check)
    judged = {id(item) for item in balanced_sample(train_all, per_label, seed)}
    train_items = [item for item in train_all if id(item) not in judged]
    weights, biases = fit_ranker(vectors([pair_texts(*ranker_pair(i)) for i in train_items]), [in_text_order_class(i) for i in train_items])
    ranker = PairRanker(weights, biases)
    found = ranker.leanings([ranker_pair(i) for i in check_items])
    area = auc([1.0 - f["none"] for f in found], [i.label != "none" for i in check_items])
    recalls = [float(np.mean([max(f, key=f.get) == c for f, i in zip(found, check_items) if i.label == c]))
               for c in CLASSES if any(i.label == c for i in check_items)]
    balanced = float(np.mean(recalls)) if recalls else float("nan")
    ranker.about = {
        "fitted_on": f"{train.name}: {len(train_items)} sentences, all but the judge's sample ({per_label} per gold class, seed {seed})",
        "checked_on": f"{check.name}: all {len(check_items)} sentences",
        "check_auc": round(area, 3),
        "check_balanced_accuracy": round(balanced, 3),
        "embedding": "MiniLM (the index's), sentence and the stretch between the two names",
    }
    if out is not None:
        write_atomically(out, ranker.to_json())
    parts = [f"pair ranker fitted on {len(train_items)} sentences of {train.name} (the judge's {len(judged)} left out)",
             f"check ({check.name}, {len(check_items)} sentences): five-class balanced accuracy {balanced:.3f}, "
             f"AUC {area:.3f} for any attitude against none"]
    if out is not None:
        parts.append(f"-> {out}")
    return EvalReport(payload=ranker.about, parts=parts)

"""Score predicted records against a gold file (the format of `eval/dev.json`).

Pure and deterministic: no model calls, no I/O beyond `load_gold`. The CLI
(`agent eval`) loads the predictions and the article texts and calls
`evaluate(gold, records, texts, seconds)`; `format_report` renders the result.

What is scored, following `eval/README.md`, and the choices made where it is silent:

Alias mapping (`map_actor`)
    A name is lower-cased, curly apostrophes made straight, whitespace folded, a
    leading "the" dropped and a trailing possessive ('s) stripped. It maps to a
    canonical actor when it equals an alias or the canonical name (both folded the
    same way), or else contains one as whole words (bounded by non-word characters);
    the longest such alias wins, ties go to the earliest occurrence in the name, then
    to the gold's order of actors. An unmapped name stays as its folded form, so a
    stance involving it can only be a false positive.

Stances
    - Only `supports` and `opposes` are scored; a predicted `condemns` counts as
      `opposes`; `calls_for` (and any other relation) is not scored.
    - Only predictions for articles that appear in the gold's `stances`,
      `ambiguous` or `disputed` lists are scored ("scored articles").
    - Grounding: the evidence quote must stand verbatim at its offsets
      (`texts[article][start:end] == quote`, non-empty). An ungrounded scored stance
      is a false positive whatever its status, and never matches gold: each unique
      ungrounded (article, holder, relation, target) is one FP, even when the same
      tuple is also predicted with good evidence (which may still be a TP).
    - A grounded prediction with status `stated` asserts its tuple. Per unique
      tuple: in `stances` -> TP; else in `disputed` -> FP; else in `ambiguous` ->
      ignored; else FP. `disputed` takes precedence over `ambiguous` (dev.json lists
      one claim in an article under both; the README's disputed rule is the
      more specific one).
    - A grounded prediction with status `claimed`/`denied` does not assert its
      tuple. When it matches a `disputed` entry it counts once per unique tuple in
      `disputed_handled` (neither TP nor FP); otherwise it is ignored.
    - Self-stances (holder and target mapping to the same actor) are scored like
      any other tuple (so they are FPs).
    - Per article and micro (union over scored articles) P/R/F1 over unique
      (article, holder, relation, target); macro is the mean of per-article F1.
    - Corpus level over unique (holder, relation, target): gold is the set of
      triples in `stances`; predicted triples are those asserted in any scored
      article. TP = predicted & gold; FN = gold - predicted; FP = predicted triples
      outside gold for which at least one article-level prediction was an FP (a
      triple only ever predicted where it is ambiguous is ignored), plus the unique
      ungrounded triples.
    - Zero denominators give 0.0, except that nothing predicted and nothing to find
      gives P = R = F1 = 1.0.

Dates and fabricated dates
    Scored by `agent.evaluation.dates` (its docstring has the rules) over the date
    records of every article, each with its evidence article resolved as below and
    whether its quote is grounded.

Grounding rate: the share of ALL predicted records (any type, any article) whose
evidence quote stands verbatim at its offsets; 0.0 when there are no records.

Seconds per article: the mean of `seconds` over the gold's articles (stances,
ambiguous, disputed, dates, unanchored) that have a value; None without any.

An evidence `article` that is not a key of `texts` falls back to its base name
(a path "examples/news/000_x.txt" finds "000_x.txt").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from agent.evaluation.dates import (
    STRAIGHT_APOSTROPHES,
    DateCandidate,
    DateDetail,
    DateRecord,
    DatesReport,
    FabricatedDate,
    FabricatedReport,
    agrees_at_precision,
    event_match_score,
    find_fabricated_dates,
    score_dates,
)
from agent.text.names import fold

__all__ = [
    "PRF",
    "AliasMap",
    "DateCandidate",
    "DateDetail",
    "DatesReport",
    "EvalReport",
    "FabricatedDate",
    "FabricatedReport",
    "StanceTuple",
    "agrees_at_precision",
    "evaluate",
    "event_match_score",
    "fold_name",
    "format_report",
    "is_grounded",
    "load_gold",
    "map_actor",
]

SCORED_RELATIONS = {"supports": "supports", "opposes": "opposes", "condemns": "opposes"}
ASSERTING_STATUS = "stated"
HEDGED_STATUSES = {"claimed", "denied"}
UNGROUNDED_REASON = "evidence quote not verbatim"

Key = tuple[str, str, str, str]  # (article, holder, relation, target), actors canonical


# --------------------------------------------------------------------------- report models


class PRF(BaseModel):
    tp: int = 0
    fp: int = 0
    fn: int = 0
    precision: float = 0.0
    recall: float = 0.0
    f1: float = 0.0


class StanceTuple(BaseModel):
    article: str | None = None
    holder: str
    relation: str
    target: str
    reason: str = Field(default="", description="Why it is an FP/FN: 'not in gold', 'disputed', ...")


class EvalReport(BaseModel):
    per_article: dict[str, PRF] = Field(default_factory=dict)
    micro: PRF = Field(default_factory=PRF)
    macro_f1: float = 0.0
    corpus: PRF = Field(default_factory=PRF)
    grounding_rate: float = 0.0
    grounded: int = 0
    total_records: int = 0
    dates: DatesReport = Field(default_factory=DatesReport)
    fabricated_dates: FabricatedReport = Field(default_factory=FabricatedReport)
    disputed_handled: int = 0
    ignored_ambiguous: int = Field(0, description="Unique article tuples matching an ambiguous entry.")
    seconds_per_article: float | None = None
    false_positives: list[StanceTuple] = Field(default_factory=list)
    false_negatives: list[StanceTuple] = Field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


# --------------------------------------------------------------------------- gold and names


def load_gold(path: str | Path) -> dict:
    """Read a gold file (dev.json format)."""
    with open(path, encoding="utf-8") as fh:
        gold = json.load(fh)
    if not isinstance(gold, dict):
        # a ValueError, not a TypeError: `agent eval` reports ValueErrors as bad input
        raise ValueError(f"{path}: a gold file is a JSON object")  # noqa: TRY004
    return gold


def fold_name(name: str) -> str:
    """`agent.text.names.fold` with every apostrophe straightened and a trailing plural one
    dropped ("the Rebels'" is "rebels")."""
    folded = fold((name or "").translate(STRAIGHT_APOSTROPHES))
    return folded[:-1].rstrip() if folded.endswith("'") and len(folded) > 1 else folded


class AliasMap:
    """Canonical actors and their aliases from a gold file; `map(name)` applies the README rule."""

    def __init__(self, aliases: Mapping[str, Iterable[str]]):
        self.exact: dict[str, str] = {}
        entries: list[tuple[str, str, int]] = []  # (folded alias, canonical, gold order)
        for order, (canonical, forms) in enumerate(aliases.items()):
            for form in [canonical, *forms]:
                folded = fold_name(form)
                if not folded:
                    continue
                self.exact.setdefault(folded, canonical)
                entries.append((folded, canonical, order))
        self._patterns = [
            (re.compile(r"(?<!\w)" + re.escape(a) + r"(?!\w)"), a, c, o) for a, c, o in entries
        ]

    def forms(self, name: str) -> set[str]:
        """Every folded spelling of the gold actor `name` maps to (just its own, if none)."""
        canonical = self.map(name)
        return {a for _, a, c, _ in self._patterns if c == canonical} or {fold_name(name)}

    def map(self, name: str) -> str:
        folded = fold_name(name)
        if folded in self.exact:
            return self.exact[folded]
        best: tuple[int, int, int] | None = None
        best_canonical = None
        for pattern, alias, canonical, order in self._patterns:
            m = pattern.search(folded)
            if m is None:
                continue
            key = (-len(alias), m.start(), order)
            if best is None or key < best:
                best, best_canonical = key, canonical
        return best_canonical if best_canonical is not None else folded


def map_actor(name: str, aliases: Mapping[str, Iterable[str]] | AliasMap) -> str:
    """Map a predicted name to its canonical actor, or its folded form when none fits."""
    amap = aliases if isinstance(aliases, AliasMap) else AliasMap(aliases)
    return amap.map(name)


# --------------------------------------------------------------------------- grounding


def _as_dict(record: Any) -> dict:
    """A record (a dict or a pydantic model) as a plain dict."""
    if isinstance(record, Mapping):
        return dict(record)
    if hasattr(record, "model_dump"):
        return record.model_dump(mode="json")
    raise TypeError(f"a record is a JSON object, not {type(record).__name__}")


def _article_key(article: Any, texts: Mapping[str, str]) -> str | None:
    """An evidence article's key in `texts`: the name, else its base name if that is one."""
    if not isinstance(article, str) or not article:
        return None
    if article in texts:
        return article
    base = article.replace("\\", "/").rsplit("/", 1)[-1]
    return base if base in texts else article


def is_grounded(evidence: Any, texts: Mapping[str, str]) -> bool:
    """True when `evidence.quote` stands verbatim at `[start:end]` of its (known) article."""
    if hasattr(evidence, "model_dump"):
        evidence = evidence.model_dump()
    if not isinstance(evidence, Mapping):
        return False
    key = _article_key(evidence.get("article"), texts)
    text = texts.get(key) if key is not None else None
    start, end, quote = evidence.get("start"), evidence.get("end"), evidence.get("quote")
    if text is None or not isinstance(quote, str) or not quote:
        return False
    if isinstance(start, bool) or isinstance(end, bool):
        return False
    if not isinstance(start, int) or not isinstance(end, int):
        return False
    if not 0 <= start < end <= len(text):
        return False
    return text[start:end] == quote


# --------------------------------------------------------------------------- stances


def _prf(tp: int, fp: int, fn: int) -> PRF:
    """Precision, recall and F1 from counts (1.0 each when nothing was predicted or to find)."""
    if tp + fp == 0 and tp + fn == 0:
        return PRF(tp=0, fp=0, fn=0, precision=1.0, recall=1.0, f1=1.0)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return PRF(tp=tp, fp=fp, fn=fn, precision=round(p, 4), recall=round(r, 4), f1=round(f, 4))


def _scored_relation(entry: Mapping) -> str | None:
    """The relation a gold entry or a record scores as (`condemns` as `opposes`), or None."""
    return SCORED_RELATIONS.get(str(entry.get("relation", "")).lower())


def _gold_tuples(entries: Iterable[Mapping], amap: AliasMap) -> set[Key]:
    """The scored tuples of one gold stance list (`calls_for` and the like left out)."""
    out = set()
    for e in entries or []:
        rel = _scored_relation(e)
        if rel is None:
            continue
        out.add((e["article"], amap.map(e["holder"]), rel, amap.map(e["target"])))
    return out


@dataclass(frozen=True)
class _GoldStances:
    """The gold's `stances`, `ambiguous` and `disputed` lists as sets of tuples."""

    stances: set[Key]
    ambiguous: set[Key]
    disputed: set[Key]

    @property
    def articles(self) -> list[str]:
        """The scored articles, sorted: those any of the three lists names."""
        return sorted({k[0] for k in self.stances | self.ambiguous | self.disputed})


def _gold_stances(gold: Mapping, amap: AliasMap) -> _GoldStances:
    """The gold's three stance lists, actors mapped to their canonical names."""
    return _GoldStances(
        stances=_gold_tuples(gold.get("stances"), amap),
        ambiguous=_gold_tuples(gold.get("ambiguous"), amap),
        disputed=_gold_tuples(gold.get("disputed"), amap),
    )


def _record_article(record: dict, texts: Mapping[str, str]) -> str | None:
    """The key in `texts` of a record's evidence article (None without one)."""
    ev = record.get("evidence") or {}
    return _article_key(ev.get("article") if isinstance(ev, Mapping) else None, texts)


def _stance_key(record: dict, amap: AliasMap, texts: Mapping[str, str], scored: set[str]) -> Key | None:
    """The tuple a stance record predicts, or None when its relation or its article is not scored."""
    if record.get("type") != "stance":
        return None
    rel = _scored_relation(record)
    if rel is None:
        return None
    article = _record_article(record, texts)
    if article not in scored:
        return None
    return (article, amap.map(str(record.get("holder", ""))), rel, amap.map(str(record.get("target", ""))))


@dataclass(frozen=True)
class _PredictedStances:
    """The unique tuples of the scored stance predictions, by what they say."""

    asserted: set[Key]  # grounded and stated
    ungrounded: set[Key]  # quote not at its offsets, whatever the status
    handled: set[Key]  # grounded, claimed or denied, and disputed in gold


def _predicted_stances(
    recs: list[dict], grounded_flags: list[bool], gold: _GoldStances, amap: AliasMap,
    texts: Mapping[str, str],
) -> _PredictedStances:
    """Sort the stance records of the scored articles into asserted, ungrounded and handled tuples."""
    scored = set(gold.articles)
    out = _PredictedStances(asserted=set(), ungrounded=set(), handled=set())
    for rec, grounded in zip(recs, grounded_flags):
        key = _stance_key(rec, amap, texts, scored)
        if key is None:
            continue
        status = str(rec.get("status") or ASSERTING_STATUS).lower()
        if not grounded:
            out.ungrounded.add(key)
        elif status == ASSERTING_STATUS:
            out.asserted.add(key)
        elif status in HEDGED_STATUSES and key in gold.disputed:
            out.handled.add(key)
    return out


@dataclass(frozen=True)
class _StanceOutcome:
    """The article-level verdicts on the predicted tuples."""

    tp: set[Key]
    fn: set[Key]
    wrong: dict[Key, str]  # asserted and false, with the reason
    ignored: set[Key]  # asserted where the gold calls them ambiguous
    ungrounded: set[Key]

    def fp_keys(self) -> list[Key]:
        """Every false positive; a tuple both asserted wrongly and ungrounded counts twice."""
        return [*self.wrong, *self.ungrounded]


def _judge_stances(predicted: _PredictedStances, gold: _GoldStances) -> _StanceOutcome:
    """TP, FN and FP tuples (with reasons) and the ignored ambiguous ones."""
    wrong: dict[Key, str] = {}
    ignored: set[Key] = set()
    for key in predicted.asserted - gold.stances:
        # disputed before ambiguous: dev.json lists one claim under both; the disputed rule is more specific
        if key in gold.disputed:
            wrong[key] = "disputed, asserted as stated"
        elif key in gold.ambiguous:
            ignored.add(key)
        else:
            wrong[key] = "not in gold"
    return _StanceOutcome(
        tp=predicted.asserted & gold.stances, fn=gold.stances - predicted.asserted,
        wrong=wrong, ignored=ignored, ungrounded=predicted.ungrounded,
    )


def _article_prf(outcome: _StanceOutcome, article: str) -> PRF:
    """P/R/F1 of the tuples of one article."""
    def count(keys: Iterable[Key]) -> int:
        return sum(1 for k in keys if k[0] == article)

    return _prf(count(outcome.tp), count(outcome.fp_keys()), count(outcome.fn))


def _macro_f1(per_article: Mapping[str, PRF]) -> float:
    """The mean of the per-article F1 (0.0 without articles)."""
    return round(sum(p.f1 for p in per_article.values()) / len(per_article), 4) if per_article else 0.0


def _triples(keys: Iterable[Key]) -> set[tuple[str, str, str]]:
    """The (holder, relation, target) of tuples, whatever their article."""
    return {k[1:] for k in keys}


def _corpus_prf(gold_stances: set[Key], asserted: set[Key], outcome: _StanceOutcome) -> PRF:
    """P/R/F1 over unique (holder, relation, target) triples across the scored articles."""
    gold_triples, predicted = _triples(gold_stances), _triples(asserted)
    # an article-level FP whose triple is gold elsewhere is right at corpus level
    wrong = _triples(outcome.wrong) - gold_triples
    return _prf(
        len(predicted & gold_triples),
        len(wrong) + len(_triples(outcome.ungrounded)),
        len(gold_triples - predicted),
    )


def _stance_tuple(key: Key, reason: str) -> StanceTuple:
    """A tuple for the report's FP and FN lists."""
    article, holder, relation, target = key
    return StanceTuple(article=article, holder=holder, relation=relation, target=target, reason=reason)


def _report_order(t: StanceTuple) -> tuple[str, str, str, str, str]:
    """Sort key of the report's FP and FN lists."""
    return (t.article or "", t.holder, t.relation, t.target, t.reason)


def _false_positives(outcome: _StanceOutcome) -> list[StanceTuple]:
    """The false positives with their reasons, sorted."""
    fps = [_stance_tuple(k, reason) for k, reason in outcome.wrong.items()]
    fps += [_stance_tuple(k, UNGROUNDED_REASON) for k in outcome.ungrounded]
    return sorted(fps, key=_report_order)


def _false_negatives(outcome: _StanceOutcome) -> list[StanceTuple]:
    """The missed gold tuples, sorted."""
    return sorted((_stance_tuple(k, "missed") for k in outcome.fn), key=_report_order)


# --------------------------------------------------------------------------- dates and timing


def _date_records(recs: list[dict], grounded_flags: list[bool], texts: Mapping[str, str]) -> list[DateRecord]:
    """The date records, any article, with their evidence article and grounding."""
    return [
        DateRecord(_record_article(rec, texts), rec, grounded)
        for rec, grounded in zip(recs, grounded_flags)
        if rec.get("type") == "date"
    ]


def _seconds_per_article(
    seconds: Mapping[str, float] | None, gold: Mapping, scored_articles: list[str]
) -> float | None:
    """The mean seconds over the gold's articles that have a value; None without any."""
    if not seconds:
        return None
    articles = set(scored_articles) | {d["article"] for d in gold.get("dates") or []}
    articles |= {u["article"] for u in gold.get("unanchored") or []}
    vals = [float(seconds[a]) for a in sorted(articles) if seconds.get(a) is not None]
    return round(sum(vals) / len(vals), 3) if vals else None


# --------------------------------------------------------------------------- evaluate


def evaluate(
    gold: dict,
    records: list[dict],
    texts: dict[str, str],
    seconds: dict[str, float] | None = None,
) -> EvalReport:
    """Score `records` (predicted actor/stance/date records) against `gold`; see the module doc."""
    amap = AliasMap(gold.get("aliases") or {})
    gold_stances = _gold_stances(gold, amap)
    recs = [_as_dict(r) for r in records]
    grounded_flags = [is_grounded(r.get("evidence"), texts) for r in recs]

    predicted = _predicted_stances(recs, grounded_flags, gold_stances, amap, texts)
    outcome = _judge_stances(predicted, gold_stances)
    per_article = {art: _article_prf(outcome, art) for art in gold_stances.articles}
    date_records = _date_records(recs, grounded_flags, texts)
    n_grounded = sum(grounded_flags)
    return EvalReport(
        per_article=per_article,
        micro=_prf(len(outcome.tp), len(outcome.fp_keys()), len(outcome.fn)),
        macro_f1=_macro_f1(per_article),
        corpus=_corpus_prf(gold_stances.stances, predicted.asserted, outcome),
        grounding_rate=round(n_grounded / len(recs), 4) if recs else 0.0,
        grounded=n_grounded,
        total_records=len(recs),
        dates=score_dates(gold.get("dates") or [], date_records),
        fabricated_dates=find_fabricated_dates(gold.get("unanchored") or [], date_records),
        disputed_handled=len(predicted.handled),
        ignored_ambiguous=len(outcome.ignored),
        seconds_per_article=_seconds_per_article(seconds, gold, gold_stances.articles),
        false_positives=_false_positives(outcome),
        false_negatives=_false_negatives(outcome),
    )


# --------------------------------------------------------------------------- text report


def _row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))


def format_report(report: EvalReport) -> str:
    """A compact plain-text rendering of an `EvalReport`."""
    header = ["stances", "tp", "fp", "fn", "P", "R", "F1"]
    rows = [
        [art, str(p.tp), str(p.fp), str(p.fn), f"{p.precision:.2f}", f"{p.recall:.2f}", f"{p.f1:.2f}"]
        for art, p in report.per_article.items()
    ]
    for label, p in (("micro", report.micro), ("corpus (h,r,t)", report.corpus)):
        rows.append([label, str(p.tp), str(p.fp), str(p.fn), f"{p.precision:.2f}",
                     f"{p.recall:.2f}", f"{p.f1:.2f}"])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [_row(header, widths), _row(["-" * w for w in widths], widths)]
    lines += [_row(r, widths) for r in rows]
    lines.append(f"macro F1 {report.macro_f1:.2f}   disputed handled {report.disputed_handled}"
                 f"   ambiguous ignored {report.ignored_ambiguous}")
    lines.append(f"grounding {report.grounded}/{report.total_records} ({report.grounding_rate:.1%})")
    lines.append(f"dates {report.dates.correct}/{report.dates.total}"
                 f"   fabricated dates {report.fabricated_dates.count}")
    for d in report.dates.details:
        mark = "ok " if d.correct else "-- "
        got = d.best.value if d.best else "no match"
        lines.append(f"  {mark}{d.article[:3]} {d.event[:50]:<50} gold {d.gold_value:<10} got {got}")
    for f in report.fabricated_dates.records:
        lines.append(f"  fabricated: {f.article} '{f.text}' -> {f.value} ({'; '.join(f.reasons)})")
    if report.seconds_per_article is not None:
        lines.append(f"seconds/article {report.seconds_per_article:.1f}")
    if report.false_positives:
        lines.append("false positives:")
        lines += [f"  {t.article} {t.holder} {t.relation} {t.target} ({t.reason})"
                  for t in report.false_positives]
    if report.false_negatives:
        lines.append("false negatives:")
        lines += [f"  {t.article} {t.holder} {t.relation} {t.target}" for t in report.false_negatives]
    return "\n".join(lines)

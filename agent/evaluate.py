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

Dates
    - Candidates for a gold date are the grounded date records of the same article.
      The candidate's text is its `event` plus its surface `text`.
    - Matching: both sides are tokenised, stop words dropped and words lightly
      stemmed (suffixes -s/-es/-ed/-ing, a final e and doubled letters, a short
      table of irregular verbs: took -> take); two stems of five or more letters
      also match at rapidfuzz ratio >= 80 (Qaddafi/Gaddafi). The score is the
      share of the gold event's content words found in the candidate. A gold
      event's parenthetical is an alternative description: the event "Arvand and
      Sel call for a truce (Talli-Voss talks in Velmora)" is scored as
      the best of the full text, the text without the parenthetical and the
      parenthetical alone. A candidate matches at score >= 0.5, or when the gold
      event is (nearly) a substring of it (rapidfuzz partial_ratio >= 90).
    - Predicted events are whole sentences, which often hold several dates, so a
      gold date is correct when ANY matched candidate's value agrees at the gold
      precision: year compares the first 4 characters, month the first 7, day all
      10 (a finer prediction is fine, a coarser one is wrong). A gold value without
      a year (`--01-12`) needs a prediction without a year (`--01-12`); a predicted
      `2020-01-12` there is a fabricated year, so wrong. The details list the best
      agreeing candidate, or else the best-scoring one.

Fabricated dates (checked on every date record, grounded or not, any article)
    (a) an `unanchored` gold entry resolved: same article, the record's `text`
        contains the unanchored text (case-insensitive) and its value is not null;
    (b) a stated year with no anchor: the value starts with four digits, the
        record's `anchor` is null and its surface `text` holds no four-digit year.
    Each offending record counts once, with the reasons.

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
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from rapidfuzz import fuzz

__all__ = [
    "AliasMap",
    "DateDetail",
    "EvalReport",
    "PRF",
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
EVENT_MATCH_THRESHOLD = 0.5
EVENT_SUBSTRING_RATIO = 90.0
TOKEN_FUZZY_RATIO = 80.0
TOKEN_FUZZY_MIN_LEN = 5
PRECISION_CHARS = {"year": 4, "month": 7, "day": 10}


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


class DateCandidate(BaseModel):
    text: str
    event: str
    value: str | None
    score: float
    agrees: bool


class DateDetail(BaseModel):
    article: str
    event: str
    gold_value: str
    precision: str
    correct: bool
    candidates: int = 0
    best: DateCandidate | None = None


class DatesReport(BaseModel):
    correct: int = 0
    total: int = 0
    accuracy: float = 0.0
    details: list[DateDetail] = Field(default_factory=list)


class FabricatedDate(BaseModel):
    article: str | None
    text: str
    value: str | None
    reasons: list[str]


class FabricatedReport(BaseModel):
    count: int = 0
    records: list[FabricatedDate] = Field(default_factory=list)


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
        raise ValueError(f"{path}: a gold file is a JSON object")
    return gold


_WS = re.compile(r"\s+")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def fold_name(name: str) -> str:
    """Lower-case, straighten apostrophes, fold whitespace, drop a leading "the" and a trailing 's."""
    s = _WS.sub(" ", (name or "").translate(_APOSTROPHES).lower()).strip()
    if s.startswith("the "):
        s = s[4:].lstrip()
    if s.endswith("'s"):
        s = s[:-2].rstrip()
    elif s.endswith("'") and len(s) > 1:
        s = s[:-1].rstrip()
    return s


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
    if isinstance(record, Mapping):
        return dict(record)
    if hasattr(record, "model_dump"):
        return record.model_dump(mode="json")
    raise TypeError(f"a record is a JSON object, not {type(record).__name__}")


def _article_key(article: Any, texts: Mapping[str, str]) -> str | None:
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


# --------------------------------------------------------------------------- scoring helpers


def _prf(tp: int, fp: int, fn: int) -> PRF:
    if tp + fp == 0 and tp + fn == 0:
        return PRF(tp=0, fp=0, fn=0, precision=1.0, recall=1.0, f1=1.0)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return PRF(tp=tp, fp=fp, fn=fn, precision=round(p, 4), recall=round(r, 4), f1=round(f, 4))


def _gold_tuples(entries: Iterable[Mapping], amap: AliasMap) -> set[tuple[str, str, str, str]]:
    out = set()
    for e in entries or []:
        rel = SCORED_RELATIONS.get(str(e.get("relation", "")).lower())
        if rel is None:
            continue
        out.add((e["article"], amap.map(e["holder"]), rel, amap.map(e["target"])))
    return out


# --------------------------------------------------------------------------- dates


_IRREGULAR = {
    "took": "take", "taken": "take", "began": "begin", "begun": "begin", "broke": "break",
    "broken": "break", "met": "meet", "fought": "fight", "held": "hold", "sent": "send",
    "said": "say", "says": "say", "led": "lead", "struck": "strike", "won": "win", "fell": "fall",
    "fallen": "fall", "went": "go", "gone": "go", "made": "make", "came": "come", "gave": "give",
    "given": "give", "left": "leave", "seized": "seize", "drove": "drive", "driven": "drive",
    "overthrew": "overthrow", "overthrown": "overthrow", "ousted": "oust", "killed": "kill",
    "truce": "ceasefire", "cease": "ceasefire",
}
_STOP = frozenset(
    """a an the of and or in on at to for from by with near between into onto over under its
    their his her it is was were be been being has have had as that this these those which who
    whom whose s al el after before during since until than then there here also other""".split()
)
_WORD = re.compile(r"[a-z0-9]+")


def _stem(word: str) -> str:
    w = _IRREGULAR.get(word, word)
    for suffix in ("ing", "ed", "es", "s"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and not w.endswith("ss"):
            w = w[: -len(suffix)]
            break
    if len(w) >= 4 and w.endswith("e"):
        w = w[:-1]
    if len(w) >= 3 and w[-1] == w[-2]:
        w = w[:-1]
    return w


def _content_stems(text: str) -> list[str]:
    s = (text or "").translate(_APOSTROPHES).lower().replace("'s", " ").replace("-", " ")
    seen: list[str] = []
    for tok in _WORD.findall(s):
        if tok in _STOP:
            continue
        stem = _stem(tok)
        if stem not in seen:
            seen.append(stem)
    return seen


def _stem_in(stem: str, pool: set[str]) -> bool:
    if stem in pool:
        return True
    if len(stem) < TOKEN_FUZZY_MIN_LEN:
        return False
    return any(
        len(p) >= TOKEN_FUZZY_MIN_LEN and fuzz.ratio(stem, p) >= TOKEN_FUZZY_RATIO for p in pool
    )


def _event_alternatives(event: str) -> list[str]:
    alts = [event]
    inner = re.findall(r"\(([^()]*)\)", event)
    if inner:
        alts.append(re.sub(r"\([^()]*\)", " ", event))
        alts.extend(inner)
    return [a for a in (x.strip() for x in alts) if a]


def event_match_score(gold_event: str, predicted: str) -> float:
    """How well a predicted event sentence matches a gold event description, 0..1.

    The share of the gold event's content words (stemmed, fuzzy for long words) found in
    `predicted`, the best over the event's alternatives (see the module docstring); 1.0
    when the gold event is (nearly) a substring of it. Match at >= EVENT_MATCH_THRESHOLD.
    """
    if not gold_event or not predicted:
        return 0.0
    pool = set(_content_stems(predicted))
    best = 0.0
    for alt in _event_alternatives(gold_event):
        stems = _content_stems(alt)
        if stems:
            best = max(best, sum(_stem_in(s, pool) for s in stems) / len(stems))
    if fuzz.partial_ratio(gold_event.lower(), predicted.lower()) >= EVENT_SUBSTRING_RATIO:
        best = 1.0
    return round(best, 4)


def agrees_at_precision(predicted: str | None, gold: str, precision: str) -> bool:
    """Does a predicted ISO value agree with the gold value at the gold precision?

    Year compares 4 characters, month 7, day 10; a predicted value must be at least that
    fine. A gold value without a year ("--01-12") needs a predicted value without one.
    """
    if not isinstance(predicted, str) or not predicted.strip():
        return False
    p, g = predicted.strip(), gold.strip()
    if g.startswith("--"):
        return p.startswith("--") and p[: len(g)] == g
    if p.startswith("--"):
        return False
    n = PRECISION_CHARS.get(precision, len(g))
    return len(p) >= n and p[:n] == g[:n]


_YEAR_VALUE = re.compile(r"^\d{4}")
_YEAR_IN_TEXT = re.compile(r"(?<!\d)\d{4}(?!\d)")


# --------------------------------------------------------------------------- evaluate


def evaluate(
    gold: dict,
    records: list[dict],
    texts: dict[str, str],
    seconds: dict[str, float] | None = None,
) -> EvalReport:
    """Score `records` (predicted actor/stance/date records) against `gold`; see the module doc."""
    amap = AliasMap(gold.get("aliases") or {})
    gold_stances = _gold_tuples(gold.get("stances"), amap)
    ambiguous = _gold_tuples(gold.get("ambiguous"), amap)
    disputed = _gold_tuples(gold.get("disputed"), amap)
    scored_articles = sorted({t[0] for t in gold_stances | ambiguous | disputed})
    scored_set = set(scored_articles)

    recs = [_as_dict(r) for r in records]
    grounded_flags = [is_grounded(r.get("evidence"), texts) for r in recs]

    # ---- stances
    asserted: set[tuple[str, str, str, str]] = set()
    ungrounded: set[tuple[str, str, str, str]] = set()
    handled: set[tuple[str, str, str, str]] = set()
    for rec, grounded in zip(recs, grounded_flags):
        if rec.get("type") != "stance":
            continue
        rel = SCORED_RELATIONS.get(str(rec.get("relation", "")).lower())
        if rel is None:
            continue
        ev = rec.get("evidence") or {}
        article = _article_key(ev.get("article") if isinstance(ev, Mapping) else None, texts)
        if article not in scored_set:
            continue
        key = (article, amap.map(str(rec.get("holder", ""))), rel, amap.map(str(rec.get("target", ""))))
        status = str(rec.get("status") or ASSERTING_STATUS).lower()
        if not grounded:
            ungrounded.add(key)
        elif status == ASSERTING_STATUS:
            asserted.add(key)
        elif status in HEDGED_STATUSES and key in disputed:
            handled.add(key)

    tp_keys = asserted & gold_stances
    fp_reasons: dict[tuple[str, str, str, str], str] = {}
    ignored: set[tuple[str, str, str, str]] = set()
    for key in asserted - gold_stances:
        if key in disputed:
            fp_reasons[key] = "disputed, asserted as stated"
        elif key in ambiguous:
            ignored.add(key)
        else:
            fp_reasons[key] = "not in gold"
    fn_keys = gold_stances - asserted
    fp_list = [StanceTuple(article=k[0], holder=k[1], relation=k[2], target=k[3], reason=r)
               for k, r in fp_reasons.items()]
    fp_list += [StanceTuple(article=k[0], holder=k[1], relation=k[2], target=k[3],
                            reason="evidence quote not verbatim") for k in ungrounded]
    fn_list = [StanceTuple(article=k[0], holder=k[1], relation=k[2], target=k[3], reason="missed")
               for k in fn_keys]

    per_article: dict[str, PRF] = {}
    for art in scored_articles:
        tp = sum(1 for k in tp_keys if k[0] == art)
        fp = sum(1 for k in fp_reasons if k[0] == art) + sum(1 for k in ungrounded if k[0] == art)
        fn = sum(1 for k in fn_keys if k[0] == art)
        per_article[art] = _prf(tp, fp, fn)
    micro = _prf(len(tp_keys), len(fp_reasons) + len(ungrounded), len(fn_keys))
    macro_f1 = (
        round(sum(p.f1 for p in per_article.values()) / len(per_article), 4) if per_article else 0.0
    )

    gold_triples = {k[1:] for k in gold_stances}
    pred_triples = {k[1:] for k in asserted}
    fp_triples = {k[1:] for k in fp_reasons} - gold_triples
    ungrounded_triples = {k[1:] for k in ungrounded}
    corpus = _prf(
        len(pred_triples & gold_triples),
        len(fp_triples) + len(ungrounded_triples),
        len(gold_triples - pred_triples),
    )

    # ---- dates
    date_recs: list[tuple[str | None, dict, bool]] = []
    for rec, grounded in zip(recs, grounded_flags):
        if rec.get("type") != "date":
            continue
        ev = rec.get("evidence") or {}
        article = _article_key(ev.get("article") if isinstance(ev, Mapping) else None, texts)
        date_recs.append((article, rec, grounded))

    details: list[DateDetail] = []
    for g in gold.get("dates") or []:
        art, event, gval, gprec = g["article"], g["event"], g["value"], g["precision"]
        cands: list[DateCandidate] = []
        for article, rec, grounded in date_recs:
            if article != art or not grounded:
                continue
            ptext = f"{rec.get('event') or ''} {rec.get('text') or ''}".strip()
            score = event_match_score(event, ptext)
            if score < EVENT_MATCH_THRESHOLD:
                continue
            value = rec.get("value")
            cands.append(DateCandidate(
                text=str(rec.get("text") or ""), event=str(rec.get("event") or ""),
                value=value if isinstance(value, str) else None, score=score,
                agrees=agrees_at_precision(value, gval, gprec),
            ))
        best = max(cands, key=lambda c: (c.agrees, c.score), default=None)
        details.append(DateDetail(
            article=art, event=event, gold_value=gval, precision=gprec,
            correct=bool(best and best.agrees), candidates=len(cands), best=best,
        ))
    d_correct = sum(d.correct for d in details)
    dates = DatesReport(
        correct=d_correct, total=len(details),
        accuracy=round(d_correct / len(details), 4) if details else 0.0, details=details,
    )

    # ---- fabricated dates
    unanchored = [(u["article"], str(u["text"]).lower()) for u in gold.get("unanchored") or []]
    fabricated: list[FabricatedDate] = []
    for article, rec, _ in date_recs:
        value = rec.get("value")
        surface = str(rec.get("text") or "")
        reasons = []
        if value is not None:
            for u_art, u_text in unanchored:
                if article == u_art and u_text and u_text in surface.lower():
                    reasons.append(f"resolves unanchored '{u_text}'")
                    break
        if (
            isinstance(value, str) and _YEAR_VALUE.match(value.strip())
            and rec.get("anchor") in (None, "") and not _YEAR_IN_TEXT.search(surface)
        ):
            reasons.append("states a year with no anchor and none in the text")
        if reasons:
            fabricated.append(FabricatedDate(
                article=article, text=surface, value=value if isinstance(value, str) else None,
                reasons=reasons,
            ))

    # ---- seconds
    secs_mean = None
    if seconds:
        gold_articles = scored_set | {d["article"] for d in gold.get("dates") or []}
        gold_articles |= {u["article"] for u in gold.get("unanchored") or []}
        vals = [float(seconds[a]) for a in sorted(gold_articles) if seconds.get(a) is not None]
        secs_mean = round(sum(vals) / len(vals), 3) if vals else None

    n_grounded = sum(grounded_flags)
    return EvalReport(
        per_article=per_article,
        micro=micro,
        macro_f1=macro_f1,
        corpus=corpus,
        grounding_rate=round(n_grounded / len(recs), 4) if recs else 0.0,
        grounded=n_grounded,
        total_records=len(recs),
        dates=dates,
        fabricated_dates=FabricatedReport(count=len(fabricated), records=fabricated),
        disputed_handled=len(handled),
        ignored_ambiguous=len(ignored),
        seconds_per_article=secs_mean,
        false_positives=sorted(fp_list, key=lambda t: (t.article or "", t.holder, t.relation, t.target, t.reason)),
        false_negatives=sorted(fn_list, key=lambda t: (t.article or "", t.holder, t.relation, t.target)),
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

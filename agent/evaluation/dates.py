"""Date scoring for `agent.evaluation.score`: gold dates matched to predicted date records, and fabricated dates.

Pure and deterministic. `agent.evaluation.score.evaluate` resolves each date record's article and
grounding (see its module docstring) and hands them here as `DateRecord`s.

Dates (`score_dates`)
    - Candidates for a gold date are the grounded date records of the same article.
      The candidate's text is its `event` plus its surface `text`.
    - Matching (`event_match_score`): both sides are tokenised, stop words dropped and
      words lightly stemmed (suffixes -s/-es/-ed/-ing, a final e and doubled letters, a
      short table of irregular verbs: took -> take); two stems of five or more letters
      also match at rapidfuzz ratio >= 80 (Qaddafi/Gaddafi). The score is the
      share of the gold event's content words found in the candidate. A gold
      event's parenthetical is an alternative description: the event "Arvand and
      Sel call for a truce (Talli-Voss talks in Velmora)" is scored as
      the best of the full text, the text without the parenthetical and the
      parenthetical alone. A candidate matches at score >= 0.5, or when the gold
      event is (nearly) a substring of it (rapidfuzz partial_ratio >= 90).
    - Predicted events are whole sentences, which often hold several dates, so a
      gold date is correct when ANY matched candidate's value agrees at the gold
      precision (`agrees_at_precision`): year compares the first 4 characters, month
      the first 7, day all 10 (a finer prediction is fine, a coarser one is wrong). A
      gold value without a year (`--01-12`) needs a prediction without a year
      (`--01-12`); a predicted `2020-01-12` there is a fabricated year, so wrong. The
      details list the best agreeing candidate, or else the best-scoring one.

Fabricated dates (`find_fabricated_dates`; checked on every date record, grounded or not, any article)
    (a) an `unanchored` gold entry resolved: same article, the record's `text`
        contains the unanchored text (case-insensitive) and its value is not null;
    (b) a stated year with no anchor: the value starts with four digits, the
        record's `anchor` is null and its surface `text` holds no four-digit year.
    Each offending record counts once, with the reasons.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from pydantic import BaseModel, Field
from rapidfuzz import fuzz

__all__ = [
    "STRAIGHT_APOSTROPHES",
    "DateCandidate",
    "DateDetail",
    "DateRecord",
    "DatesReport",
    "FabricatedDate",
    "FabricatedReport",
    "agrees_at_precision",
    "event_match_score",
    "find_fabricated_dates",
    "score_dates",
]

EVENT_MATCH_THRESHOLD = 0.5
EVENT_SUBSTRING_RATIO = 90.0
TOKEN_FUZZY_RATIO = 80.0
TOKEN_FUZZY_MIN_LEN = 5
PRECISION_CHARS = {"year": 4, "month": 7, "day": 10}

# Curly apostrophes made straight: shared with `agent.evaluation.score.fold_name`.
STRAIGHT_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


# --------------------------------------------------------------------------- report models


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


class DateRecord(NamedTuple):
    """A predicted date record with its resolved evidence article and whether its quote is grounded."""

    article: str | None
    record: dict
    grounded: bool


# --------------------------------------------------------------------------- event matching


_IRREGULAR = {
    "took": "take", "taken": "take", "began": "begin", "begun": "begin", "broke": "break",
    "broken": "break", "met": "meet", "fought": "fight", "held": "hold", "sent": "send",
    "said": "say", "says": "say", "led": "lead", "struck": "strike", "won": "win", "fell": "fall",
    "fallen": "fall", "went": "go", "gone": "go", "made": "make", "came": "come", "gave": "give",
    "given": "give", "left": "leave", "seized": "seize", "drove": "drive", "driven": "drive",
    "overthrew": "overthrow", "overthrown": "overthrow", "ousted": "oust", "killed": "kill",
    "truce": "ceasefire", "cease": "ceasefire",
}
# a word list reads better as text than as a list literal
_STOP = frozenset(
    """a an the of and or in on at to for from by with near between into onto over under its
    their his her it is was were be been being has have had as that this these those which who
    whom whose s al el after before during since until than then there here also other""".split()  # noqa: SIM905
)
_WORD = re.compile(r"[a-z0-9]+")


def _stem(word: str) -> str:
    """A light stem of a lower-case word: irregular verbs, -s/-es/-ed/-ing, a final e, doubled letters."""
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
    """The distinct stems of a text's non-stop words, in order of first occurrence."""
    s = (text or "").translate(STRAIGHT_APOSTROPHES).lower().replace("'s", " ").replace("-", " ")
    seen: list[str] = []
    for tok in _WORD.findall(s):
        if tok in _STOP:
            continue
        stem = _stem(tok)
        if stem not in seen:
            seen.append(stem)
    return seen


def _stem_in(stem: str, pool: set[str]) -> bool:
    """Whether a stem is in the pool, or (both long enough) close to one in it."""
    if stem in pool:
        return True
    # short stems would match too much by spelling alone
    if len(stem) < TOKEN_FUZZY_MIN_LEN:
        return False
    return any(
        len(p) >= TOKEN_FUZZY_MIN_LEN and fuzz.ratio(stem, p) >= TOKEN_FUZZY_RATIO for p in pool
    )


def _event_alternatives(event: str) -> list[str]:
    """A gold event's descriptions: in full, without its parentheticals, and each parenthetical."""
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


# --------------------------------------------------------------------------- gold dates


def _str_or_none(value: Any) -> str | None:
    """A record's value as reported: a string, or None for anything else."""
    return value if isinstance(value, str) else None


def _candidate(gold_date: Mapping, record: dict) -> DateCandidate | None:
    """The record as a candidate for the gold date, or None when its event does not match."""
    text = f"{record.get('event') or ''} {record.get('text') or ''}".strip()
    score = event_match_score(gold_date["event"], text)
    if score < EVENT_MATCH_THRESHOLD:
        return None
    value = record.get("value")
    return DateCandidate(
        text=str(record.get("text") or ""), event=str(record.get("event") or ""),
        value=_str_or_none(value), score=score,
        agrees=agrees_at_precision(value, gold_date["value"], gold_date["precision"]),
    )


def _score_gold_date(gold_date: Mapping, date_records: Iterable[DateRecord]) -> DateDetail:
    """Whether any grounded record of the gold date's article matches its event at its value."""
    article, event = gold_date["article"], gold_date["event"]
    gold_value, precision = gold_date["value"], gold_date["precision"]
    matched = (_candidate(gold_date, d.record) for d in date_records if d.article == article and d.grounded)
    candidates = [c for c in matched if c is not None]
    # a sentence often holds several dates: any agreeing candidate makes the gold date correct
    best = max(candidates, key=lambda c: (c.agrees, c.score), default=None)
    return DateDetail(
        article=article, event=event, gold_value=gold_value, precision=precision,
        correct=bool(best and best.agrees), candidates=len(candidates), best=best,
    )


def score_dates(gold_dates: Iterable[Mapping], date_records: list[DateRecord]) -> DatesReport:
    """Accuracy over the gold dates, with a detail for each."""
    details = [_score_gold_date(g, date_records) for g in gold_dates]
    correct = sum(d.correct for d in details)
    return DatesReport(
        correct=correct, total=len(details),
        accuracy=round(correct / len(details), 4) if details else 0.0, details=details,
    )


# --------------------------------------------------------------------------- fabricated dates


_YEAR_VALUE = re.compile(r"^\d{4}")
_YEAR_IN_TEXT = re.compile(r"(?<!\d)\d{4}(?!\d)")


def _fabrication_reasons(date: DateRecord, unanchored: list[tuple[str, str]]) -> list[str]:
    """Why a date record's value cannot come from its article; empty when it can."""
    value = date.record.get("value")
    surface = str(date.record.get("text") or "")
    reasons = []
    if value is not None:
        resolved = next(
            (text for article, text in unanchored
             if article == date.article and text and text in surface.lower()),
            None,
        )
        if resolved is not None:
            reasons.append(f"resolves unanchored '{resolved}'")
    if (
        isinstance(value, str) and _YEAR_VALUE.match(value.strip())
        and date.record.get("anchor") in (None, "") and not _YEAR_IN_TEXT.search(surface)
    ):
        reasons.append("states a year with no anchor and none in the text")
    return reasons


def find_fabricated_dates(
    gold_unanchored: Iterable[Mapping], date_records: list[DateRecord]
) -> FabricatedReport:
    """The date records, grounded or not, whose values resolve what the text leaves open."""
    unanchored = [(u["article"], str(u["text"]).lower()) for u in gold_unanchored]
    fabricated = []
    for date in date_records:
        reasons = _fabrication_reasons(date, unanchored)
        if reasons:
            fabricated.append(FabricatedDate(
                article=date.article, text=str(date.record.get("text") or ""),
                value=_str_or_none(date.record.get("value")), reasons=reasons,
            ))
    return FabricatedReport(count=len(fabricated), records=fabricated)

"""Finding date expressions in article text and resolving them against the publication date.

Deterministic: regular expressions, the sentence's parse and calendar arithmetic, no
model and never the system clock. The only anchor is `Article.published`.

What is found (`find_date_mentions`), each with its exact span in the text:

- weekdays: "on Wednesday", "late on Wednesday", "Tuesday afternoon", "last Monday",
  "next Friday", "the night from Saturday to Sunday", "Monday, January 6, 2020";
- deictic words: "yesterday", "today", "tonight", "tomorrow", "three days ago";
- "last/this/next week|month|year" (not "the last month", which is a duration);
- month and day, with or without a year: "January 12", "12 January", "Jan. 12",
  "January 12th", "January 19, 2020", "12 January 2020";
- month and year: "April 2019", "in November last year", "April this year";
- a month after a preposition or modifier: "in April", "Since April", "mid-March"
  (a bare "May"/"March" without such a cue is never a date: it may be a verb);
- a year after a temporal cue: "in 2011", "since 2014", "late 2016", "the end of 2019",
  "from 2011 to 2014", "between 2015 and 2018" (a bare number, "Resolution 2510",
  "370 kilometers", "until 2200 GMT" is not a date);
- ISO dates: "2020-01-08".

A leading preposition or modifier ("on", "in", "since", "late", "last") belongs to
the span, so `text` reads as written ("on Sunday", "since 2014"). Expressions inside
URLs and datelines (a line holding only the publication date, or "date 2020-01-08
CITY –") are skipped: they date the article, not an event in it.

How a mention resolves (`resolve`), against the anchor (the publication date):

- Absolute expressions resolve without an anchor: "January 19, 2020" -> 2020-01-19
  (day), "April 2019" -> 2019-04 (month), "in 2011" -> 2011 (year). The anchor is
  not recorded for them, since it was not used.
- Day and month without a year: with an anchor, the year that puts the date nearest
  the anchor (the anchor's own year unless that is more than half a year away), but
  after the anchor only when the sentence looks ahead (below), else the latest such day
  on or before it; without an anchor, "--01-12" at day precision (a year is never invented).
- A month without a year ("in April"): with an anchor, the most recent such month
  on or before the anchor's month ("in April" in January 2020 -> 2019-04), or the
  next one on or after it when the sentence looks ahead; without an anchor, "--04" at
  month precision. "November last year" uses the anchor's year minus one; without an
  anchor it is a relative expression like "last year" itself, so unresolved.
- A weekday: the most recent such day on or before the publication date (the news
  convention: "said on Monday" in a Wednesday paper is two days earlier), unless
  the sentence looks ahead, then the first such day after the anchor.
  "last Monday" is strictly before the anchor, "next Monday" strictly after.
  "The night from Saturday to Sunday" is dated by its first day, like "Saturday night".
- Looking ahead is read off the sentence's parse (spaCy), never off a word list: the
  expression's own "next", "coming" or "this coming" (while "last", "earlier", "since"
  look back), else the verb the expression hangs from: a modal ("will", "would",
  "must"), a present tense ("takes hold starting Saturday", "runs through October",
  "are calling for a truce ... on January 12"), an "if" clause, or an infinitive of what
  is yet to happen ("is due to meet", "urged the parties to declare a truce on Sunday",
  "called on Wednesday to start it on Saturday"; but "declined to comment on Monday",
  with a past verb alone, is past). A past tense or a perfect ("as of Monday, 500 had
  registered") looks back; so does a date on a noun ("after talks on Friday") unless
  the noun's verb is past or looks ahead. With an explicit weekday and a month-day
  ("Monday, January 6"), the year that makes the weekday true is preferred.
- "yesterday", "today", "tomorrow", "N days ago": the anchor shifted by days (day).
  "last/this/next month|year": month or year precision.
  "today", "tonight" and "tomorrow" that name no day stay unresolved: inside an "if"
  clause ("if I wake up tomorrow"), as a subject or after "of" ("tomorrow will be
  better", "the leaders of tomorrow", "a better tomorrow"), in a clause a past verb
  reports ("she wrote that it had to be tonight": the writer's night), and "today" with a
  simple present, generic or habitual ("Today the valley has a reputation for ...",
  "I walk there today, as every day").
- "last/this/next week": a week is not a day. It resolves to the month (month
  precision) only when the whole Monday-to-Sunday week lies inside one month;
  otherwise it stays unresolved (value None) rather than pretend to a precision
  it does not have.
- Without an anchor, every relative expression (weekdays, "yesterday", "last week",
  "last year") is unresolved: value None, precision None, `unresolved=True`.

`anchor` on a `DateMention` is the publication date when the value was computed
from it, and None otherwise. `unresolved` is True exactly when `value` is None.

`dateparser` is used where it helps and nowhere else: `resolve` falls back to it
(`agent.text.dates.absolute_date`) for absolute dates the English grammar here does
not read ("12 janvier 2020"); always with its relative-date parsers off and a fixed
base date, so the system clock never leaks into a value. Publication dates are read
at ingest (`agent.ingest.published`).
"""

from __future__ import annotations

import bisect
import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from agent.models import Article, DateMention, Evidence
from agent.text.datelines import dates_the_article
from agent.text.dates import MONTH_ABBR, MONTH_FULL, absolute_date, month_number
from agent.text.nlp import parse
from agent.text.sentences import split_sentences

__all__ = ["find_date_mentions", "resolve"]

EVENT_MAX_CHARS = 300

# --- vocabulary --------------------------------------------------------------------

_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}  # Monday == 0

_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}

# --- grammar -----------------------------------------------------------------------

# Whitespace inside an expression: spaces, at most one line break (a wrapped line).
# Possessive, so a long run of blanks cannot make the matcher backtrack.
_S = r"(?:[ \t\u00a0]++(?:\n[ \t\u00a0]*+)?|\n[ \t\u00a0]*+)"
# Month names are matched case-sensitively (capitalised), so "may" and "march" never are.
_MONTH = rf"(?P<month>(?:{MONTH_FULL})|{MONTH_ABBR})(?![a-z])"
_MONTH_ONLY_FULL = rf"(?P<month>{MONTH_FULL})(?![a-z])"
_WEEKDAY = r"(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)(?![a-z])"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?(?![\d:.,]\d|\d)"
_YEAR = r"(?P<year>(?:1[89]|20)\d\d)(?![\d])(?![.,:]\d)(?!-\d)"
_PART_OF_DAY = r"(?:morning|afternoon|evening|night|midday|noon)"

# Prepositions and modifiers that belong to the expression when directly before it.
_MODIFIER = r"(?:late|early|mid|earlier|later)"
_PREP = (
    r"(?:on|in|since|from|until|till|by|during|before|after|through|throughout|"
    r"starting(?:[ \t]+(?:on|from))?|beginning(?:[ \t]+on)?|as[ \t]+of|effective|"
    r"(?:the[ \t]+)?(?:end|start|beginning|middle)[ \t]+of)"
)
_PRE_GENERAL = rf"(?<!\w)(?P<pre>(?i:(?:{_MODIFIER}[ \t-]+(?:(?:on|in)[ \t]+)?|{_PREP}[ \t]+)))?"
_PRE_WEEKDAY = rf"(?<!\w)(?P<pre>(?i:(?:{_MODIFIER}[ \t-]+(?:on[ \t]+)?|{_PREP}[ \t]+|(?:last|next|this(?:[ \t]+coming)?|coming)[ \t]+)))?"
# A bare month needs one of these before it ("in April", not "April" alone).
_PRE_MONTH = rf"(?<!\w)(?P<pre>(?i:(?:(?:in|by|until|since)[ \t]+)?{_MODIFIER}[ \t-]+(?:in[ \t]+)?|{_PREP}[ \t]+|(?:last|next|this)[ \t]+))"
_PRE_YEAR = (
    rf"(?<!\w)(?P<pre>(?i:(?:(?:in|by|until|since)[ \t]+)?{_MODIFIER}[ \t-]+(?:in[ \t]+)?|"
    r"(?:in|since|by|until|till|from|between|during|before|after|through|throughout|"
    r"(?:the[ \t]+)?(?:end|start|beginning|middle)[ \t]+of|"
    r"(?:(?:the|in)[ \t]+)?(?:spring|summer|autumn|fall|winter)(?:[ \t]+of)?)[ \t]+))"
)


@dataclass
class _Candidate:
    start: int
    end: int
    kind: str
    parts: dict[str, str | None] = field(default_factory=dict)


def _c(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


# Each rule: (kind, compiled pattern). All candidates are collected, then the
# longest non-overlapping ones win ("Monday, January 6, 2020" over "Monday").
_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("iso", _c(rf"{_PRE_GENERAL}(?<![\w/.-])(?P<iso>(?P<year>\d{{4}})-(?P<mm>\d{{2}})-(?P<dd>\d{{2}}))(?![\w/-])")),
    (
        "mdy",
        _c(
            rf"{_PRE_GENERAL}(?:(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),?{_S})?"
            rf"{_MONTH}{_S}{_DAY}(?:,?{_S}{_YEAR})?"
        ),
    ),
    (
        "dmy",
        _c(
            rf"{_PRE_GENERAL}(?:(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),?{_S}(?:the{_S})?)?"
            rf"(?<![\d,.])(?:the{_S})?{_DAY}{_S}(?:of{_S})?{_MONTH}(?:,?{_S}{_YEAR})?"
        ),
    ),
    ("my", _c(rf"{_PRE_GENERAL}{_MONTH},?{_S}(?:of{_S})?{_YEAR}")),
    ("mrel", _c(rf"{_PRE_GENERAL}{_MONTH_ONLY_FULL}{_S}(?:of{_S})?(?P<rel>(?i:last|this|next)){_S}(?i:year)(?![a-z])")),
    ("month", _c(rf"{_PRE_MONTH}{_MONTH_ONLY_FULL}")),
    (
        "night",
        _c(
            rf"(?P<pre>(?i:(?:on|during|in|over)[ \t]+))?(?i:the{_S}night{_S}(?:from|of|between){_S})"
            rf"{_WEEKDAY}{_S}(?i:to|and|into){_S}(?P<wd2>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)(?![a-z])"
        ),
    ),
    ("weekday", _c(rf"{_PRE_WEEKDAY}{_WEEKDAY}(?:{_S}(?P<part>{_PART_OF_DAY})(?![a-z]))?")),
    ("deictic", _c(r"(?<![\w-])(?P<pre>(?i:(?:earlier|later)[ \t]+))?(?P<word>(?i:the\s+day\s+before\s+yesterday|yesterday|today|tonight|tomorrow))(?![\w-])")),
    ("ago", _c(rf"(?<![\w-])(?P<n>\d{{1,3}}|(?i:{'|'.join(_NUMBER_WORDS)})){_S}(?i:days?){_S}(?i:ago)(?![a-z])")),
    ("rel", _c(r"(?<![\w-])(?P<pre>(?i:(?:earlier|later)[ \t]+))?(?P<which>(?i:last|this|next))[ \t]+(?P<unit>(?i:week|month|year))(?![\w-])")),
    ("year", _c(rf"{_PRE_YEAR}(?<![\d,.]){_YEAR}")),
    # The second year of a range: "from 2011 to 2014", "between 2011 and 2014".
    ("year", _c(rf"(?<=\d{{4}})[ \t]*(?P<pre>(?i:to|and|until|through)[ \t]+|[–-][ \t]*){_YEAR}")),
]

_YEAR_FOLLOWED_BY_UNIT = re.compile(
    r"\s*(?:%|percent|per\s*cent|km\b|kilomet|metres?\b|meters?\b|miles?\b|troops|soldiers|people|"
    r"fighters|men\b|dollars|euros|barrels|tons|tonnes|units|cases|votes|"
    r"GMT|UTC|hrs\b|hours\b|h\b|local\s+time)",
    re.IGNORECASE,
)
_URL = re.compile(r"<?(?:https?://|www\.)[^\s>)\]]+>?|\]\([^)\s]*\)|\b[\w-]+(?:\.[\w-]+)+/[^\s]*", re.IGNORECASE)
_CAPITALISED_WORD_BEFORE = re.compile(r"(?:^|[\s(\"'“‘])([A-Z][a-z]+)[ \t]+$")

# --- when the sentence puts an expression: the parse --------------------------------------

# The expression's own words: "next Monday", "this coming Friday" are after the anchor,
# "last Monday", "earlier on Monday", "since Monday" before it, whatever the verb says.
_FUTURE_PRE = re.compile(r"(?i)^(?:next|coming|this\s+coming)\b")
_PAST_PRE = re.compile(r"(?i)^(?:last|earlier|since)\b")

# What the verb that governs an expression says of its time (`_timing`):
PAST = "past"  # past tense or perfect: "met on Monday", "have registered as of Monday"
PRESENT = "present"  # progressive or passive present, "do" support: "are calling", "is scheduled"
HABITUAL = "habitual"  # simple present: "takes hold starting Saturday", "Today the valley has ..."
FUTURE = "future"  # a modal ("will", "must"), or an infinitive of what is yet to happen
CONDITIONAL = "conditional"  # inside an "if"/"unless" clause
UNKNOWN = "unknown"  # no verb found
_MAY_BE_AHEAD = {PRESENT, HABITUAL, FUTURE, CONDITIONAL}  # a weekday or month may lie after the anchor


@dataclass(frozen=True)
class _Parsed:
    """A parsed sentence, and where the date expressions in it are (offsets into `doc.text`)."""

    doc: object
    spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class _Reading:
    """What the parse says of one expression: its time (`_timing`); whether it names a day at
    all ("a better tomorrow", "the leaders of tomorrow", "tomorrow will be better": generic);
    whether a past verb reports the clause it is in ("she wrote that it had to be tonight":
    tonight is the writer's, not the paper's)."""

    timing: str = UNKNOWN
    generic: bool = False
    reported: bool = False


def _read(parsed: _Parsed | None, start: int, end: int) -> _Reading:
    if parsed is None:
        return _Reading()
    inside = [t for t in parsed.doc if start <= t.idx < end]
    head = next((t for t in inside if t.head.i == t.i or not start <= t.head.idx < end), None)
    generic = head is not None and (
        head.dep_ in {"nsubj", "nsubjpass"}
        or (head.dep_ == "pobj" and head.head.lower_ == "of")
        or any(c.dep_ in {"det", "amod"} for c in head.children)
    )
    timing = _timing(parsed, start, end)
    verb, _ = _governing_verb(parsed.doc, start, end)
    reported = verb is not None and timing not in {PRESENT, HABITUAL} and _reported_by_a_past_verb(verb)
    return _Reading(timing, generic, reported)


def _reported_by_a_past_verb(verb) -> bool:
    """Whether `verb`'s clause is the complement of a past verb of saying or thinking, through
    infinitives and coordinated clauses ("wrote that it had to be ...", "said he would ...")."""
    node = verb
    for _ in range(8):
        if node.head.i == node.i:
            return False
        if node.dep_ == "ccomp":
            head = node.head
            return head.tag_ == "VBD" or any(c.dep_ in {"aux", "auxpass"} and c.tag_ == "VBD" for c in head.children)
        if node.dep_ not in {"xcomp", "conj", "advcl"}:
            return False
        node = node.head
    return False


def _governing_verb(doc, start: int, end: int):
    """The verb an expression at [start, end) of the sentence hangs from, and whether a noun
    stands between them ("a vote on Friday"); (None, False) when none does. (spaCy makes a
    new Token at each access: tokens are compared by index, never by identity.)"""
    inside = [t for t in doc if start <= t.idx < end]
    if not inside:
        return None, False
    node = next((t for t in inside if t.head.i == t.i or not start <= t.head.idx < end), inside[0])
    through_noun = False
    while node.head.i != node.i:
        node = node.head
        if node.pos_ in {"VERB", "AUX"}:
            return node, through_noun
        through_noun = through_noun or node.pos_ in {"NOUN", "PROPN", "PRON", "NUM"}
    return None, through_noun


def _verb_index(doc, start: int, end: int) -> int | None:
    verb, _ = _governing_verb(doc, start, end)
    return None if verb is None else verb.i


def _timing(parsed: _Parsed, start: int, end: int) -> str:
    """What the parse says of the time of the expression at [start, end): the tense and
    auxiliaries of the verb it hangs from. Through a noun ("condemned the attack on Sunday"),
    the noun's event keeps only a past or future reading: a present verb ("is investigating
    the attack on Sunday") says nothing of when the attack was."""
    verb, through_noun = _governing_verb(parsed.doc, start, end)
    if verb is None:
        return UNKNOWN
    others = [s for s in parsed.spans if s != (start, end)]
    timing = _verb_timing(verb, parsed.doc, others)
    return UNKNOWN if through_noun and timing in {PRESENT, HABITUAL} else timing


def _verb_timing(verb, doc, other_dates: list[tuple[int, int]], depth: int = 0) -> str:
    children = list(verb.children)
    if any(c.dep_ == "mark" and c.lower_ in {"if", "unless"} for c in children):
        return CONDITIONAL
    auxiliaries = [c for c in children if c.dep_ in {"aux", "auxpass"}]
    perfect = any(a.lemma_ == "have" for a in auxiliaries)
    if any(a.tag_ == "MD" for a in auxiliaries):
        return PAST if perfect else FUTURE  # "will meet"; "might have met"
    if perfect or verb.tag_ == "VBD" or any(a.tag_ == "VBD" for a in auxiliaries):
        return PAST
    if any(a.tag_ == "TO" for a in auxiliaries):
        return _infinitive_timing(verb, doc, other_dates, depth)
    if auxiliaries:
        return PRESENT
    if verb.tag_ in {"VBZ", "VBP"}:
        return HABITUAL
    if verb.tag_ in {"VBG", "VBN"} and verb.head.i != verb.i and depth < 8:
        # A participle ("a truce starting on Sunday"): its time is that of the clause it serves.
        governor, _ = _governing_verb(doc, verb.idx, verb.idx + len(verb.text))
        return _verb_timing(governor, doc, other_dates, depth + 1) if governor is not None else UNKNOWN
    return PRESENT if verb.tag_ == "VB" else UNKNOWN


def _infinitive_timing(verb, doc, other_dates: list[tuple[int, int]], depth: int) -> str:
    """An infinitive is what is yet to happen ("is due to meet", "plans to vote") unless a
    past verb governs it alone: "declined to comment on Monday" is past, but "urged the
    parties to declare a truce on Sunday", "appealed to all parties to stop on January 12"
    (someone told what to do) and "called on Wednesday to start the truce on Saturday" (the
    call has a date of its own) look ahead."""
    governor = verb.head
    while governor.pos_ not in {"VERB", "AUX"} and governor.head.i != governor.i:
        if governor.pos_ in {"NOUN", "PROPN"}:
            return FUTURE  # "a plan to vote on Friday"
        governor = governor.head
    if governor.i == verb.i or depth >= 8:
        return FUTURE
    timing = _verb_timing(governor, doc, other_dates, depth + 1)
    if timing != PAST:
        return FUTURE if timing != CONDITIONAL else CONDITIONAL
    told = any(
        c.dep_ in {"dobj", "dative", "iobj"} or (c.dep_ == "prep" and c.lower_ in {"to", "on", "upon"} and any(g.dep_ == "pobj" for g in c.children))
        for c in governor.children
    )  # "urged the parties to", "called on the parties to", "appealed to all parties to"
    dated = any(_verb_index(doc, start, end) == governor.i for start, end in other_dates)
    return FUTURE if told or dated else PAST


# --- candidates --------------------------------------------------------------------


def _candidates(text: str) -> list[_Candidate]:
    found: list[_Candidate] = []
    for kind, pattern in _RULES:
        for m in pattern.finditer(text):
            parts = m.groupdict()
            if not _plausible(kind, text, m):
                continue
            start = m.start() + len(m.group()) - len(m.group().lstrip())  # a range's leading space
            found.append(_Candidate(start, m.end(), kind, parts))
    # Longest first; then leftmost. Keep those that overlap nothing kept already.
    found.sort(key=lambda c: (-(c.end - c.start), c.start))
    starts: list[int] = []  # kept spans, sorted and disjoint
    kept: list[_Candidate] = []
    for cand in found:
        i = bisect.bisect_right(starts, cand.start)
        if i > 0 and kept[i - 1].end > cand.start:
            continue
        if i < len(kept) and kept[i].start < cand.end:
            continue
        starts.insert(i, cand.start)
        kept.insert(i, cand)
    return kept


def _plausible(kind: str, text: str, m: re.Match[str]) -> bool:
    parts = m.groupdict()
    if parts.get("day") is not None and not 1 <= int(parts["day"]) <= 31:
        return False
    if kind in {"mdy", "dmy"} and parts.get("day") is not None:
        month = month_number(parts["month"])
        year = int(parts["year"]) if parts.get("year") else 2000  # 2000: leap year, allows 29 Feb
        if int(parts["day"]) > calendar.monthrange(year, month)[1]:
            return False
    if kind == "iso":
        try:
            date.fromisoformat(parts["iso"])
        except ValueError:
            return False
    if kind == "year":
        if _YEAR_FOLLOWED_BY_UNIT.match(text, m.end()):
            return False
        if parts["pre"] and parts["pre"].strip() in {"-", "–"} and not _looks_like_year_before(text, m.start()):
            return False
        if m.re.pattern.startswith("(?<=") and not _looks_like_year_before(text, m.start()):
            return False
    if kind == "weekday" and not parts.get("pre"):
        # "Bloody Sunday", "Super Tuesday", "Good Friday": a name, not a date.
        before = text[max(0, m.start() - 40) : m.start()]
        word = _CAPITALISED_WORD_BEFORE.search(before)
        if word and word.group(1).lower() not in {"on", "last", "next", "this", "since", "by", "until"}:
            return False
    if kind == "rel":
        before = text[max(0, m.start() - 12) : m.start()].lower()
        if re.search(r"\b(?:the|this|that|its|their|our|his|her)\s+$", before):
            return False  # "in the last month": a duration, not a date
    return True


def _looks_like_year_before(text: str, pos: int) -> bool:
    """For a range's second year: the four digits just before are a year that a cue introduced."""
    head = text[max(0, pos - 40) : pos]
    return bool(re.search(r"(?i)\b(?:from|between|in|since)[ \t]+(?:1[89]|20)\d\d[ \t]*$", head))


# --- resolution --------------------------------------------------------------------


@dataclass(frozen=True)
class _Resolution:
    value: str | None
    precision: str | None
    used_anchor: bool = False


_UNRESOLVED = _Resolution(None, None)


def _resolve_candidate(cand: _Candidate, anchor: date | None, reading: _Reading = _Reading()) -> _Resolution:
    p = cand.parts
    pre = (p.get("pre") or "").strip()
    kind = cand.kind
    word = pre.lower().split()[0] if pre else ""
    ahead = bool(_FUTURE_PRE.match(pre)) or (not _PAST_PRE.match(pre) and reading.timing in _MAY_BE_AHEAD)

    if kind == "iso":
        return _Resolution(p["iso"], "day")

    if kind in {"mdy", "dmy"}:
        month, day = month_number(p["month"]), int(p["day"])
        if p.get("year"):
            return _Resolution(date(int(p["year"]), month, day).isoformat(), "day")
        if anchor is None:
            return _Resolution(f"--{month:02d}-{day:02d}", "day")
        weekday = _WEEKDAYS[p["wd"].lower()] if p.get("wd") else None
        nearest = _nearest_year(anchor, month, day, weekday)
        if nearest > anchor and not ahead and weekday is None:
            nearest = _on_or_before(anchor, month, day)  # after publication only when the sentence says so
        return _Resolution(nearest.isoformat(), "day", True)

    if kind == "my":
        return _Resolution(f"{int(p['year']):04d}-{month_number(p['month']):02d}", "month")

    if kind == "mrel":
        month = month_number(p["month"])
        if anchor is None:
            return _UNRESOLVED  # "last year" is relative: a month alone would still place it
        shift = {"last": -1, "this": 0, "next": 1}[p["rel"].lower()]
        return _Resolution(f"{anchor.year + shift:04d}-{month:02d}", "month", True)

    if kind == "month":
        month = month_number(p["month"])
        if anchor is None:
            return _Resolution(f"--{month:02d}", "month")
        if word == "this":
            year = anchor.year
        elif word == "last":
            year = anchor.year if month < anchor.month else anchor.year - 1
        elif word == "next" or ahead:
            strictly = word == "next"
            year = anchor.year if (month > anchor.month or (month == anchor.month and not strictly)) else anchor.year + 1
        else:
            year = anchor.year if month <= anchor.month else anchor.year - 1
        return _Resolution(f"{year:04d}-{month:02d}", "month", True)

    if kind in {"weekday", "night"}:
        if anchor is None:
            return _UNRESOLVED
        target = _WEEKDAYS[p["wd"].lower()]
        if word == "last":
            delta = (anchor.weekday() - target) % 7 or 7
            day = anchor - timedelta(days=delta)
        elif ahead:
            delta = (target - anchor.weekday()) % 7 or 7
            day = anchor + timedelta(days=delta)
        else:
            day = anchor - timedelta(days=(anchor.weekday() - target) % 7)
        return _Resolution(day.isoformat(), "day", True)

    if kind == "deictic":
        if anchor is None:
            return _UNRESOLVED
        word = re.sub(r"\s+", " ", p["word"].lower())
        if word in {"today", "tonight", "tomorrow"} and (
            reading.timing == CONDITIONAL or reading.generic or reading.reported
            or (word == "today" and reading.timing == HABITUAL)
        ):
            # "if I wake up tomorrow", "the leaders of tomorrow", "Today the valley has a
            # reputation for ...": a hypothetical or generic day, not a date; "she wrote that
            # it had to be tonight": the writer's night, which the paper's date does not give.
            return _UNRESOLVED
        shift = {"the day before yesterday": -2, "yesterday": -1, "today": 0, "tonight": 0, "tomorrow": 1}[word]
        return _Resolution((anchor + timedelta(days=shift)).isoformat(), "day", True)

    if kind == "ago":
        if anchor is None:
            return _UNRESOLVED
        n = p["n"].lower()
        days = int(n) if n.isdigit() else _NUMBER_WORDS[n]
        return _Resolution((anchor - timedelta(days=days)).isoformat(), "day", True)

    if kind == "rel":
        if anchor is None:
            return _UNRESOLVED
        shift = {"last": -1, "this": 0, "next": 1}[p["which"].lower()]
        unit = p["unit"].lower()
        if unit == "year":
            return _Resolution(f"{anchor.year + shift:04d}", "year", True)
        if unit == "month":
            index = anchor.year * 12 + anchor.month - 1 + shift
            return _Resolution(f"{index // 12:04d}-{index % 12 + 1:02d}", "month", True)
        monday = anchor - timedelta(days=anchor.weekday()) + timedelta(weeks=shift)
        sunday = monday + timedelta(days=6)
        if (monday.year, monday.month) == (sunday.year, sunday.month):
            return _Resolution(f"{monday.year:04d}-{monday.month:02d}", "month", True)
        return _UNRESOLVED

    if kind == "year":
        return _Resolution(f"{int(p['year']):04d}", "year")

    return _UNRESOLVED


def _on_or_before(anchor: date, month: int, day: int) -> date:
    """The latest date with this month and day on or before the anchor (29 February: the last leap year's)."""
    for year in range(anchor.year, anchor.year - 8, -1):
        try:
            found = date(year, month, day)
        except ValueError:
            continue
        if found <= anchor:
            return found
    raise ValueError(f"no {month}-{day} before {anchor}")


def _nearest_year(anchor: date, month: int, day: int, weekday: int | None = None) -> date:
    """The date with this month and day nearest the anchor (its own year unless > ~6 months away).

    When the text also names the weekday ("Monday, January 6"), a year in which the
    date falls on that weekday is preferred among the anchor's year and its neighbours.
    """
    options = []
    for year in (anchor.year, anchor.year - 1, anchor.year + 1):
        try:
            options.append(date(year, month, day))
        except ValueError:  # 29 February outside a leap year
            continue
    if weekday is not None and any(d.weekday() == weekday for d in options):
        options = [d for d in options if d.weekday() == weekday]
    return min(options, key=lambda d: (abs((d - anchor).days), d.year != anchor.year))


# --- public API --------------------------------------------------------------------


def resolve(expression: str, anchor: date | None, sentence: str = "") -> tuple[str | None, str | None]:
    """Resolve one date expression to `(value, precision)`; `(None, None)` when it cannot be.

    `sentence` is the sentence the expression occurs in; its parse decides whether a weekday,
    a month or a day and month lies after the anchor, and whether "today" or "tomorrow" is a
    day at all (see the module doc). Never uses today's date.
    """
    expression = expression.strip()
    if not expression:
        return None, None
    cands = _candidates(expression)
    if not cands:
        return _resolve_with_dateparser(expression, anchor)
    best = max(cands, key=lambda c: c.end - c.start)
    reading = _Reading()
    at = sentence.find(expression) if sentence else -1
    if anchor is not None and at >= 0 and _needs_reading(best):
        (doc,) = parse([sentence])
        others = tuple((c.start, c.end) for c in _candidates(sentence))
        reading = _read(_Parsed(doc, others), at + best.start, at + best.end)
    res = _resolve_candidate(best, anchor, reading)
    return res.value, res.precision


def find_date_mentions(article: Article, *, include_datelines: bool = False) -> list[DateMention]:
    """All date expressions in `article.text`, resolved against `article.published`.

    Each mention's evidence is the expression's exact span (`text[start:end] == quote`);
    its `event` is the sentence around it (whitespace folded, at most ~300 characters).
    """
    text = article.text
    anchor = article.published
    urls = [m.span() for m in _URL.finditer(text)]
    sentences = split_sentences(text)
    located = [
        (cand, _sentence_around(sentences, cand.start, cand.end))
        for cand in _candidates(text)
        if not any(cand.start < u_end and cand.end > u_start for u_start, u_end in urls)
        and (include_datelines or not _is_dateline(text, cand))
    ]
    parsed = _parse_sentences(text, located) if anchor is not None else {}
    mentions: list[DateMention] = []
    for cand, (s_start, s_end) in located:
        sentence = parsed.get((s_start, s_end))
        reading = _read(sentence, cand.start - s_start, cand.end - s_start) if sentence else _Reading()
        res = _resolve_candidate(cand, anchor, reading)
        quote = text[cand.start : cand.end]
        mentions.append(
            DateMention(
                text=quote,
                event=_event_text(text, s_start, s_end, cand.start, cand.end),
                value=res.value,
                precision=res.precision,  # type: ignore[arg-type]
                anchor=anchor if (res.used_anchor and res.value is not None) else None,
                unresolved=res.value is None,
                evidence=Evidence(article=article.id, start=cand.start, end=cand.end, quote=quote),
            )
        )
    return mentions


def _needs_reading(cand: _Candidate) -> bool:
    """Whether the sentence decides how the expression resolves: which side of the anchor a
    weekday, a month or a day and month lies on; whether "today" names a day."""
    return cand.kind in {"weekday", "night", "month", "deictic"} or (cand.kind in {"mdy", "dmy"} and not cand.parts.get("year"))


def _parse_sentences(text: str, located: list[tuple[_Candidate, tuple[int, int]]]) -> dict[tuple[int, int], _Parsed]:
    """The sentences whose parse decides an expression, parsed together."""
    wanted = sorted({sentence for cand, sentence in located if _needs_reading(cand)})
    docs = parse(text[start:end] for start, end in wanted)
    return {
        (start, end): _Parsed(doc, tuple((c.start - start, c.end - start) for c, s in located if s == (start, end)))
        for (start, end), doc in zip(wanted, docs)
    }


# --- helpers -----------------------------------------------------------------------


def _resolve_with_dateparser(expression: str, anchor: date | None) -> tuple[str | None, str | None]:
    """Absolute dates in formats or languages the grammar above does not read."""
    if not (re.search(r"\d", expression) and re.search(r"[^\W\d_]{3,}", expression)):
        # Needs a number and a month word: names alone are relative (the grammar's job),
        # and all-numeric forms such as "03/04" are ambiguous between day and month orders.
        return None, None
    full = absolute_date(expression, ("day", "month", "year"))
    if full:
        return full.date().isoformat(), "day"
    day_month = absolute_date(expression, ("day", "month"))
    if day_month:
        if anchor is None:
            return f"--{day_month.month:02d}-{day_month.day:02d}", "day"
        # No parse of another language tells the future: on or before the anchor, as unmarked.
        return _on_or_before(anchor, day_month.month, day_month.day).isoformat(), "day"
    month_year = absolute_date(expression, ("month", "year"))
    if month_year:
        return f"{month_year.year:04d}-{month_year.month:02d}", "month"
    return None, None


def _is_dateline(text: str, cand: _Candidate) -> bool:
    """A date standing alone on its line, or after a "date:" label before a CITY: the article's date."""
    if cand.kind not in {"iso", "mdy", "dmy"} or not cand.parts.get("year") or cand.parts.get("pre"):
        return False
    line_start = text.rfind("\n", 0, cand.start) + 1
    line_end = text.find("\n", cand.end)
    line_end = len(text) if line_end < 0 else line_end
    head, tail = text[line_start : cand.start], text[cand.end : line_end]
    return dates_the_article(head, tail)


def _sentence_around(spans: list[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    i = bisect.bisect_right(spans, (start, float("inf"))) - 1
    if i >= 0 and spans[i][0] <= start < spans[i][1]:
        return spans[i][0], max(spans[i][1], end)
    return start, end


def _event_text(text: str, s_start: int, s_end: int, start: int, end: int) -> str:
    sentence = text[s_start:s_end]
    if len(sentence) > EVENT_MAX_CHARS:
        # Keep a window around the expression, cut at word boundaries.
        half = max(0, (EVENT_MAX_CHARS - (end - start)) // 2)
        lo, hi = max(s_start, start - half), min(s_end, end + half)
        while lo > s_start and not text[lo - 1].isspace():
            lo += 1
        while hi < s_end and not text[hi].isspace():
            hi -= 1
        sentence = ("… " if lo > s_start else "") + text[lo:hi] + (" …" if hi < s_end else "")
    return re.sub(r"\s+", " ", sentence).strip()

"""Ties between names that an article states, read off its grammar: who leads what, which
acronym or titled form names whom, and the epithets an article puts before a name.

- leads: "Ruritania's President X", "Ruritanian Prime Minister X", "President X of Ruritania",
  "the Northern Army leader X", "X, head of the Northern Army", "the Front led by X", "X's Front";
- alias: "Northern Defence Army (NDA)" anywhere in the text; "President X" for X;
- epithet: "the Coast-based, internationally recognised Council of Unity" gives the Council of
  Unity the epithet "Coast-based, internationally recognised".
Each tie keeps the exact span that states it. Which titles lead is data (`data/titles.txt`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from agent import data
from agent.extract.frames import Mention, SentenceFrames

if TYPE_CHECKING:
    from spacy.tokens import Token

_OWNER_LABELS = {"ORG", "GPE", "NORP"}
_EPITHET_DEPS = {"amod", "advmod", "npadvmod", "compound", "punct", "conj", "advcl", "hmod", "hyph"}


@dataclass(frozen=True)
class Tie:
    kind: str  # leads | alias | epithet | refers_to
    source: str
    target: str
    start: int  # article offsets of the words that state it
    end: int


def _title_before(sentence: SentenceFrames, first: int) -> tuple[int, bool] | None:
    """The token index where a run of titles ending just before token `first` begins, and whether one leads."""
    titles = data.titles()
    doc = sentence.sent.doc
    best = None
    for begin in range(first - 1, max(sentence.sent.start, first - 6) - 1, -1):
        words = " ".join(t.lower_ for t in doc[begin:first]).replace(" - ", "-")
        pattern = r"(?:%s)(?: (?:%s))*" % ("|".join(map(re.escape, titles)), "|".join(map(re.escape, titles)))
        if re.fullmatch(pattern, words):
            leader = any(titles.get(w, False) for w in _split_titles(words))
            best = (begin, leader)
    return best


def _split_titles(words: str) -> list[str]:
    titles, out, rest = data.titles(), [], words
    while rest:
        match = next((t for t in sorted(titles, key=len, reverse=True) if rest == t or rest.startswith(t + " ")), None)
        if match is None:
            break
        out.append(match)
        rest = rest[len(match):].strip()
    return out


def read_ties(sentence: SentenceFrames) -> list[Tie]:
    ties: list[Tie] = []
    mentions = sentence.mentions
    seen: set[Mention] = set()
    for index, mention in sorted(mentions.items()):
        if mention in seen:
            continue
        seen.add(mention)
        tokens = [i for i, m in mentions.items() if m == mention]
        first, last = min(tokens), max(tokens)
        if mention.label == "PERSON":
            ties += _person_ties(sentence, mention, first, last)
        elif mention.label in {"ORG", "PROPN"}:
            ties += _epithet(sentence, mention, first) + _possessive_name(sentence, mention, first, last)
    ties += _led_by(sentence)
    return ties


def _offset(sentence: SentenceFrames, token: Token, end: bool = False) -> int:
    return sentence.offset + token.idx + (len(token.text) if end else 0)


def _text(sentence: SentenceFrames, start: int, end: int) -> str:
    return sentence.sent.doc.text[start - sentence.offset : end - sentence.offset]


def _owner_at(sentence: SentenceFrames, index: int) -> Mention | None:
    mention = sentence.mentions.get(index)
    return mention if mention is not None and mention.label in _OWNER_LABELS else None


def _person_ties(sentence: SentenceFrames, person: Mention, first: int, last: int) -> list[Tie]:
    doc = sentence.sent.doc
    ties: list[Tie] = []
    owner: Mention | None = None
    leader = False
    start = person.start
    titled = _title_before(sentence, first)
    if titled:
        begin, leader = titled
        start = _offset(sentence, doc[begin])
        ties.append(Tie("alias", _text(sentence, start, person.end), person.text, start, person.end))
        before = begin - 1
        if before >= sentence.sent.start and doc[before].dep_ == "case":  # "Ruritania's President X"
            before -= 1
        owner = _owner_at(sentence, before) if before >= sentence.sent.start else None
    root = doc[last]
    if owner is None and titled and last + 2 < sentence.sent.end and doc[last + 1].lower_ == "of":  # "President X of Ruritania"
        owner = _owner_at(sentence, last + 2)
    if owner is None:  # "X, head of the Northern Army"
        for child in root.children:
            if child.dep_ == "appos" and child.lower_ in data.titles():
                for prep in child.children:
                    if prep.dep_ == "prep" and prep.lower_ == "of":
                        objects = [o for o in prep.children if o.dep_ == "pobj"]
                        if objects and _owner_at(sentence, objects[0].i):
                            owner, leader = _owner_at(sentence, objects[0].i), data.titles()[child.lower_]
    past = {"former", "ex", "late", "then", "erstwhile"}
    if owner is not None and any(doc[i].lower_ in past for i in range(max(sentence.sent.start, first - 8), first)):
        owner = None  # "the former Ruritanian leader X" leads nothing now
    if owner is not None and leader and owner != person:
        span = (min(start, owner.start), max(person.end, owner.end))
        ties.append(Tie("leads", person.text, owner.text, *span))
    # "X's Northern Army": a person's organisation is the one he leads.
    after = last if doc[last].dep_ == "case" else last + 1  # the entity may include its "'s"
    if after < sentence.sent.end and doc[after].dep_ == "case":
        for token in doc[after + 1 : min(after + 9, sentence.sent.end)]:
            group = sentence.mentions.get(token.i)
            if group is not None and group.label == "ORG":
                ties.append(Tie("leads", person.text, group.text, person.start, group.end))
                break
            describes = token.dep_ in {"amod", "npadvmod", "advmod", "compound", "punct", "conj"}
            if not (describes or token.pos_ in {"ADJ", "ADV", "PROPN"} or token.ent_type_ == "GPE"):
                break
    return ties


def _possessive_name(sentence: SentenceFrames, mention: Mention, first: int, last: int) -> list[Tie]:
    """One entity "X Y's Northern Army": X Y leads the Northern Army, and the phrase names it."""
    doc = sentence.sent.doc
    while first < last and _offset(sentence, doc[first]) < mention.start:  # "the" is outside the name
        first += 1
    cases = [i for i in range(first + 1, last) if doc[i].dep_ == "case"]
    if len(cases) != 1 or not all(doc[i].pos_ == "PROPN" for i in range(first, cases[0])):
        return []
    owner = _text(sentence, _offset(sentence, doc[first]), _offset(sentence, doc[cases[0] - 1], end=True))
    rest_start = _offset(sentence, doc[cases[0] + 1])
    rest = _text(sentence, rest_start, mention.end)
    if not rest[:1].isupper():
        return []
    return [Tie("leads", owner, rest, mention.start, mention.end), Tie("alias", mention.text, rest, mention.start, mention.end)]


def _epithet(sentence: SentenceFrames, mention: Mention, first: int) -> list[Tie]:
    """The descriptive words right before a name: "the Coast-based, internationally recognised"."""
    doc = sentence.sent.doc
    begin = first
    while begin - 1 >= sentence.sent.start:
        token = doc[begin - 1]
        if token.dep_ in {"det", "case", "poss"} or token.i in sentence.mentions and sentence.mentions[token.i].label == "PERSON":
            break
        hyphened = doc[token.i + 1].text in {"-", "‐"}  # "Coast-based"
        describes = token.tag_ in {"JJ", "VBN", "VBD", "RB", "HYPH", ","} or token.text in {"-", "‐", ","} or hyphened
        if token.dep_ not in _EPITHET_DEPS or not describes or token.tag_ == "WRB":
            break
        begin -= 1
    while begin < first and doc[begin].is_punct:
        begin += 1
    opener = doc[begin - 1] if begin > sentence.sent.start else None
    if opener is not None and not (opener.dep_ in {"det", "case", "poss"} or opener.pos_ == "ADP" or opener.is_punct):
        return []  # "... against X upended U.N. efforts": a verb, not an epithet
    words = [t for t in doc[begin:first] if t.is_alpha]
    if not words or not any(t.is_lower for t in words) or mention.text.lower() in data.titles():
        return []
    start = _offset(sentence, doc[begin])
    epithet = _text(sentence, start, _offset(sentence, doc[first - 1], end=True)).strip(" ,")
    return [Tie("epithet", epithet, mention.text, start, mention.end)]


def _led_by(sentence: SentenceFrames) -> list[Tie]:
    """"the Front led by X": the organisation named just before "led by"."""
    doc = sentence.sent.doc
    ties = []
    for token in sentence.sent:
        if token.lemma_.lower() != "lead" or token.tag_ != "VBN":
            continue
        leaders = [m for c in token.children if c.dep_ == "agent" for o in c.children if o.dep_ == "pobj"
                   for m in [sentence.mentions.get(o.i)] if m is not None and _may_be_person(m)]
        if not leaders:
            continue
        for back in range(token.i - 1, max(sentence.sent.start, token.i - 6) - 1, -1):
            group = sentence.mentions.get(back)
            if group is not None and group.label in {"ORG", "PROPN"}:
                ties.append(Tie("leads", leaders[0].text, group.text, group.start, leaders[0].end))
                break
            if not doc[back].is_punct and back not in sentence.mentions:
                break
    return ties


def _may_be_person(mention: Mention) -> bool:
    """The recogniser labels unfamiliar names ORG at times; two or more capitalised words
    without an organisation's word ("Council", "Army") may still be a person."""
    if mention.label in {"PERSON", "PROPN"}:
        return True
    words = mention.text.split()
    organisation = {"army", "council", "front", "party", "union", "government", "forces", "group", "movement"}
    return mention.label == "ORG" and 2 <= len(words) <= 4 and all(w[:1].isupper() for w in words) and not organisation & {w.lower() for w in words}


_ACRONYM = re.compile(r"\(([A-Z][A-Z&.]{1,7})\)")
_SMALL = {"of", "the", "and", "for", "in", "on", "de", "du", "des", "la", "le"}


def acronyms(text: str) -> list[Tie]:
    """'Northern Defence Army (NDA)': the capitalised words just before the brackets whose initials spell it."""
    ties = []
    for match in _ACRONYM.finditer(text):
        acronym = match.group(1).replace(".", "")
        words = list(re.finditer(r"[\w'’-]+", text[max(0, match.start() - 160) : match.start()]))
        base = max(0, match.start() - 160)
        picked: list[re.Match] = []
        for word in reversed(words):
            if word.group(0).lower() in _SMALL:
                picked.append(word)
                continue
            if not word.group(0)[:1].isupper():
                break
            picked.append(word)
            initials = "".join(w.group(0)[0] for w in reversed(picked) if w.group(0).lower() not in _SMALL)
            if initials.upper() == acronym:
                start, end = base + picked[-1].start(), base + picked[0].end()
                ties.append(Tie("alias", acronym, text[start:end], start, match.end()))
                break
            if len(initials) >= len(acronym):
                break
    return ties

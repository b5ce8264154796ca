"""Extraction: article -> Actor, Stance and DateMention records, each with verified evidence.

The work is cut into small steps, and the model only makes closed decisions:
1. parse each sentence (spaCy) and read candidate stances off the grammar (`frames`):
   direction comes from grammatical roles, never from the model; a holder or target that
   is a pronoun or a descriptive phrase ("He condemned X", "X attacked forces loyal to the
   commander") is resolved by one closed choice of the model among the names code offers
   from its sentence and the one before;
2. the model types each name that holds or receives a stance (state, armed group,
   person, place, ...) with one closed choice; a mere place cannot hold a stance;
3. dates are found and resolved deterministically (`dates`);
4. ties between names (who leads what, acronyms, titles, epithets) are read off the same
   parse (`links`), for consolidation across articles; persons are actors without a model call;
5. every record's quote must stand verbatim at its offsets, or it is dropped.
Two named actors a clause links and no frame reads are put to the attitude judge
(`attitude_judge`: one-token yes/no questions read as probabilities, combined with the
parse's direction by fitted weights), a few pairs per article to bound the cost: those
whose words most look like an attitude, by a model over sentence vectors (`pair_ranker`). A
stance a frame reads is not put to it: a yes/no check of frame stances was measured and
removed, since on the development articles the 1.5B model rejected only correct ones.
Results are cached per article content, pipeline, prompts and model.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel

from agent import data
from agent.data import prompts
from agent.data.prompts import load as load_prompt
from agent.extract.attitude_judge import POLARITY, RELATION, AnswerCache, Grammar, ask, holder_of, polarity_of, shipped_calibration
from agent.extract.dates import find_date_mentions
from agent.extract.frames import DEFAULT_LEXICON, Frame, Mention, SentenceFrames, is_person, role_nouns
from agent.extract.judge import judge
from agent.extract.lexicon import Lexicon
from agent.extract.links import Tie, acronyms, read_ties
from agent.extract.pair_ranker import shipped_ranker
from agent.models import Actor, ActorType, Article, DateMention, Evidence, Link, Record, Stance
from agent.text import safety
from agent.text.countries import country_code, is_country_name, only_adjectives
from agent.text.datelines import without_dateline
from agent.text.names import name_key
from agent.text.nlp import parse
from agent.text.places import is_place_name
from agent.text.sentences import split_sentences

PIPELINE_VERSION = "1"
MAX_REFERENCE_OPTIONS = 6
# How far back a list of names ("Among those sued were ...") looks for the stance it spells out.
ELABORATION_SENTENCES = 10

NameType = Literal["state", "government", "armed_group", "international_organisation", "person", "place", "other"]
_NOT_ACTORS = {"place"}
_PLACE_LABELS = {"GPE", "LOC", "FAC", "PRODUCT", "PROPN"}
_ARMED = re.compile(r"\b(army|forces|militia|brigade|guard|rebels?)\b|^[A-Z]{2,5}$", re.IGNORECASE)
_FIXED_TYPES: dict[str, ActorType] = {"NORP": "state", "PERSON": "person"}


class Structured(Protocol):
    def structured(self, response_model, messages: list[dict], max_tokens: int | None = None): ...

    def first_token(self, messages: list[dict], top: int = 10): ...


class NameKind(BaseModel):
    type: NameType


# Everything extraction reads, hashed whole: its own code and the text utilities under it,
# and every shipped data file (word lists, lexicon, titles, prompts).
# Folders and files under agent/; the embedding model's code because the pair ranker reads its vectors.
CACHE_INPUTS = ("extract", "text", "data", "index/__init__.py", "index/embeddings.py")
_AGENT = Path(__file__).resolve().parent.parent
_PROMPTS = Path(str(resources.files(prompts)))


def cache_inputs() -> list[Path]:
    """The files whose bytes make the extraction cache key: the code extraction runs, every
    shipped data file and the prompts."""
    paths = [_AGENT / name for name in CACHE_INPUTS] + [_PROMPTS]
    return sorted(
        path for top in paths for path in ([top] if top.is_file() else top.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    )


def cache_name(path: Path) -> str:
    """A cache input's name, the same wherever the package is installed."""
    return path.relative_to(_AGENT).as_posix() if path.is_relative_to(_AGENT) else f"prompts/{path.relative_to(_PROMPTS).as_posix()}"


@lru_cache(maxsize=1)
def cache_version() -> str:
    """Changes whenever the extraction code, a text utility, a data file or a record schema changes."""
    digest = hashlib.sha256(PIPELINE_VERSION.encode())
    for path in cache_inputs():
        digest.update(cache_name(path).encode())
        digest.update(path.read_bytes())
    for model in (Actor, Stance, DateMention, Link):
        digest.update(json.dumps(model.model_json_schema(), sort_keys=True).encode())
    return digest.hexdigest()[:16]


def cache_key(article: Article, model: str, words: Lexicon = DEFAULT_LEXICON, judged_pairs: int = 0) -> str:
    judge = f"|judged pairs {judged_pairs}" if judged_pairs else ""  # without the judge, the keys extraction always had
    return hashlib.sha256(f"{article.content_hash}|{cache_version()}|{model}|{words.digest}{judge}".encode()).hexdigest()


@dataclass
class _Candidate:
    frame: Frame
    sentence: tuple[int, int]


@dataclass
class _Pair:
    """Two named actors a clause links and no frame reads: the attitude judge decides."""

    first: Mention
    second: Mention
    sentence: tuple[int, int]
    grammar: Grammar  # the parse's direction and who speaks; no frame


@dataclass
class _Reference:
    """A stance whose holder or target is a pronoun or a descriptive phrase, with the actors
    it may refer to: those named before it in its sentence and in the sentence before; for an
    indefinite phrase ("a union leader"), those the next sentence names."""

    frame: Frame
    sentence: tuple[int, int]
    previous: tuple[int, int] | None
    options: list[Mention]
    slot: Literal["holder", "target"] = "holder"
    # The option code can name without asking: the one person the article gives the phrase's
    # title ("the marshal" after "Field Marshal Arno Kell").
    known: Mention | None = None

    @property
    def phrase(self) -> Mention:
        phrase = self.frame.reference if self.slot == "holder" else self.frame.target_reference
        assert phrase is not None
        return phrase


@dataclass
class ArticleResult:
    article: Article
    records: list[Record] = field(default_factory=list)
    seconds: float = 0.0
    cached: bool = False
    rejected: int = 0  # records dropped by the grounding check


def extract_article(
    article: Article, llm: Structured, words: Lexicon = DEFAULT_LEXICON, answers: AnswerCache | None = None, judged_pairs: int = 0
) -> ArticleResult:
    """`judged_pairs`: how many actor pairs no frame reads go to the attitude judge
    (`Settings.attitude_pairs`); `answers`: where its answers are kept (default: for this article only)."""
    started = time.perf_counter()
    sentences, instructions = _sentences(article, llm)
    candidates, mentions, ties, references, opens, organisations, pairs = _read_frames(article.text, sentences, words)
    resolved, referring = _resolve_references(article, references, llm)
    for candidate in resolved + _judge_links(article, opens, llm):
        candidates.append(candidate)
        for mention in candidate.frame.holders + candidate.frame.targets:
            mentions.setdefault(mention, candidate.sentence)
    unread = _unread(pairs, candidates + opens)
    for candidate in _judge_pairs(article, unread, llm, answers if answers is not None else AnswerCache(), judged_pairs):
        candidates.append(candidate)
        for mention in candidate.frame.holders + candidate.frame.targets:
            mentions.setdefault(mention, candidate.sentence)
    # Last, so a name a stance involves is typed in its stance's sentence.
    for mention, sentence in organisations.items():
        mentions.setdefault(mention, sentence)
    ties += referring
    acting = {m.text.lower() for c in candidates for m in c.frame.holders}
    involved = acting | {m.text.lower() for c in candidates for m in c.frame.targets}
    types = _type_names(article, mentions, llm, words, acting, involved)
    records: list[Record] = []
    records += _actors(article, mentions, types)
    records += _stances(article, candidates, types, _full_names(mentions))
    records += find_date_mentions(article)
    records += _links(article, ties + acronyms(article.text))
    records = [r for r in records if not any(a <= r.evidence.start < b for a, b in instructions)]
    grounded = [r for r in records if _grounded(article, r.evidence)]
    return ArticleResult(article, grounded, time.perf_counter() - started, rejected=len(records) - len(grounded))


def extract_text(
    text: str, llm: Structured, words: Lexicon = DEFAULT_LEXICON, article_id: str = "text",
    answers: AnswerCache | None = None, judged_pairs: int = 0,
) -> ArticleResult:
    """Extraction of a text that is not in the index (a sentence under evaluation): nothing is stored."""
    article = Article(id=article_id, path=article_id, text=text, content_hash=hashlib.sha256(text.encode()).hexdigest())
    return extract_article(article, llm, words, answers, judged_pairs)


# --- 1. frames from grammar -------------------------------------------------------------


def _sentences(article: Article, llm: Structured) -> tuple[list[tuple[tuple[int, int], object]], list[tuple[int, int]]]:
    """The article's sentences (span, parse) that state something, and the spans of those that
    are instructions to a reader or a model (`safety`): evidence of nothing, so no frame, date
    or link is read from them, and the model never sees them."""
    spans = [without_dateline(article.text, s) for s in split_sentences(article.text)]
    docs = parse(article.text[a:b] for a, b in spans)
    flags = safety.instructions(docs, llm)
    facts = [(span, doc) for span, doc, instruction in zip(spans, docs, flags) if not instruction]
    return facts, [span for span, instruction in zip(spans, flags) if instruction]


def _read_frames(
    text: str, sentences: list[tuple[tuple[int, int], object]], words: Lexicon
) -> tuple[list[_Candidate], dict[Mention, tuple[int, int]], list[Tie], list[_Reference], list[_Candidate], dict[Mention, tuple[int, int]], list[_Pair]]:
    """Stance candidates, the names to type (stance names, persons), ties, referring phrases,
    open links, the organisations the parser names, and the pairs of named actors a clause links
    (the attitude judge's candidates)."""
    candidates: list[_Candidate] = []
    references: list[_Reference] = []
    opens: list[_Candidate] = []
    pairs: list[_Pair] = []
    previous: list[Frame] = []
    before: tuple[tuple[int, int], list[Mention]] | None = None  # the previous sentence and its names
    doers_before: list[Mention] = []  # who did what the previous sentence's main verb says
    ties: list[Tie] = []
    persons: dict[Mention, tuple[int, int]] = {}
    organisations: dict[Mention, tuple[int, int]] = {}
    labels: dict[str, Counter] = {}  # name -> the entity labels the parser gave its mentions
    in_body: set[str] = set()  # names the article uses outside title-cased headline and menu lines
    headlines: set[tuple[int, int]] = set()
    titled: dict[str, set[str]] = {}  # title word -> surnames of the persons carrying it
    ahead: list[_Reference] = []  # indefinite phrases, resolved to what the next sentence names
    unnamed: list[tuple[int, tuple[int, int], Frame]] = []  # stances on someone not yet named: "X sued 45 banks"
    for index, ((start, end), doc) in enumerate(sentences):
        sentence = SentenceFrames(doc[:], start, words)
        for reference in ahead:
            reference.sentence = (reference.sentence[0], end)
            surnames = {_surname(m) for m in persons}
            reference.options = _reference_options(reference, list(dict.fromkeys(sentence.mentions.values())), words, surnames)
            if reference.options:
                references.append(reference)
        ahead = []
        ties += read_ties(sentence)
        headline = _title_cased_line(text, start, end)
        if headline:
            headlines.add((start, end))
        for mention in dict.fromkeys(sentence.mentions.values()):
            labels.setdefault(mention.text.lower(), Counter())[mention.label] += 1
            if headline:
                continue
            in_body.add(mention.text.lower())
            if is_person(mention):
                persons.setdefault(mention, (start, end))
            elif mention.label == "ORG":
                organisations.setdefault(mention, (start, end))
        for mention, titles in sentence.titles().items():
            for title in titles:
                titled.setdefault(title, set()).add(_surname(mention))
        frames = sentence.frames()
        for frame in frames:
            # "There were also claims of support from X": the target is the previous sentence's.
            if frame.holders and not frame.targets and frame.relation != "calls_for":
                same = [f for f in previous if f.relation == frame.relation and len(f.targets) == 1]
                if len(same) == 1 and re.search(r"\b(also|too|as well)\b", doc.text, re.IGNORECASE):
                    frame.targets = list(same[0].targets)
            if frame.reference is not None and frame.reference.label == "GROUP":
                # "Among those sued were A and B": the holder of the nearest earlier stance of that
                # kind whose target went unnamed; the evidence runs from its sentence.
                earlier = next((u for u in reversed(unnamed) if index - u[0] <= ELABORATION_SENTENCES
                                and POLARITY.get(u[2].relation) == POLARITY[frame.relation]), None)
                if earlier is not None:
                    named = Frame(earlier[2].holders, frame.relation, frame.targets, frame.cue, frame.status, frame.attribution)
                    candidates.append(_Candidate(named, (earlier[1][0], end)))
                continue
            if frame.holders and (frame.targets or frame.demand):
                candidates.append(_Candidate(frame, (start, end)))
            elif frame.target_reference is not None and frame.target_reference.label == "DEED":
                # "X closed the border. Y condemned the move.": a stance toward a deed is one toward its doer.
                holders = {m.text.lower() for m in frame.holders}
                doers = [m for m in doers_before if m.text.lower() not in holders]
                if before and doers:
                    deed = Frame(frame.holders, frame.relation, doers, frame.cue, frame.status, frame.attribution)
                    candidates.append(_Candidate(deed, (before[0][0], end)))
            elif frame.relation != "calls_for" and (frame.reference and frame.targets or frame.holders and frame.target_reference):
                reference = _Reference(frame, (start, end), before[0] if before else None, [],
                                       "holder" if frame.reference else "target")
                if reference.phrase.label == "INDEF":
                    reference.previous = None
                    ahead.append(reference)
                    continue
                named_before = [m for m in sentence.mentions.values() if m.end <= reference.phrase.start]
                surnames = {_surname(m) for m in persons}
                reference.options = _reference_options(reference, (before[1] if before else []) + named_before, words, surnames)
                reference.known = _titled_option(reference, titled)
                if reference.options:
                    references.append(reference)
        covered = {(h, t) for f in frames for h in f.holders for t in f.targets}
        for link in sentence.open_links():
            if not any((h, t) in covered for h in link.holders for t in link.targets):
                opens.append(_Candidate(link, (start, end)))
        pairs += [_Pair(first, second, (start, end), Grammar(frozenset(), sentence.direction(first, second), sentence.speaker(first, second)))
                  for first, second in sentence.actor_pairs()]
        previous = frames or previous
        unnamed += [(index, (start, end), f) for f in frames
                    if f.holders and not f.targets and f.target_reference is None and f.relation != "calls_for"]
        before = ((start, end), list(dict.fromkeys(sentence.mentions.values())))
        doers_before = sentence.main_subject()
    # A name that stands only in a title-cased headline or a menu line ("Outage Causes Login")
    # is no actor: a stance read there counts only between names the article's body uses.
    candidates = [c for c in candidates if c.sentence not in headlines
                  or all(m.text.lower() in in_body for m in c.frame.holders + c.frame.targets)]
    pairs = [p for p in pairs if p.sentence not in headlines or {p.first.text.lower(), p.second.text.lower()} <= in_body]
    # Names that hold or receive a stance are typed with the model where evidence does not
    # decide: that is where a place or a newspaper must not slip in.
    found: dict[Mention, tuple[int, int]] = {}
    for candidate in candidates:
        for mention in candidate.frame.holders + candidate.frame.targets:
            found.setdefault(mention, candidate.sentence)
    # Persons are actors wherever they appear (the parser types them: no model call), so
    # consolidation can link each to what he leads.
    # A lone word the parser calls a person (a town, at times) is kept only as the short form of a
    # fuller name in the article: the recogniser mislabels single place names.
    full = [m.text.lower() for m in persons if len(m.text.split()) > 1]
    for mention, sentence in persons.items():
        lone = len(mention.text.split()) == 1
        if not lone or any(name.endswith((" " + mention.text.lower(), "-" + mention.text.lower())) for name in full):
            found.setdefault(mention, sentence)
    # The parser labels one name differently from sentence to sentence ("Meta" a person here,
    # an organisation there): the label it gives most decides what the name is. Organisations
    # the parser names are actors too, typed without a model call when no stance involves them.
    found = {_voted(labels, m, full): sentence for m, sentence in found.items()}
    organisations = {_voted(labels, m, full): sentence for m, sentence in organisations.items()}
    return candidates, found, ties, references, opens, organisations, pairs


def _voted(labels: dict[str, Counter], mention: Mention, full_names: list[str]) -> Mention:
    """`mention` with the label, person or organisation, the parser gave its name most often;
    a lone word that shortens no full name in the article is an organisation on a tie."""
    if mention.label not in {"PERSON", "ORG"}:
        return mention
    votes = labels.get(mention.text.lower(), Counter())
    label = "ORG" if votes["ORG"] > votes["PERSON"] else "PERSON" if votes["PERSON"] > votes["ORG"] else mention.label
    lone = len(mention.text.split()) == 1 and not any(n.endswith(" " + mention.text.lower()) for n in full_names)
    if lone and votes["ORG"] and votes["ORG"] == votes["PERSON"]:
        label = "ORG"
    return mention if label == mention.label else replace(mention, label=label)


def _title_cased_line(text: str, start: int, end: int) -> bool:
    """A whole line whose every word of four letters or more is capitalised, and no sentence:
    a headline or a menu ("Outage Causes Login Problems", "World | Business | Markets")."""
    whole_line = not text[:start].strip(" \t") or text[:start].rstrip(" \t").endswith("\n")
    whole_line = whole_line and (end == len(text) or text[end:].lstrip(" \t")[:1] in ("\n", ""))
    words = re.findall(r"[^\W\d_][\w'’-]{3,}", text[start:end])
    return whole_line and not text[start:end].rstrip().endswith(".") and len(words) >= 3 and all(w[0].isupper() for w in words)


# --- 1b. who a pronoun or a descriptive holder is -------------------------------------------


def _reference_options(reference: _Reference, named: list[Mention], words: Lexicon, surnames: set[str] = frozenset()) -> list[Mention]:
    """The names the phrase may stand for, the nearest last, agreeing with it in code: "he",
    "she", "him", "her", "his" and a title ("the commander") stand for a person; "they",
    "them", "their", "its" and an actor noun ("the government") for anything but one; never
    the stance's other side. A lone name is a person's when the article has named a person so
    (the parser types "Kell's" an organisation after "General Arno Kell"). A bare title is no
    option."""
    phrase = reference.phrase
    head = phrase.text.split()[-1].lower()
    wants_person = phrase.text.lower() in {"he", "she", "him", "her", "his"} or (
        phrase.label in {"REF", "INDEF"} and head in role_nouns() and head not in words.actor_nouns
    )
    frame = reference.frame
    other_side = {m.text.lower() for m in (frame.targets if reference.slot == "holder" else frame.holders)}
    options: dict[str, Mention] = {}
    for mention in named:
        if mention.text.lower() in role_nouns():
            continue  # a bare title ("Lord" of "Lord Kell", cut short by the parser) names no one
        person = is_person(mention) or mention.text.lower() in surnames
        if person == wants_person and mention.text.lower() not in other_side:
            options.pop(mention.text.lower(), None)
            options[mention.text.lower()] = mention  # a later mention of the same name is nearer
    return list(options.values())[-MAX_REFERENCE_OPTIONS:]


def _surname(mention: Mention) -> str:
    return mention.text.split()[-1].lower()


def _titled_option(reference: _Reference, titled: dict[str, set[str]]) -> Mention | None:
    """The option a title phrase ("the rebel marshal") must mean: the article's only person
    with that title, when that person is among the options."""
    phrase = reference.phrase
    carriers = titled.get(phrase.text.split()[-1].lower(), set())
    if phrase.label != "REF" or len(carriers) != 1:
        return None
    return next((o for o in reversed(reference.options) if _surname(o) in carriers), None)


def _resolve_references(article: Article, references: list[_Reference], llm: Structured) -> tuple[list[_Candidate], list[Tie]]:
    """Who each referring holder or target stands for: the option code knows, else one closed
    choice of the model among the numbered names, or none. The stance then holds the chosen
    name, its evidence running from the sentence that names it; a descriptive phrase is also
    kept as a tie, so consolidation can explain the merge."""
    resolved: list[_Candidate] = []
    ties: list[Tie] = []
    for reference in references:
        phrase = reference.phrase
        end = reference.sentence[1]
        chosen = reference.known or _choose(article, reference, llm)
        if chosen is None:
            continue
        named_before = chosen.start < reference.sentence[0] and reference.previous is not None
        evidence_start = reference.previous[0] if named_before else reference.sentence[0]  # type: ignore[index]
        found = reference.frame
        holders, targets = ([chosen], found.targets) if reference.slot == "holder" else (found.holders, [chosen])
        frame = Frame(holders, found.relation, targets, found.cue, found.status, found.attribution)
        resolved.append(_Candidate(frame, (evidence_start, end)))
        if phrase.label == "REF":
            ties.append(Tie("refers_to", phrase.text, chosen.text, evidence_start, end))
    return resolved, ties


def _judge_links(article: Article, opens: list[_Candidate], llm: Structured) -> list[_Candidate]:
    """One closed choice per open link (two names tied by a verb off the lexicon): what the
    words mean, from numbered paraphrases (`judge`); a neutral meaning keeps no stance."""
    judged: list[_Candidate] = []
    for candidate in opens:
        link = candidate.frame
        start, end = candidate.sentence
        relation = judge(article.text[start:end], link.holders[0].text, link.cue, link.targets[0].text, llm)
        if relation is not None:
            frame = Frame(link.holders, relation, link.targets, link.cue, link.status, link.attribution, verb=link.verb)
            judged.append(_Candidate(frame, candidate.sentence))
    return judged


def _unread(pairs: list[_Pair], read: list[_Candidate]) -> list[_Pair]:
    """The pairs no frame, resolved reference or open link in their sentence ties, either way:
    there the grammar has already spoken."""
    tied = {
        (c.sentence[1], frozenset((h.text.lower(), t.text.lower())))
        for c in read for h in c.frame.holders for t in c.frame.targets
    }
    return [p for p in pairs if (p.sentence[1], frozenset((p.first.text.lower(), p.second.text.lower()))) not in tied]


def _judge_pairs(article: Article, pairs: list[_Pair], llm: Structured, answers: AnswerCache, judged_pairs: int) -> list[_Candidate]:
    """The attitude judge's decision on the article's first `judged_pairs` unread pairs:
    those where the parse makes one the doer first, then those whose words most look like an
    attitude (`pair_ranker`). A stance where the calibrated probability of one directed
    attitude passes the extraction threshold."""
    if not judged_pairs or not pairs:
        return []
    calibration = shipped_calibration()
    leanings = shipped_ranker().leanings([
        (article.text[p.sentence[0] : p.sentence[1]], _within(p.first, p.sentence), _within(p.second, p.sentence)) for p in pairs
    ])
    order = sorted(range(len(pairs)), key=lambda n: (pairs[n].grammar.direction == 0, leanings[n]["none"]))
    judged: list[_Candidate] = []
    for n in sorted(order[:judged_pairs], key=lambda n: pairs[n].first.start):
        pair, grammar = pairs[n], replace(pairs[n].grammar, leaning=leanings[n])
        start, end = pair.sentence
        found = ask(article.text[start:end], pair.first.text, pair.second.text, grammar, llm, answers)
        attitude, _ = calibration.decide(found, grammar, calibration.keep_threshold)
        if attitude == "none":
            continue
        holder, target = (pair.first, pair.second) if holder_of(attitude) == "p" else (pair.second, pair.first)
        relation = RELATION[polarity_of(attitude)]
        judged.append(_Candidate(Frame([holder], relation, [target], cue=""), pair.sentence))
    return judged


def _within(mention: Mention, sentence: tuple[int, int]) -> tuple[int, int]:
    return mention.start - sentence[0], mention.end - sentence[0]


def _choose(article: Article, reference: _Reference, llm: Structured) -> Mention | None:
    start = reference.previous[0] if reference.previous else reference.sentence[0]
    listed = "\n".join(f"{n}. {m.text}" for n, m in enumerate(reference.options, start=1))
    result = llm.structured(
        _choice_model(len(reference.options)),
        [
            {"role": "system", "content": load_prompt("reference_system")},
            {"role": "user", "content": load_prompt("reference_user").format(
                passage=article.text[start : reference.sentence[1]], phrase=reference.phrase.text, options=listed)},
        ],
        max_tokens=16,
    )
    if not 1 <= result.option <= len(reference.options):
        return None  # "none of these", or a number no option has
    return reference.options[result.option - 1]


@lru_cache(maxsize=16)
def _choice_model(options: int) -> type[BaseModel]:
    """The answer to a closed choice among `options` numbered names, 0 meaning none: the
    grammar lets the model write only one of those numbers."""
    from pydantic import create_model

    return create_model("ReferenceChoice", option=(Literal[tuple(range(options + 1))], ...))  # type: ignore[valid-type]


# --- 2. what each name is ----------------------------------------------------------------


def _type_names(
    article: Article, mentions: dict[Mention, tuple[int, int]], llm: Structured, words: Lexicon, acting: set[str],
    involved: set[str] = frozenset(),
) -> dict[str, ActorType | str]:
    """Type each name once per article: from evidence where it decides (a demonym is a
    state, a person a person, a country name a state, a region or town a gazetteer knows
    a place, a descriptive phrase by its head noun, an organisation no stance involves by
    its head noun), else one closed choice by the model, with the name's sentence as
    context. A name the grammar makes a stance holder (`acting`) is no mere place: a place
    that condemns or backs stands for its people or rulers ("Velmora condemned ...")."""
    types: dict[str, ActorType | str] = {}
    full_names = [m.text.lower() for m in mentions if is_person(m) and len(m.text.split()) > 1]
    for mention in mentions:
        key = mention.text.lower()
        if key in types:
            continue
        known = _known_type(mention, words, full_names, key in acting)
        if known is None and key not in involved and mention.label == "ORG":
            known = _organisation_type(mention, words)
        if known is not None:
            types[key] = known
            continue
        result = llm.structured(
            NameKind,
            [
                {"role": "system", "content": load_prompt("actor_types_system")},
                {"role": "user", "content": load_prompt("actor_types_user").format(
                    sentence=article.text[slice(*mentions[mention])], name=mention.text)},
            ],
            max_tokens=24,
        )
        kind = result.type
        if kind == "place" and (mention.label not in _PLACE_LABELS or mention.text.isupper() or key in acting):
            # The parser knows an organisation or a person is no mere location; a small
            # model sometimes calls an armed group a place because of its city name; and a
            # place the grammar makes a stance holder stands for its people or rulers.
            kind = "armed_group" if _ARMED.search(mention.text) else "state" if mention.label == "GPE" else "other"
        elif kind == "place" and any(key.endswith(" " + suffix) for suffix in data.name_suffixes()):
            kind = "other"  # "Port Halden FC", "Kessel Holdings": a club or a firm named after its town
        types[key] = kind
    return types


def _known_type(mention: Mention, words: Lexicon, full_names: list[str] = (), acting: bool = False) -> str | None:
    named = is_person(mention) or (mention.label == "ORG" and len(mention.text.split()) > 1)
    if named and not acting and _a_place_not_a_name(mention.text, full_names):
        # "Mato Grosso", "Castro Valley": the small recogniser calls many places persons or
        # organisations. (A one-word organisation may share a town's name: "Meta", "Nokia".)
        return "place"
    if mention.label in _FIXED_TYPES:
        return _FIXED_TYPES[mention.label]
    if is_person(mention):
        return "person"
    if mention.label == "NP":
        head = mention.text.split()[-1].lower()
        return words.actor_nouns.get(head, "other")
    if mention.label in _PLACE_LABELS and is_country_name(mention.text):
        return "state"
    return None


def _a_place_not_a_name(name: str, full_names: list[str]) -> bool:
    """A name a gazetteer knows as a region or town, and no person's surname in the article
    ("Jackson" after "Tom Jackson" stays a person)."""
    key = name.lower()
    if any(full.endswith(" " + key) for full in full_names if full != key):
        return False
    return is_place_name(name)


def _organisation_type(mention: Mention, words: Lexicon) -> str:
    """An organisation by its last word ("Constitutional Court", "Velmora Brigade"), else "other"."""
    head = mention.text.split()[-1].lower()
    if head in words.actor_nouns:
        return words.actor_nouns[head]
    return "armed_group" if _ARMED.search(mention.text) and not mention.text.isupper() else "other"


def _is_actor(types: dict, mention: Mention) -> bool:
    """Not a place, and not adjectives alone ("European leaders blamed X" names no holder),
    unless they stand for a country ("Brazilian")."""
    if only_adjectives(mention.text) and not country_code(name_key(mention.text))[0]:
        return False
    return types.get(mention.text.lower(), "other") not in _NOT_ACTORS


# --- 3. records --------------------------------------------------------------------------


def _actors(article: Article, mentions: dict[Mention, tuple[int, int]], types: dict) -> list[Actor]:
    """One Actor per name typed as an actor; acronyms in brackets and short forms of a
    longer name in the same article become its aliases."""
    names: dict[str, Mention] = {}
    for mention in mentions:
        if _is_actor(types, mention):
            names.setdefault(mention.text.lower(), mention)
    canonical = {key: key for key in names}
    for key, mention in names.items():
        longer = [k for k in names if k != key and _short_form(mention.text, names[k].text, article.text)]
        if longer:
            canonical[key] = max(longer, key=len)
    actors: dict[str, Actor] = {}
    for key, mention in names.items():
        head = canonical[key]
        while canonical[head] != head:
            head = canonical[head]
        main = names[head]
        actor = actors.get(head)
        if actor is None:
            actor = actors[head] = Actor(
                name=main.text,
                actor_type=types[head],
                evidence=Evidence(article=article.id, start=main.start, end=main.end, quote=article.text[main.start : main.end]),
            )
        if mention.text != main.text and mention.text not in actor.aliases:
            actor.aliases.append(mention.text)
    return list(actors.values())


def _short_form(short: str, long: str, text: str) -> bool:
    """'NDA' for 'Northern Defence Army (NDA)'; 'Varga' for 'Alda Varga'."""
    if short == long or len(short) >= len(long):
        return False
    if short.isupper() and f"{long} ({short})" in text:
        return True
    return len(short) > 3 and long.lower().endswith(short.lower()) and long[-len(short) - 1] in " -"


def _full_names(mentions: Iterable[Mention]) -> dict[str, str]:
    """A surname alone -> the one person's full name in the article that ends with it ("Fox"
    after "Tory co-chairman Liam Fox" is Liam Fox, whatever a Fox is in another article); a
    surname two persons of the article share stands for neither."""
    titles = data.titles()
    names: dict[str, set[str]] = {}
    for mention in mentions:
        words = mention.text.split()
        # not "Mr Blair": a title and a surname is no full name
        if is_person(mention) and len(words) > 1 and not all(w.lower().rstrip(".") in titles for w in words[:-1]):
            names.setdefault(_surname(mention), set()).add(mention.text)
    full: dict[str, str] = {}
    for surname, texts in names.items():
        # "chairman Liam Fox" and "Liam Fox" are one person: the shortest form each longer one ends with
        shortest = {t for t in texts if not any(o != t and t.endswith(" " + o) for o in texts)}
        if len(shortest) == 1:
            full[surname] = shortest.pop()
    return full


def _stances(article: Article, candidates: list[_Candidate], types: dict, full_names: dict[str, str]) -> list[Stance]:
    stances: dict[tuple[str, str, str, str], Stance] = {}
    titles = data.titles()

    def named(mention: Mention) -> str:
        before = article.text[max(0, mention.start - 40) : mention.start].split()[-1:]
        titled = bool(before) and before[0].lower().rstrip(".") in titles  # "Dr Fox", whatever the parser labels "Fox"
        lone = " " not in mention.text and (is_person(mention) or titled)
        return full_names.get(mention.text.lower(), mention.text) if lone else mention.text

    for candidate in candidates:
        frame = candidate.frame
        holders = [named(m) for m in frame.holders if _is_actor(types, m)]
        if frame.relation == "calls_for":
            targets_text = [frame.demand or ""]
        else:
            targets_text = [named(m) for m in frame.targets if _is_actor(types, m)]
        # Self-stances come from parse slips ("X's forces backed by X"): never a claim worth keeping.
        pairs = [(h, t) for h in holders for t in targets_text if t and h.lower() != t.lower()]
        if not pairs:
            continue
        start, end = candidate.sentence
        sentence = article.text[start:end]
        for holder, target in pairs:
            key = (holder.lower(), frame.relation, target.lower(), frame.status)
            stances.setdefault(
                key,
                Stance(
                    holder=holder,
                    relation=frame.relation,  # type: ignore[arg-type]
                    target=target,
                    status=frame.status,  # type: ignore[arg-type]
                    attribution=frame.attribution,
                    judged_verb=frame.verb,
                    evidence=Evidence(article=article.id, start=start, end=end, quote=sentence),
                ),
            )
    return list(stances.values())


def _links(article: Article, ties: list[Tie]) -> list[Link]:
    links: dict[tuple[str, str, str], Link] = {}
    for tie in ties:
        if tie.source.lower() == tie.target.lower():
            continue
        links.setdefault((tie.kind, tie.source.lower(), tie.target.lower()), Link(
            kind=tie.kind,  # type: ignore[arg-type]
            source=tie.source, target=tie.target,
            evidence=Evidence(article=article.id, start=tie.start, end=tie.end, quote=article.text[tie.start : tie.end]),
        ))
    return list(links.values())


def _grounded(article: Article, evidence: Evidence) -> bool:
    return (
        evidence.article == article.id
        and 0 <= evidence.start < evidence.end <= len(article.text)
        and article.text[evidence.start : evidence.end] == evidence.quote
    )


# --- batch ---------------------------------------------------------------------------------


def run_batch(
    articles: Iterable[Article],
    extract: Callable[[Article], ArticleResult],
    cached: Callable[[Article], ArticleResult | None],
    save: Callable[[ArticleResult], None],
    workers: int = 1,
    on_done: Callable[[ArticleResult], None] | None = None,
) -> list[ArticleResult]:
    """Extract every article not already cached; each result is saved as soon as it is done,
    so an interrupted batch resumes where it stopped."""
    results: dict[str, ArticleResult] = {}
    todo: list[Article] = []
    order = []
    for article in articles:
        order.append(article.id)
        hit = cached(article)
        if hit is not None:
            results[article.id] = hit
            if on_done:
                on_done(hit)
        else:
            todo.append(article)

    def work(article: Article) -> ArticleResult:
        result = extract(article)
        save(result)
        if on_done:
            on_done(result)
        return result

    if workers <= 1:
        for article in todo:
            results[article.id] = work(article)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for result in pool.map(work, todo):
                results[result.article.id] = result
    return [results[i] for i in order]

"""ask: route each question by what it asks, answer from what extraction stored or from
verified passages, cite every sentence, or refuse.

Routes (see `agent.answer.question`):
- stance ("who backs X", "does X back Y"): the consolidated stance graph, every holder
  with the number of outlets reporting it and one citation per outlet (at most three);
- date ("when", "in what year"): the stored date records, ISO value and the article's words;
- count ("how many articles say X"): counted from the records or the matching sentences;
- everything else, and any of the above with no stored record: extractive. Code retrieves
  and filters candidate sentences; the model makes one closed choice among numbered
  passages and copies a short span; code checks the span stands verbatim in that passage,
  is the kind of answer asked for, and that the passage is about the question's focus.
  When the chosen span is a name rather than the answer (a bridge), a second hop
  retrieves with it.
Nothing here re-runs extraction on passages: answers read what earlier stages stored.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field, create_model

from agent import data
from agent.answer.question import (
    Comparison, Question, analyse, bridge_question, check_question, comparison, count_claim, read, referred, split_parts,
)
from agent.answer.verify import (
    about, another_one, close, content_words, counts_only_others, countries_said, coverage, fits, has_form, has_word, is_clause, kind_spans, learn_forms, locate, mentions, names_beyond, naming_words, numbers, of_kind, offers, restates, sets_aside, sole_amount, supports,
)
from agent.data.prompts import load as load_prompt
from agent.errors import InvalidModelOutput
from agent.extract.dates import find_date_mentions
from agent.extract.frames import DEFAULT_LEXICON
from agent.extract.lexicon import Lexicon
from agent.index.retrieval import tokens
from agent.index.store import Store
from agent.models import Answer, Article, Citation, DateMention, Record, Stance
from agent.text.countries import is_country_name
from agent.text.names import fold, is_bare_name
from agent.text.places import is_place_name
from agent.text.nlp import parse
from agent.text.safety import are_instructions, is_instruction
from agent.text.sentences import split_sentences
from agent.timing import stage

if TYPE_CHECKING:  # openai and chromadb take seconds to import; a graph answer needs neither
    from agent.index.retrieval import Hit, Retriever
    from agent.model.llm import LLM

log = logging.getLogger(__name__)

REFUSAL = "The articles do not say."
FLOOR = "The closest passage: "
MAX_PASSAGES = 4  # shown to the model: prompt tokens are most of an answer's time on 2 cores
MAX_SHOWN_WORDS = 40  # a longer sentence is shown as the stretch holding most of the question's words
MAX_ANSWER_TOKENS = 64  # {"passage": n, "span": "..."}: a span is a few words
MAX_CITED_OUTLETS = 3
_NEGATION = re.compile(r"\b(?:not|no|never|denied|denies|deny|refused|rejected|without)\b|n't\b", re.IGNORECASE)

__all__ = ["REFUSAL", "Passage", "ask", "check_question"]


# --- model decisions ------------------------------------------------------------------


class Pick(BaseModel):
    """The passage that answers, and the answer copied from it."""

    passage: int | None = Field(description="Number of the passage that answers the question; null if none does.")
    span: str = Field(default="", max_length=160, description="Only the words that answer, copied exactly from that passage.")


class YesNoPick(BaseModel):
    """The passage that answers a yes/no question, the verdict, and the words that show it."""

    passage: int | None = Field(description="Number of the passage that answers the question; null if none does.")
    verdict: Literal["yes", "no"]
    span: str = Field(default="", max_length=200, description="The words copied exactly from that passage that show it.")


# --- passages and citations -----------------------------------------------------------


@dataclass(frozen=True)
class Passage:
    n: int
    article: Article
    start: int
    end: int

    @property
    def quote(self) -> str:
        return self.article.text[self.start : self.end]


class Composer:
    """The answer being written: sentences with their citation marks, numbered in reading order.
    A sentence is kept only with the cited passages that verify (verbatim in the store) and
    state it (`verify.supports`)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.citations: dict[tuple[str, int, int], Citation] = {}
        self.sentences: list[str] = []
        self.dropped: list[str] = []
        self.evidence: list[float] = []  # each passage-route part's coverage (`Retrieved.evidence`)
        self.confidence: list[float | None] = []  # the model's probability for each passage it chose
        self.spans: list[str] = []  # the span copied as each answer from passages, in order

    def say(self, text: str, passages: Iterable[Passage], given: tuple[str, ...] = (), note: str = "", shown: str | None = None) -> bool:
        """Keep `text` (written as `shown`, if given: a resolved date, a count) with the passages
        that state it; `note` is added after verification (outlet counts)."""
        marks = []
        for passage in passages:
            if not self._verbatim(passage) or not supports(text, passage.quote, given):
                continue
            key = (passage.article.id, passage.start, passage.end)
            if key not in self.citations:
                self.citations[key] = _citation(len(self.citations) + 1, passage)
            marks.append(f"[{self.citations[key].n}]")
        if not marks:
            self.dropped.append(text)
            return False
        body = (shown or text).rstrip(" .")
        self.sentences.append(f"{body}{note} {' '.join(dict.fromkeys(marks))}.")
        return True

    def refuse(self, text: str) -> None:
        self.sentences.append(text)

    def mark(self) -> tuple[int, ...]:
        """Where the answer stands now, to go back to (`rollback`) if what follows fails."""
        return len(self.sentences), len(self.spans), len(self.evidence), len(self.confidence), len(self.citations)

    def rollback(self, mark: tuple[int, ...]) -> None:
        sentences, spans, evidence, confidence, citations = mark
        del self.sentences[sentences:], self.spans[spans:], self.evidence[evidence:], self.confidence[confidence:]
        for key in list(self.citations)[citations:]:
            del self.citations[key]

    def _verbatim(self, passage: Passage) -> bool:
        stored = self.store.article(passage.article.id)
        return stored is not None and stored.text[passage.start : passage.end] == passage.quote


def _citation(n: int, passage: Passage) -> Citation:
    article = passage.article
    return Citation(
        n=n, article=article.id, title=article.title, outlet=article.outlet,
        date=article.published.isoformat() if article.published else None,
        start=passage.start, end=passage.end, quote=passage.quote,
    )


def outlet_of(article: Article) -> str:
    return article.outlet or article.id


def sentence_at(article: Article, start: int, end: int) -> Passage:
    """The sentence of `article` around a span (a record's evidence may be a clause)."""
    for s_start, s_end in split_sentences(article.text):
        if s_start <= start and end <= s_end:
            return Passage(0, article, s_start, s_end)
    return Passage(0, article, start, end)


def _sentence_holding(passage: Passage, located: tuple[int, int]) -> str:
    """The sentence around a span located in a passage."""
    return sentence_at(passage.article, passage.start + located[0], passage.start + located[1]).quote


# --- the entry point --------------------------------------------------------------------


@dataclass
class Sources:
    """What answering reads, each fetched at most once per question and only if a route needs
    it: the store, the retriever, the model (started on first use), the stored records, the
    consolidated stance graph and the actors (objects with `name` and `aliases`)."""

    store: Store
    find_retriever: Callable[[], Retriever]
    llm: LLM
    records: Callable[[], list[Record]] = list
    graph: Callable[[], list] = list
    actors: Callable[[], list] = list
    top_k: int = 8
    words: Lexicon = DEFAULT_LEXICON  # the stance lexicon extraction used
    refuse_below: float = 0.0  # the passages route refuses below this coverage (`verify.coverage`)
    confident_above: float = 0.0  # nor answers from a model choice less probable than this (`Answer.confidence`)
    bridge_confident_above: float = 0.0  # the same, for a question answered through a bridge (`Question.hops`)
    # nor where the passages cover less of the question than this (`Retrieved.evidence`), beside the probability
    covered_above: float = 0.0
    bridge_covered_above: float = 0.0
    quote_above: float = 0.0  # nor quotes, as the floor, a passage the model chose less probably than this
    bridge_quote_above: float = 0.0  # the same, for a question answered through a bridge

    def __post_init__(self) -> None:
        self._memo: dict[str, object] = {}
        self._articles: dict[str, Article | None] = {}

    def _once(self, key: str, make: Callable[[], object]):
        if key not in self._memo:
            with stage(key):
                self._memo[key] = make()
        return self._memo[key]

    @property
    def retriever(self) -> Retriever:
        return self._once("retriever", self.find_retriever)  # type: ignore[return-value]

    def all_records(self) -> list[Record]:
        return self._once("records", self.records)  # type: ignore[return-value]

    def stance_graph(self) -> list:
        return self._once("graph", self.graph)  # type: ignore[return-value]

    def all_actors(self) -> list:
        return self._once("actors", self.actors)  # type: ignore[return-value]

    def article(self, article_id: str) -> Article | None:
        if article_id not in self._articles:
            self._articles[article_id] = self.store.article(article_id)
        return self._articles[article_id]


def ask(question: str, sources: Sources) -> Answer:
    question = check_question(question)
    composer = Composer(sources.store)
    parts = split_parts(question)
    routes: list[str] = []
    earlier: str | None = None
    answer: str | None = None
    for i, part in enumerate(parts):
        before, spans = len(composer.sentences), len(composer.spans)
        with stage("question"):  # the parse: spaCy loads on a process's first question
            alone = referred(part, earlier, answer) if earlier is not None else part  # "..., and who is its chairman?"
            q = read(alone or part, sources.words)
        # A part about what the earlier part did not find cannot be answered on its own; nor
        # can a part that names nothing after a part that found nothing ("Who wrote X and who
        # died in 2007?" asks one person two things).
        unread = alone is None or (earlier is not None and not routes and not q.names)
        route = answer_part(q, sources, composer) if not unread else None
        if route and before and set(composer.sentences[before:]) <= set(composer.sentences[:before]):
            # "Who told X ..., and who said ...?" answered twice in the same words from the same
            # passage: two questions have one answer only by mistake.
            route = None
            del composer.spans[spans:]
        earlier, answer = alone or part, composer.spans[-1] if len(composer.spans) > spans else None
        if route:
            if len(routes) < i:
                # an earlier part was refused: this answer says which part it answers
                composer.sentences[before] = f"{_as_asked(part)} {composer.sentences[before]}"
            routes.append(route)
        else:
            del composer.sentences[before:]
            refusal = _missing_names(q, sources) or REFUSAL
            composer.refuse(refusal if len(parts) == 1 else f"{_as_asked(part)} {refusal}")
    refused = not routes
    return Answer(
        question=question,
        answer=" ".join(composer.sentences),
        refused=refused,
        citations=[] if refused else sorted(composer.citations.values(), key=lambda c: c.n),
        route=routes[0] if routes else "refusal",
        coverage=round(max(composer.evidence), 3) if composer.evidence else None,
        confidence=_last_known(composer.confidence),
        dropped=composer.dropped,
    )


def _last_known(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(known[-1], 4) if known else None


def _missing_names(q: Question, sources: Sources) -> str | None:
    missing = [name for name in q.names if not _mentioned(name, sources.retriever)]
    return f"The articles do not mention {', '.join(missing)}." if missing else None


def _mentioned(name: str, retriever: Retriever) -> bool:
    """Whether any passage names `name`: its last naming word's stem (or the stem of each name
    it joins with a hyphen), or for an abbreviation ("U.S.", "U.N."), the letters with or
    without their dots."""
    found = naming_words(name)[-1:]
    if found:
        whole = found[0]
        parts = [p for p in whole.split("-") if len(p) > 1]  # "the Kell-Brask rift": both, wherever each stands
        return any(all(retriever.mentions(w[: max(4, len(w) - 3)]) for w in ws) for ws in ([whole], parts) if ws)
    letters = re.sub(r"[\W_]", "", name)
    return bool(letters) and (retriever.mentions(name) or retriever.mentions(letters))


def _as_asked(part: str) -> str:
    """A part heading its answer, as a sentence: "Which Lib Dem figure ...?", not "which"."""
    return part[:1].upper() + part[1:]


def answer_part(q: Question, sources: Sources, composer: Composer) -> str | None:
    """Answer one question into `composer`: the route that answered, or None when the articles
    do not answer it."""
    if _missing_names(q, sources):
        return None  # a name the corpus never mentions cannot be answered from it
    if q.route == "stance" and answer_from_graph(q, sources, composer):
        return "graph"
    if not q.parsed:  # read by pattern: the other routes need the parser's reading
        with stage("question"):
            q = analyse(q.text, sources.words)
    if answer_comparison(q, sources, composer):
        return "comparison"
    route = q.route
    if route == "date" and answer_from_dates(q, sources, composer):
        return "dates"
    if route == "count" and answer_count(q, sources, composer):
        return "count"
    return answer_from_passages(q, sources, composer)


# --- comparison route -------------------------------------------------------------------


class Verdict(BaseModel):
    answer: Literal["yes", "no"]


MAX_OPTION_PASSAGES = 2  # per thing compared: its own entry's sentence first
MAX_VERDICT_TOKENS = 16


def answer_comparison(q: Question, sources: Sources, composer: Composer) -> bool:
    """A question about two things named side by side (`question.comparison`), answered from
    each thing's own passages: for "Who is older, X or Y?" the calendar decides when each
    passage dates its thing, for a nationality the countries each names; else the model
    chooses one of the two (copying its name, read as a probability), or says yes or no of each
    ("Are X and Y both Z?") or of the pair ("... the same nationality?"). Nothing is answered
    unless both things are in the articles."""
    compared = comparison(q.text)
    if compared is None:
        return False
    found = [option_passages(option, compared, sources) for option in compared.options]
    if not all(found):
        return False
    if compared.asks == "which":
        return _choose(compared, found, sources, composer)
    return _judge_pair(compared, found, sources, composer)


def option_passages(option: str, compared: Comparison, sources: Sources) -> list[Passage]:
    """The passages about one of the two things: those that name it in every word of its name,
    itself or through their article's title; its own entry first (an article titled by its
    name, then one whose title names it), never that title's line alone."""
    query = compared.put_to(option) if compared.asks == "both" else f"{option} {compared.asked}"
    passages = build_passages(sources.store, sources.retriever.search(query, sources.top_k), query, sources.llm)
    own = [p for p in passages if _names_option(standing(p), option) and p.quote.strip() != p.article.title]
    entry = option.lower().removeprefix("the ")
    own.sort(key=lambda p: (
        (p.article.title or "").lower().removeprefix("the ") != entry, not (p.article.title and _names_option(p.article.title, option))
    ))
    return own[:MAX_OPTION_PASSAGES]


def _names_option(text: str, option: str) -> bool:
    said = tokens(option)
    return bool(said) and all(has_word(text, w) for w in said)


def _choose(compared: Comparison, found: list[list[Passage]], sources: Sources, composer: Composer) -> bool:
    dated = [_first_date(passages) for passages in found]
    side = compared.decided_by_date
    if side and all(dated):
        values = [date.value for date, _ in dated]
        precision = min(map(len, values))  # "1991" against "1991-05-03": the year alone
        first, second = (value[:precision] for value in values)
        if first != second:
            winner = 0 if (first < second) == (side == "earlier") else 1
            for k in (winner, 1 - winner):
                option, (date, passage) = compared.options[k], dated[k]
                when = re.sub(r"^(?:in|on|from|since|by)\s+", "", date.text)  # "formed in 1991": 1991
                if not composer.say(f"{option}: {when}", [passage], given=compared.options):
                    return False
            composer.spans.append(compared.options[winner])
            return True
    if sources.llm is None:
        return False
    shown = _renumber(found[0] + found[1])
    # The answer is one of the two names, copied: the schema allows nothing else.
    choice = create_model("Choice", answer=(Literal[compared.options], Field(description="The one of the two that answers the question.")))
    try:
        scored = sources.llm.structured_scored(
            choice,
            _compare_messages("compare_choice_user", shown, compared.asked, first=compared.options[0], second=compared.options[1]),
            max_tokens=MAX_VERDICT_TOKENS + sum(len(o) for o in compared.options) // 3,  # room to copy the longer name
        )
    except InvalidModelOutput as exc:
        log.info("no valid choice between two: %s", exc)
        return False
    composer.confidence.append(scored.probability("answer"))
    winner = compared.options.index(scored.value.answer)
    chosen, other = compared.options[winner], compared.options[1 - winner]
    if not composer.say(chosen, found[winner][:1], given=compared.options, shown=chosen[0].upper() + chosen[1:]):
        return False
    composer.say(other, found[1 - winner][:1], given=compared.options, shown=f"Compared with {other}")
    composer.spans.append(chosen)
    return True


def _first_date(passages: list[Passage]) -> tuple[DateMention, Passage] | None:
    """The first date the thing's passages state in full or as a year (a birth, a founding),
    with the passage that states it."""
    for passage in passages:
        # The passage alone, with no publication date: only dates it states in full resolve.
        article = Article(id=passage.article.id, path="", content_hash="", text=passage.quote)
        dated = next((m for m in find_date_mentions(article) if m.value and m.value[0].isdigit()), None)
        if dated is not None:
            return dated, passage
    return None


def _judge_pair(compared: Comparison, found: list[list[Passage]], sources: Sources, composer: Composer) -> bool:
    """Yes or no, of each thing ("both") or of the pair ("the same"). Where the question asks
    for a country or nationality, the countries each thing's passage names decide (`countries_said`);
    else the model's verdict, read as the probability of "yes". The answer quotes each
    thing's first passage, the one that says no first."""
    said = _country_verdicts(compared, found)
    asked = _asked_words(compared) if compared.asks == "both" else None
    for k, verdict in enumerate(said):
        if verdict is None and asked is not None and not _states(asked, found[k]):
            said[k] = 0.0  # a yes must rest on words that say it
        elif verdict is None:
            if sources.llm is None:
                return False
            question = compared.put_to(compared.options[k]) if compared.asks == "both" else compared.asked
            said[k] = _yes_probability(question, found[k] if compared.asks == "both" else found[0] + found[1], sources)
    if any(p is None for p in said):
        return False
    yes = all(p >= 0.5 for p in said)
    # "No. Osla Field: ..." quotes first the thing the answer is no for
    order = sorted(range(2), key=lambda k: said[k] >= 0.5) if compared.asks == "both" else [0, 1]
    for rank, k in enumerate(order):
        option, passage = compared.options[k], found[k][0]
        quote = " ".join(passage.quote.split()).rstrip(" .")
        lead = ("Yes. " if yes else "No. ") if rank == 0 else ""
        if not composer.say(option, [passage], given=compared.options, shown=f"{lead}{option}: “{quote}”"):
            return False
    composer.spans.append("yes" if yes else "no")
    return True


def _country_verdicts(compared: Comparison, found: list[list[Passage]]) -> list[float | None]:
    """What the countries decide, as P(yes): of each thing, for "both" (its passage names the
    country asked, or only others); of the pair, for "the same nationality" (their passages'
    countries meet or not). None where they do not decide."""
    named = [countries_said(passages[0].quote) for passages in found]
    if compared.asks == "same":
        if compared.by_country and all(named):
            return [1.0 if named[0] & named[1] else 0.0]
        return [None]
    asked = countries_said(compared.put_to("it"))
    return [None if not asked or not countries else float(bool(asked & countries)) for countries in named]


def _asked_words(compared: Comparison) -> tuple[list[str], list[str]]:
    """What "both" asks of each thing: the names its words hold ("located in Michigan"), and
    the words that describe (nouns, adjectives: "real estate", "opera composers")."""
    (doc,) = parse([compared.put_to("it")])
    asked = doc[2:]  # past "Is it"
    names = [t.text for t in asked if t.pos_ == "PROPN"]
    describing = [t.lemma_.lower() for t in asked if t.pos_ in {"NOUN", "ADJ"} and not t.is_stop]
    return names, describing


def _states(asked: tuple[list[str], list[str]], passages: list[Passage]) -> bool:
    """Whether a thing's passages say what "both" asks of it (`_asked_words`), in a close form:
    every name, and at least one describing word where there are any."""
    names, describing = asked
    said = " ".join(p.quote for p in passages)
    return all(has_form(said, n) for n in names) and (not describing or any(has_form(said, w) for w in describing))


def _yes_probability(question: str, passages: list[Passage], sources: Sources) -> float | None:
    try:
        scored = sources.llm.structured_scored(
            Verdict, _compare_messages("compare_yesno_user", _renumber(passages), question), max_tokens=MAX_VERDICT_TOKENS
        )
    except InvalidModelOutput as exc:
        log.info("no valid yes or no: %s", exc)
        return None
    p = scored.probability("answer")
    if p is None:
        p = 1.0  # an endpoint without log-probabilities: the answer as written
    return p if scored.value.answer == "yes" else 1.0 - p


def _compare_messages(template: str, shown: list[Passage], question: str, **options: str) -> list[dict]:
    return [
        {"role": "system", "content": load_prompt("compare_system")},
        {"role": "user", "content": load_prompt(template).format(passages=render_passages(shown, question), question=question, **options)},
    ]


# --- stance route -----------------------------------------------------------------------


def same_actor(a: str, b: str, words: Lexicon = DEFAULT_LEXICON) -> bool:
    from rapidfuzz import fuzz

    a, b = fold(a), fold(b)
    if not a or not b:
        return False
    if a == b or re.search(rf"\b{re.escape(a)}\b", b) or re.search(rf"\b{re.escape(b)}\b", a):
        return True
    # Transliterations ('al-Marran' and 'al-Merran'), on the naming words only: sharing
    # "government" makes no two governments the same.
    names_a = [w for w in a.split() if len(w) > 4 and w not in words.actor_nouns]
    names_b = [w for w in b.split() if len(w) > 4 and w not in words.actor_nouns]
    return any(fuzz.ratio(x, y) >= 80 or (min(len(x), len(y)) >= 6 and close(x, y)) for x in names_a for y in names_b)


class _Nodes:
    """Graph node names with the spellings the actors give them (`name` + `aliases`), and
    a group's with its leaders': the graph rolls a leader's stances up to what he leads,
    so "who backs <leader>" reads the group's edges."""

    def __init__(self, actors: list, words: Lexicon) -> None:
        self.words = words
        forms = {a.name: {a.name, *a.aliases} for a in actors}
        for actor in actors:
            for group in getattr(actor, "leads", None) or []:
                if group in forms:
                    forms[group] |= forms[actor.name]
        self.groups = list(forms.values())
        self._cache: dict[str, set[str]] = {}

    def forms(self, node: str) -> set[str]:
        if node not in self._cache:
            found = {node}
            for group in self.groups:
                if any(fold(f) == fold(node) for f in group):
                    found |= group
            self._cache[node] = found
        return self._cache[node]

    def matches(self, node: str, name: str) -> bool:
        return any(same_actor(form, name, self.words) for form in self.forms(node))

    def resolve(self, name: str, graph: list) -> set[str]:
        """The graph's actors that `name` names: those with a form spelled as it is; only when
        none is, those that are the same actor by `same_actor` (a transliteration, a fuller
        name). "Veloria" is the actor Veloria, not the "Velorian government" beside it."""
        actors = {e.holder for e in graph} | {e.target for e in graph}
        exact = {a for a in actors if any(fold(f) == fold(name) for f in self.forms(a))}
        return exact or {a for a in actors if self.matches(a, name)}


def _relations_asked(relation: str) -> set[str]:
    """The graph relations a question's relation covers: "oppose" takes in condemnation."""
    return {"opposes", "condemns"} if relation == "opposes" else {relation}


def answer_from_graph(q: Question, sources: Sources, composer: Composer) -> bool:
    query = q.stance
    assert query is not None
    stances = [r for r in sources.all_records() if isinstance(r, Stance)]
    if not stances:
        return False  # not extracted yet: the extractive route answers
    status_of = {s.evidence: s.status for s in stances}
    nodes = _Nodes(sources.all_actors(), sources.words)
    graph = sources.stance_graph()
    # The question's actors must be graph actors; otherwise the passages answer.
    resolved = {name: nodes.resolve(name, graph) for name in (*query.names, *query.among)}
    if not all(resolved.values()):
        return False
    family = _relations_asked(query.relation)
    asked_side = "target" if query.ask_for == "holders" else "holder"
    other_side = "holder" if asked_side == "target" else "target"
    # One row per answering actor, merged across edges whose names are the same actor.
    rows: dict[str, dict] = {}
    for edge in graph:
        if edge.relation not in family:
            continue
        asked = next((name for name in query.names if getattr(edge, asked_side) in resolved[name]), None)
        if asked is None:
            continue
        other = getattr(edge, other_side)
        if query.among and not any(other in resolved[name] for name in query.among):
            continue
        key = next((k for k in rows if same_actor(k, other, sources.words)), other)
        row = rows.setdefault(
            key, {"name": key, "relation": edge.relation, "asked": asked, "evidence": [], "statuses": set(), "forms": set(), "own": set()}
        )
        row["evidence"] += edge.evidence
        row["statuses"].add(edge.status)
        row["forms"] |= nodes.forms(getattr(edge, asked_side)) | nodes.forms(other)
        row["own"] |= nodes.forms(other)
    if not rows:
        return False
    said = 0
    ranked = sorted(rows.values(), key=lambda r: ("stated" not in r["statuses"], -_outlet_count(r["evidence"], sources), r["name"]))
    for row in ranked:
        statuses = row["statuses"]
        evidence = row["evidence"]
        if "stated" in statuses or "contested" in statuses:
            # A plain statement is cited from the articles that state it, not from a hedge.
            evidence = [e for e in evidence if status_of.get(e, "stated") == "stated"] or evidence
        # Per outlet, a passage that itself names both sides in the words the answer uses,
        # when the outlet has one: it then supports its sentence on its own.
        holder_name, target_name = (row["name"], row["asked"]) if query.ask_for == "holders" else (row["asked"], row["name"])
        evidence = sorted(evidence, key=lambda e: -_names_both(e.quote, holder_name, target_name))
        by_outlet: dict[str, Passage] = {}
        for e in evidence:
            article = sources.article(e.article)
            if article is not None:
                by_outlet.setdefault(outlet_of(article), sentence_at(article, e.start, e.end))
        if not by_outlet:
            continue
        count = len(by_outlet)
        sides = (nodes.forms(row["asked"]) | row["forms"] - row["own"], row["own"])
        cited = [_with_context(p, sides) for p in list(by_outlet.values())[:MAX_CITED_OUTLETS]]
        # Each cited quote names the answering actor itself, in any of its forms ("United
        # Nations" for "UN"): an edge whose sentence does not say it is no citation.
        cited = [p for p in cited if any(mentions(p.quote, form) for form in row["own"])]
        if not cited:
            continue
        # The answering actor in the words its cited passages use ("UN" where they say "UN"),
        # so each passage supports its sentence on its own; else its canonical name.
        name = _most_cited_form(row["name"], row["own"], cited)
        holder, target = (name, row["asked"]) if query.ask_for == "holders" else (row["asked"], name)
        verb = row["relation"]
        base = verb[:-1] if verb.endswith("s") else verb
        outlets = f"{count} outlet{'s' if count != 1 else ''}"
        if "stated" in statuses or "contested" in statuses:
            text = f"{holder} {verb} {target}"
            hedged = {outlet_of(a) for e in row["evidence"] if status_of.get(e) == "claimed" and (a := sources.article(e.article))} - set(by_outlet)
            more = f"; {len(hedged)} more as a claim" if hedged else ""
            note = f" ({outlets}{more}{'; also denied' if 'contested' in statuses or 'denied' in statuses else ''})"
        elif "denied" in statuses:
            text, note = f"{holder} was said to {base} {target}", f", which was denied ({outlets})"
        else:
            text, note = f"{holder} was said to {base} {target}", f" ({outlets})"
        # Both sides may be named another way in the quote (an alias), and the verb is the
        # grammar's reading of the quote: otherwise the check any passage answer passes.
        given = (*q.names, *row["forms"], verb, base)
        if composer.say(text, cited, given=given, note=note):
            said += 1
    return said > 0


def _with_context(passage: Passage, sides: tuple[set[str], ...]) -> Passage:
    """The passage, widened to the sentence before it when only that sentence names one side
    ("The X has support from A and B. There were also claims of support from C."), so that
    the citation alone supports what it is cited for."""
    def names(text: str, forms: set[str]) -> bool:
        return any((words := naming_words(f)) and all(has_word(text, w) for w in words) for f in forms)

    missing = [forms for forms in sides if not names(passage.quote, forms)]
    if not missing:
        return passage
    before = [span for span in split_sentences(passage.article.text) if span[1] <= passage.start]
    if before and all(names(passage.article.text[before[-1][0] : before[-1][1]], forms) for forms in missing):
        return Passage(passage.n, passage.article, before[-1][0], passage.end)
    return passage


def _most_cited_form(canonical: str, forms: set[str], passages: list[Passage]) -> str:
    def named_in(form: str) -> int:
        words = naming_words(form)
        return sum(bool(words) and all(has_word(p.quote, w) for w in words) for p in passages)

    def in_first(form: str) -> bool:  # the first citation is the one other sentences share most
        words = naming_words(form)
        return bool(words) and bool(passages) and all(has_word(passages[0].quote, w) for w in words)

    return min(forms | {canonical}, key=lambda f: (-named_in(f), not in_first(f), f != canonical, -len(f)))


def _names_both(quote: str, holder: str, target: str) -> int:
    return sum(any(has_word(quote, w) for w in naming_words(name)) for name in (holder, target))


def _outlet_count(evidence, sources: Sources) -> int:
    return len({outlet_of(a) for e in evidence if (a := sources.article(e.article)) is not None})


# --- date route -------------------------------------------------------------------------


def answer_from_dates(q: Question, sources: Sources, composer: Composer) -> bool:
    """The date the question asks about, from stored date records: the records whose sentence
    names the question's names and focus, scored by the question's words near the date."""
    dates = [
        r for r in sources.all_records()
        if isinstance(r, DateMention) and r.value and all(mentions(r.event, name) for name in q.names)
    ]
    learn_forms([r.event for r in dates])  # one parser batch for the events the loop reads
    scored: list[tuple[float, DateMention]] = []
    asked = [w for w in q.content if w not in {"date", "day", "year", "time", "month"}]
    for record in dates:
        event = record.event
        if q.focus and not has_form(event, q.focus):
            continue
        hits = [w for w in asked if has_form(event, w)]
        if asked and not hits:
            continue
        position = event.find(record.text)
        near = min((abs(position - m.start()) for w in hits for m in re.finditer(re.escape(w[:4]), event, re.IGNORECASE)), default=999)
        scored.append((len(hits) + 1.0 / (1 + near / 20), record))
    if not scored:
        return False
    # Articles agree on a day even when one writes the year and another cannot know it.
    groups: dict[str, dict[str, tuple[float, DateMention]]] = defaultdict(dict)
    for score, record in scored:
        key = record.value[-5:] if record.precision == "day" else record.value
        best = groups[key].get(record.evidence.article)
        if best is None or score > best[0]:
            groups[key][record.evidence.article] = (score, record)
    best_group = max(groups.values(), key=lambda g: (sum(s for s, _ in g.values()), len(g)))
    # Passages that write the date out ("January 12") first: "on Sunday" states the date only
    # together with the article's publication date, so alone it supports the answer less.
    chosen = sorted(best_group.values(), key=lambda item: (not re.search(r"\d", item[1].text), -item[0]))
    value = max((r.value for _, r in chosen), key=len)  # the fullest form: '2020-01-12' over '--01-12'
    by_outlet: dict[str, Passage] = {}
    for _, record in chosen:
        article = sources.article(record.evidence.article)
        if article is not None:
            by_outlet.setdefault(outlet_of(article), sentence_at(article, record.evidence.start, record.evidence.end))
    words_used = chosen[0][1].text
    count = len(by_outlet)
    return composer.say(
        # Each passage holds its own record's date words (by construction); what they must
        # share is the question's focus.
        q.focus or "", list(by_outlet.values())[:MAX_CITED_OUTLETS], shown=f"{value} (“{words_used}”)",
        note=f", reported by {count} outlet{'s' if count != 1 else ''}" if count > 1 else "",
    )


# --- count route ------------------------------------------------------------------------


def answer_count(q: Question, sources: Sources, composer: Composer) -> bool:
    """'How many articles (outlets) say X?': the articles with a sentence that names X's names
    and its content words, counted, with one citation per outlet (at most three)."""
    claim = count_claim(q.text)
    unit = "outlets" if q.counts in {"outlets", "newspapers", "papers", "sources"} else "articles"
    if q.stance is not None and _count_from_graph(q, claim, unit, sources, composer):
        return True
    cq = analyse(claim + "?", sources.words) if claim else q
    wanted = [w for w in cq.content if w not in {"article", "outlet", "source", "report", "say"}]
    if not cq.names and not wanted:
        return False
    found: dict[str, Passage] = {}
    for article in sources.store.articles():
        for start, end in split_sentences(article.text):
            text = article.text[start:end]
            if all(mentions(text, n) for n in cq.names) and all(has_word(text, w) for w in wanted) and not is_instruction(text):
                found.setdefault(article.id, Passage(0, article, start, end))
                break
    if not found:
        return False
    outlets: dict[str, Passage] = {}
    for passage in found.values():
        outlets.setdefault(outlet_of(passage.article), passage)
    count = len(outlets) if unit == "outlets" else len(found)
    shown = f"{count} {unit if count != 1 else unit[:-1]} {'say' if count != 1 else 'says'} so: {claim}"
    return composer.say(claim, list(outlets.values())[:MAX_CITED_OUTLETS], given=cq.names, shown=shown)


def _count_from_graph(q: Question, claim: str, unit: str, sources: Sources, composer: Composer) -> bool:
    """"How many outlets say X backs Y?": the outlets (or articles) behind the graph's edges from
    X to Y, counted, each stance as stated, claimed or denied; one citation per outlet (at most three)."""
    query = q.stance
    assert query is not None
    if not any(isinstance(r, Stance) for r in sources.all_records()):
        return False
    nodes = _Nodes(sources.all_actors(), sources.words)
    graph = sources.stance_graph()
    targets = set().union(*(nodes.resolve(n, graph) for n in query.names))
    holders = set().union(*(nodes.resolve(n, graph) for n in query.among))
    family = _relations_asked(query.relation)
    edges = [e for e in graph if e.relation in family and e.target in targets and e.holder in holders]
    if not edges:
        return False
    status_of = {s.evidence: s.status for s in sources.all_records() if isinstance(s, Stance)}
    found: dict[str, dict[str, Passage]] = {"stated": {}, "claimed": {}, "denied": {}}  # status -> outlet -> passage
    articles: dict[str, set[str]] = defaultdict(set)
    for edge in edges:
        forms = (nodes.forms(edge.holder), nodes.forms(edge.target))
        for e in edge.evidence:
            article = sources.article(e.article)
            if article is not None:
                status = status_of.get(e, "stated")
                articles[status].add(article.id)
                found[status].setdefault(outlet_of(article), _with_context(sentence_at(article, e.start, e.end), forms))
    # An outlet counts once, by what it says most firmly.
    found["claimed"] = {o: p for o, p in found["claimed"].items() if o not in found["stated"]}
    found["denied"] = {o: p for o, p in found["denied"].items() if o not in found["stated"] and o not in found["claimed"]}

    def counted(status: str) -> str:
        n = len(found[status]) if unit == "outlets" else len(articles[status])
        return f"{n} {unit if n != 1 else unit[:-1]}"

    firm = found["stated"] or found["claimed"]
    def verb(status: str, plural: str, singular: str) -> str:
        return singular if counted(status).startswith("1 ") else plural

    shown = (
        f"{counted('stated')} {verb('stated', 'say', 'says')} so: {claim}" if found["stated"]
        else f"{counted('claimed')} {verb('claimed', 'report', 'reports')} it as a claim: {claim}" if found["claimed"]
        else f"{counted('denied')} {verb('denied', 'report', 'reports')} it only as denied: {claim}"
    )
    others = [s for s in ("claimed", "denied") if found[s] and firm and found[s] is not firm]
    notes = [f"{counted(s)} {'as a claim' if s == 'claimed' else 'as denied'}" for s in others]
    passages = [*firm.values(), *found["denied"].values()] if firm else list(found["denied"].values())
    # The passages hold the stance records the graph was built from (the grammar's reading of
    # them), so the claim's own words need not recur: its names and numbers must.
    given = (*query.names, *query.among, *[f for e in edges for f in nodes.forms(e.holder) | nodes.forms(e.target)], *re.findall(r"\w+", claim))
    return composer.say(
        claim, passages[:MAX_CITED_OUTLETS], given=given, shown=shown, note=f" ({'; '.join(notes)})" if notes else "",
    )


# --- extractive route -------------------------------------------------------------------


def build_passages(store: Store, hits: list[Hit], question: str, llm: LLM | None, limit: int = 12) -> list[Passage]:
    """The sentences of the retrieved chunks most similar to the question, best first.

    Instructions to a reader or a model are left out (`safety`; `llm` judges what its rules
    cannot tell). Lexical overlap breaks ties the small embedding model blurs (names, numbers).
    """
    from agent.index.embeddings import embed_remembered

    found: list[tuple[str, Passage]] = []
    articles: dict[str, Article] = {}
    for hit in hits:
        article = articles.get(hit.chunk.article_id) or store.article(hit.chunk.article_id)
        if article is None:
            continue
        articles[article.id] = article
        for start, end in split_sentences(hit.chunk.text):
            sentence = hit.chunk.text[start:end]
            if len(tokens(sentence)) >= 3 and not _bare_title(sentence, article):
                found.append((sentence, Passage(0, article, hit.chunk.start + start, hit.chunk.start + end)))
    flags = are_instructions([sentence for sentence, _ in found], llm)
    candidates = [p for (_, p), instruction in zip(found, flags) if not instruction]
    if not candidates:
        return []
    vectors = embed_remembered([question] + [p.quote for p in candidates])
    scores = vectors[1:] @ vectors[0]
    asked = set(tokens(question))
    ranked = sorted(range(len(candidates)), key=lambda i: -(float(scores[i]) + 0.1 * len(asked & set(tokens(candidates[i].quote)))))
    return [replace(candidates[i], n=rank + 1) for rank, i in enumerate(ranked[:limit])]


def _bare_title(sentence: str, article: Article) -> bool:
    """The article's title line when it is a name and nothing more ("Kesh Sound (band)"): it
    says nothing a passage can answer with. A headline that says something stays."""
    return sentence.strip() == (article.title or "").strip() and is_bare_name(sentence)


def render_passages(passages: list[Passage], question: str = "") -> str:
    """Numbered passages; one that opens with a pronoun ("Its population...") is headed by its
    article's title, so the model knows what it is about. A long sentence is cut to the
    stretch of `MAX_SHOWN_WORDS` words that holds most of the question's words."""
    asked = set(tokens(question))
    lines = []
    for p in passages:
        head = f"({p.article.title}) " if p.article.title and _PRONOUN_START.match(p.quote) else ""
        lines.append(f"[{p.n}] {head}{_stretch(p.quote, asked)}")
    return "\n".join(lines)


def _stretch(text: str, asked: set[str]) -> str:
    words = text.split()
    if len(words) <= MAX_SHOWN_WORDS:
        return " ".join(words)
    hits = [i for i, w in enumerate(words) if asked & set(tokens(w))]
    densest = max(range(len(words) - MAX_SHOWN_WORDS + 1), key=lambda i: (sum(i <= h < i + MAX_SHOWN_WORDS for h in hits), -i))
    inside = [h for h in hits if densest <= h < densest + MAX_SHOWN_WORDS] or [densest]
    # Centred on those words: the answer is often just before or after them.
    middle = (inside[0] + inside[-1]) // 2
    start = min(max(0, middle - MAX_SHOWN_WORDS // 2), len(words) - MAX_SHOWN_WORDS)
    end = start + MAX_SHOWN_WORDS
    return ("… " if start else "") + " ".join(words[start:end]) + (" …" if end < len(words) else "")


def _names_found(passage: Passage | str, q: Question, names: tuple[str, ...] | None = None) -> int:
    """How many of the question's names the passage names, itself or through what it stands
    on: its article's title ("She directed..." under "Anouk Serra") or, for a sentence opening
    with a pronoun, the sentence before it."""
    names = q.names if names is None else names
    context = passage if isinstance(passage, str) else standing(passage)
    if (
        not isinstance(passage, str) and q.focus and q.expects != "yesno"
        and not _PRONOUN_START.match(passage.quote) and _refers_back(passage.quote, q.focus)
    ):
        # "The winning bidder at the auction was ...": the auction the paragraph just named.
        # Not for yes or no, whose sentence is the evidence quoted: it must name them itself.
        context += " " + _before(passage)
    return sum(1 for name in names if mentions(context, name))


def standing(passage: Passage) -> str:
    """The passage with what it stands on: its article's title and, for a sentence opening
    with a pronoun, the text before it."""
    context = passage.quote
    if passage.article.title:
        context += " " + passage.article.title
    if _PRONOUN_START.match(passage.quote):
        context += " " + _before(passage)
    return context


def _before(passage: Passage) -> str:
    """The text a sentence may point back to: up to 300 characters before it."""
    return passage.article.text[max(0, passage.start - 300) : passage.start]


def _refers_back(text: str, noun: str) -> bool:
    """`text` speaks of "the NOUN" (a word or two between): one already named before it."""
    return re.search(rf"\b(?:the|this|that)\s+(?:[\w-]+\s+){{0,2}}?{re.escape(noun)}(?:s|es)?\b", text, re.IGNORECASE) is not None


_PRONOUN_START = re.compile(r"^(?:she|he|it|they|its|her|his|their|the (?:city|town|village|novel|film|company|group))\b", re.IGNORECASE)


def _pick(q: Question, shown: list[Passage], llm: LLM, composer: Composer):
    """The model's choice of passage and span; the probability it gave the passage it chose is
    kept beside the answer (`Answer.confidence`)."""
    model = YesNoPick if q.expects == "yesno" else Pick
    try:
        scored = llm.structured_scored(
            model,
            [
                {"role": "system", "content": load_prompt("answer_system")},
                {"role": "user", "content": load_prompt("answer_user").format(passages=render_passages(shown, q.text), question=q.text)},
            ],
            max_tokens=MAX_ANSWER_TOKENS,
        )
    except InvalidModelOutput as exc:
        # Cut off or off the schema each time asked (a span too long for the answer's tokens):
        # no choice, as if the model had chosen none. A model that cannot be reached still fails.
        log.info("no valid passage choice: %s", exc)
        return model(passage=None, verdict="no") if model is YesNoPick else model(passage=None)
    if scored.value.passage is not None:
        composer.confidence.append(scored.probability("passage"))
    return scored.value


def _copied_from(pick, shown: list[Passage]) -> tuple[Passage | None, tuple[int, int] | None]:
    """The passage the span stands in verbatim: the one the model chose, else (a small model
    may number wrong) the first shown passage that holds it, the shown being best first."""
    if pick.passage is None:
        return None, None
    chosen = next((p for p in shown if p.n == pick.passage), None)
    if chosen is not None and (found := locate(pick.span, chosen.quote)):
        return chosen, found
    return next(((p, f) for p in shown if (f := locate(pick.span, p.quote))), (None, None))


def _renumber(passages: list[Passage]) -> list[Passage]:
    return [replace(p, n=i + 1) for i, p in enumerate(passages)]


@dataclass
class Retrieved:
    """The passages retrieved for a question, best first; how much of the question each covers
    (`verify.coverage`, read with what it stands on); and the passage the model chose, if any."""

    passages: list[Passage]
    covers: list[float]
    chosen: Passage | None = None

    @property
    def evidence(self) -> float:
        """How well the best passage covers the question: what refusal is decided on."""
        return max(self.covers, default=0.0)


def retrieve(q: Question, sources: Sources) -> Retrieved:
    passages = build_passages(sources.store, sources.retriever.search(q.text, sources.top_k), q.text, sources.llm)
    contexts = [standing(p) for p in passages]
    learn_forms(contexts + [p.quote for p in passages])  # one parser batch: what the checks below read
    return Retrieved(passages, [coverage(c, q) for c in contexts])


def answer_from_passages(q: Question, sources: Sources, composer: Composer) -> str | None:
    """The passages route: refused when the best passages cover too little of the question
    (the fitted threshold, `Sources.refuse_below`); else the model's verified span, else the
    closest passage, quoted."""
    if answer_through_bridge(q, sources, composer):
        return "passages"
    found = retrieve(q, sources)
    composer.evidence.append(found.evidence)
    if not found.passages or found.evidence < sources.refuse_below:
        return None
    if answer_extractive(q, sources, composer, found) or answer_of_kind(q, sources, composer, found):
        return "passages"
    return "floor" if answer_floor(q, composer, found, sources) else None


def answer_through_bridge(q: Question, sources: Sources, composer: Composer) -> bool:
    """A question through a bridge asked as two (`bridge_question`): "When did X open in the
    city where the Kesh Museum is located?" is "Where is the Kesh Museum located?", then, with
    its answer in the phrase's place, "When did X open in Halden?". Each is answered, verified
    and cited as a question of its own; the first must be answered with a name from a passage
    (a quoted passage is no bridge). Either fails and nothing of it is kept."""
    split = bridge_question(q.text)
    if split is None:
        return False
    asked, phrase = split
    mark = composer.mark()
    first = analyse(asked, sources.words)
    if bridge_question(first.text) is not None or answer_from_passages(first, sources, composer) != "passages" or not (bridge := _bridge_name(composer.spans[-1])):
        composer.rollback(mark)
        return False
    composer.sentences[-1] = f"{phrase[0].upper()}{phrase[1:]}: {composer.sentences[-1]}"
    then = analyse(q.text.replace(phrase, bridge), sources.words)
    if bridge_question(then.text) is not None or answer_from_passages(then, sources, composer) != "passages":
        # one bridge at a time: a wrong first answer under another question compounds
        composer.rollback(mark)
        return False
    return True


def _bridge_name(span: str) -> str | None:
    """What of an answer can stand in a question for the phrase it answers: a name, or a noun
    phrase opening with one, up to its head ("Tarsk Mills photo scandal involving Ida Lee" ->
    "Tarsk Mills photo scandal"); None for a clause or for words that name nothing."""
    if not span[:1].isupper() or is_clause(span):
        return None
    (doc,) = parse([span])
    head = next(iter(doc.sents)).root
    if head.pos_ not in {"NOUN", "PROPN"}:
        return None
    named = doc[: head.i + 1].text
    return named if len(named.split()) <= 8 else None


def answer_of_kind(q: Question, sources: Sources, composer: Composer, found: Retrieved) -> bool:
    """When the model chose a passage but its answer to "which KIND ...?" failed its checks:
    the one name the passages about the question say is of that kind ("German investment bank
    Deutsche Bank"), cited from the best covered of them. Two or more such names leave the
    choice to no one; a model that chose no passage said there is no answer."""
    if not q.kind or found.chosen is None or not _confident(composer, *least_confidence(q, sources)):
        return False
    ranked = sorted(zip(found.passages, found.covers), key=lambda pc: -pc[1])
    direct = [p for p, _ in ranked if _is_direct(p, q)]
    named: list[tuple[str, Passage, tuple[int, int]]] = []
    for passage in direct:
        for start, end in _kind_spans(passage, q):
            name = passage.quote[start:end]
            said = set(naming_words(name))
            if not any(said <= set(naming_words(other)) or set(naming_words(other)) <= said for other, _, _ in named):
                named.append((name, passage, (start, end)))
    if len(named) != 1:
        return False
    span, passage, _ = named[0]
    if another_one(passage.quote, q) or not composer.say(span, [passage], given=q.names):
        return False
    composer.spans.append(span)
    return True


def answer_floor(q: Question, composer: Composer, found: Retrieved, sources: Sources) -> bool:
    """The floor under a model answer that failed its checks: the passage the model chose,
    quoted and cited, when it is about the question (its names and focus, `about`), covers it
    as well as the refusal threshold asks, and holds an answer of the kind asked for
    (`offers`). A passage the model did not choose is no answer: quoting the closest passage
    to every question the model declines was right about a third of the time on the
    development questions."""
    passage = found.chosen
    if passage is None or not _confident(composer, sources.bridge_quote_above if q.hops else sources.quote_above):
        return False
    cover = next((c for p, c in zip(found.passages, found.covers) if (p.article.id, p.start) == (passage.article.id, passage.start)), None)
    if cover is None:
        cover = coverage(standing(passage), q)
    if cover < sources.refuse_below or not _is_direct(passage, q) or not offers(passage.quote, q) or restates(passage.quote, q.text):
        return False
    if counts_only_others(passage.quote, q):
        return False  # "one mobile network" quoted for "how many subscribers"
    if q.expects == "number" and sole_amount(passage.quote, q) is None:
        return False  # "$206bn ... with 46 states in 1998": several numbers, none marked as the one asked
    if another_one(passage.quote, q) or sets_aside(passage.quote, q):
        return False
    quote = " ".join(passage.quote.split()).rstrip(" .")
    return composer.say(quote, [passage], given=q.names, shown=f"{FLOOR}“{quote}”")


def _is_direct(passage: Passage, q: Question) -> bool:
    """About the question's focus and naming one of its names (when it has any)."""
    return about(passage.quote, q) and (not q.names or bool(_names_found(passage, q)))


def answer_extractive(q: Question, sources: Sources, composer: Composer, found: Retrieved) -> bool:
    passages = found.passages
    # The passages shown, best covered first (rank order within a tie), among those naming one
    # of the question's names: the focus noun is one word of the question, not a gate ("Greece
    # makes 115,000 tonnes" answers "How much feta does Greece produce?").
    cover = {id(p): c for p, c in zip(passages, found.covers)}
    ranked = sorted((p for p in passages if not q.names or _names_found(p, q)), key=lambda p: -cover[id(p)])
    if q.expects == "yesno" and q.names:
        # "Did X meet Y?" is answered by a passage that names both, whatever its verb.
        ranked = [p for p in ranked if _names_found(p, q) == len(q.names)]
    numeric = q.expects in {"number", "date"} or q.measure not in (None, "clause")
    if numeric:
        # A passage with no number (date, sum of money) cannot hold the answer: the model is
        # shown those that can, and none means no answer without a model call.
        ranked = [p for p in ranked if offers(p.quote, q)]
    if q.kind and not q.hops:
        # "Which bank ...?": passages that name a bank, as they say it, are shown first.
        ranked = sorted(ranked, key=lambda p: not _kind_spans(p, q))
    direct = [p for p in ranked if _is_direct(p, q)]
    links = [p for p in passages if q.names and _names_found(p, q) and p not in direct]
    # The passage that links the subject to the bridge shares the question's other words
    # ("born", "village"): those first; for a number, those that hold one ("the offer that X
    # turned down" is "a deal worth $8bn" that X rejected).
    links = sorted(links, key=lambda p: (-(numeric and offers(p.quote, q)), -sum(has_form(p.quote, w) for w in q.content)))[:2]
    bridged = _bridge_candidates(q, links, sources, exclude=direct + links) if q.hops and links else []
    if not direct and not bridged:
        return False  # nothing retrieved is about what was asked, even if it names the subject
    if bridged:  # the bridge's source goes beside its candidates
        shown = _renumber((direct[: MAX_PASSAGES - 1] + links[:1] + bridged)[: MAX_PASSAGES + 2])
    else:
        shown = _renumber(ranked[:MAX_PASSAGES])
    pick = _pick(q, shown, sources.llm, composer)
    found.chosen = next((p for p in shown if p.n == pick.passage), None)
    chosen, located = _copied_from(pick, shown)
    if q.asks_subject and not q.hops and found.chosen is not None and not _names_someone(q, chosen, located):
        # "Which group complained to X?" answered by a copy of "The Tarsk League has complained
        # to X": the subject of the chosen passage's clause is the answer, when it is a name.
        subject = named_subject(found.chosen, q)
        if subject is not None:
            chosen, located = found.chosen, subject
    if q.asks_an_argument and chosen is not None and chosen is found.chosen and located is not None and q.expects in {"name", "place", "any"} and q.measure is None:
        # "X starred which actress?" answered by a copy of "It stars Ann Lee as a judge": the
        # model found the passage but not the answer in it; the name at the question's verb is.
        # (The question is read first: most ask no role at a verb, and the span goes unparsed.)
        span = chosen.quote[located[0] : located[1]]
        if (_whole(span, chosen) or is_clause(span)) and (argument := named_argument(chosen, q)):
            located = argument
    if q.kind and found.chosen is not None:
        # "Which bank ...?" answered with words around the name, or with the whole passage:
        # the name the chosen passage says is a bank is the answer.
        named = _kind_answer(found.chosen, q, located if chosen is found.chosen else None)
        if named is not None:
            chosen, located = found.chosen, named
    if found.chosen is not None and (q.expects == "number" or q.measure not in (None, "clause")):
        # "How much ...?" answered with words, or with a number of another kind: the one amount
        # of the kind asked for in the passage the model chose is the answer.
        span = chosen.quote[located[0] : located[1]] if chosen is not None and located is not None else ""
        if not (span and fits(span, q.expects) and of_kind(span, q) and not is_clause(span)) and (amount := sole_amount(found.chosen.quote, q)):
            chosen, located = found.chosen, amount
    if found.chosen is not None and q.expects == "date":
        # "... since what year?" answered with the whole sentence: the date in it the question asks.
        span = chosen.quote[located[0] : located[1]] if chosen is not None and located is not None else ""
        if not (span and fits(span, "date") and len(span.split()) < _LONG_DATE) and (dated := asked_date(found.chosen, q)):
            chosen, located = found.chosen, dated
    if chosen is None or located is None:
        return False  # not copied from a passage: not an answer
    found.chosen = chosen
    if another_one(chosen.quote, q):
        return False  # "the European elections" for "the general election": another one
    span = chosen.quote[located[0] : located[1]]
    link = None
    if q.names and not _names_found(chosen, q):
        # The passage answers through a bridge: another shown passage names the subject
        # and a name this one carries.
        link = next((p for p in shown if p is not chosen and _names_found(p, q) and _shares_name(p.quote, _context(chosen), q)), None)
        if link is None:
            return False
    if q.expects != "yesno" and not fits(span, q.expects):
        return _second_hop(q, sources, composer, chosen, span) if q.hops and _is_name(span) else False
    if not of_kind(span, q):
        return False  # "4,000 bottles" for a price: the floor may still quote a passage that has one
    if q.kind and is_clause(span):
        return False  # "Which former minister ...?" is answered by a name or a noun phrase, not a clause
    if q.expects in {"name", "place"} and " or " not in q.text and not names_beyond(span, q) and not pronoun_subject(span, chosen):
        return False  # someone the question already names; "who is older, X or Y?" names its answer
    if q.expects == "any" and q.measure is None and _whole(span, chosen):
        return False  # the passage copied whole: the model found no answer in it
    if q.expects == "number" and is_clause(span):
        return False  # a sentence with numbers in it, none of them the one amount asked for
    if q.expects in {"name", "place"} and q.predicate and _whole(span, chosen) and not has_form(chosen.quote, q.predicate):
        return False  # "Who produced X?" answered by a copy of a passage that says nothing of producing
    if q.expects != "yesno" and " or " not in q.text and restates(span, q.text):
        return False  # "What genre is the author of X?" is not answered by "X"
    if sets_aside(_sentence_holding(chosen, located), q):
        return False  # the driver "besides the Force India driver born in 1990" is another one
    if not _confident(composer, *least_confidence(q, sources)):
        return False
    return _write(q, sources, composer, span, chosen, link, pick)


_LONG_DATE = 8  # words: a date as written is shorter ("Monday, 3 May 1956"); a longer span copied a sentence


def asked_date(passage: Passage, q: Question) -> tuple[int, int] | None:
    """Where the passage states the date the question asks for: the one date it states that
    the question does not; of several, the one that dates a word of the question's ("born
    8 June 1951" for "When was X born?"), or else the one after the question's own
    preposition where the passage says the question's verb ("since 2000" for "... has worked
    in France since what year?", not "born 3 May 1956"). None when it states none, or
    several that nothing tells apart."""
    article = Article(id=passage.article.id, path="", content_hash="", text=passage.quote)
    given = numbers(q.text)
    dated = [m for m in find_date_mentions(article) if m.value and numbers(m.text) - given]
    if len(dated) > 1:
        (doc,) = parse([passage.quote])
        of_asked_word = [m for m in dated if _dated_word(doc, m.evidence.start, m.evidence.end) in q.content]
        if of_asked_word:
            dated = of_asked_word
        elif (asked := _asked_preposition(q.text)) is not None:
            preposition, verb = asked
            dated = [m for m in dated if m.text.split()[0].lower() == preposition and has_form(passage.quote, verb)]
    return (dated[0].evidence.start, dated[0].evidence.end) if len(dated) == 1 else None


def _asked_preposition(question: str) -> tuple[str, str] | None:
    """The preposition before the question's wh-word and the verb it hangs from ("since" and
    "work" in "... has worked in Dunmar since what year?")."""
    (doc,) = parse([question])
    wh = next((t for t in doc if t.lower_ in {"what", "which"} and t.i > 0), None)
    before = doc[wh.i - 1] if wh is not None else None
    if before is None or before.pos_ not in {"ADP", "SCONJ"} or before.head.pos_ not in {"VERB", "AUX"}:
        return None
    return before.lower_, before.head.lemma_.lower()


def _dated_word(doc, start: int, end: int) -> str | None:
    """The lemma of the verb or noun a date expression at `start:end` hangs from."""
    inside = [t for t in doc if start <= t.idx < end]
    if not inside:
        return None
    head = next((t for t in inside if not start <= t.head.idx < end or t.head is t), inside[0]).head
    while head.pos_ not in {"VERB", "NOUN", "AUX"} and head.head is not head:
        head = head.head
    return head.lemma_.lower()


def _kind_spans(passage: Passage, q: Question) -> list[tuple[int, int]]:
    """The names of the kind asked for ("which bank") that the passage gives and the question does not."""
    if not q.kind or q.hops:
        return []  # through a bridge: the first passage's names of the kind are the bridge ("the county in which X is")
    return kind_spans(passage.quote, q)


def _kind_answer(passage: Passage, q: Question, located: tuple[int, int] | None) -> tuple[int, int] | None:
    """Where `passage` names what "which KIND" asks for, when the model's span (`located`)
    does not hold it: the one such name, or for "which KINDs" the list they stand in
    ("Paramount, Universal and Warner"); None when the span holds one, when the model copied
    the passage whole (it found no answer there), or when the passage names several of a
    kind asked for once."""
    spans = _kind_spans(passage, q)
    if not spans:
        return None
    if located is not None and (
        _whole(passage.quote[located[0] : located[1]], passage) or any(located[0] <= a and b <= located[1] for a, b in spans)
    ):
        return None
    if not q.asks_many:
        return spans[0] if len(spans) == 1 else None
    listed = spans[:1]
    for start, end in spans[1:]:
        if not _LIST_JOIN.fullmatch(passage.quote[listed[-1][1] : start]):
            break
        listed.append((start, end))
    return listed[0][0], listed[-1][1]


_LIST_JOIN = re.compile(r"\s*(?:,|and|&|, and)\s*")


def _names_someone(q: Question, passage: Passage | None, located: tuple[int, int] | None) -> bool:
    """The model's span stands in a passage, is not that passage copied whole, and names
    someone the question does not."""
    if passage is None or located is None:
        return False
    span = passage.quote[located[0] : located[1]]
    return not _whole(span, passage) and names_beyond(span, q)


def named_subject(passage: Passage, q: Question) -> tuple[int, int] | None:
    """Where the subject of the passage's main verb stands, when it is a name the question
    does not give (its head a proper noun: "Germany and France", "The Tarsk League", "Tory MP
    Ann Lee"), cut before an aside ("Tarsk Holdings, the company which ...")."""
    (doc,) = parse([passage.quote])
    root = next(iter(doc.sents)).root
    subject = next((t for t in root.children if t.dep_ == "nsubj"), None) if root.pos_ in {"VERB", "AUX"} else None
    if subject is None or subject.pos_ != "PROPN":
        return None
    return _name_phrase(passage, subject, q)


def named_argument(passage: Passage, q: Question) -> tuple[int, int] | None:
    """Where the passage names the one in the question's role at the question's own verb: the
    object of "star" in "It stars Ann Lee as a judge" for "X starred which actress?", the
    subject of "found" for "Who founded X?" (`Question.predicate`, `asks_subject`,
    `asks_object`); a name the question does not give, cut before an aside. None when the
    passage does not say the verb, or says it of no name."""
    if not q.asks_an_argument:
        return None
    roles = {"nsubj"} if q.asks_subject else {"dobj", "nsubjpass"}
    (doc,) = parse([passage.quote])
    for verb in doc:
        if verb.pos_ == "VERB" and verb.lemma_.lower() == q.predicate:
            argument = next((c for c in verb.children if c.dep_ in roles), None)
            if argument is not None and _is_named(argument) and (found := _name_phrase(passage, argument, q)):
                return found
    return None


def _is_named(token) -> bool:
    """A proper noun, or a word the tagger misread standing after one ("Sandra Oh": "Oh" read as
    an interjection)."""
    return token.pos_ == "PROPN" or (token.text[:1].isupper() and any(c.dep_ == "compound" and c.pos_ == "PROPN" for c in token.children))


def _phrase_after(token, head) -> bool:
    """`token` opens a phrase after the name `head` that is no part of it: "as a judge" after
    "Ann Lee"; not "of Kesh" in "Bank of Kesh"."""
    return token.dep_ == "prep" and token.head is head and not any(c.pos_ == "PROPN" for c in token.children)


def _name_phrase(passage: Passage, head, q: Question) -> tuple[int, int] | None:
    """Where the name `head` stands, with the words before it in its phrase ("Tory MP Ann
    Lee"), cut before an aside or a phrase after it ("Ann Lee, who ...", "Ann Lee as a
    judge"); None when it is a name the question gives."""
    words = list(head.subtree)
    aside = next((k for k, t in enumerate(words) if t.i > head.i and (t.is_punct or t.dep_ in {"appos", "relcl", "acl"} or _phrase_after(t, head))), len(words))
    start, end = words[0].idx, words[aside - 1].idx + len(words[aside - 1].text)
    return (start, end) if names_beyond(passage.quote[start:end], q) else None


def least_confidence(q: Question, sources: Sources) -> tuple[float, float]:
    """The least probability of the model's passage choice, and the least coverage of the
    question by the passages retrieved, that answer `q`, fitted together: the probability
    alone means something different on each source. A question answered through a bridge
    has its own pair, fitted apart (the model's bridge answers are wrong far more often)."""
    if q.hops:
        return sources.bridge_confident_above, sources.bridge_covered_above
    return sources.confident_above, sources.covered_above


def _confident(composer: Composer, least: float, least_coverage: float = 0.0) -> bool:
    """Whether the model's last choice of passage is at least `least` probable, and the
    retrievals cover at least `least_coverage` of the question (thresholds fitted on
    development questions); a choice read without probabilities (an endpoint that gives
    none) is taken as it is."""
    probability = composer.confidence[-1] if composer.confidence else None
    covered = max(composer.evidence) if composer.evidence else None  # as `Answer.coverage` reports it, the fit's input
    return (probability is None or probability >= least) and (covered is None or covered >= least_coverage)


def _whole(span: str, passage: Passage) -> bool:
    """A span of ten words or more that is most of its passage: a copy, not an answer."""
    return len(span.split()) >= 10 and len(span) >= 0.6 * len(passage.quote)


def _write(q: Question, sources: Sources, composer: Composer, span: str, chosen: Passage, link: Passage | None, pick) -> bool:
    if q.expects == "yesno":
        negated = bool(_NEGATION.search(span))
        if pick.verdict == "no" and not negated:
            return False  # a "no" must rest on words that say no
        verdict = "No" if negated else "Yes"
        # The whole sentence is the evidence a reader wants; the span only located it.
        said = " ".join(chosen.quote.split()) if len(chosen.quote) <= 300 else span
        return composer.say(f"{verdict}: “{said.rstrip('.')}”", [chosen], given=q.names)
    if link is not None:
        bridge = next((n for n in _capitalised_runs(_context(chosen)) if has_word(link.quote, n.split()[-1])), None)
        if bridge:
            composer.say(bridge, [link], given=q.names)
    if q.expects == "name" and (aside := _ASIDE.match(span)) and _is_name(aside.group(1)):
        span = aside.group(1)  # "Lee, who was the first president of X": the name is the answer
    if q.expects != "yesno" and _is_name(span):
        span = _with_containing_place(span, chosen)
    text = span[0].upper() + span[1:] if span[0].islower() and not q.expects == "number" else span
    shown = with_resolved_dates(text, chosen, sources.all_records())
    subject = pronoun_subject(span, chosen)
    if q.expects == "name" and subject and not any(mentions(subject, n) for n in q.names):
        # "Who founded X?" answered by "She ... founded X" under the title "Ida Brenholt".
        said = composer.say(text, [chosen], given=(*q.names, subject), shown=f"{subject}: “{shown}”")
    elif q.expects == "name" and (full := _full_name(span, chosen)) and not any(mentions(full[0], n) for n in q.names):
        # "Brenholt, who founded X": the full name its article gives, cited where it does
        name, named_in = full
        said = composer.say(text, [chosen] + [named_in] * (named_in is not None), given=(*q.names, name), shown=name)
    else:
        said = composer.say(text, [chosen], given=q.names, shown=shown)
    if said:
        composer.spans.append(span)
    return said


_ASIDE = re.compile(r"^([^,]+?),\s+(?:who|whom|whose|which)\b")
# ", New York City" after a place, closing its phrase: not a list going on (", Rome and Oslo").
_CONTAINING = re.compile(r",\s+([A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,3})(?=\s*(?:[.;:)]|,\s+[^A-Z\s]|$))")
_PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})


def _with_containing_place(span: str, passage: Passage) -> str:
    """A place with the place the passage says holds it, as it writes them: "Greenwich Village"
    in "... based in Greenwich Village, New York City." is "Greenwich Village, New York City".
    Only a place the parser reads as one; a person with a town after the name stays a person."""
    at = locate(span, passage.quote)
    found = _CONTAINING.match(passage.quote, at[1]) if at is not None else None
    if found is None or not (is_place_name(found.group(1)) or is_country_name(found.group(1))):
        return span
    (doc,) = parse([passage.quote])
    if not any(e.label_ in _PLACE_LABELS and e.start_char <= at[0] and at[1] <= e.end_char for e in doc.ents):
        return span
    return passage.quote[at[0] : found.end(1)]


def _full_name(span: str, passage: Passage) -> tuple[str, Passage | None] | None:
    """The full name of the one a span names by a surname alone: its article's title when
    that is the name (an encyclopedia entry: "Hall" under "G. Stanley Hall"), else the
    article's first mention of a name ending in it ("... G. Stanley Hall's book. Hall, who
    ..."), with the sentence that mentions it; None otherwise."""
    if len(span.split()) != 1 or not span[:1].isupper():
        return None
    title = (passage.article.title or "").strip()
    said = title.split()
    if 2 <= len(said) <= 4 and said[-1] == span and all(w[:1].isupper() for w in said):
        return title, None
    text = passage.article.text
    for match in re.finditer(rf"((?:[A-Z][\w'’-]*\.?\s+){{1,3}}){re.escape(span)}\b", text):
        name = f"{match.group(1)}{span}"
        words = name.split()
        if not content_words(words[0]) or words[0].lower() in data.titles():
            continue  # "The Hall", "Mr Hall"
        sentence = sentence_at(passage.article, match.start(), match.end())
        (doc,) = parse([sentence.quote])
        start = match.start() - sentence.start
        if all(t.pos_ == "PROPN" for t in doc if start <= t.idx < start + len(match.group(1)) and not t.is_punct):
            return name, sentence  # not "Yesterday Hall said"
    return None


def pronoun_subject(span: str, passage: Passage) -> str | None:
    """Whom a span opening with a personal pronoun is about, when its article's title is a
    name (an encyclopedia entry: "She was born ..." under "Ida Brenholt"); else None."""
    title = (passage.article.title or "").strip()
    if not re.match(r"^(?:she|he|they)\b", span, re.IGNORECASE) or not passage.quote.startswith(span[:3]):
        return None
    if not title or len(title.split()) > 4 or not all(w[:1].isupper() for w in title.split()):
        return None
    return title


def _second_hop(q: Question, sources: Sources, composer: Composer, first: Passage, bridge: str) -> bool:
    """The first passage named a bridge (a person, a place, a work): find what the question
    asks about it, in passages that name it."""
    passages = build_passages(sources.store, sources.retriever.search(f"{q.text} {bridge}", sources.top_k), f"{q.text} {bridge}", sources.llm)
    later = [p for p in passages if _names_found(p, q, (bridge,)) and (p.article.id, p.start) != (first.article.id, first.start)]
    if not later:
        return False
    shown = _renumber([first] + later[: MAX_PASSAGES - 1])
    pick = _pick(q, shown, sources.llm, composer)
    chosen, found = _copied_from(pick, shown)
    if chosen is None or found is None or chosen.n == 1:
        return False
    span = chosen.quote[found[0] : found[1]]
    if q.expects == "date" and len(span.split()) >= _LONG_DATE and (dated := asked_date(chosen, q)):
        span = chosen.quote[dated[0] : dated[1]]
    if not fits(span, q.expects) or not _names_found(chosen, q, (bridge,)) or sets_aside(_sentence_holding(chosen, found), q):
        return False
    if not _confident(composer, *least_confidence(q, sources)):
        return False
    composer.say(bridge, [shown[0]], given=q.names)
    return composer.say(span, [chosen], given=(*q.names, bridge), shown=with_resolved_dates(span, chosen, sources.all_records()))


def _bridge_candidates(q: Question, links: list[Passage], sources: Sources, exclude: list[Passage]) -> list[Passage]:
    """Passages about the question's focus that name something the subject's passages name."""
    if not q.focus:
        return []
    seen = {(p.article.id, p.start) for p in exclude}
    out: list[Passage] = []
    for bridge in [n for p in links for n in _capitalised_runs(p.quote) if not any(mentions(n, name) for name in q.names)][:4]:
        query = f"{q.focus} {bridge}"
        for p in build_passages(sources.store, sources.retriever.search(query, 6), query, sources.llm, limit=10):
            if (p.article.id, p.start) not in seen and about(p.quote, q) and _names_found(p, q, (bridge,)):
                seen.add((p.article.id, p.start))
                out.append(p)
    return out[:3]


def _capitalised_runs(text: str) -> list[str]:
    """Runs of capitalised words after a sentence's first word: candidate bridge names."""
    runs = re.findall(r"(?<![.!?]\s)(?<!^)\b([A-Z][\w’'-]+(?:\s+(?:of\s+|de\s+|the\s+)?[A-Z][\w’'-]+)*)", text)
    return list(dict.fromkeys(r for r in runs if r.lower() not in {"the", "a", "an", "in", "on"}))


def _is_name(span: str) -> bool:
    return bool(span) and len(span.split()) <= 6 and all(w[0].isupper() or w.lower() in {"of", "de", "the", "al", "el"} for w in span.split())


def _shares_name(a: str, b: str, q: Question) -> bool:
    return any(has_word(a, name.split()[-1]) for name in _capitalised_runs(b) if not any(mentions(name, n) for n in q.names))


def with_resolved_dates(text: str, passage: Passage, records: list[Record]) -> str:
    """'on Monday' -> 'on Monday (2020-01-06)' when a stored date record inside the passage
    resolved it against the article's publication date; an unresolved date stays as written."""
    for record in records:
        if not isinstance(record, DateMention) or not record.value or record.anchor is None:
            continue
        span = record.evidence
        if span.article != passage.article.id or not (passage.start <= span.start and span.end <= passage.end):
            continue
        core = re.sub(r"^(on|in|since|from|late|early|last|this|next)\s+", "", record.text, flags=re.IGNORECASE)
        match = re.search(rf"\b{re.escape(core)}\b", text, re.IGNORECASE)
        if match and record.value not in text:
            text = f"{text[: match.end()]} ({record.value}){text[match.end():]}"
    return text


def _context(passage: Passage) -> str:
    """A passage with its article's title: what a sentence like "Its population..." is about."""
    return f"{passage.quote} ({passage.article.title})" if passage.article.title else passage.quote

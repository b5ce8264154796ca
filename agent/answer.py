"""ask: retrieve passages, have the model write cited sentences, check every citation, or refuse.

The model only proposes. What is shown is decided here, deterministically:
a citation stands only if its quote is verbatim at its span in the stored
article and shares the sentence's names and content words; a sentence with no
standing citation is dropped; an answer with no sentence left is a refusal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from pydantic import BaseModel, Field

from agent.chunking import split_sentences
from agent.consolidate import fold
from agent.dates import find_date_mentions
from agent.embeddings import embed
from agent.errors import DossierError
from agent.frames import CONDEMN_VERBS, GENERIC_ACTOR_NOUNS, OPPOSE_VERBS, SUPPORT_VERBS, SentenceFrames
from agent.llm import LLM
from agent.models import Answer, Article, Citation
from agent.nlp import parse
from agent.prompts import load as load_prompt
from agent.retrieval import Hit, Retriever, tokens
from agent.safety import looks_like_instruction
from agent.store import Store

REFUSAL = "The articles do not say."
MAX_QUESTION_CHARS = 1000
MAX_PASSAGES = 6
_QUESTION_WORDS = frozenset(
    "who whom whose what when where which why how did does do is are was were has have can could "
    "will would should tell list name give".split()
)


class CitedSentence(BaseModel):
    text: str = Field(description="One sentence of the answer, without citation markers.")
    sources: list[int] = Field(description="Numbers of the passages that state this sentence.")


class AnswerDraft(BaseModel):
    """The answer, as sentences with their sources; empty when the passages do not answer."""

    sentences: list[CitedSentence] = Field(default_factory=list, max_length=6)


@dataclass(frozen=True)
class Passage:
    n: int
    article: Article
    start: int
    end: int

    @property
    def quote(self) -> str:
        return self.article.text[self.start : self.end]


def check_question(question: str) -> str:
    question = " ".join(question.split())
    if not question:
        raise DossierError("the question is empty: ask something, e.g. ask \"Who supports whom?\"")
    if len(question) > MAX_QUESTION_CHARS:
        raise DossierError(f"the question is {len(question)} characters; keep it under {MAX_QUESTION_CHARS}")
    if not re.search(r"\w", question):
        raise DossierError(f"the question {question!r} has no words in it")
    return question


def names_in(text: str, question: bool = False) -> list[str]:
    """Capitalised words and acronyms: the proper names a sentence or question rests on.

    A question's first word is capitalised in any language, so there it counts only as an
    acronym ("UN"); a sentence's first word counts unless it is a common opener ("The").
    """
    names = []
    first = True
    for match in re.finditer(r"[^\W\d_]\w*", text):
        word = match.group()
        is_first, first = first, False
        if not word[0].isupper() or word.lower() in _QUESTION_WORDS or len(word) < 2:
            continue
        if is_first and not word.isupper() and (question or word.lower() in _COMMON_STARTS):
            continue
        names.append(word)
    return names


_COMMON_STARTS = frozenset(
    "the a an in on at after before since while but and yes no this that these those its it they "
    "both all some many".split()
)


def _stem(name: str) -> str:
    # 'Turkish' should find 'Turkey', 'Russian' 'Russia': compare on a prefix.
    return name[: max(4, len(name) - 3)].lower() if len(name) > 4 else name.lower()


def _mentions(text: str, name: str) -> bool:
    return re.search(rf"\b{re.escape(_stem(name))}", text, re.IGNORECASE) is not None


def build_passages(store: Store, hits: list[Hit], question: str, limit: int = MAX_PASSAGES) -> list[Passage]:
    """The sentences of the retrieved chunks most similar to the question, best first.

    Sentences, not whole chunks: a small model reads six short passages faster and
    cites them more precisely. Instruction-like sentences are left out (see `safety`).
    """
    candidates: list[Passage] = []
    articles: dict[str, Article] = {}
    for hit in hits:
        article = articles.get(hit.chunk.article_id) or store.article(hit.chunk.article_id)
        if article is None:
            continue
        articles[article.id] = article
        for start, end in split_sentences(hit.chunk.text):
            sentence = hit.chunk.text[start:end]
            if looks_like_instruction(sentence) or len(tokens(sentence)) < 3:
                continue
            candidates.append(Passage(0, article, hit.chunk.start + start, hit.chunk.start + end))
    if not candidates:
        return []
    vectors = embed([question] + [p.quote for p in candidates])
    scores = vectors[1:] @ vectors[0]
    # Lexical overlap breaks ties the small embedding model blurs (names, numbers).
    asked = set(tokens(question))
    ranked = sorted(
        range(len(candidates)),
        key=lambda i: -(float(scores[i]) + 0.1 * len(asked & set(tokens(candidates[i].quote)))),
    )
    return [replace(candidates[i], n=rank + 1) for rank, i in enumerate(ranked[:limit])]


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


@dataclass(frozen=True)
class StanceQuery:
    """'Who backs X?' asks for holders; 'Whom does X back?' for targets."""

    relation: str
    ask_for: str  # "holders" | "targets"
    names: tuple[str, ...]


_WH = {"who", "whom", "which", "what"}


def stance_query(question: str) -> StanceQuery | None:
    """Read a who-supports-whom question off its grammar, or None for any other question."""
    words = re.findall(r"\w+", question.lower())
    if not any(word in _WH for word in words) or any(word in _ABOUT_SPEECH for word in words):
        return None  # "What did X say about support for Y?" asks about words, not sides
    (doc,) = parse([question])
    sentence = SentenceFrames(doc[:], 0)
    for frame in sentence.frames():
        if frame.relation == "calls_for":
            continue
        if frame.targets and not frame.holders:
            return StanceQuery(frame.relation, "holders", tuple(m.text for m in frame.targets))
        if frame.holders and not frame.targets:
            return StanceQuery(frame.relation, "targets", tuple(m.text for m in frame.holders))
    # The small parser can miss the verb of a short question ("Which countries back X?"
    # tags "back" as an adverb): a cue word followed by names still asks who does it.
    for token in doc:
        relation = _CUES.get(re.sub(r"(ing|ed|es|s)$", "", token.lower_)) or _CUES.get(token.lower_)
        if relation:
            names = tuple(dict.fromkeys(m.text for m in sentence.mentions.values() if m.start > token.idx))
            if names:
                return StanceQuery(relation, "holders", names)
    return None


_ABOUT_SPEECH = {"say", "said", "says", "tell", "told", "think", "thought", "announce", "announced", "claim", "claimed", "why", "how", "when", "where"}
_CUES = {word: "supports" for word in SUPPORT_VERBS} | {word: "opposes" for word in OPPOSE_VERBS} | {
    word: "condemns" for word in CONDEMN_VERBS
}


def _same_actor(a: str, b: str) -> bool:
    from rapidfuzz import fuzz

    a, b = fold(a), fold(b)
    if not a or not b:
        return False
    if a == b or re.search(rf"\b{re.escape(a)}\b", b) or re.search(rf"\b{re.escape(b)}\b", a):
        return True
    # Transliterations ('al-Sarraj' and 'al-Serraj'), on the naming words only: sharing
    # "government" makes no two governments the same.
    names_a = [w for w in a.split() if len(w) > 4 and w not in GENERIC_ACTOR_NOUNS]
    names_b = [w for w in b.split() if len(w) > 4 and w not in GENERIC_ACTOR_NOUNS]
    return any(fuzz.ratio(x, y) >= 80 for x in names_a for y in names_b)


def answer_from_stances(query: StanceQuery, passages: list[Passage]) -> AnswerDraft:
    """Compose the answer from the stances read off the passages: one cited sentence per
    passage that states one, hedged or denied ones said to be so."""
    family = {"supports"} if query.relation == "supports" else {"opposes", "condemns"}
    docs = parse(p.quote for p in passages)
    sentences: list[CitedSentence] = []
    seen: set[str] = set()
    for passage, doc in zip(passages, docs):
        for frame in SentenceFrames(doc[:], 0).frames():
            if frame.relation not in family or not frame.holders or not frame.targets:
                continue
            asked, other = (frame.targets, frame.holders) if query.ask_for == "holders" else (frame.holders, frame.targets)
            if not any(_same_actor(m.text, name) for m in asked for name in query.names):
                continue
            holders = _join(list(dict.fromkeys(m.text for m in frame.holders)))
            targets = _join(list(dict.fromkeys(m.text for m in frame.targets)))
            verb = frame.relation if len(frame.holders) == 1 else frame.relation[:-1]
            text = f"{holders} {verb} {targets}."
            if frame.status != "stated":
                text = f"It is {frame.status} that {holders} {frame.relation} {targets}."
            if text not in seen:
                seen.add(text)
                sentences.append(CitedSentence(text=text, sources=[passage.n]))
    return AnswerDraft(sentences=sentences[:5])


def render_passages(passages: list[Passage]) -> str:
    lines = []
    for p in passages:
        when = p.article.published.isoformat() if p.article.published else "undated"
        lines.append(f"[{p.n}] ({p.article.outlet or p.article.id}, {when}) {p.quote}")
    return "\n".join(lines)


def supports(sentence: str, quote: str) -> bool:
    """A cited passage must carry the sentence's names and share its content words."""
    names = names_in(sentence)
    if any(not _mentions(quote, name) for name in names):
        return False
    sentence_words = {_stem(w) for w in tokens(sentence)}
    quote_words = {_stem(w) for w in tokens(quote)}
    return len(sentence_words & quote_words) >= min(2, len(sentence_words))


def ask(question: str, store: Store, retriever: Retriever, llm: LLM, top_k: int = 6) -> Answer:
    question = check_question(question)
    refusal = Answer(question=question, answer=REFUSAL, refused=True)

    # A name the corpus never mentions cannot be answered from it: refuse without a model call.
    missing = [name for name in names_in(question, question=True) if not retriever.mentions(_stem(name))]
    if missing:
        return refusal.model_copy(update={"answer": f"The articles do not mention {', '.join(missing)}."})

    query = stance_query(question)
    if query is not None:
        # Stance questions are answered from the stance graph read off a wider set of
        # passages: grammar gets the direction right where a small model does not.
        passages = build_passages(store, retriever.search(question, 3 * top_k), question, limit=40)
        draft = answer_from_stances(query, passages)
        if draft.sentences:
            return check_citations(question, draft, passages, store)
    passages = build_passages(store, retriever.search(question, top_k), question)
    if not passages:
        return refusal
    draft = llm.structured(
        AnswerDraft,
        [
            {"role": "system", "content": load_prompt("answer_system")},
            {
                "role": "user",
                "content": load_prompt("answer_user").format(
                    passages=render_passages(passages),
                    question=question,
                ),
            },
        ],
        max_tokens=256,
    )
    return check_citations(question, draft, passages, store)


def check_citations(question: str, draft: AnswerDraft, passages: list[Passage], store: Store) -> Answer:
    """Keep each sentence with the citations that verify and support it; renumber in reading order."""
    by_n = {p.n: p for p in passages}
    citations: dict[int, Citation] = {}  # passage number -> citation shown
    dates: dict[str, list] = {}  # article id -> its date mentions, found once per answer
    kept: list[str] = []
    dropped: list[str] = []
    for sentence in draft.sentences:
        text = " ".join(re.sub(r"\[\d+\]", "", sentence.text).split())
        if not text:
            continue
        valid = []
        backing: list[Passage] = []
        for n in dict.fromkeys(sentence.sources):
            passage = by_n.get(n)
            if passage is None or not _verbatim(store, passage) or not supports(text, passage.quote):
                continue
            if n not in citations:
                citations[n] = _citation(len(citations) + 1, passage)
            valid.append(citations[n].n)
            backing.append(passage)
        if valid:
            marks = " ".join(f"[{m}]" for m in valid)
            kept.append(f"{with_resolved_dates(text.rstrip(), backing, dates)} {marks}")
        else:
            dropped.append(text)
    if not kept:
        return Answer(question=question, answer=REFUSAL, refused=True, dropped=dropped)
    return Answer(
        question=question,
        answer=" ".join(kept),
        refused=False,
        citations=sorted(citations.values(), key=lambda c: c.n),
        dropped=dropped,
    )


def with_resolved_dates(text: str, passages: list[Passage], dates: dict[str, list] | None = None) -> str:
    """'on Monday' -> 'on Monday (2020-01-06)' when a cited passage says 'on Monday' and its
    article's publication date resolves it; a date no anchor resolves is left as written.
    `dates` caches each article's mentions across the sentences of one answer."""
    dates = {} if dates is None else dates
    for passage in passages:
        if passage.article.id not in dates:
            dates[passage.article.id] = find_date_mentions(passage.article)
        for mention in dates[passage.article.id]:
            span = mention.evidence
            if not (passage.start <= span.start and span.end <= passage.end) or mention.anchor is None or not mention.value:
                continue
            core = re.sub(r"^(on|in|since|from|late|early|last|this|next)\s+", "", mention.text, flags=re.IGNORECASE)
            match = re.search(rf"\b{re.escape(core)}\b", text, re.IGNORECASE)
            if match and mention.value not in text:
                text = f"{text[: match.end()]} ({mention.value}){text[match.end():]}"
    return text


def _verbatim(store: Store, passage: Passage) -> bool:
    stored = store.article(passage.article.id)
    return stored is not None and stored.text[passage.start : passage.end] == passage.quote


def _citation(n: int, passage: Passage) -> Citation:
    article = passage.article
    return Citation(
        n=n,
        article=article.id,
        title=article.title,
        outlet=article.outlet,
        date=article.published.isoformat() if article.published else None,
        start=passage.start,
        end=passage.end,
        quote=passage.quote,
    )

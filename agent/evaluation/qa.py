"""Scoring answers to gold questions, beside the obvious baseline in the same run.

The baseline is what a program with no model does: the one corpus sentence sharing the most
words with the question, cited. Both are scored by the same scorer: correct answers, false
refusals (an answerable question refused), false answers (an unanswerable one answered),
citation precision, and latency.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable

from pydantic import BaseModel

from agent.answer.verify import has_word, proper_names
from agent.evaluation.score import AliasMap, fold_name
from agent.index.retrieval import tokens
from agent.index.store import Store
from agent.models import Answer, Citation
from agent.text.sentences import split_sentences

BASELINE = "best-overlap sentence"


class QAItem(BaseModel):
    question: str
    need: str
    answer: str
    refused: bool
    correct: bool
    false_refusal: bool
    false_answer: bool
    citations: int
    citations_supported: int
    citations_in_allowed_articles: int
    seconds: float | None = None


class QAReport(BaseModel):
    system: str = "ask"
    items: list[QAItem]
    correct: int
    total: int
    false_refusals: int
    false_answers: int
    citation_precision: float | None
    p50_seconds: float | None = None
    p95_seconds: float | None = None


def _spelled(text: str, spellings: Iterable[str], prefix: bool = False) -> bool:
    """Whether `text` spells one of `spellings` as whole words (or as a word's start: 'Russia'
    in 'Russian', with `prefix`)."""
    lowered = text.lower()
    end = "" if prefix else r"(?!\w)"
    return any(re.search(rf"(?<!\w){re.escape(s.lower())}{end}", lowered) for s in spellings)


def _cited_sentences(answer: str) -> dict[int, list[str]]:
    """Citation number -> the sentences of the answer that cite it."""
    out: dict[int, list[str]] = {}
    for sentence in re.split(r"(?<=[.\]])\s+(?=[A-Z0-9“\"])", answer):
        for n in re.findall(r"\[(\d+)\]", sentence):
            out.setdefault(int(n), []).append(re.sub(r"\s*\[\d+\]", "", sentence))
    return out


def _supports(quote: str, sentences: list[str], spellings: list[str], aliases: AliasMap) -> bool:
    """Mechanical reading of 'the passage alone supports its sentence': where the sentence
    states a gold answer the quote spells it, and the quote carries the sentence's names,
    in any spelling the gold file lists for the same actor ("Velmora government" for "VNC")."""
    stated = [s for s in spellings if any(_spelled(sentence, [s]) for sentence in sentences)]
    if stated and not _spelled(quote, stated, prefix=True):
        return False
    names = [n for sentence in sentences for n in proper_names(sentence)]
    folded_quote = fold_name(quote)
    return bool(stated or names) and all(
        has_word(quote, n) or _spelled(folded_quote, aliases.forms(n)) for n in names
    )


def percentile(values: list[float], q: float) -> float | None:
    """The `q` quantile (0..1), interpolated linearly between the nearest values."""
    import numpy

    return round(float(numpy.percentile(values, 100 * q)), 2) if values else None


def evaluate_qa(gold: dict, answers: list[dict], system: str = "ask") -> QAReport:
    """Score answers ({question, answer, refused, citations: [{n, article, quote}], seconds?})
    against gold `qa`: correct when the answer spells every group (`all`) or one group (`any`)
    and every citation points into the allowed articles; for `refuse`, when it declines and
    cites nothing."""
    by_question = {a["question"]: a for a in answers}
    aliases = AliasMap(gold.get("aliases") or {})
    items: list[QAItem] = []
    cited = supported = 0
    for entry in gold.get("qa", []):
        got = by_question.get(entry["question"])
        if got is None:
            continue
        citations = got.get("citations", [])
        allowed = set(entry.get("articles", []))
        in_allowed = sum(1 for c in citations if c["article"] in allowed)
        spellings = [s for group in entry.get("answers", []) for s in group]
        by_n = _cited_sentences(got["answer"])
        backed = 0
        if entry["need"] != "refuse":
            for i, c in enumerate(citations):
                sentences = by_n.get(c.get("n", i + 1), [got["answer"]])
                backed += _supports(c["quote"], sentences, spellings, aliases)
        if entry["need"] == "refuse":
            correct = got["refused"] and not citations
        else:
            groups = [g for g in entry["answers"] if _spelled(got["answer"], g)]
            enough = len(groups) == len(entry["answers"]) if entry["need"] == "all" else bool(groups)
            correct = not got["refused"] and enough and in_allowed == len(citations)
        cited += len(citations)
        supported += backed
        items.append(QAItem(
            question=entry["question"], need=entry["need"], answer=got["answer"], refused=got["refused"],
            correct=correct, false_refusal=entry["need"] != "refuse" and got["refused"],
            false_answer=entry["need"] == "refuse" and not got["refused"],
            citations=len(citations), citations_supported=backed, citations_in_allowed_articles=in_allowed,
            seconds=got.get("seconds"),
        ))
    seconds = [i.seconds for i in items if i.seconds is not None]
    return QAReport(
        system=system, items=items, correct=sum(i.correct for i in items), total=len(items),
        false_refusals=sum(i.false_refusal for i in items), false_answers=sum(i.false_answer for i in items),
        citation_precision=round(supported / cited, 4) if cited else None,
        p50_seconds=percentile(seconds, 0.5), p95_seconds=percentile(seconds, 0.95),
    )


def best_overlap_answer(question: str, store: Store) -> Answer:
    """The baseline: the one corpus sentence sharing the most words with the question, cited;
    a refusal when no sentence shares a word."""
    asked = set(tokens(question))
    best, best_score = None, 0
    for article in store.articles():
        for start, end in split_sentences(article.text):
            score = len(asked & set(tokens(article.text[start:end])))
            if score > best_score:
                best, best_score = (article, start, end), score
    if best is None:
        return Answer(question=question, answer="The articles do not say.", refused=True)
    article, start, end = best
    quote = article.text[start:end]
    citation = Citation(
        n=1, article=article.id, title=article.title, outlet=article.outlet,
        date=article.published.isoformat() if article.published else None, start=start, end=end, quote=quote,
    )
    return Answer(question=question, answer=f"{' '.join(quote.split())} [1]", refused=False, citations=[citation])


def run(gold: dict, answer: Callable[[str], Answer], system: str) -> QAReport:
    """Ask every gold question through `answer`, timing each, and score the answers."""
    answers = []
    for entry in gold.get("qa", []):
        started = time.perf_counter()
        result = answer(entry["question"])
        answers.append(result.model_dump(mode="json") | {"seconds": time.perf_counter() - started})
    return evaluate_qa(gold, answers, system)


def format_qa(report: QAReport) -> str:
    precision = report.citation_precision if report.citation_precision is not None else "n/a"
    lines = [
        f"{report.system}: {report.correct}/{report.total} correct, {report.false_refusals} false refusals, "
        f"{report.false_answers} false answers, citation precision {precision}"
        + (f", p50 {report.p50_seconds:.1f} s, p95 {report.p95_seconds:.1f} s" if report.p50_seconds is not None else "")
    ]
    for item in report.items:
        mark = "ok " if item.correct else "BAD"
        answer = " ".join(item.answer.split())
        lines.append(f"  {mark} {item.question} -> {answer[:110]} [{item.citations_supported}/{item.citations} citations support]")
    return "\n".join(lines)

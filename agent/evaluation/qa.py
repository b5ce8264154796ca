"""Scoring answers to gold questions, beside the obvious baseline in the same run.

The baseline is what a program with no model does: the one corpus sentence sharing the most
words with the question, cited. Both are scored by the same scorer: correct answers, false
refusals (an answerable question refused), false answers (a wrong answer, or any answer to an
unanswerable question), citation precision, and latency, overall and per route.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable

from pydantic import BaseModel

from agent.answer.question import comparison
from agent.answer.verify import has_word, proper_names
from agent.evaluation.score import AliasMap, fold_name
from agent.index.retrieval import tokens
from agent.index.store import Store
from agent.models import Answer, Citation
from agent.text.sentences import split_sentences

BASELINE = "best-overlap sentence"
_DECLINED = re.compile(r"The articles do not (?:say|mention)\b")  # a part `ask` declined


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
    # Part of a two-part question answered right and the rest declined: a refusal of that
    # rest (`false_refusal`), not a false answer.
    partial: bool = False
    seconds: float | None = None
    route: str | None = None  # what answered (graph, dates, count, passages, floor, refusal)
    coverage: float | None = None  # the refusal decision's evidence (`Answer.coverage`)
    confidence: float | None = None  # the model's probability for the passage it chose (`Answer.confidence`)


class QAReport(BaseModel):
    system: str = "ask"
    items: list[QAItem]
    correct: int
    total: int
    false_refusals: int
    false_answers: int  # wrong answers, and answers to unanswerable questions
    unanswerable_answered: int = 0
    partial_answers: int = 0  # counted among the false refusals
    citation_precision: float | None
    p50_seconds: float | None = None
    p95_seconds: float | None = None


class RouteFigures(BaseModel):
    """One route's share of the questions: how `ask` did on the questions it answered by that
    route, and how the baseline did on the same questions."""

    route: str
    total: int
    correct: int
    false_refusals: int
    false_answers: int
    citation_precision: float | None
    p50_seconds: float | None
    p95_seconds: float | None
    baseline_correct: int
    baseline_false_answers: int
    baseline_citation_precision: float | None


ROUTES = ("graph", "dates", "count", "comparison", "passages", "floor", "refusal")


def _spelled(text: str, spellings: Iterable[str], prefix: bool = False) -> bool:
    """Whether `text` spells one of `spellings` as whole words (or as a word's start: 'Russia'
    in 'Russian', with `prefix`)."""
    lowered = text.lower()
    end = "" if prefix else r"(?!\w)"
    return any(re.search(rf"(?<!\w){_initials_spelled_out(re.escape(s.lower()))}{end}", lowered) for s in spellings)


def _initials_spelled_out(pattern: str) -> str:
    """An initial in a gold name matches the name in full: "Henry J. Kaiser" is spelled by
    "Henry John Kaiser"."""
    return re.sub(r"(?<![\w\\])([a-z])\\\.(?=\\ )", r"\1(?:\\.|[a-z]+)", pattern)


# Where an answer's sentences part: after a stop or a citation mark, before a capital, digit or quote.
_SENTENCE_BREAK = re.compile(r"(?<=[.\]])\s+(?=[A-Z0-9“\"])")


def _chose(question: str, answer: str, spellings: list[str]) -> bool:
    """Whether `answer` gives a gold answer: spells it; for a question that names it as one
    of two ("Who is older, X or Y?"), spells it and not the other in its first sentence."""
    if not _spelled(answer, spellings):
        return False
    compared = comparison(question)
    if compared is None or compared.asks != "which":
        return True
    given = [o for o in compared.options if _spelled(o, spellings) or any(_spelled(s, [o]) for s in spellings)]
    if not given:
        return True
    lead = _SENTENCE_BREAK.split(answer.strip(), maxsplit=1)[0]
    others = [o for o in compared.options if o not in given]
    return _spelled(lead, spellings) and not any(_spelled(lead, [o]) for o in others)


def _cited_sentences(answer: str) -> dict[int, list[str]]:
    """Citation number -> the sentences of the answer that cite it."""
    out: dict[int, list[str]] = {}
    for sentence in _SENTENCE_BREAK.split(answer):
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
        partial = False
        if entry["need"] == "refuse":
            correct = got["refused"] and not citations
        else:
            groups = [g for g in entry["answers"] if _chose(entry["question"], got["answer"], g)]
            enough = len(groups) == len(entry["answers"]) if entry["need"] == "all" else bool(groups)
            correct = not got["refused"] and enough and in_allowed == len(citations)
            declined = len(_DECLINED.findall(got["answer"]))
            # "A [1]. Which Y? The articles do not say.": every part it answers is right.
            partial = (
                entry["need"] == "all" and not correct and not got["refused"] and declined > 0
                and 0 < len(groups) >= len(entry["answers"]) - declined and in_allowed == len(citations)
            )
        items.append(QAItem(
            question=entry["question"], need=entry["need"], answer=got["answer"], refused=got["refused"],
            correct=correct, false_refusal=entry["need"] != "refuse" and (got["refused"] or partial), partial=partial,
            false_answer=not got["refused"] and not correct and not partial,
            citations=len(citations), citations_supported=backed, citations_in_allowed_articles=in_allowed,
            seconds=got.get("seconds"), route=got.get("route"), coverage=got.get("coverage"),
            confidence=got.get("confidence"),
        ))
    return _report(system, items)


def _report(system: str, items: list[QAItem]) -> QAReport:
    seconds = [i.seconds for i in items if i.seconds is not None]
    cited = sum(i.citations for i in items)
    return QAReport(
        system=system, items=items, correct=sum(i.correct for i in items), total=len(items),
        false_refusals=sum(i.false_refusal for i in items), false_answers=sum(i.false_answer for i in items),
        unanswerable_answered=sum(i.need == "refuse" and not i.refused for i in items),
        partial_answers=sum(i.partial for i in items),
        citation_precision=round(sum(i.citations_supported for i in items) / cited, 4) if cited else None,
        p50_seconds=percentile(seconds, 0.5), p95_seconds=percentile(seconds, 0.95),
    )


def by_route(system: QAReport, baseline: QAReport) -> list[RouteFigures]:
    """The system's figures per route it took, beside the baseline's on the same questions."""
    base = {i.question: i for i in baseline.items}
    rows = []
    for route in sorted({i.route or "?" for i in system.items}, key=lambda r: ROUTES.index(r) if r in ROUTES else len(ROUTES)):
        ours = _report(system.system, [i for i in system.items if (i.route or "?") == route])
        theirs = _report(baseline.system, [base[i.question] for i in ours.items if i.question in base])
        rows.append(RouteFigures(
            route=route, total=ours.total, correct=ours.correct, false_refusals=ours.false_refusals,
            false_answers=ours.false_answers, citation_precision=ours.citation_precision,
            p50_seconds=ours.p50_seconds, p95_seconds=ours.p95_seconds, baseline_correct=theirs.correct,
            baseline_false_answers=theirs.false_answers, baseline_citation_precision=theirs.citation_precision,
        ))
    return rows


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
        return Answer(question=question, answer="The articles do not say.", refused=True, route="refusal")
    article, start, end = best
    quote = article.text[start:end]
    citation = Citation(
        n=1, article=article.id, title=article.title, outlet=article.outlet,
        date=article.published.isoformat() if article.published else None, start=start, end=end, quote=quote,
    )
    return Answer(question=question, answer=f"{' '.join(quote.split())} [1]", refused=False, citations=[citation], route="passages")


def run(gold: dict, answer: Callable[[str], Answer], system: str, log: Callable[[str], None] | None = None) -> QAReport:
    """Ask every gold question through `answer`, timing each, and score the answers; `log`
    gets one line per question (a long run's progress)."""
    answers = []
    questions = gold.get("qa", [])
    for n, entry in enumerate(questions, start=1):
        started = time.perf_counter()
        result = answer(entry["question"])
        seconds = time.perf_counter() - started
        # Keyed by the gold's own text: `ask` folds a question's whitespace.
        answers.append(result.model_dump(mode="json") | {"question": entry["question"], "seconds": seconds})
        if log:
            log(f"{system} {n}/{len(questions)} {result.route or '?'} {seconds:.1f} s: {entry['question'][:80]}")
    return evaluate_qa(gold, answers, system)


def format_qa(report: QAReport) -> str:
    precision = report.citation_precision if report.citation_precision is not None else "n/a"
    lines = [
        f"{report.system}: {report.correct}/{report.total} correct, {report.false_refusals} false refusals, "
        f"{report.false_answers} false answers ({report.unanswerable_answered} to unanswerable questions), citation precision {precision}"
        + (f", {report.partial_answers} answered in part (among the false refusals)" if report.partial_answers else "")
        + (f", p50 {report.p50_seconds:.1f} s, p95 {report.p95_seconds:.1f} s" if report.p50_seconds is not None else "")
    ]
    for item in report.items:
        mark = "ok " if item.correct else "BAD"
        answer = " ".join(item.answer.split())
        lines.append(
            f"  {mark} ({item.route or '?'}) {item.question} -> {answer[:110]} [{item.citations_supported}/{item.citations} citations support]"
        )
    return "\n".join(lines)


def format_routes(rows: list[RouteFigures], baseline: str = BASELINE) -> str:
    """One line per route: the system's figures, the baseline's on the same questions after '|'."""
    def share(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.2f}"

    lines = [f"per route (the baseline on the same questions after |, {baseline}):"]
    for r in rows:
        seconds = f"p50 {r.p50_seconds:.1f} s, p95 {r.p95_seconds:.1f} s" if r.p50_seconds is not None else "no timings"
        lines.append(
            f"  {r.route:<9} {r.correct:>3}/{r.total:<3} correct, {r.false_refusals} false refusals, {r.false_answers} false answers, "
            f"citation precision {share(r.citation_precision)}, {seconds} | {r.baseline_correct}/{r.total} correct, "
            f"{r.baseline_false_answers} false answers, citation precision {share(r.baseline_citation_precision)}"
        )
    return "\n".join(lines)

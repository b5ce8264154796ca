"""`agent eval` as a function: score a corpus's extraction (and, if asked, its answers)
against a gold file, beside the naive baseline, from the CLI or a notebook alike.

    from agent import Corpus
    from agent.evaluation.run import evaluate_corpus

    with Corpus() as corpus:
        report = evaluate_corpus(corpus, gold=Path("examples/eval/dev.json"))
    print("\\n".join(report.parts))
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from agent.corpus import Corpus
from agent.errors import DossierError
from agent.evaluation.attitudes import balanced_sample, format_attitudes, load_attitudes, score_items
from agent.evaluation.baseline import naive_attitude, naive_records
from agent.evaluation.qa import BASELINE, best_overlap_answer, by_route, format_qa, format_routes, run
from agent.evaluation.score import evaluate, format_report, load_gold
from agent.output.export import read_records
from agent.progress import progress_bar

BASELINES = ("naive",)


@dataclass
class EvalReport:
    payload: dict = field(default_factory=dict)  # what `agent eval --json` prints
    parts: list[str] = field(default_factory=list)  # the report as text, one part per section


def check_inputs(
    gold: Path | None, attitudes: Path | None, baseline: str | None, predictions: Path | None, per_label: int | None = None
) -> None:
    """A clear error for a missing gold file, an unknown baseline, a sample of nothing or a file
    that is not there."""
    if gold is None and attitudes is None:
        raise DossierError("give --gold FILE, --attitudes FILE or both")
    if per_label is not None and attitudes is None:
        raise DossierError("--per-label samples the sentences of --attitudes FILE: give that file")
    if baseline not in (None, *BASELINES):
        raise DossierError(f"unknown --baseline {baseline!r}: the one baseline is `naive`")
    for path in (gold, attitudes, predictions):
        if path is not None and not path.is_file():
            raise DossierError(f"no such file: {path}")


def evaluate_corpus(
    corpus: Corpus,
    *,
    gold: Path | None = None,
    attitudes: Path | None = None,
    per_label: int | None = None,
    seed: int = 0,
    baseline: str | None = None,
    predictions: Path | None = None,
    questions: bool = False,
    log: Callable[[str], None] | None = None,
) -> EvalReport:
    """Stance precision/recall/F1, grounding, dates and seconds per article against `gold`
    (extracting now, cached, unless `predictions` gives records); sentence accuracy on the
    directed `attitudes` (a balanced sample of `per_label` sentences of each class, drawn by
    `seed`, when given); with `baseline="naive"`, the obvious approach scored beside it;
    with `questions`, the gold questions asked and scored, overall and per route, beside the
    best-overlap baseline (`log` gets one line per question as it is answered). A gold file
    holding only questions (`qa`) is scored on its answers, with nothing extracted."""
    check_inputs(gold, attitudes, baseline, predictions, per_label)
    report = EvalReport()
    if attitudes is not None:
        items = load_attitudes(attitudes)
        if per_label:
            items = balanced_sample(items, per_label, seed)
        # Both systems are told the item's two actors, as the directed-sentiment task gives them.
        systems = [("pipeline", lambda item: corpus.attitude_between(item.text, *item.forms))]
        if baseline:
            systems.append(("naive", lambda item: naive_attitude(item.text, *item.entities, corpus.llm)))
        reports = []
        for name, read in systems:
            with progress_bar(f"attitudes: {name}") as bar:
                bar.total(len(items))
                reports.append(score_items(name, items, read, on_item=lambda done, total: bar.advance(f"attitudes: {name}")))
        report.payload["attitudes"] = [r.model_dump(mode="json") for r in reports]
        report.parts.append(format_attitudes(reports))
    if gold is not None:
        gold_data = load_gold(gold)
        wanted = _gold_articles(gold_data)
        articles = {a.id: a for a in corpus.articles() if a.id in wanted}
        missing = sorted(wanted - set(articles))
        if missing:
            raise DossierError(f"gold articles not in the index: {', '.join(missing)}; run `agent ingest` on them first")
        if not wanted and not questions:
            raise DossierError(f"{gold} holds questions only: add --questions to score them")
        texts = {i: a.text for i, a in articles.items()}
        if wanted:  # a question set (`qa` only) has nothing to extract or score but its answers
            if predictions is not None:
                records = read_records(predictions)
                seconds = None
            else:
                results = [r for r in corpus.extract() if r.article.id in wanted]
                records = [rec for r in results for rec in r.records]
                seconds = {r.article.id: r.seconds for r in results}
            scored = evaluate(gold_data, [r.model_dump(mode="json") for r in records], texts, seconds)
            report.payload |= scored.to_dict()
            report.parts.append(format_report(scored))
        if baseline and wanted:
            naive, naive_seconds = [], {}
            for article_id, article in sorted(articles.items()):
                started = time.perf_counter()
                naive += naive_records(article, corpus.llm)
                naive_seconds[article_id] = time.perf_counter() - started
            naive_report = evaluate(gold_data, [r.model_dump(mode="json") for r in naive], texts, naive_seconds)
            report.payload["baseline_naive"] = naive_report.to_dict()
            report.parts.append(_side_by_side(scored, naive_report))
        if questions:
            qa = [
                run(gold_data, corpus.ask, "ask", log=log),
                run(gold_data, lambda q: best_overlap_answer(q, corpus.store), BASELINE),
            ]
            routes = by_route(*qa)
            report.payload |= {"qa": qa[0].model_dump(), "qa_baseline": qa[1].model_dump(), "qa_routes": [r.model_dump() for r in routes]}
            report.parts += [format_qa(part) for part in qa] + [format_routes(routes)]
    return report


def _side_by_side(pipeline, naive) -> str:
    rows = [("", "pipeline", "naive")]
    for label, a, b in (("micro", pipeline.micro, naive.micro), ("corpus (h,r,t)", pipeline.corpus, naive.corpus)):
        rows.append((f"{label} P/R/F1", f"{a.precision:.2f}/{a.recall:.2f}/{a.f1:.2f}", f"{b.precision:.2f}/{b.recall:.2f}/{b.f1:.2f}"))
    rows.append(("seconds/article", f"{pipeline.seconds_per_article or 0:.1f}", f"{naive.seconds_per_article or 0:.1f}"))
    return "stances beside the naive baseline (one call per sentence):\n" + "\n".join(f"  {a:<22}{b:>16}{c:>16}" for a, b, c in rows)


def _gold_articles(gold: dict) -> set[str]:
    return {item["article"] for key in ("stances", "ambiguous", "disputed", "dates", "unanchored") for item in gold.get(key, [])}

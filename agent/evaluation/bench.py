"""`agent bench`: figures for this machine, printed as one table or one JSON object.

On the demo corpus and on 5 and N synthetic articles (about 3 KB each, written here with
invented names) it measures ingest throughput beside the embedding model's raw speed on
length-sorted batches (the ceiling ingest is compared to), search latency, and `ask`
latency at each size (the same questions at 5 and at N synthetic articles). With `--model`
it also times extraction per article and model-answered questions, against the configured
endpoint or the embedded server. With `--questions FILE` it times your questions on your
index instead, beside the model's rates in the same run (a shared host's speed drifts by
a quarter from hour to hour, so a latency means little without them).
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from agent import timing
from agent.corpus import Corpus
from agent.errors import DossierError, no_index
from agent.evaluation.score import load_gold
from agent.index.embeddings import count_tokens, embed
from agent.settings import Settings

SEARCHES = ["who supports the government", "ceasefire talks in the capital", "troops sent abroad", "offensive on the port"]
QUESTIONS = ["Who backs the coastal council?", "Where did the two presidents meet?"]

_PLACES = ["Velmora", "Ostrand", "Kessia", "Brindle", "Talvik", "Morrow Bay", "Quennel", "Harsk", "Dunmere", "Ilvar"]
_ACTORS = ["the Coastal Council", "the Northern Front", "the Republic of Arvand", "the Union of Sel", "Kessia",
           "the Harbour Guard", "the Brindle Alliance", "President Oren Talli", "General Mara Voss", "the Sel Assembly"]
_VERBS = ["backs", "opposes", "condemned", "welcomed", "criticised", "sent advisers to", "called on", "praised"]
_TAILS = ["after talks on Monday", "in a statement on Tuesday", "according to officials", "despite protests",
          "as fighting spread to the port", "ahead of a summit next week", "in a televised address"]


def synthetic_articles(folder: Path, n: int, seed: int = 7) -> Path:
    """`n` news-like articles of about 3 KB, made of sentences naming invented actors."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        sentences = []
        while sum(len(s) + 1 for s in sentences) < 3000:
            holder, target = rng.sample(_ACTORS, 2)
            sentence = f"{holder[0].upper() + holder[1:]} {rng.choice(_VERBS)} {target} {rng.choice(_TAILS)}"
            if rng.random() < 0.4:
                sentence += f", and {rng.randint(2, 900)} people left {rng.choice(_PLACES)}"
            sentences.append(sentence + ".")
        title = f"Dispatch {i}: {rng.choice(_PLACES)}"
        (folder / f"dispatch-{i:05d}.txt").write_text(f"{title}\n\n" + " ".join(sentences) + "\n", encoding="utf-8")
    return folder


def _timed(fn: Callable):
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def embedding_rate(texts: list[str]) -> float:
    """Raw tokens/s of the embedding model on these texts, length-sorted (its best case)."""
    tokens = count_tokens(texts)
    embed(texts[:32])  # warm
    _, seconds = _timed(lambda: embed(texts))
    return tokens / seconds


def demo_questions(corpus_folder: Path) -> list[str]:
    """Questions for the small corpus: its gold file's, when one lies beside it (data, not code).
    Up to eight: enough that two go through the model, so that the time of one is not the time
    of a prompt the server has just read whole."""
    for gold in (corpus_folder.parent / "eval" / "dev.json", corpus_folder / "dev.json"):
        if gold.exists():
            return read_questions(gold)[:8]
    return QUESTIONS


def read_questions(path: Path) -> list[str]:
    """The questions of a gold file (`agent eval`'s JSON: its `qa` entries) or of a text file,
    one a line."""
    try:
        if path.suffix == ".json":
            entries = load_gold(path).get("qa", [])
            questions = [str(q.get("question") or "").strip() for q in entries if isinstance(q, dict)] if isinstance(entries, list) else []
        else:
            questions = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    except (OSError, ValueError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise DossierError(f"cannot read questions from {path}: {exc}") from exc
    questions = [q for q in questions if q]
    if not questions:
        raise DossierError(f"no questions in {path}: a gold file's `qa` entries, or one question a line")
    return questions


def model_rates(corpus: Corpus) -> dict:
    """The model's raw prompt and generation rates (tokens/s), measured here: one long prompt no
    cache has seen, answered in a few tokens, and one short prompt answered at length."""
    from pydantic import BaseModel, Field

    class Short(BaseModel):
        word: str = Field(max_length=20)

    class Long(BaseModel):
        text: str

    nonce = f"{time.time_ns()}"
    filler = " ".join(random.Random(nonce).choice(_PLACES + _TAILS) for _ in range(300))
    timing.take()
    _, seconds = _timed(lambda: corpus.llm.structured(Short, [{"role": "user", "content": f"{nonce} {filler}\nOne word: the first place named."}], max_tokens=16))
    prompt = timing.take()
    _, gen_seconds = _timed(lambda: corpus.llm.structured(Long, [{"role": "user", "content": f"{nonce} Write a 120-word news story about a harbour."}], max_tokens=200))
    generated = timing.take()
    return {
        "model_prompt_tokens_per_s": round(prompt["prompt_tokens"] / seconds, 1),
        "model_generation_tokens_per_s": round(generated["completion_tokens"] / gen_seconds, 1),
    }


def ask_figures(corpus: Corpus, questions: list[str], cli_env: dict | None = None) -> dict:
    """`ask` latency, first question and warm ones, with the time per stage; with `cli_env`, also
    a fresh `ask` process per question (what a user at the terminal waits for)."""
    row: dict = {}
    timing.take()
    runs = []
    for question in questions * 2:
        _, wall = _timed(lambda q=question: corpus.ask(q))
        runs.append((wall, timing.take()))
    row["ask_first_s"] = round(runs[0][0], 2)
    warm = runs[len(questions):]
    row["ask_p50_s"] = round(_pct([w for w, _ in warm], 0.5), 2)
    row["ask_p95_s"] = round(_pct([w for w, _ in warm], 0.95), 2)
    # Warm p50 by route, so that corpora of different sizes compare like with like.
    for through_model, label in ((False, "records"), (True, "model")):
        walls = [w for w, st in warm if (st.get("model_calls", 0) > 0) == through_model]
        if walls:
            row[f"ask_{label}_p50_s"] = round(_pct(walls, 0.5), 2)
    for label, chosen in (("first", runs[:1]), ("warm", warm)):
        stages = sorted({k for _, st in chosen for k in st})
        for key in stages:
            values = [st.get(key, 0) for _, st in chosen]
            row[f"ask_{label}_{key.replace(' ', '_')}"] = round(statistics.median(values), 3)
    if cli_env is not None:
        # A fresh `ask` process per question, as at a terminal, three times each; split by
        # whether the question took a model call (in the runs above) or came from the records.
        row["process_start_s"] = round(_timed(lambda: _run([sys.executable, "-c", "import agent.cli"], cli_env))[1], 2)
        by_model = {q: st.get("model_calls", 0) > 0 for q, (_, st) in zip(questions * 2, runs)}
        walls: dict[bool, list[float]] = {False: [], True: []}
        for question in questions * 3:
            walls[by_model[question]].append(_cli_ask(question, cli_env))
        for through_model, label in ((False, "records"), (True, "model")):
            if walls[through_model]:
                row[f"cli_ask_{label}_p50_s"] = round(_pct(walls[through_model], 0.5), 2)
                row[f"cli_ask_{label}_p95_s"] = round(_pct(walls[through_model], 0.95), 2)
    return row


def question_figures(corpus: Corpus, questions: list[str], cli_env: dict) -> dict:
    """Each question once in this process, then once from the command line (a fresh `ask`
    process, with the model server and the `ask` process kept, as at a terminal), p50 and p95
    split by whether it took a model call; the model's rates and the median question's tokens
    beside them."""
    row: dict = {"questions": len(questions)} | model_rates(corpus)
    corpus.ask(questions[0])  # after the rates' prompts: the instructions back in the server's cache
    timing.take()
    runs = []
    for question in questions:
        _, wall = _timed(lambda q=question: corpus.ask(q))
        runs.append((wall, timing.take()))
    _cli_ask(questions[0], cli_env)  # starts the kept `ask` process
    cli = [_cli_ask(question, cli_env) for question in questions]
    for through_model, label in ((False, "records"), (True, "model")):
        chosen = [(wall, st, cli_wall) for (wall, st), cli_wall in zip(runs, cli) if (st.get("model_calls", 0) > 0) == through_model]
        if not chosen:
            continue
        row[f"{label}_questions"] = len(chosen)
        row[f"ask_{label}_p50_s"] = round(_pct([w for w, _, _ in chosen], 0.5), 2)
        row[f"cli_ask_{label}_p50_s"] = round(_pct([c for _, _, c in chosen], 0.5), 2)
        row[f"cli_ask_{label}_p95_s"] = round(_pct([c for _, _, c in chosen], 0.95), 2)
        if through_model:
            for key in ("model_calls", "model_s", "prompt_tokens", "completion_tokens"):
                row[f"ask_model_median_{key}"] = round(statistics.median(st.get(key, 0) for _, st, _ in chosen), 2)
    return row


def measure_questions(questions_file: Path, settings: Settings) -> dict:
    """`question_figures` for the questions in `questions_file`, on `settings`' index."""
    questions = read_questions(questions_file)
    if not settings.store_path.exists():  # named before a model is started for the rates
        raise no_index(settings.index_path)
    with Corpus(settings) as corpus:
        figures = {questions_file.name: question_figures(corpus, questions, _cli_env(settings))}
    figures["peak_memory_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return figures


def _cli_ask(question: str, env: dict) -> float:
    """Seconds for a fresh `ask` process to answer `question`, as at a terminal."""
    return _timed(lambda: _run([sys.executable, "-m", "agent.cli", "ask", "--json", question], env))[1]


def _run(command: list[str], env: dict) -> None:
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=600)


def _cli_env(settings: Settings) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOSSIER_")}
    env["DOSSIER_INDEX_PATH"] = str(settings.index_path)
    if settings.base_url:
        env["DOSSIER_BASE_URL"] = settings.base_url
        env["DOSSIER_MODEL"] = settings.model or "default"
    return env


def measure(corpus_folder: Path, articles: int, with_model: bool, settings: Settings | None = None) -> dict:
    figures: dict = {}
    workdir = Path(tempfile.mkdtemp(prefix="dossier-bench-"))
    base = settings or Settings()
    try:
        # Five synthetic articles beside N: the same questions on the same kind of text, so
        # `ask` at N compares like with like (the demo corpus answers other questions).
        sizes = {"demo": corpus_folder, "5": synthetic_articles(workdir / "synthetic-5", 5)}
        sizes[f"{articles}"] = synthetic_articles(workdir / "synthetic", articles)
        for label, folder in sizes.items():
            local = base.model_copy(update={"index_path": workdir / f"index-{label}"})
            with Corpus(local) as corpus:
                report, seconds = _timed(lambda: corpus.ingest([folder]))
                row = figures.setdefault(label, {})
                row["articles"] = len(report.added)
                row["chunks"] = report.chunks
                row["ingest_s"] = round(seconds, 2)
                row["chunks_per_s"] = round(report.chunks / seconds, 1)
                texts = [c.text for c in corpus.store.chunks()]
                row["embedding_tokens_per_s"] = round(embedding_rate(texts[:2000]))
                corpus.search(SEARCHES[0])
                latencies = [_timed(lambda q=q: corpus.search(q))[1] for q in SEARCHES * 5]
                row["search_p50_ms"] = round(1000 * _pct(latencies, 0.5), 1)
                row["search_p95_ms"] = round(1000 * _pct(latencies, 0.95), 1)
                if with_model:
                    if label == "demo":
                        row |= model_rates(corpus)
                        timing.take()
                        results, wall = _timed(corpus.extract)
                        spent = timing.take()
                        fresh = max(1, sum(not r.cached for r in results))
                        row["extract_s_per_article"] = round(wall / fresh, 1)
                        row["extract_prompt_tokens_per_article"] = round(spent.get("prompt_tokens", 0) / fresh)
                        row["extract_completion_tokens_per_article"] = round(spent.get("completion_tokens", 0) / fresh)
                        floor = spent.get("prompt_tokens", 0) / row["model_prompt_tokens_per_s"] + spent.get("completion_tokens", 0) / row["model_generation_tokens_per_s"]
                        row["extract_s_over_token_cost"] = round(wall / floor, 2) if floor else None
                    questions = demo_questions(corpus_folder) if label == "demo" else QUESTIONS
                    row |= ask_figures(corpus, questions, _cli_env(local))
        figures["peak_memory_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return figures


def table(figures: dict) -> str:
    sizes = [k for k, v in figures.items() if isinstance(v, dict)]
    keys = list(dict.fromkeys(k for size in sizes for k in figures[size]))
    width = max(len(k) for k in keys)
    lines = [f"{'':{width}}  " + "  ".join(f"{s:>12}" for s in sizes)]
    for key in keys:
        lines.append(f"{key:{width}}  " + "  ".join(f"{figures[s].get(key, ''):>12}" for s in sizes))
    lines.append(f"peak memory of this process: {figures['peak_memory_mb']} MB (a model server runs in its own)")
    return "\n".join(lines)

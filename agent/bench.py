"""Benchmarks that print figures: `python -m agent.bench [--model] [FOLDER]` (or `make bench`).

Without --model it measures what needs no language model: ingest throughput, search
and stance-answer latency, embedding speed, peak memory. With --model it also times
extraction per article and a model-answered question, cold (server start included)
and warm, against the configured endpoint or the embedded server.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from agent.corpus import Corpus
from agent.embeddings import embed
from agent.settings import Settings

QUESTIONS = ["Who backs the GNA?", "Which countries support Haftar's LNA?", "Who opposes Turkey?"]
MODEL_QUESTION = "Where did Erdogan and Putin meet?"


def _timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", nargs="?", default="examples/libya")
    parser.add_argument("--model", action="store_true", help="also time extraction and a model-answered question")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="dossier-bench-"))
    try:
        settings = Settings().model_copy(update={"index_path": workdir / "index"})
        with Corpus(settings) as corpus:
            report, seconds = _timed(lambda: corpus.ingest([args.folder]))
            print(f"ingest: {len(report.added)} articles, {report.chunks} chunks in {seconds:.2f} s "
                  f"({report.chunks / seconds:.1f} chunks/s, includes loading the embedding model)")
            _, again = _timed(lambda: corpus.ingest([args.folder]))
            print(f"re-ingest (no-op): {again:.2f} s")

            texts = [c.text for c in corpus.store.chunks()]
            _, embed_s = _timed(lambda: embed(texts))
            print(f"embedding: {len(texts) / embed_s:.1f} chunks/s")

            corpus.search(QUESTIONS[0])  # build the lexical index once
            latencies = [_timed(lambda q=q: corpus.search(q))[1] for q in QUESTIONS * 5]
            print(f"search: median {1000 * statistics.median(latencies):.1f} ms over {len(latencies)} queries")

            corpus.ask(QUESTIONS[0])  # load the parser once
            latencies = [_timed(lambda q=q: corpus.ask(q))[1] for q in QUESTIONS]
            print(f"ask (stance questions, no model): median {statistics.median(latencies):.2f} s")

            if args.model:
                results, extract_s = _timed(lambda: corpus.extract())
                fresh = [r for r in results if not r.cached]
                if fresh:
                    print(f"extract: {statistics.mean(r.seconds for r in fresh):.1f} s per article "
                          f"over {len(fresh)} articles ({extract_s:.0f} s wall, server start included)")
                _, cached_s = _timed(lambda: corpus.extract())
                print(f"extract again (cached): {cached_s:.2f} s")
        if args.model:
            with Corpus(settings) as cold:
                _, cold_s = _timed(lambda: cold.ask(MODEL_QUESTION))
                _, warm_s = _timed(lambda: cold.ask(MODEL_QUESTION))
            print(f"ask via the model: cold {cold_s:.1f} s (server start included), warm {warm_s:.1f} s")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory of this process: {peak:.0f} MB (the model server runs in its own process)")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

"""`agent bench` figures: what it measures is there and adds up (never timed as a pass/fail)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent import timing
from agent.answer.question import analyse
from agent.corpus import Corpus
from agent.errors import DossierError
from agent.evaluation import bench
from agent.evaluation.bench import _cli_env, ask_figures, measure, question_figures, read_questions, table
from tests.conftest import EXAMPLES


def test_ask_is_broken_down_by_stage_first_and_warm(extracted: Corpus):
    analyse.cache_clear()  # an earlier test may have parsed these questions in this process
    row = ask_figures(extracted, ["When was the ceasefire supposed to start?", "Who backs the GNA?"])
    assert row["ask_first_s"] > 0 and row["ask_p50_s"] <= row["ask_p95_s"]
    # The first question parses with spaCy and reads the date records; warm ones reuse the
    # parse and read the records again (the index may have changed); the stance question
    # builds the graph; no route here starts a model.
    assert row["ask_first_question_s"] > 0 and row["ask_first_records_s"] > 0
    assert row["ask_first_question_s"] + row["ask_first_records_s"] <= row["ask_first_s"]
    assert row["ask_warm_graph_s"] > 0
    assert "ask_first_model_calls" not in row and "ask_warm_model_s" not in row
    assert row["ask_records_p50_s"] > 0 and "ask_model_p50_s" not in row


def test_stages_and_counters_are_summed_and_cleared():
    timing.take()
    with timing.stage("search"):
        pass
    with timing.stage("search"):
        pass
    timing.count("prompt_tokens", 120)
    timing.count("prompt_tokens", 30)
    figures = timing.take()
    assert figures["prompt_tokens"] == 150 and figures["search_s"] >= 0
    assert timing.take() == {}


def test_bench_measures_the_demo_and_synthetic_articles(settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    # What is checked is that the figures are there and add up, not their size: the five demo
    # articles and the synthetic ones are cut to their first sentences (a chunk or two each).
    # Whole, they cost about 300 chunk embeddings (ingest, then the raw embedding rate), a
    # minute and a half of CPU on this project's 2-core hosts.
    demo = tmp_path / "demo"
    demo.mkdir()
    for path in EXAMPLES.glob("*.txt"):
        text = path.read_text(encoding="utf-8")
        (demo / path.name).write_text(text[: text.index(". ", 400) + 1] + "\n", encoding="utf-8")
    real = bench.synthetic_articles

    def short_articles(folder: Path, n: int, seed: int = 7) -> Path:
        real(folder, n, seed)
        for path in folder.iterdir():
            title, _, body = path.read_text(encoding="utf-8").partition("\n\n")
            path.write_text(f"{title}\n\n{'.'.join(body.split('.')[:2])}.\n", encoding="utf-8")
        return folder

    monkeypatch.setattr(bench, "synthetic_articles", short_articles)
    figures = measure(demo, 12, with_model=False, settings=settings)
    assert figures["demo"]["articles"] == 5 and figures["5"]["articles"] == 5 and figures["12"]["articles"] == 12
    for size in ("demo", "5", "12"):
        assert figures[size]["chunks"] > 0 and figures[size]["embedding_tokens_per_s"] > 0
        assert figures[size]["search_p50_ms"] <= figures[size]["search_p95_ms"]
    printed = table(figures)
    assert "ingest_s" in printed and "peak memory" in printed


def test_questions_are_read_from_a_gold_file_or_one_a_line(tmp_path: Path):
    gold = tmp_path / "dev.json"
    gold.write_text('{"qa": [{"question": "Who backs the council?"}, {"question": " "}, {"question": "When did talks start?"}]}', encoding="utf-8")
    assert read_questions(gold) == ["Who backs the council?", "When did talks start?"]
    listed = tmp_path / "questions.txt"
    listed.write_text("Who backs the council?\n\n  When did talks start?  \n", encoding="utf-8")
    assert read_questions(listed) == ["Who backs the council?", "When did talks start?"]
    for name, content in (("empty.txt", "\n \n"), ("none.json", '{"qa": 3}'), ("broken.json", '{"qa": ['), ("bytes.txt", b"\xff\xfe")):
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        with pytest.raises(DossierError, match=name):
            read_questions(path)
    with pytest.raises(DossierError, match="missing.txt"):
        read_questions(tmp_path / "missing.txt")


def test_your_questions_are_timed_in_the_process_and_from_the_command_line(extracted: Corpus, monkeypatch: pytest.MonkeyPatch):
    # The rates' prompts carry a nonce, so no cassette holds them: their figures are taken as
    # given. Both questions are answered from the records, so the `ask` processes need no model.
    monkeypatch.setattr(bench, "model_rates", lambda corpus: {"model_prompt_tokens_per_s": 80.0, "model_generation_tokens_per_s": 25.0})
    questions = ["When was the ceasefire supposed to start?", "Who backs the GNA?"]
    row = question_figures(extracted, questions, _cli_env(extracted.settings))
    assert row["questions"] == 2 and row["records_questions"] == 2 and "model_questions" not in row
    assert row["model_prompt_tokens_per_s"] == 80.0
    # A fresh process per question: its start, imports and index opening are in the wall time.
    assert 0 < row["ask_records_p50_s"] < row["cli_ask_records_p50_s"] <= row["cli_ask_records_p95_s"]
    assert "ask_model_median_model_s" not in row

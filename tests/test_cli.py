"""The command line, end to end through typer: the same behaviour as the Python API."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app, ask_app
from agent.corpus import Corpus
from agent.evaluation.run import evaluate_corpus
from agent.evaluation.score import load_gold

from .conftest import EXAMPLES

runner = CliRunner()


@pytest.fixture
def env(settings, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The CLI reads its settings from the environment, like a user's shell."""
    values = {
        "DOSSIER_INDEX_PATH": str(settings.index_path),
        "DOSSIER_CACHE_DIR": str(settings.cache_dir),
        "DOSSIER_BASE_URL": settings.base_url,
        "DOSSIER_MODEL": settings.model,
        "DOSSIER_MAX_RETRIES": "0",
        "DOSSIER_REQUEST_TIMEOUT": "300",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


@pytest.mark.vcr
def test_ingest_then_ask_json(env):
    result = runner.invoke(app, ["ingest", str(EXAMPLES)])
    assert result.exit_code == 0, result.output
    assert "5 added" in result.output and "35 chunks" in result.output  # page furniture ("Related article: ...") removed
    again = runner.invoke(app, ["ingest", str(EXAMPLES)])
    assert "5 unchanged" in again.output

    answer = json.loads(runner.invoke(ask_app, ["--json", "When did the ceasefire start?"]).stdout)
    assert set(answer) == {"question", "answer", "refused", "route", "citations"}
    assert answer["route"] in {"passages", "floor"}  # nothing extracted: the passages answer (or the one the model chose, quoted)
    assert not answer["refused"] and answer["citations"]
    assert set(answer["citations"][0]) == {"n", "article", "title", "outlet", "date", "start", "end", "quote"}

    refused = json.loads(runner.invoke(app, ["ask", "--json", "What did China say about the ceasefire?"]).stdout)
    assert refused["refused"] is True and refused["citations"] == [] and refused["route"] == "refusal"


def test_ask_on_an_empty_index_says_what_to_do(env):
    result = runner.invoke(ask_app, ["Who backs the GNA?"])
    assert result.exit_code == 1
    assert "agent ingest" in result.output


@pytest.mark.vcr
def test_extract_writes_jsonl_and_csv_and_eval_scores_them(env, settings, tmp_path: Path):
    article = "002_f78050063894d683.txt"
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / article).write_text((EXAMPLES / article).read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["extract", str(folder), "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert {line["type"] for line in lines} == {"actor", "stance", "date", "link"}
    for line in lines:
        assert set(line["evidence"]) == {"article", "start", "end", "quote"}

    table = tmp_path / "out.csv"
    cached = runner.invoke(app, ["extract", str(folder), "--out", str(table), "--format", "csv"])
    assert "1 cached" in cached.output
    rows = list(csv.DictReader(table.open()))
    assert len(rows) == len(lines) and rows[0]["quote"]

    gold = {
        "aliases": {"Turkey": ["turkey"], "Russia": ["russia", "russian"], "GNA": ["fayez al-sarraj", "tripoli government"],
                    "LNA": ["hifter", "khalifa hifter"], "Italy": ["italy"]},
        "stances": [
            {"article": article, "holder": "Turkey", "relation": "supports", "target": "GNA"},
            {"article": article, "holder": "Russia", "relation": "supports", "target": "LNA"},
            {"article": article, "holder": "Italy", "relation": "supports", "target": "GNA"},
        ],
        "ambiguous": [], "disputed": [], "dates": [], "unanchored": [], "qa": [],
    }
    gold_file = tmp_path / "gold.json"
    gold_file.write_text(json.dumps(gold))
    assert load_gold(gold_file)["stances"]
    report = runner.invoke(app, ["eval", "--gold", str(gold_file), "--predictions", str(out), "--json"])
    assert report.exit_code == 0, report.output
    scores = json.loads(report.stdout)
    assert scores["micro"]["recall"] == 1.0
    assert scores["grounding_rate"] == 1.0
    # The same run from Python (a notebook): the figures the CLI printed.
    with Corpus(settings) as corpus:
        in_python = evaluate_corpus(corpus, gold=gold_file, predictions=out)
    assert json.loads(json.dumps(in_python.payload)) == scores


def test_a_question_set_is_scored_per_route_beside_the_baseline_without_extracting(env, tmp_path: Path):
    assert runner.invoke(app, ["ingest", str(EXAMPLES)]).exit_code == 0
    gold = tmp_path / "questions.json"
    # Names no article mentions: refused without a model (none is reachable here).
    gold.write_text(json.dumps({"qa": [
        {"question": "What did Arvane Kellith say about the harbour?", "answers": [], "need": "refuse", "articles": []},
        {"question": "Where was Ostrava Velmaine born?", "answers": [["Dunmar"]], "need": "any", "articles": ["a.txt"]},
    ]}))
    without = runner.invoke(app, ["eval", "--gold", str(gold)])
    assert without.exit_code == 1 and "holds questions only: add --questions" in without.output
    result = runner.invoke(app, ["eval", "--gold", str(gold), "--questions", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert "micro" not in payload  # no extraction was scored, nor run
    assert (payload["qa"]["correct"], payload["qa"]["false_refusals"]) == (1, 1)
    (refusal,) = payload["qa_routes"]
    assert refusal["route"] == "refusal" and refusal["total"] == 2 and refusal["baseline_correct"] == 0


def test_unknown_format_is_a_clear_error(env, tmp_path: Path):
    result = runner.invoke(app, ["extract", str(EXAMPLES), "--out", str(tmp_path / "x"), "--format", "xml"])
    assert result.exit_code == 1
    assert "unknown --format 'xml'" in result.output


def test_eval_questions_warns_when_the_gold_cites_articles_not_in_the_index(extracted, env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Without the warning, the questions on missing articles were scored as false refusals
    with nothing to say why (issue 27)."""
    from agent import cli
    from agent.corpus import Corpus
    from agent.models import Answer

    monkeypatch.setattr(cli.err, "_width", 10_000)
    # What the answers are does not matter here: only that eval names what the index lacks.
    monkeypatch.setattr(Corpus, "ask", lambda self, question: Answer(question=question, answer="The articles do not say.", refused=True))
    gold = tmp_path / "gold.json"
    gold.write_text(json.dumps({"qa": [
        {"question": "Who backs the harbour board?", "answers": [["Velmora"]], "need": "any",
         "articles": ["000_9d2263bbbf356092.txt", "harbour_board.txt", "quay.txt"]},
        {"question": "When did the quay reopen?", "answers": [["Monday"]], "need": "any", "articles": ["quay.txt"]},
    ]}))
    result = runner.invoke(app, ["eval", "--gold", str(gold), "--questions"])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        f"warning: 2 of the 3 articles the gold questions cite are not in the index at {env['DOSSIER_INDEX_PATH']}: "
        "harbour_board.txt, quay.txt; their questions will be answered without them (run `agent ingest` on them first)"
    ]


def test_bench_names_a_questions_file_it_cannot_read_and_an_index_that_is_not_there(tmp_path: Path):
    result = runner.invoke(app, ["bench", "--questions", str(tmp_path / "mine.txt")])
    assert result.exit_code == 1 and "cannot read questions from" in result.output and "mine.txt" in result.output
    listed = tmp_path / "mine.txt"
    listed.write_text("Who backs the council?\n", encoding="utf-8")
    result = runner.invoke(app, ["bench", "--questions", str(listed), "--index", str(tmp_path / "typo")])
    assert result.exit_code == 1 and "there is no index at" in result.output
    assert not (tmp_path / "typo").exists()

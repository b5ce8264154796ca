"""`agent extract` output and ingest's messages as a user meets them: the format follows
the file's extension, `--out -` is stdout, files get the umask's mode, Ctrl-C says how to
resume, and an empty folder or a URL is a clear error."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app

from . import proc_worker
from .conftest import ROOT
from .fake_openai import FakeOpenAI, extraction_reply
from .news_samples import MINI_CORPUS, write_corpus

runner = CliRunner()


@pytest.fixture(scope="module")
def model():
    with FakeOpenAI(extraction_reply) as fake:
        yield fake


@pytest.fixture
def env(model, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {"DOSSIER_INDEX_PATH": str(tmp_path / "index"), "DOSSIER_BASE_URL": model.url, "DOSSIER_MODEL": "x", "DOSSIER_MAX_RETRIES": "0"}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


@pytest.fixture
def news(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "news")


def test_the_format_follows_the_extension(env, news: Path, tmp_path: Path) -> None:
    table = tmp_path / "results.csv"
    result = runner.invoke(app, ["extract", str(news), "--out", str(table)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(table.open(encoding="utf-8")))
    assert rows and {"type", "article", "quote"} <= set(rows[0])
    # --format wins over the extension.
    forced = tmp_path / "records.csv"
    assert runner.invoke(app, ["extract", str(news), "--out", str(forced), "--format", "jsonl"]).exit_code == 0
    assert len([json.loads(line) for line in forced.read_text().splitlines()]) == len(rows)


def test_out_dash_writes_to_stdout_and_creates_no_file(env, news: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["extract", str(news), "--out", "-"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records and all("evidence" in r for r in records)
    assert "-> stdout" in result.stderr  # the summary stays out of the data
    assert not (Path.cwd() / "-").exists()
    as_csv = runner.invoke(app, ["extract", str(news), "--out", "-", "--format", "csv"])
    assert len(list(csv.DictReader(io.StringIO(as_csv.stdout)))) == len(records)


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_output_files_honour_the_umask(env, news: Path, tmp_path: Path, umask: int) -> None:
    out = tmp_path / f"out-{umask:o}.jsonl"
    previous = os.umask(umask)
    try:
        assert runner.invoke(app, ["extract", str(news), "--out", str(out)]).exit_code == 0
    finally:
        os.umask(previous)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask


def test_an_empty_folder_is_an_error(env, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = runner.invoke(app, ["ingest", str(tmp_path / "empty")])
    assert result.exit_code == 1
    assert "no articles found in" in result.stderr and str(tmp_path / "empty") in " ".join(result.stderr.split())


def test_a_url_is_named_as_given(env) -> None:
    url = "https://www.example.org/news/story.html"
    result = runner.invoke(app, ["ingest", url])
    assert result.exit_code == 1
    assert url in result.stderr.replace("\n", "") and "https:/www" not in result.stderr


def test_ctrl_c_says_how_many_articles_are_saved_and_how_to_resume(news: Path, tmp_path: Path) -> None:
    """SIGINT in a real process, while the model is answering the third article."""
    held = __import__("threading").Event()
    release = __import__("threading").Event()
    order = sorted(MINI_CORPUS)

    def reply(n, request):
        if request.sentence and request.sentence in MINI_CORPUS[order[2]]:
            held.set()
            release.wait(90)
        return extraction_reply(n, request)

    with FakeOpenAI(reply) as fake:
        env = {"DOSSIER_BASE_URL": fake.url, "DOSSIER_MODEL": "x", "DOSSIER_MAX_RETRIES": "0"}
        args = ["extract", str(news), "--index", str(tmp_path / "index"), "--out", str(tmp_path / "out.jsonl")]
        process = proc_worker.start_agent(args, env, tmp_path / "extract.log", tmp_path)
        try:
            assert held.wait(60), (tmp_path / "extract.log").read_text()
            os.kill(process.pid, signal.SIGINT)
            # The reply stays held longer than the join waits: Ctrl-C must not wait for the model.
            process.join(60)
        finally:
            release.set()
    log = " ".join((tmp_path / "extract.log").read_text().split())
    assert process.exitcode == 130, log
    assert log == "interrupted: 2 articles are extracted and saved; run the same command again to resume"


# --- managing the index --------------------------------------------------------------------


def test_articles_lists_what_is_indexed_and_whether_it_is_extracted(env, news: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, ["ingest", str(news)]).exit_code == 0
    rows = json.loads(runner.invoke(app, ["articles", "--json"]).stdout)
    assert [r["id"] for r in rows] == sorted(MINI_CORPUS)
    assert all(r["chunks"] >= 1 and r["extracted"] is False for r in rows)
    assert rows[0]["title"] == MINI_CORPUS[rows[0]["id"]].splitlines()[0]
    assert runner.invoke(app, ["extract", str(news / sorted(MINI_CORPUS)[0]), "--out", str(tmp_path / "o.jsonl")]).exit_code == 0
    rows = json.loads(runner.invoke(app, ["articles", "--json"]).stdout)
    assert [r["extracted"] for r in rows] == [True] + [False] * (len(MINI_CORPUS) - 1)
    table = runner.invoke(app, ["articles"]).stdout
    assert all(name in table for name in MINI_CORPUS)  # ids are never cut


def test_forget_removes_an_article_with_its_chunks_vectors_and_records(env, news: Path, tmp_path: Path) -> None:
    from agent.corpus import Corpus
    from agent.settings import Settings

    assert runner.invoke(app, ["extract", str(news), "--out", str(tmp_path / "o.jsonl")]).exit_code == 0
    gone, kept = sorted(MINI_CORPUS)[0], sorted(MINI_CORPUS)[1:]
    result = runner.invoke(app, ["forget", gone])
    assert result.exit_code == 0, result.output
    assert f"forgot 1 article: {gone}" in result.stdout
    with Corpus(Settings()) as corpus:
        assert [a.id for a in corpus.articles()] == kept
        vectors = corpus.collection.get(include=["metadatas"])["metadatas"]
        assert {m["article_id"] for m in vectors} == set(kept)
        assert sorted(c.id for c in corpus.store.chunks()) == sorted(corpus.collection.get(include=[])["ids"])
        assert {r.evidence.article for r in corpus.records()} <= set(kept) and corpus.records()
        assert corpus.store.db.execute("SELECT count(*) FROM extractions WHERE article_id = ?", (gone,)).fetchone()[0] == 0
    # An id not in the index is an error that names it, and removes nothing.
    missing = runner.invoke(app, ["forget", kept[0], "no-such-article.txt"])
    assert missing.exit_code == 1 and "no-such-article.txt" in missing.stderr
    assert len(json.loads(runner.invoke(app, ["articles", "--json"]).stdout)) == len(kept)


def test_extract_of_a_copy_of_an_indexed_folder_extracts_the_articles_it_duplicates(env, news: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, ["ingest", str(news)]).exit_code == 0
    copy = tmp_path / "copy"
    shutil.copytree(news, copy)
    out = tmp_path / "copy.jsonl"
    result = runner.invoke(app, ["extract", str(copy), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"from {len(MINI_CORPUS)} articles" in result.stdout
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert {r["evidence"]["article"] for r in records} == set(MINI_CORPUS)  # the indexed ids, not copy/...
    assert "same text as an article indexed under another id" in " ".join(result.stderr.split())
    assert len(json.loads(runner.invoke(app, ["articles", "--json"]).stdout)) == len(MINI_CORPUS)  # not indexed twice


def test_an_extract_that_selects_no_article_says_why(env, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "scans").mkdir()
    (tmp_path / "scans" / "page.pdf").write_bytes(b"%PDF-1.4")
    out = tmp_path / "out.jsonl"
    for folder, why in (("empty", "no articles found in"), ("scans", "page.pdf: unsupported file type '.pdf'")):
        result = runner.invoke(app, ["extract", str(tmp_path / folder), "--out", str(out)])
        said = " ".join(result.stderr.split())
        assert result.exit_code == 1, result.output
        assert "no article to extract" in said and str(tmp_path / folder) in said and why in said
    assert not out.exists()


# --- a missing index -----------------------------------------------------------------------

READ_COMMANDS = {
    "articles": ["articles"],
    "ask": ["ask", "Who backs the Northern Compact?"],
    "stances": ["stances"],
    "actors": ["actors"],
    "dates": ["dates"],
    "report": ["report", "--out", "report.html"],
    "check": ["check"],
    "forget": ["forget", "story.txt"],
    "eval": ["eval", "--gold", str(ROOT / "examples" / "eval" / "dev.json")],
    "lexicon --learned": ["lexicon", "--learned"],
}


@pytest.mark.parametrize("command", READ_COMMANDS.values(), ids=READ_COMMANDS.keys())
def test_a_read_command_on_a_folder_without_an_index_names_it_and_creates_nothing(env, tmp_path: Path, command: list[str]) -> None:
    typo = tmp_path / "indx"
    result = runner.invoke(app, [*command, "--index", str(typo)])
    assert result.exit_code == 1, result.output
    assert f"there is no index at {typo}" in " ".join(result.stderr.split())
    assert not typo.exists() and not Path("report.html").exists()


def test_the_api_reads_no_missing_index_and_creates_one_only_to_add_articles(news: Path, tmp_path: Path) -> None:
    from agent.corpus import Corpus
    from agent.errors import IndexMissing
    from agent.settings import Settings

    typo = tmp_path / "indx"
    with Corpus(Settings(index_path=typo)) as corpus:
        for read in (corpus.listing, corpus.actors, corpus.dates, corpus.extract, lambda: corpus.ask("Who backs the Northern Compact?")):
            with pytest.raises(IndexMissing, match=f"there is no index at {typo}"):
                read()
        assert not typo.exists()
        corpus.ingest([news])
        assert [a.id for a in corpus.listing()] == sorted(MINI_CORPUS)


def test_version_and_global_model_options(env, tmp_path: Path) -> None:
    from importlib.metadata import version

    assert runner.invoke(app, ["--version"]).stdout.strip() == f"dossier {version('dossier-agent')}"
    # --base-url and --model before the command reach the settings the command uses.
    from agent import cli

    seen = []
    original = cli._settings
    try:
        cli._settings = lambda index=None: seen.append(original(index)) or seen[-1]  # type: ignore[assignment]
        runner.invoke(app, ["--model", "big-model", "--base-url", "http://127.0.0.1:9/v1", "articles"])
    finally:
        cli._settings = original
    assert (seen[0].model, seen[0].base_url) == ("big-model", "http://127.0.0.1:9/v1")


def test_help_shows_flags_as_flags() -> None:
    text = runner.invoke(app, ["ask", "--help"], env={"COLUMNS": "100"}).stdout
    assert "--json" in text and "<bool>" not in text
    assert "<path>" in text  # options that take a value still say what

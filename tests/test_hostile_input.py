"""Hostile and awkward input (issue 27): a JSON Lines record never replaces another source's
article, a folder never leads outside itself nor hangs on a pipe, names print as one line,
counts say records for JSON Lines, and Ctrl-C during ingest says what is stored."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.corpus import Corpus
from agent.models import Article
from agent.ingest.readers import Skipped, read_paths
from agent.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
LIMIT = Settings().max_file_bytes
HARBOUR = "Harbour reopens\n\nThe harbour board of Velmora reopened the eastern quay on Monday, its chair said.\n"
FAKE = "The harbour board of Velmora was dissolved on Monday and its chair arrested."
MAYOR = "Mayor resigns\n\nThe mayor of Ostrand resigned on Tuesday, citing ill health.\n"
runner = CliRunner()


def _settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, index_path=tmp_path / "index", base_url="http://127.0.0.1:9/v1", model="x")  # type: ignore[call-arg]


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _jsonl(path: Path, records: list[dict]) -> Path:
    return _write(path, "".join(json.dumps(r) + "\n" for r in records))


@pytest.fixture
def wide_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich wraps at 80 columns off a terminal: widen it so a message is matched whole."""
    from agent import cli

    for console in (cli.console, cli.err):
        monkeypatch.setattr(console, "_width", 10_000)


# --- 1. identity across sources ---------------------------------------------------------------


def test_a_record_with_the_id_of_an_indexed_article_replaces_nothing(tmp_path: Path) -> None:
    news = _write(tmp_path / "news" / "harbour.txt", HARBOUR).parent
    feed = _jsonl(tmp_path / "feed.jsonl", [{"id": "harbour.txt", "text": FAKE}])
    with Corpus(_settings(tmp_path)) as corpus:
        assert corpus.ingest([news]).added == ["harbour.txt"]
        report = corpus.ingest([feed])
        # The record keeps its own id, scoped to its file; the article it named is untouched.
        assert report.added == ["feed.jsonl#harbour.txt"] and report.replaced == []
        assert corpus.store.article("harbour.txt").text == HARBOUR
        assert corpus.store.article("feed.jsonl#harbour.txt").text == FAKE
        # Each source keeps its id: both again change nothing, in either order.
        assert sorted(corpus.ingest([feed, news]).unchanged) == ["feed.jsonl#harbour.txt", "harbour.txt"]
        # A new version of the record replaces its own earlier version, and only that.
        _jsonl(feed, [{"id": "harbour.txt", "text": FAKE.replace("Monday", "Friday")}])
        edited = corpus.ingest([feed])
        assert edited.replaced == ["feed.jsonl#harbour.txt"] and edited.added == []
        assert corpus.store.article("harbour.txt").text == HARBOUR


def test_two_feeds_numbering_their_records_alike_keep_every_record(tmp_path: Path) -> None:
    first = _jsonl(tmp_path / "monday.jsonl", [{"id": "1", "text": HARBOUR}, {"id": "2", "text": MAYOR}])
    second = _jsonl(tmp_path / "tuesday.jsonl", [{"id": "1", "text": FAKE}, {"id": "2", "text": FAKE + " Talks resume."}])
    with Corpus(_settings(tmp_path)) as corpus:
        corpus.ingest([first])
        report = corpus.ingest([second])
        assert report.added == ["tuesday.jsonl#1", "tuesday.jsonl#2"] and report.replaced == []
        assert [corpus.store.article(i).text for i in ("1", "2")] == [HARBOUR, MAYOR]


def test_a_repeated_id_in_one_file_is_reported_and_the_first_line_kept(tmp_path: Path) -> None:
    feed = _jsonl(tmp_path / "feed.jsonl", [{"id": "w-1", "text": HARBOUR}, {"id": "w-2", "text": MAYOR}, {"id": "w-1", "text": FAKE}])
    results = list(read_paths([feed], LIMIT))
    assert [r.id for r in results if isinstance(r, Article)] == ["w-1", "w-2"]
    assert [str(r) for r in results if isinstance(r, Skipped)] == [f"{feed}:3: id 'w-1' repeats line 1; the first is kept"]
    assert next(r for r in results if isinstance(r, Article)).text == HARBOUR


# --- 4. folders stay folders --------------------------------------------------------------------


def _awkward_folder(root: Path) -> Path:
    """A good article beside every kind of path that is no article file of this folder."""
    news = root / "news"
    _write(news / "harbour.txt", HARBOUR)
    _write(root / "secret.txt", "root:x:0:0:SECRET-ACCOUNT-LINE\n")
    os.symlink(root / "secret.txt", news / "passwd.txt")  # a link out of the folder
    os.symlink(news / "loop-b.txt", news / "loop-a.txt")
    os.symlink(news / "loop-a.txt", news / "loop-b.txt")
    os.symlink(news / "gone.txt", news / "dangling.txt")
    os.mkfifo(news / "pipe.txt")
    _write(root / "elsewhere" / "outside.txt", MAYOR)
    os.symlink(root / "elsewhere", news / "linked-out")
    _write(news / "sub" / "inner.md", MAYOR)
    os.symlink(news / "sub", news / "linked-in")  # a folder inside: read once, by its own path
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(news / "s.txt"))  # a socket file; short name: AF_UNIX paths are short
    server.close()
    return news


def _within(seconds: float, function):
    """`function()`'s result, or a failure (not a hung test) when it does not return in time."""
    box: list = []
    worker = threading.Thread(target=lambda: box.append(function()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert box, f"still running after {seconds} s"
    return box[0]


def test_a_folder_never_leads_outside_itself_and_never_waits_on_a_pipe(tmp_path: Path) -> None:
    news = _awkward_folder(tmp_path)
    try:
        results = _within(30, lambda: list(read_paths([news], LIMIT)))
    finally:
        with open(os.open(news / "pipe.txt", os.O_RDWR | os.O_NONBLOCK), "rb"):  # releases a reader stuck on the pipe
            pass
    assert sorted(r.id for r in results if isinstance(r, Article)) == ["harbour.txt", "sub/inner.md"]
    assert not any("SECRET-ACCOUNT-LINE" in r.text for r in results if isinstance(r, Article))
    reasons = {Path(r.path).name: r.reason for r in results if isinstance(r, Skipped)}
    assert reasons == {
        "passwd.txt": f"symbolic link to {tmp_path / 'secret.txt'}, outside the folder: not followed",
        "loop-a.txt": "symbolic link loop: not followed",
        "loop-b.txt": "symbolic link loop: not followed",
        "dangling.txt": f"dangling symbolic link (to {news / 'gone.txt'}, which does not exist): not followed",
        "pipe.txt": "named pipe, not a regular file: never opened",
        "s.txt": "socket, not a regular file: never opened",
        "linked-out": f"symbolic link to {tmp_path / 'elsewhere'}, outside the folder: not followed",
        "linked-in": "symbolic link to a folder: not followed",
    }
    assert len([r for r in results if isinstance(r, Skipped)]) == len(reasons)  # one line each


def test_ingest_of_a_named_pipe_given_by_itself_returns_at_once(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "feed.jsonl")
    command = [sys.executable, "-m", "agent.cli", "ingest", str(tmp_path / "feed.jsonl"), "--index", str(tmp_path / "index")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOSSIER_")} | {"COLUMNS": "500"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    except subprocess.TimeoutExpired:
        pytest.fail("`agent ingest PIPE` is still waiting on the pipe after 120 s")
    assert done.returncode == 1
    assert f"skipped {tmp_path / 'feed.jsonl'}: named pipe, not a regular file: never opened" in done.stderr


def test_a_newline_in_a_file_name_cannot_forge_an_output_line(tmp_path: Path, wide_cli: None) -> None:
    news = tmp_path / "news"
    _write(news / "harbour.txt", HARBOUR)
    forged = "notes\nskipped harbour.txt: file is empty\x1b[2K.pdf"
    _write(news / forged, "%PDF-1.7")
    result = runner.invoke(app, ["ingest", str(news), "--index", str(tmp_path / "index")])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"skipped {news}/notes\\nskipped harbour.txt: file is empty\\x1b[2K.pdf: unsupported file type '.pdf'"
    ]


# --- 6. what ingest says ------------------------------------------------------------------------


def test_json_lines_records_are_counted_as_records_not_files(tmp_path: Path, wide_cli: None) -> None:
    feed = _jsonl(tmp_path / "news" / "feed.jsonl", [{"id": f"r{i}", "text": f"Record {i}: the quay of Velmora reopened."} for i in range(30)])
    _write(feed.parent / "harbour.txt", HARBOUR)
    result = runner.invoke(app, ["ingest", str(feed.parent), "--index", str(tmp_path / "index")])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("1 file, 30 records: 31 added, 0 replaced, 0 unchanged, 0 skipped;")


def test_ctrl_c_during_ingest_says_what_is_stored_and_how_to_resume(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wide_cli: None) -> None:
    import agent.corpus

    news = tmp_path / "news"
    for n, town in enumerate(["Velmora", "Ostrand", "Kessia", "Harwick"]):
        _write(news / f"{n}.txt", f"Port news {n}\n\nThe port of {town} reopened on Monday after a strike.\n")
    monkeypatch.setattr(agent.corpus, "INGEST_BATCH", 1)  # each article is stored as soon as it is read
    chunk_article = agent.corpus.chunk_article
    calls = []

    def interrupted_at_the_third(article, chars):
        calls.append(article.id)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return chunk_article(article, chars)

    monkeypatch.setattr(agent.corpus, "chunk_article", interrupted_at_the_third)
    args = ["ingest", str(news), "--index", str(tmp_path / "index")]
    result = runner.invoke(app, args)
    assert result.exit_code == 130
    assert result.stderr.strip() == (
        "interrupted: 2 articles stored before it (the index holds 2); run the same command again to resume: "
        "what is stored is not read again"
    )
    monkeypatch.setattr(agent.corpus, "chunk_article", chunk_article)
    again = runner.invoke(app, args)
    assert "2 added, 0 replaced, 2 unchanged" in again.stdout, again.output

"""A damaged, full or read-only index: one clear line and never a traceback, `agent check`
finding the damage, and `agent check --repair` restoring an index whose search results
equal the undamaged one's. A damaged store is never modified."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.corpus import Corpus
from agent.errors import StoreDamaged
from agent.settings import Settings

from .conftest import EXAMPLES

runner = CliRunner()
QUESTIONS = ["Who backs the GNA?", "How many Turkish troops are in Libya?", "Where did the leaders meet?"]


def _settings(index: Path) -> Settings:
    return Settings(_env_file=None, index_path=index, base_url="http://127.0.0.1:9/v1", model="x", max_retries=0)  # type: ignore[call-arg]


def _search(index: Path) -> list[list[str]]:
    with Corpus(_settings(index)) as corpus:
        return [[hit.chunk.id for hit in corpus.search(q)] for q in QUESTIONS]


@pytest.fixture
def index(tmp_path: Path, _ingested_template: Path) -> Path:
    shutil.copytree(_ingested_template, tmp_path / "index")
    return tmp_path / "index"


def _cli(*args: str) -> object:
    result = runner.invoke(app, list(args), env={"COLUMNS": "10000"})
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def _lose_vectors(index: Path) -> None:
    """Chroma's data deleted, the SQLite store intact, as the next process finds it."""
    from chromadb.api.client import SharedSystemClient

    for path in index.iterdir():
        if path.name == "chroma.sqlite3" or (path.is_dir() and len(path.name) == 36):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    SharedSystemClient.clear_system_cache()  # this process's Chroma client still holds the old data


def _chunk_count(index: Path) -> int:
    with Corpus(_settings(index)) as corpus:
        return corpus.collection.count()


# --- 1. vectors lost ----------------------------------------------------------------------------


def test_lost_vectors_are_found_by_check_and_restored_by_repair(index: Path, tmp_path: Path) -> None:
    healthy, chunks = _search(index), _chunk_count(index)
    assert _cli("check", "--index", str(index)).exit_code == 0
    _lose_vectors(index)

    found = _cli("check", "--json", "--index", str(index))
    assert found.exit_code == 1
    report = json.loads(found.stdout)
    assert (report["articles"], report["chunks"], report["vectors"], report["missing_vectors"]) == (5, chunks, 0, chunks)
    assert report["problems"] == [f"{chunks} of {chunks} chunks have no vector (search cannot find them)"]

    repaired = _cli("check", "--repair", "--index", str(index))
    assert repaired.exit_code == 0, repaired.output
    assert f"repaired: {chunks} vectors re-embedded, 0 orphan vectors deleted" in repaired.stdout
    assert _cli("check", "--index", str(index)).exit_code == 0
    assert _search(index) == healthy


def test_ingest_restores_missing_vectors_of_unchanged_articles(index: Path) -> None:
    healthy, chunks = _search(index), _chunk_count(index)
    _lose_vectors(index)
    result = _cli("ingest", str(EXAMPLES), "--index", str(index))
    assert result.exit_code == 0
    assert "5 unchanged" in result.stdout
    assert f"restored {chunks} vectors that were missing from the index" in result.stderr
    assert _search(index) == healthy


def test_orphan_vectors_are_found_and_deleted(index: Path) -> None:
    chunks = _chunk_count(index)
    with Corpus(_settings(index)) as corpus:
        corpus.collection.upsert(ids=["orphan-1", "orphan-2"], documents=["Old text.", "Older text."])
    report = json.loads(_cli("check", "--json", "--index", str(index)).stdout)
    assert report["orphan_vectors"] == 2 and report["ok"] is False
    assert _cli("check", "--repair", "--index", str(index)).exit_code == 0
    with Corpus(_settings(index)) as corpus:
        assert corpus.collection.count() == chunks and corpus.check().ok


# --- 2. a damaged store --------------------------------------------------------------------------


def test_a_truncated_store_is_named_never_modified_and_never_a_traceback(index: Path) -> None:
    store = index / "dossier.sqlite3"
    os.truncate(store, store.stat().st_size // 2)
    digest = hashlib.sha256(store.read_bytes()).hexdigest()
    for args in (["ask", "Who backs the GNA?"], ["ingest", str(EXAMPLES)], ["check"], ["check", "--repair"], ["articles"]):
        result = _cli(*args, "--index", str(index))
        assert result.exit_code == 1, (args, result.output)
        line = result.stderr.strip()
        assert len(line.splitlines()) == 1, result.stderr
        assert f"the store {store} is damaged" in line and "agent ingest FILES --index NEW_PATH" in line
    assert hashlib.sha256(store.read_bytes()).hexdigest() == digest


def test_debug_shows_the_traceback(index: Path) -> None:
    store = index / "dossier.sqlite3"
    os.truncate(store, store.stat().st_size // 2)
    try:
        result = runner.invoke(app, ["--debug", "ask", "Who backs the GNA?", "--index", str(index)])
    finally:
        os.environ.pop("DOSSIER_DEBUG", None)  # --debug sets it for the rest of the process
    assert isinstance(result.exception, StoreDamaged)
    assert isinstance(result.exception.__context__, sqlite3.DatabaseError)  # the cause is in the traceback


def _unmount(path: Path) -> None:
    """The in-process Chroma client keeps its files open: let it go, then unmount."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(path)], check=True)


# --- 3. a read-only index ------------------------------------------------------------------------


@pytest.fixture
def read_only(index: Path, tmp_path: Path):
    """The index on a read-only bind mount (root, where mounting works), or with file modes
    that forbid writing (any other user)."""
    view = tmp_path / "read-only-view"
    view.mkdir()
    if os.geteuid() == 0:
        mounted = subprocess.run(["mount", "--bind", str(index), str(view)], capture_output=True)
        if mounted.returncode != 0:
            pytest.skip(f"cannot bind-mount as root here: {mounted.stderr.decode().strip()}")
        subprocess.run(["mount", "-o", "remount,ro,bind", str(view)], check=True)
        try:
            yield view
        finally:
            _unmount(view)
    else:
        view.rmdir()
        shutil.copytree(index, view)
        for path in [view, *view.rglob("*")]:
            path.chmod(path.stat().st_mode & ~0o222)
        try:
            yield view
        finally:
            for path in [view, *view.rglob("*")]:
                path.chmod(path.stat().st_mode | 0o200)


def test_reading_a_read_only_index_works_and_writing_says_so(read_only: Path) -> None:
    with pytest.raises(OSError):
        (read_only / "probe").write_text("x")
    with Corpus(_settings(read_only)) as corpus:
        assert corpus.readonly
        hits = [[hit.chunk.id for hit in corpus.search(q)] for q in QUESTIONS]
        # Lexical search still finds the passages when the vectors cannot be opened read-only.
        assert all(ids for ids in hits)
        # Chroma cannot open its files without writing: lexical search answers, and says so.
        assert corpus.notes == [
            f"the vector index at {read_only} cannot be opened read-only (InternalError); answering from lexical search only"
        ]
    listing = _cli("articles", "--json", "--index", str(read_only))
    assert listing.exit_code == 0 and len(json.loads(listing.stdout)) == 5
    for args in (["ingest", str(EXAMPLES)], ["forget", "000_9d2263bbbf356092.txt"], ["check", "--repair"]):
        result = _cli(*args, "--index", str(read_only))
        assert result.exit_code == 1
        assert result.stderr.startswith(f"error: the index at {read_only} is read-only"), result.stderr


def test_asking_a_read_only_index_needs_no_write_access(read_only: Path) -> None:
    result = _cli("ask", "What did Zorblax Quint say?", "--index", str(read_only))
    assert result.exit_code == 0, result.output
    assert "not added to its question log" in result.stderr


# --- 4. a full disk ------------------------------------------------------------------------------


@pytest.fixture
def full_disk(index: Path, tmp_path: Path):
    """The index on a 2 MB tmpfs filled to the last byte (root, where mounting works)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root; the simulated full disk below runs everywhere")
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        shutil.copytree(index, disk / "index")
        with (disk / "filler").open("wb") as filler:
            try:
                while True:
                    filler.write(b"\0" * 65536)
                    filler.flush()
            except OSError:
                pass
        yield disk / "index"
    finally:
        _unmount(disk)


def test_a_full_disk_is_named_with_its_free_space(full_disk: Path, tmp_path: Path) -> None:
    news = tmp_path / "news"
    news.mkdir()
    for i in range(4):
        (news / f"story-{i}.txt").write_text(f"Story {i}\n\n" + "The harbour of Velmora reopened on Monday after a strike. " * 200)
    for args in (["ingest", str(news)], ["ask", "Who reopened the harbour?"]):
        result = _cli(*args, "--index", str(full_disk))
        assert result.exit_code == 1
        assert result.stderr.startswith(f"error: no space left on the disk that holds the index at {full_disk} (0.0 MB free)"), result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_a_full_disk_during_a_write_is_one_clear_line(index: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from agent.index.store import Store

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Store, "put_article", full)
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "story.txt").write_text("Port reopens\n\nThe port of Velmora reopened on Monday.\n")
    result = _cli("ingest", str(tmp_path / "news"), "--index", str(index))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: no space left on the disk that holds the index at {index} (")


# --- 5. Chroma's own errors ----------------------------------------------------------------------


def test_a_vector_store_failure_names_the_index_and_the_next_step(index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import chromadb.errors

    import agent.index.retrieval

    def broken(*args, **kwargs):
        raise chromadb.errors.InternalError("Error in compaction: Failed to apply logs to the metadata segment")

    monkeypatch.setattr(agent.index.retrieval, "add_chunks", broken)
    (index.parent / "news").mkdir()
    (index.parent / "news" / "story.txt").write_text("Port reopens\n\nThe port of Velmora reopened on Monday.\n")
    result = _cli("ingest", str(index.parent / "news"), "--index", str(index))
    assert result.exit_code == 1
    line = result.stderr.strip()
    assert line.startswith(f"error: the vector index at {index} failed (Error in compaction")
    assert line.endswith("run `agent check` to see what is wrong, then `agent check --repair`")


# --- 6. articles larger than one vector write, and a failed vector write (issue 27) ----------------


def _long_article(path: Path, sentences: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("Harbour minutes\n\n" + "".join(
        f"On day {n} the harbour board of Velmora met and agreed to keep the eastern quay open for repairs. " for n in range(sentences)
    ))
    return path


def test_chroma_refuses_a_write_over_the_maximum_its_client_reports_and_ingest_stays_under_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real limit: the on-disk client reports its maximum (5,461 records, the chunks of a
    3.4 MB article) and refuses one record more in a single write; `add_chunks` writes exactly
    that many at a time. (Writing 5,462 real vectors takes half a minute: the writes are counted.)"""
    import numpy as np

    import agent.index.embeddings
    from agent.models import Chunk
    from agent.index.retrieval import add_chunks, open_collection

    collection = open_collection(_settings(tmp_path / "index"))
    limit = collection._client.get_max_batch_size()
    assert limit > 1000
    ids = [f"c{n}" for n in range(limit + 1)]
    with pytest.raises(Exception, match=f"greater than max batch size of {limit}"):
        collection.upsert(ids=ids, embeddings=np.full((len(ids), 384), 0.05, dtype=np.float32))
    monkeypatch.setattr(agent.index.embeddings, "embed", lambda texts: np.full((len(texts), 384), 0.05, dtype=np.float32))
    writes: list[int] = []
    monkeypatch.setattr(collection, "upsert", lambda ids, **kwargs: writes.append(len(ids)))
    add_chunks(collection, [Chunk(id=i, article_id="minutes.txt", start=0, end=1, text="x") for i in ids])
    assert writes == [limit, 1]


def test_an_article_with_more_chunks_than_one_write_takes_is_indexed_whole(index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same at a small scale, end to end: the client reports 7, and a larger write is refused
    as Chroma refuses one over its real maximum."""
    from chromadb.api.models.Collection import Collection
    from chromadb.api.rust import RustBindingsAPI

    monkeypatch.setattr(RustBindingsAPI, "get_max_batch_size", lambda self: 7)
    upsert, writes = Collection.upsert, []

    def refusing_upsert(self, ids, **kwargs):
        writes.append(len(ids))
        if len(ids) > self._client.get_max_batch_size():
            raise ValueError(f"Batch size of {len(ids)} is greater than max batch size of {self._client.get_max_batch_size()}")
        return upsert(self, ids=ids, **kwargs)

    monkeypatch.setattr(Collection, "upsert", refusing_upsert)
    minutes = _long_article(index.parent / "news" / "minutes.txt", 200)
    result = _cli("ingest", str(minutes), "--index", str(index))
    assert result.exit_code == 0, result.output
    with Corpus(_settings(index)) as corpus:
        chunks = corpus.store.chunk_counts()["minutes.txt"]
        assert chunks > 21 and sum(writes) == chunks and max(writes) == 7
        assert corpus.check().ok
        assert corpus.search("eastern quay of Velmora", 3)[0].chunk.article_id == "minutes.txt"


def test_a_failed_vector_write_is_seen_by_check_and_repaired(index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import chromadb.errors

    import agent.index.retrieval

    add_chunks = agent.index.retrieval.add_chunks

    def failing(*args, **kwargs):  # what Chroma raised on a 3.7 MB article before writes were batched
        raise chromadb.errors.InternalError("ValueError: Batch size of 8775 is greater than max batch size of 5461")

    monkeypatch.setattr(agent.index.retrieval, "add_chunks", failing)
    minutes = _long_article(index.parent / "news" / "minutes.txt", 30)
    failed = _cli("ingest", str(minutes), "--index", str(index))
    assert failed.exit_code == 1 and "run `agent check`" in failed.stderr
    monkeypatch.setattr(agent.index.retrieval, "add_chunks", add_chunks)
    with Corpus(_settings(index)) as corpus:
        missing = corpus.store.chunk_counts()["minutes.txt"]  # the store holds the text the vectors are made from
        chunks = corpus.store.counts()[1]

    found = _cli("check", "--index", str(index))
    assert found.exit_code == 1
    assert f"problem: {missing} of {chunks} chunks have no vector (search cannot find them)" in found.stdout
    repaired = _cli("check", "--repair", "--index", str(index))
    assert repaired.exit_code == 0 and f"repaired: {missing} vectors re-embedded" in repaired.stdout, repaired.output
    with Corpus(_settings(index)) as corpus:
        assert corpus.search("eastern quay of Velmora", 3)[0].chunk.article_id == "minutes.txt"

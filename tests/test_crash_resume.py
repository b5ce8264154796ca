"""Crash and resume, in real processes: `agent extract` killed with SIGKILL mid-batch and
run again ends with the same output as an uninterrupted run, redoing only what was not
cached; two `agent ingest` at once on one index leave it consistent."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import sqlite3
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from agent.corpus import Corpus
from agent.extract.attitude_judge import AnswerCache
from agent.index.retrieval import open_collection
from agent.index.store import Store
from agent.settings import Settings

from .fake_openai import FakeOpenAI, Reply, Request, closed_port_url, extraction_reply
from .news_samples import MINI_CORPUS, write_corpus

FORKSERVER = sys.platform != "win32" and "forkserver" in multiprocessing.get_all_start_methods()
pytestmark = pytest.mark.skipif(not FORKSERVER, reason="needs POSIX signals and the forkserver start method")

from . import proc_worker  # noqa: E402

if FORKSERVER:
    proc_worker.warm()  # at collection: the children's imports run while other tests do

WAIT_S = 60  # generous: a child's first run loads the forkserver (about 5 s on 2 cores)


class HoldingModel:
    """Valid extraction answers; the `hold_at`-th request of a run is held, unanswered,
    until the test has killed the client that sent it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: list[Request] = []
        self.hold_at: int | None = None
        self.held = threading.Event()
        self.release = threading.Event()

    def arm(self, hold_at: int | None) -> None:
        with self._lock:
            self.requests, self.hold_at = [], hold_at
            self.held.clear()
            self.release.clear()

    def __call__(self, n: int, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            mine = len(self.requests)
        if mine == self.hold_at:
            self.held.set()
            self.release.wait(WAIT_S)
        return extraction_reply(n, request)


@pytest.fixture(scope="module")
def model():
    holder = HoldingModel()
    with FakeOpenAI(holder) as fake:
        yield fake, holder


@dataclass
class Batch:
    root: Path  # holds the news folder and an ingested index to copy
    news: Path

    def copy_index(self, to: Path) -> Path:
        shutil.copytree(self.root / "index", to)
        return to


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    root = tmp_path_factory.mktemp("batch")
    news = write_corpus(root / "news")
    with Corpus(Settings(_env_file=None, index_path=root / "index")) as corpus:  # type: ignore[call-arg]
        corpus.ingest([news])
    return Batch(root, news)


def _extract(fake: FakeOpenAI, news: Path, index: Path, out: Path, cache: Path):
    env = {"DOSSIER_BASE_URL": fake.url, "DOSSIER_MODEL": "x", "DOSSIER_MAX_RETRIES": "0", "DOSSIER_REQUEST_TIMEOUT": "30",
           "DOSSIER_CACHE_DIR": str(cache)}
    log = out.with_suffix(".log")
    args = ["extract", str(news), "--index", str(index), "--out", str(out)]
    return proc_worker.start_agent(args, env, log, cwd=out.parent), log


def _cached(index: Path) -> list[str]:
    with sqlite3.connect(index / "dossier.sqlite3") as db:
        return [r[0] for r in db.execute("SELECT article_id FROM extractions ORDER BY article_id")]


def _kept_answers(cache: Path) -> int:
    """The attitude judge's answers on disk that a later run reads (a line torn by the kill is not one)."""
    return len(AnswerCache(cache / "attitude_answers.jsonl"))


def _article_of(request: Request) -> str:
    """Which article a request is about: the one whose text holds its <sentence>."""
    return next(name for name, text in MINI_CORPUS.items() if request.sentence and request.sentence in text)


@dataclass
class CleanRun:
    lines: list[str]
    calls: dict[str, int]  # model calls per article
    questions: dict[str, int]  # of those, the attitude judge's (its answers are kept on disk as they come)

    @property
    def total(self) -> int:
        return sum(self.calls.values())


@pytest.fixture(scope="module")
def clean(model, batch: Batch, tmp_path_factory: pytest.TempPathFactory) -> CleanRun:
    fake, holder = model
    work = tmp_path_factory.mktemp("clean")
    holder.arm(None)
    process, log = _extract(fake, batch.news, batch.copy_index(work / "index"), work / "out.jsonl", work / "cache")
    process.join(WAIT_S)
    assert process.exitcode == 0, log.read_text()
    lines = (work / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert lines and len(lines) == len(set(lines))
    calls, questions = {name: 0 for name in MINI_CORPUS}, {name: 0 for name in MINI_CORPUS}
    for request in holder.requests:
        calls[_article_of(request)] += 1
        questions[_article_of(request)] += request.attitude_question
    assert sum(calls.values()) >= 4 and sum(1 for c in calls.values() if c) >= 3
    assert _kept_answers(work / "cache") == sum(questions.values())
    return CleanRun(sorted(lines), calls, questions)


@pytest.mark.parametrize("moment", ["first-call", "middle", "last-call"])
def test_killed_extraction_resumes_to_the_same_output(moment: str, model, batch: Batch, clean: CleanRun, tmp_path: Path) -> None:
    fake, holder = model
    index, out, cache = batch.copy_index(tmp_path / "index"), tmp_path / "out.jsonl", tmp_path / "cache"
    hold_at = {"first-call": 1, "middle": clean.total // 2 + 1, "last-call": clean.total}[moment]

    holder.arm(hold_at)
    process, log = _extract(fake, batch.news, index, out, cache)
    try:
        assert holder.held.wait(WAIT_S), f"the run never reached call {hold_at}: {log.read_text()}"
        os.kill(process.pid, signal.SIGKILL)  # mid-call, as a crash or an OOM kill would
        process.join(WAIT_S)
    finally:
        holder.release.set()
    assert process.exitcode == -signal.SIGKILL
    assert not out.exists()  # the output is written whole at the end, or not at all
    done = _cached(index)
    assert len(done) < len(MINI_CORPUS)
    if moment == "first-call":
        assert done == []

    kept = _kept_answers(cache) - sum(clean.questions[name] for name in done)  # answered for articles not saved
    holder.arm(None)
    process, log = _extract(fake, batch.news, index, out, cache)
    process.join(WAIT_S)
    assert process.exitcode == 0, log.read_text()

    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(set(lines))  # no duplicates
    assert sorted(lines) == clean.lines  # nothing lost, nothing changed
    assert _cached(index) == sorted(MINI_CORPUS)  # one cache row per article
    # Only the articles not cached before the kill cost model calls again, less the attitude
    # questions answered before it: no question is asked twice.
    assert len(holder.requests) == clean.total - sum(clean.calls[name] for name in done) - kept
    assert not list(tmp_path.glob(".out.jsonl.*"))  # no temporary file left behind


def test_model_down_in_a_real_process_prints_one_error_line(batch: Batch, tmp_path: Path) -> None:
    """No logging is set up in a real CLI run: instructor's per-attempt ERROR records would
    reach stderr through logging's last-resort handler, beside our own message."""
    url = closed_port_url()
    env = {"DOSSIER_BASE_URL": url, "DOSSIER_MODEL": "x", "DOSSIER_MAX_RETRIES": "0"}
    log = tmp_path / "extract.log"
    args = ["extract", str(batch.news), "--index", str(batch.copy_index(tmp_path / "index")), "--out", str(tmp_path / "o.jsonl")]
    process = proc_worker.start_agent(args, env, log, cwd=tmp_path)
    process.join(WAIT_S)
    assert process.exitcode == 1
    output = " ".join(log.read_text().split())  # rich wraps at 80 columns in a file
    assert output == f"error: cannot reach the model at {url} ([Errno 111] Connection refused; 1 try): is the server running?"


# --- two writers ----------------------------------------------------------------------------


def _news(i: int) -> str:
    return f"Dispatch {i}\n\nTurkey said on Monday that it supports the GNA, in dispatch number {i}. The LNA denied it.\n"


def _index_is_consistent(index: Path) -> tuple[int, int]:
    settings = Settings(_env_file=None, index_path=index)  # type: ignore[call-arg]
    store = Store(settings.store_path)
    try:
        (articles, chunks), store_ids = store.counts(), [c.id for c in store.chunks()]
    finally:
        store.close()
    collection = open_collection(settings)
    stored = collection.get(include=["embeddings"])
    assert len(store_ids) == len(set(store_ids)) == chunks
    assert sorted(stored["ids"]) == sorted(store_ids) and collection.count() == chunks
    # Each vector is found again by search: none went missing from Chroma's vector index.
    nearest = collection.query(query_embeddings=stored["embeddings"], n_results=1, include=[])["ids"]
    assert [n[0] for n in nearest] == stored["ids"]
    return articles, chunks


def test_two_ingests_at_once_leave_a_consistent_index(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for folder, numbers in ((a, range(0, 8)), (b, range(4, 12))):  # 4..7 in both
        folder.mkdir()
        for i in numbers:
            (folder / f"dispatch-{i:02d}.txt").write_text(_news(i))
    index = tmp_path / "index"
    processes = [
        proc_worker.start_agent(["ingest", str(folder), "--index", str(index)], {}, tmp_path / f"{folder.name}.log", tmp_path)
        for folder in (a, b)
    ]
    for process in processes:
        process.join(WAIT_S)
    logs = [(tmp_path / f"{f}.log").read_text() for f in ("a", "b")]
    assert [p.exitcode for p in processes] == [0, 0], logs
    assert _index_is_consistent(index) == (12, 12)


STRESS_ROUNDS = 20  # a race that loses one run in ten shows up in 20 rounds with p = 0.88
QUICK_ROUNDS = 2  # what `make test` runs outside CI; the rest are marked `stress` (CI runs all)


@pytest.mark.parametrize(
    "round_", [pytest.param(r, marks=() if r < QUICK_ROUNDS else pytest.mark.stress) for r in range(STRESS_ROUNDS)],
)
def test_commands_started_together_on_a_new_index_all_succeed(round_: int, tmp_path: Path) -> None:
    """Two ingests, a question and two listings start at the same moment on an index that
    does not exist yet: one ingest creates the store and the collection, and every command
    opens them or (a reader that came first) says there is no index yet."""
    folders = {"a": range(0, 3), "b": range(3, 6)}
    for name, numbers in folders.items():
        (tmp_path / name).mkdir()
        for i in numbers:
            (tmp_path / name / f"dispatch-{i}.txt").write_text(_news(i))
    index = str(tmp_path / "index")
    commands = {
        "ingest-a": ["ingest", str(tmp_path / "a"), "--index", index],
        "ingest-b": ["ingest", str(tmp_path / "b"), "--index", index],
        "ask": ["ask", "What did Zorblax Quint say?", "--index", index],
        "stances": ["stances", "--index", index],
        "actors": ["actors", "--index", index],
    }
    env = {"DOSSIER_BASE_URL": closed_port_url(), "DOSSIER_MODEL": "x", "DOSSIER_MAX_RETRIES": "0"}
    processes = proc_worker.start_together(commands, env, tmp_path, WAIT_S)
    for process in processes.values():
        process.join(WAIT_S)
    logs = {name: (tmp_path / f"{name}.log").read_text() for name in commands}
    for name, log in logs.items():
        assert "Traceback" not in log and "locked" not in log, f"{name}: {log}"
    codes = {name: p.exitcode for name, p in processes.items()}
    # A command that reads before an ingest created the index, or a question asked before any
    # article was stored, is told so; no other outcome is an error.
    for name in ("ask", "stances", "actors"):
        if codes[name] == 1:
            said = " ".join(logs[name].split())
            assert f"there is no index at {index}" in said or "is empty: run `agent ingest PATH` first" in said, logs[name]
            codes[name] = 0
    assert codes == dict.fromkeys(commands, 0), logs
    assert _index_is_consistent(tmp_path / "index") == (6, 6)


def test_every_write_of_an_ingest_happens_under_the_writer_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import fcntl

    import agent.index.retrieval

    index = tmp_path / "index"
    lock_file = index / "ingest.lock"

    def held_by_another() -> bool:
        # flock belongs to an open file: a second open of the lock file conflicts with the
        # ingest's own, even in this process.
        with lock_file.open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False

    writes: list[tuple[str, bool]] = []

    def spy(name: str, real):
        def wrapper(*args, **kwargs):
            writes.append((name, held_by_another()))
            return real(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(agent.index.retrieval, "add_chunks", spy("add_chunks", agent.index.retrieval.add_chunks))
    monkeypatch.setattr(agent.index.retrieval, "delete_chunks", spy("delete_chunks", agent.index.retrieval.delete_chunks))
    monkeypatch.setattr(Store, "put_article", spy("put_article", Store.put_article))
    news = tmp_path / "news"
    news.mkdir()
    for i in range(3):
        (news / f"dispatch-{i}.txt").write_text(_news(i))
    with Corpus(Settings(_env_file=None, index_path=index)) as corpus:  # type: ignore[call-arg]
        corpus.ingest([news])
    assert {name for name, _ in writes} == {"add_chunks", "delete_chunks", "put_article"}
    assert [name for name, _ in writes].count("put_article") == 3
    assert [name for name, locked in writes if not locked] == []


def _waiting_for_lock(pid: int) -> bool:
    return any("->" in line and f" {pid} " in line for line in Path("/proc/locks").read_text().splitlines())


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="needs Linux /proc/locks to see a blocked writer")
def test_a_second_writer_waits_for_the_first(tmp_path: Path) -> None:
    news = tmp_path / "news"
    news.mkdir()
    (news / "dispatch.txt").write_text(_news(1))
    index = tmp_path / "index"
    store = Store(index / "dossier.sqlite3")
    try:
        with store.writer_lock():
            process = proc_worker.start_agent(["ingest", str(news), "--index", str(index)], {}, tmp_path / "ingest.log", tmp_path)
            deadline = time.monotonic() + WAIT_S
            while not _waiting_for_lock(process.pid):
                assert process.is_alive() and time.monotonic() < deadline, (tmp_path / "ingest.log").read_text()
                time.sleep(0.02)
            assert store.counts() == (0, 0)  # it waits before writing anything
        process.join(WAIT_S)
    finally:
        store.close()
    assert process.exitcode == 0, (tmp_path / "ingest.log").read_text()
    assert _index_is_consistent(index) == (1, 1)

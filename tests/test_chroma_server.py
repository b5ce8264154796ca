"""A real Chroma server (`chroma run`) behind the index: the same retrieval and the same
answers as the embedded on-disk index, by configuration alone."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import agent.index.embeddings
from agent.corpus import Corpus
from agent.errors import IndexUnavailable
from agent.settings import Settings

from .conftest import EXAMPLES
from .fake_openai import free_port

CHROMA = Path(sys.executable).with_name("chroma")
START_TIMEOUT_S = 60.0
QUERIES = ["Who backs the GNA?", "ceasefire on January 12", "Haftar's offensive on Tripoli", "TurkStream gas pipeline"]

_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never through a proxy


def _beating(port: int) -> bool:
    try:
        with _direct.open(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def chroma_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    binary = CHROMA if CHROMA.exists() else shutil.which("chroma")
    if binary is None:
        pytest.skip(f"no `chroma` command beside {sys.executable} or on PATH (it ships with chromadb)")
    port = free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    log = (data / "server.log").open("wb")
    process = subprocess.Popen(
        [str(binary), "run", "--path", str(data / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _beating(port):
            if process.poll() is not None:
                pytest.fail(f"`chroma run` exited with {process.returncode}:\n{(data / 'server.log').read_text()[-2000:]}")
            if time.monotonic() > deadline:
                pytest.skip(f"`chroma run` did not answer within {START_TIMEOUT_S:.0f} s")
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def known_vectors(corpus: Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    """The chunks' vectors as the embedded index already holds them: embedding the demo
    corpus again takes seconds and would only repeat the same computation. Queries are
    still embedded live."""
    stored = corpus.collection.get(include=["documents", "embeddings"])
    known = {doc: np.asarray(vector, dtype=np.float32) for doc, vector in zip(stored["documents"], stored["embeddings"])}
    live = agent.index.embeddings.embed

    def embed(texts: list[str]) -> np.ndarray:
        return np.stack([known[t] for t in texts]) if texts and all(t in known for t in texts) else live(texts)

    monkeypatch.setattr(agent.index.embeddings, "embed", embed)


def test_a_chroma_server_serves_the_same_retrieval_and_answers(
    chroma_port: int, corpus: Corpus, settings: Settings, tmp_path: Path, known_vectors: None
) -> None:
    served = settings.model_copy(update={"index_path": tmp_path / "served", "chroma_host": "127.0.0.1", "chroma_port": chroma_port})
    with Corpus(served) as server_corpus:
        report = server_corpus.ingest([EXAMPLES])
        assert len(report.added) == 5 and not report.skipped
        assert server_corpus.collection.count() == corpus.collection.count() == corpus.store.counts()[1]
        assert not (tmp_path / "served" / "chroma.sqlite3").exists()  # vectors live on the server

        for query in QUERIES:
            assert server_corpus.retriever.dense(query, 8) == corpus.retriever.dense(query, 8), query
            assert [h.chunk.id for h in server_corpus.search(query)] == [h.chunk.id for h in corpus.search(query)], query

        # Nothing retrieved is about a population: both refuse the same way, offline.
        answer, expected = server_corpus.ask("What is the population of Sirte?"), corpus.ask("What is the population of Sirte?")
        assert server_corpus._llm is None
        assert answer.refused and answer == expected

        assert server_corpus.ingest([EXAMPLES]).unchanged == report.added  # idempotent against the server too


def test_an_unreachable_chroma_server_is_a_clear_error(settings: Settings) -> None:
    port = free_port()
    with Corpus(settings.model_copy(update={"chroma_host": "127.0.0.1", "chroma_port": port})) as corpus:
        with pytest.raises(IndexUnavailable, match=rf"cannot reach the Chroma server at 127\.0\.0\.1:{port}"):
            corpus.ingest([EXAMPLES])
        assert corpus.store.counts() == (0, 0)

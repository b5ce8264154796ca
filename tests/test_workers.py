"""`--workers`: articles extracted in parallel give exactly the records of a serial run."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from agent.corpus import Corpus
from agent.settings import Settings

from .conftest import EXAMPLES
from .fake_openai import FakeOpenAI, extraction_reply


def _slow_reply(n, request):
    time.sleep(0.02)  # long enough for the worker threads to overlap
    return extraction_reply(n, request)


def _records(folder: Path, url: str, workers: int, name: str) -> list[str]:
    # Each run on its own copy of one ingested index (extraction is compared, so the articles are
    # embedded once) and its own cache folder (the attitude judge's answers kept by one run would
    # spare the other its questions).
    settings = Settings(
        index_path=shutil.copytree(folder.parent / "ingested", folder.parent / name),
        cache_dir=folder.parent / f"{name}-cache", base_url=url, model="x", max_retries=0,
    )
    with Corpus(settings) as corpus:
        results = corpus.extract([folder], workers=workers)
        assert [r.article.id for r in results] == sorted(r.article.id for r in results)
        return [r.model_dump_json() for result in results for r in result.records]


def test_parallel_extraction_equals_a_serial_one(tmp_path: Path):
    folder = tmp_path / "news"
    folder.mkdir()
    for name in ("000_9d2263bbbf356092.txt", "002_f78050063894d683.txt", "004_f922b3274599afac.txt"):
        (folder / name).write_text((EXAMPLES / name).read_text(encoding="utf-8"), encoding="utf-8")
    with Corpus(Settings(index_path=tmp_path / "ingested")) as corpus:
        corpus.ingest([folder])
    with FakeOpenAI(_slow_reply) as fake:
        serial = _records(folder, fake.url, 1, "serial")
        calls = len(fake.chat_requests())
        parallel = _records(folder, fake.url, 3, "parallel")
        assert len(fake.chat_requests()) == 2 * calls
    assert parallel == serial
    assert len(serial) == len(set(serial)) > 0

"""Shared fixtures. Model calls replay VCR cassettes recorded from the real embedded server.

`make test` replays (record mode `none`): a request that does not match its
cassette fails. `make record` starts the embedded model and re-records.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from agent.corpus import Corpus
from agent.settings import Settings

from .cassettes import CASSETTES, VCR_CONFIG

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "libya"
# Replays never reach this address; a test that misses its cassette fails instead of hanging.
REPLAY_URL = "http://127.0.0.1:9/v1"


@pytest.fixture(scope="session")
def vcr_config() -> dict:
    return dict(VCR_CONFIG)


@pytest.fixture(scope="session")
def vcr_cassette_dir() -> str:
    return str(CASSETTES)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's keys, .env or model cache, nor writes to that cache (the
    attitude judge keeps its answers there)."""
    for name in list(os.environ):
        if name.startswith("DOSSIER_") or name == "OPENAI_API_KEY":
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOSSIER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def model_url(request: pytest.FixtureRequest):
    """Where model calls go: the real embedded server when recording, nowhere when replaying."""
    if request.config.getoption("--record-mode") in (None, "none"):
        yield REPLAY_URL
        return
    if os.environ.get("RECORD_MODEL_URL"):  # a server already running (e.g. `agent model serve --keep`)
        yield os.environ["RECORD_MODEL_URL"]
        return
    from agent.model.local import model_endpoint

    with model_endpoint(Settings()) as url:
        yield url


@pytest.fixture
def settings(tmp_path: Path, model_url: str) -> Settings:
    # The same model name when recording and replaying, so request bodies match.
    return Settings(
        index_path=tmp_path / "index",
        cache_dir=tmp_path / "cache",
        base_url=model_url,
        model="dossier-local",
        max_retries=0,
        request_timeout=1800,  # a recording waits on the real server, which colleagues share: slow, not stuck
    )


@pytest.fixture(scope="session")
def _ingested_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo corpus ingested once per session; tests get their own copy."""
    path = tmp_path_factory.mktemp("template") / "index"
    with Corpus(Settings(index_path=path)) as corpus:
        corpus.ingest([EXAMPLES])
    return path


@pytest.fixture
def corpus(settings: Settings, _ingested_template: Path):
    shutil.copytree(_ingested_template, settings.index_path)
    with Corpus(settings) as c:
        yield c


@pytest.fixture(scope="session")
def _extracted_template(request: pytest.FixtureRequest, model_url: str, vcr_config: dict, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo corpus ingested and extracted once per session, replaying one cassette of the
    real model's extraction (`cassettes/extract_demo_corpus.yaml`): what `ask` reads from."""
    import vcr

    root = tmp_path_factory.mktemp("extracted")
    settings = Settings(index_path=root / "index", cache_dir=root / "cache", base_url=model_url, model="dossier-local", max_retries=0, request_timeout=300)
    mode = request.config.getoption("--record-mode") or "none"
    cassette = CASSETTES / "extract_demo_corpus.yaml"
    # `--record-mode=once` records only cassettes that do not exist yet: this one is replayed.
    replay = mode == "none" or mode == "once" and cassette.exists()
    recorder = vcr.VCR(record_mode="none" if replay else "all", **vcr_config)
    with recorder.use_cassette(str(cassette)), Corpus(settings) as corpus:
        corpus.extract([EXAMPLES])
    return settings.index_path


@pytest.fixture
def extracted(settings: Settings, _extracted_template: Path):
    """A corpus whose records `agent extract` has stored (the demo corpus)."""
    shutil.copytree(_extracted_template, settings.index_path)
    with Corpus(settings) as c:
        yield c

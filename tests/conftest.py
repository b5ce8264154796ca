"""Shared fixtures. Model calls replay VCR cassettes recorded from the real embedded server.

`make test` replays (record mode `none`): a request that does not match its
cassette fails. `make record` starts the embedded model and re-records.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import pytest

from agent.corpus import Corpus
from agent.settings import Settings

from .cassettes import CASSETTES, VCR_CONFIG

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "libya"
# Replays never reach this address; a test that misses its cassette fails instead of hanging.
REPLAY_URL = "http://127.0.0.1:9/v1"


def pytest_configure(config: pytest.Config) -> None:
    """Temporary folders on tmpfs where the machine has a roomy one and TMPDIR is not set.
    The tests write thousands of small SQLite and Chroma files: on a disk, SQLite's fsync at
    each commit and the deletion of old runs' folders cost the suite tens of seconds of
    waiting; on tmpfs nothing. A killed process loses no written data on either. Set before
    any temporary folder exists, in the xdist controller too, and inherited by the workers
    and every process a test starts."""
    if os.environ.get("TMPDIR") or config.option.basetemp:
        return
    try:
        free = os.statvfs("/dev/shm")
    except OSError:
        return
    if free.f_bavail * free.f_frsize >= 2 << 30 and os.access("/dev/shm", os.W_OK | os.X_OK):
        os.environ["TMPDIR"] = "/dev/shm"
        tempfile.tempdir = None  # gettempdir() reads TMPDIR again


# The longest files first (from `pytest --durations=0` on 2 cores), then the others by their
# number of tests: `--dist loadfile --no-loadscope-reorder` hands files out in this order, and
# a long file handed out last keeps one worker busy while the other waits.
LONGEST_FILES = ("test_notebook.py", "test_crash_resume.py", "test_damaged_index.py", "test_keep_alive.py", "test_bench.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FILES)}
    tests_in = Counter(item.path for item in items)
    items.sort(key=lambda item: (rank.get(item.path.name, len(rank)), -tests_in[item.path], str(item.path)))


@pytest.fixture(scope="session")
def vcr_config() -> dict:
    return dict(VCR_CONFIG)


@pytest.fixture(scope="session")
def vcr_cassette_dir() -> str:
    return str(CASSETTES)


@pytest.fixture(scope="session", autouse=True)
def _embedding_memo() -> Iterator[None]:
    """Each text embedded once per worker. About ninety tests ingest the same demo articles,
    and embedding them again each time was a sixth of the suite's CPU; the vectors are the
    model's own (`agent bench` times the unmemoised function)."""
    import numpy as np

    import agent.index.embeddings as embeddings

    model = embeddings.embed
    vectors: dict[str, np.ndarray] = {}

    def memoised(texts: list[str]) -> np.ndarray:
        new = [text for text in dict.fromkeys(texts) if text not in vectors]
        if new:
            vectors.update(zip(new, model(new)))
        return np.stack([vectors[text] for text in texts]) if texts else model(texts)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(embeddings, "embed", memoised)
        yield


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


@contextmanager
def _run_lock(path: Path) -> Iterator[None]:
    import fcntl

    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """`build(path)` once per test run rather than once per xdist worker: the first worker to
    ask builds it under a lock, the others wait for it and use the same folder. Tests only
    ever copy a template, never open it, so sharing one lets no test's writes reach another."""
    base = tmp_path_factory.getbasetemp()
    try:
        import fcntl  # noqa: F401
    except ImportError:  # no flock: each worker builds its own
        shared = False
    else:
        shared = bool(os.environ.get("PYTEST_XDIST_WORKER"))
    root = base.parent if shared else base
    folder, done = root / f"template-{name}", root / f"template-{name}.done"
    lock = _run_lock(root / f"template-{name}.lock") if shared else nullcontext()
    with lock:
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)  # a build that failed half-way
            folder.mkdir()
            build(folder / "index")
            done.touch()
    return folder / "index"


@pytest.fixture(scope="session")
def _ingested_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo corpus ingested once per run; tests get their own copy."""

    def build(path: Path) -> None:
        with Corpus(Settings(index_path=path)) as corpus:
            corpus.ingest([EXAMPLES])

    return _built_once(tmp_path_factory, "ingested", build)


@pytest.fixture
def corpus(settings: Settings, _ingested_template: Path):
    shutil.copytree(_ingested_template, settings.index_path)
    with Corpus(settings) as c:
        yield c


@pytest.fixture(scope="session")
def _extracted_template(
    request: pytest.FixtureRequest, model_url: str, vcr_config: dict, tmp_path_factory: pytest.TempPathFactory, _ingested_template: Path
) -> Path:
    """The demo corpus ingested and extracted once per run, replaying one cassette of the
    real model's extraction (`cassettes/extract_demo_corpus.yaml`): what `ask` reads from.
    It starts from a copy of the ingested template (extraction finds the articles unchanged)."""
    import vcr

    mode = request.config.getoption("--record-mode") or "none"
    cassette = CASSETTES / "extract_demo_corpus.yaml"
    # `--record-mode=once` records only cassettes that do not exist yet: this one is replayed.
    replay = mode == "none" or mode == "once" and cassette.exists()

    def build(path: Path) -> None:
        shutil.copytree(_ingested_template, path)
        settings = Settings(index_path=path, cache_dir=path.parent / "cache", base_url=model_url, model="dossier-local", max_retries=0, request_timeout=300)
        recorder = vcr.VCR(record_mode="none" if replay else "all", **vcr_config)
        with recorder.use_cassette(str(cassette)), Corpus(settings) as corpus:
            corpus.extract([EXAMPLES])

    return _built_once(tmp_path_factory, "extracted", build)


@pytest.fixture
def extracted(settings: Settings, _extracted_template: Path):
    """A corpus whose records `agent extract` has stored (the demo corpus)."""
    shutil.copytree(_extracted_template, settings.index_path)
    with Corpus(settings) as c:
        yield c

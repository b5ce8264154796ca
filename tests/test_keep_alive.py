"""Keep-alive of the embedded server: the server a command starts stays up for later
commands and notebooks, stops itself once idle for DOSSIER_KEEP_ALIVE seconds, is never
started twice for one model, and a dead or stale one is replaced. A server that cannot
compute fails at start, and one that dies later is named, with how it ended and its log, by
the client's error and `agent model status`. A stand-in for llama-cpp-python's server
(tests/fake_llama) plays the server: these tests are about the process's life, not the model."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

from agent.model import local as local_model
from agent.cli import app
from agent.errors import ModelError
from agent.model.llm import LLM
from agent.model.local import find_running_server, model_endpoint, server_status, stop_kept_server
from agent.settings import Settings

FAKE = Path(__file__).parent / "fake_llama"


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.syspath_prepend(str(FAKE))  # find_spec("llama_cpp") finds the stand-in
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(FAKE), *filter(None, [os.environ.get("PYTHONPATH")])]))
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")
    settings = Settings(_env_file=None, cache_dir=tmp_path / "cache", local_model_path=model, server_start_timeout=30)  # type: ignore[call-arg]
    yield settings
    stop_kept_server(settings)


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not local_model._alive(pid):
            return True
        time.sleep(0.1)
    return False


def _pid(settings: Settings) -> int:
    return json.loads((settings.cache_dir / "server.json").read_text())["pid"]


def test_the_server_outlives_its_command_and_stops_when_idle(settings: Settings) -> None:
    settings.keep_alive = 2.0
    with model_endpoint(settings) as url:
        pass
    assert find_running_server(settings) == url  # still there for the next command
    pid = _pid(settings)
    status = server_status(settings)
    assert status.running and status.url == url and status.keep_alive_s == 2.0 and status.idle_s < 2.0
    with model_endpoint(settings) as again:  # the next command uses it
        assert again == url
    # Used now and then, it stays up past its keep-alive...
    for _ in range(6):
        local_model.touch_activity(settings)
        time.sleep(0.5)
    assert local_model._alive(pid)
    # ...and idle, it stops itself and forgets its address.
    assert _gone_within(pid, 30)
    assert find_running_server(settings) is None and not (settings.cache_dir / "server.json").exists()
    status = server_status(settings)
    assert not status.running and status.last_end is not None
    assert (status.last_end.pid, status.last_end.how()) == (pid, "after 2 s idle")


def test_a_stop_asked_for_is_recorded_as_such(settings: Settings) -> None:
    settings.keep_alive = 60
    with model_endpoint(settings):
        pass
    pid = _pid(settings)
    assert stop_kept_server(settings) is True
    end = server_status(settings).last_end
    assert end is not None and (end.pid, end.how()) == (pid, "on request")


def test_keep_alive_zero_stops_the_server_on_exit(settings: Settings) -> None:
    settings.keep_alive = 0
    with model_endpoint(settings) as url:
        assert find_running_server(settings) is None  # not recorded for others: it is this command's
        assert url.startswith("http://127.0.0.1:")
    assert server_status(settings).running is False


def test_a_dead_server_is_replaced(settings: Settings) -> None:
    settings.keep_alive = 60
    with model_endpoint(settings) as first:
        pass
    pid = _pid(settings)
    os.kill(pid, 9)  # crashed
    assert _gone_within(pid, 10)
    with model_endpoint(settings) as second:
        assert _pid(settings) != pid and local_model._alive(_pid(settings))
        assert find_running_server(settings) == second


def test_commands_starting_together_share_one_server(settings: Settings) -> None:
    settings.keep_alive = 60
    urls: list[str] = []

    def command() -> None:
        with model_endpoint(settings) as url:
            urls.append(url)

    threads = [threading.Thread(target=command) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(urls) == 4 and len(set(urls)) == 1
    assert len(_servers_for(settings.local_model_path)) == 1


def _servers_for(model: Path) -> list[int]:
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if local_model.SERVER_MODULE.encode() in args and str(model.resolve()).encode() in args:
            found.append(int(proc.name))
    return found


# --- a server that crashes -------------------------------------------------------------------


def _faulting_at(settings: Settings, generation: int) -> None:
    """The stand-in server kills itself with SIGSEGV at its `generation`th generation."""
    assert settings.local_model_path is not None
    settings.local_model_path.write_bytes(f"GGUF crash_at_generation={generation}".encode())


@pytest.mark.parametrize("keep_alive", [0, 60], ids=["stopped-at-exit", "kept"])
def test_a_server_that_cannot_generate_fails_at_start_naming_the_signal_and_its_log(settings: Settings, keep_alive: float) -> None:
    settings.keep_alive = keep_alive
    _faulting_at(settings, 1)  # it answers /v1/models, and dies at the first generation
    with pytest.raises(ModelError) as caught:
        with model_endpoint(settings):
            pass
    message = str(caught.value)
    assert "stopped at its first generation" in message and "killed by signal 11, SIGSEGV" in message
    assert str(settings.cache_dir / "server.log") in message and "faulting at generation 1" in message  # its log's last lines
    assert find_running_server(settings) is None and not _servers_for(settings.local_model_path)


class Reply(BaseModel):
    text: str


@pytest.mark.parametrize("keep_alive", [0, 60], ids=["stopped-at-exit", "kept"])
def test_a_server_that_dies_later_is_named_by_the_client_and_by_model_status(
    settings: Settings, keep_alive: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.keep_alive = keep_alive
    settings.max_retries = 0
    _faulting_at(settings, 2)  # the check at start passes; the first real call kills it
    with model_endpoint(settings) as url:
        with pytest.raises(ModelError) as caught:
            LLM(settings, url).structured(Reply, [{"role": "user", "content": "Say OK."}])
    message = str(caught.value)
    assert message.startswith("the local model server stopped (killed by signal 11, SIGSEGV) at ")
    assert f"its log: {settings.cache_dir / 'server.log'}; last lines:" in message
    assert "faulting at generation 2" in message and "is the server running?" not in message

    monkeypatch.setenv("DOSSIER_CACHE_DIR", str(settings.cache_dir))
    status = CliRunner().invoke(app, ["model", "status"])
    assert status.exit_code == 0, status.output
    said = " ".join(status.stdout.split())
    assert "no local model server is running" in said
    assert "the last server (pid " in said and "killed by signal 11, SIGSEGV; its log: " in said

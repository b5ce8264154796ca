"""The kept `ask` process (`agent.kept_ask`): the same answers as the calling process, over a
socket only its user can open; gone when idle or when the model server it stood beside is
gone, and never in the way (a stale socket, a second process). Graph questions over the
extracted demo corpus: no model call."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from agent import kept_ask
from agent.corpus import Corpus
from agent.errors import DossierError

MODEL_URL = "http://127.0.0.1:9/v1"


@pytest.fixture
def kept(extracted: Corpus, tmp_path, monkeypatch: pytest.MonkeyPatch):
    """The kept process's loop in a thread, beside a (pretended) kept model server."""
    monkeypatch.setattr(kept_ask, "find_running_server", lambda settings: MODEL_URL)
    settings = extracted.settings.model_copy(update={"cache_dir": tmp_path / "cache", "keep_alive": 20.0})
    thread = threading.Thread(target=kept_ask.serve, args=(settings,), daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not kept_ask.socket_path(settings).exists():
        assert thread.is_alive() and time.monotonic() < deadline
        time.sleep(0.05)
    yield settings, thread
    monkeypatch.setattr(kept_ask, "find_running_server", lambda settings: None)
    kept_ask.ask_kept(settings, "Who backs the GNA?")  # the model server is gone: it leaves
    thread.join(timeout=30)


def test_the_kept_process_gives_the_answer_the_caller_would(kept, extracted: Corpus):
    settings, _ = kept
    answer, notes = kept_ask.ask_kept(settings, "Who backs the GNA?")
    assert answer == extracted.ask("Who backs the GNA?")
    assert answer.route == "graph" and answer.citations and notes == []
    assert stat.S_IMODE(kept_ask.socket_path(settings).stat().st_mode) == 0o600


def test_a_dossier_error_there_is_the_answer_here(kept):
    settings, _ = kept
    with pytest.raises(DossierError, match="empty"):
        kept_ask.ask_kept(settings, "   ")


def test_it_leaves_when_the_model_server_it_stood_beside_is_gone(kept, monkeypatch: pytest.MonkeyPatch):
    settings, thread = kept
    monkeypatch.setattr(kept_ask, "find_running_server", lambda settings: "http://127.0.0.1:10/v1")  # replaced
    assert kept_ask.ask_kept(settings, "Who backs the GNA?") is None  # the caller answers
    thread.join(timeout=30)
    assert not thread.is_alive() and not kept_ask.socket_path(settings).exists()


def test_a_second_process_for_the_same_settings_leaves_at_once(kept):
    settings, thread = kept
    started = time.monotonic()
    kept_ask.serve(settings)  # the lock is held: returns without touching the socket
    assert time.monotonic() - started < 5 and thread.is_alive()
    assert kept_ask.ask_kept(settings, "Who backs the GNA?") is not None


def test_it_leaves_when_idle(extracted: Corpus, tmp_path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(kept_ask, "find_running_server", lambda settings: MODEL_URL)
    settings = extracted.settings.model_copy(update={"cache_dir": tmp_path / "cache", "keep_alive": 0.5})
    thread = threading.Thread(target=kept_ask.serve, args=(settings,), daemon=True)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive() and not kept_ask.socket_path(settings).exists()


def test_a_socket_nobody_listens_on_is_no_answer(extracted: Corpus, tmp_path):
    settings = extracted.settings.model_copy(update={"cache_dir": tmp_path / "cache"})
    path = kept_ask.socket_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)  # the cache folder, or the short one
    import socket

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as stale:
        stale.bind(str(path))  # bound, never listening, then closed: what a killed process leaves
    assert path.exists()
    assert kept_ask.ask_kept(settings, "Who backs the GNA?") is None


def test_another_index_or_model_gets_its_own_process(extracted: Corpus, tmp_path):
    settings = extracted.settings
    assert kept_ask.socket_path(settings) == kept_ask.socket_path(settings.model_copy())
    assert kept_ask.socket_path(settings) != kept_ask.socket_path(settings.model_copy(update={"index_path": tmp_path / "other"}))
    assert kept_ask.socket_path(settings) != kept_ask.socket_path(settings.model_copy(update={"model": "another"}))


def test_only_the_embedded_model_leaves_a_kept_process(extracted: Corpus, tmp_path, monkeypatch: pytest.MonkeyPatch):
    started = []
    monkeypatch.setattr(kept_ask.subprocess, "Popen", lambda *a, **k: started.append(a))
    settings = extracted.settings.model_copy(update={"cache_dir": tmp_path / "cache"})
    kept_ask.start_kept(settings)  # an endpoint (the cassettes' URL): nothing kept
    kept_ask.start_kept(settings.model_copy(update={"base_url": None, "keep_alive": 0.0}))  # no keep-alive
    assert started == []
    kept_ask.start_kept(settings.model_copy(update={"base_url": None}))
    assert len(started) == 1 and started[0][0][1:3] == ["-m", "agent.kept_ask"]


def test_agent_model_stop_stops_it(kept):
    settings, thread = kept
    assert kept_ask.stop_kept(settings) == 1
    thread.join(timeout=30)
    assert not thread.is_alive() and not kept_ask.socket_path(settings).exists()


def test_without_a_kept_model_server_nothing_is_kept(extracted: Corpus, tmp_path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(kept_ask, "find_running_server", lambda settings: None)
    settings = extracted.settings.model_copy(update={"cache_dir": tmp_path / "cache"})
    kept_ask.serve(settings)  # returns at once
    assert not kept_ask.socket_path(settings).exists()


def test_a_caller_that_sends_garbage_does_not_stop_it(kept):
    settings, thread = kept
    import socket

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.connect(str(kept_ask.socket_path(settings)))
        connection.sendall(b"not json\n")
    assert kept_ask.ask_kept(settings, "Who backs the GNA?") is not None and thread.is_alive()


def test_stopped_by_a_signal_it_takes_its_socket_and_lock_with_it(extracted: Corpus, tmp_path):
    settings = extracted.settings.model_copy(update={"cache_dir": tmp_path / "cache", "keep_alive": 60.0})
    script = (
        "import json, sys\n"
        "from agent import kept_ask\n"
        "from agent.settings import Settings\n"
        f"kept_ask.find_running_server = lambda settings: {MODEL_URL!r}\n"
        "kept_ask.serve(Settings(**json.loads(sys.argv[1])))\n"
    )
    process = subprocess.Popen([sys.executable, "-c", script, json.dumps(kept_ask._portable(settings))])
    path = kept_ask.socket_path(settings)
    deadline = time.monotonic() + 60
    while not path.exists():
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    assert not path.exists() and not path.with_suffix(".lock").exists()


def test_a_cache_folder_too_deep_for_a_socket_gets_a_short_folder_of_its_own(extracted: Corpus, tmp_path, monkeypatch: pytest.MonkeyPatch):
    """Unix allows a socket a path of about 100 bytes: below a deep cache folder the socket goes
    to a folder only this user may enter, and answers the same."""
    monkeypatch.setattr(kept_ask, "find_running_server", lambda settings: MODEL_URL)
    runtime = Path(tempfile.mkdtemp(prefix="run", dir="/tmp"))  # as short as a user's runtime folder
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    deep = tmp_path.joinpath(*["a-rather-long-folder-name"] * 6)
    settings = extracted.settings.model_copy(update={"cache_dir": deep, "keep_alive": 20.0})
    path = kept_ask.socket_path(settings)
    assert path.parent == runtime / "dossier" and len(os.fsencode(path)) < 100 < len(os.fsencode(deep))
    thread = threading.Thread(target=kept_ask.serve, args=(settings,), daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not path.exists():
        assert thread.is_alive() and time.monotonic() < deadline
        time.sleep(0.05)
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    answer, _ = kept_ask.ask_kept(settings, "Who backs the GNA?")
    assert answer.answer == extracted.ask("Who backs the GNA?").answer
    assert kept_ask.stop_kept(settings) == 1
    thread.join(timeout=30)
    assert not thread.is_alive() and not path.exists()
    shutil.rmtree(runtime)


def test_a_question_for_the_kept_process_loads_no_parser_index_or_model_client() -> None:
    """`ask` starts, hands its question over and prints: the heavy modules are the kept
    process's to load (`agent.cli` and `agent.kept_ask` reach them only inside the commands
    that open a corpus)."""
    heavy = ["agent.corpus", "agent.answer.routes", "agent.index.store", "chromadb", "spacy", "openai", "instructor", "numpy"]
    probe = f"import sys, agent.cli, agent.kept_ask; print([m for m in {heavy!r} if m in sys.modules])"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert json.loads(loaded.replace("'", '"')) == []


def test_the_public_api_still_comes_from_the_package() -> None:
    import agent

    assert agent.Corpus is Corpus and agent.Settings.__module__ == "agent.settings"
    with pytest.raises(AttributeError, match="no attribute 'Corpse'"):
        agent.Corpse  # noqa: B018

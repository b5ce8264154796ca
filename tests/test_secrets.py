"""Keys never reach cassettes, exception messages, logs or CLI output; the local model
server listens on loopback only."""

from __future__ import annotations

import logging
import re
import shutil
import traceback
from pathlib import Path

import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

from agent.cli import app
from agent.errors import ModelError
from agent.model.llm import LLM
from agent.model.local import LocalServer
from agent.settings import Settings

from .conftest import ROOT
from .fake_openai import FakeOpenAI, Request, Reply, closed_port_url, error

OPENAI_KEY = "sk-proj-FAKEfake0123456789abcdefABCDEF0123456789"
DOSSIER_KEY = "dk-live-5f0c2a9e7b1d4c3a8e6f9b2d1c0a7e4f"  # not sk- shaped: only knowing it finds it

_LEAKS = [
    re.compile(r"\bsk-[A-Za-z0-9_\-]{16,}"),
    re.compile(r"\bBearer\s+[A-Za-z0-9._~+/=\-]{8,}", re.IGNORECASE),
    # a header recorded as a YAML key (vcrpy writes request and response headers that way)
    re.compile(r"^\s*['\"]?(?:authorization|api-key|x-api-key|openai-organization|openai-project|cookie|set-cookie)['\"]?\s*:",
               re.IGNORECASE | re.MULTILINE),
]


def leaks(text: str) -> list[str]:
    return [m.group(0) for pattern in _LEAKS for m in pattern.finditer(text)]


def test_the_leak_detector_finds_what_it_looks_for() -> None:
    assert leaks(f"authorization:\n- Bearer {OPENAI_KEY}\n")
    assert leaks("    Authorization:\n    - xyz\n")
    assert leaks(f'{{"key": "{OPENAI_KEY}"}}')
    assert not leaks("The GNA asked for authorization: talks stalled. A sketchy deal.")


def test_no_cassette_holds_a_key_or_an_auth_header() -> None:
    cassettes = sorted((ROOT / "cassettes").rglob("*")) if (ROOT / "cassettes").exists() else []
    found = {str(p.relative_to(ROOT)): leaks(p.read_text(encoding="utf-8", errors="replace"))
             for p in cassettes if p.is_file()}
    assert not {name: hits for name, hits in found.items() if hits}


# --- keys in errors, logs and CLI output --------------------------------------------------


class Item(BaseModel):
    name: str


def _echo_key(n: int, request: Request) -> Reply:
    """A 401 whose body repeats the credentials sent, as some proxies and servers do."""
    return error(401, f"Incorrect API key provided: {request.headers.get('authorization')}")


def _no_key_in(exc: BaseException, records: list[logging.LogRecord], *keys: str) -> None:
    texts = [str(exc), "".join(traceback.format_exception(exc))]
    for record in records:
        texts.append(record.getMessage())
        if record.exc_info:
            texts.append(logging.Formatter().formatException(record.exc_info))
        if record.exc_text:
            texts.append(record.exc_text)
    for key in keys:
        for text in texts:
            assert key not in text and key[-12:] not in text


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    monkeypatch.setenv("DOSSIER_API_KEY", DOSSIER_KEY)


def test_openai_key_stays_out_of_errors_and_logs(keys: None, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    settings = Settings(max_retries=0, request_timeout=2)
    assert settings.provider == "openai"

    with FakeOpenAI(_echo_key) as fake:
        with pytest.raises(ModelError) as rejected:
            LLM(settings, fake.url).structured(Item, [{"role": "user", "content": "hi"}])
    assert fake.requests[0].headers["authorization"] == f"Bearer {OPENAI_KEY}"  # the key was in play
    assert "refused the API key (HTTP 401" in str(rejected.value)

    with pytest.raises(ModelError) as refused:
        LLM(settings, closed_port_url()).structured(Item, [{"role": "user", "content": "hi"}])
    assert "cannot reach" in str(refused.value)

    assert caplog.records  # the clients did log, at DEBUG
    _no_key_in(rejected.value, caplog.records, OPENAI_KEY)
    _no_key_in(refused.value, caplog.records, OPENAI_KEY)


def test_endpoint_key_stays_out_of_errors_and_logs(keys: None, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeOpenAI(_echo_key) as fake:
        settings = Settings(base_url=fake.url, model="x", max_retries=0)
        assert settings.api_key is not None and settings.provider == "endpoint"
        with pytest.raises(ModelError) as rejected:
            LLM(settings, fake.url).structured(Item, [{"role": "user", "content": "hi"}])
    assert fake.requests[0].headers["authorization"] == f"Bearer {DOSSIER_KEY}"
    assert "Bearer ***" in str(rejected.value)
    _no_key_in(rejected.value, caplog.records, DOSSIER_KEY)
    assert DOSSIER_KEY not in repr(settings) and DOSSIER_KEY not in str(settings.model_dump())


def test_keys_stay_out_of_cli_output(
    keys: None, settings: Settings, _ingested_template: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    shutil.copytree(_ingested_template, settings.index_path)
    question = "When did the LNA take Sirte?"  # not a stance question: it needs the model
    with FakeOpenAI(_echo_key) as fake:
        rejected = CliRunner().invoke(
            app, ["ask", question, "--index", str(settings.index_path)],
            env={"DOSSIER_BASE_URL": fake.url, "DOSSIER_MODEL": "x", "DOSSIER_MAX_RETRIES": "0"},
        )
    refused = CliRunner().invoke(
        app, ["ask", question, "--index", str(settings.index_path)],
        env={"DOSSIER_BASE_URL": closed_port_url(), "DOSSIER_MODEL": "x", "DOSSIER_MAX_RETRIES": "0"},
    )
    assert fake.requests[0].headers["authorization"] == f"Bearer {DOSSIER_KEY}"
    for result, says in ((rejected, "refused the API key"), (refused, "cannot reach the model")):
        assert result.exit_code == 1
        assert says in " ".join(result.stderr.split())
        assert DOSSIER_KEY not in result.output and OPENAI_KEY not in result.output
        assert "API call failed" not in result.output  # instructor's own error logs stay out of the CLI
    for record in caplog.records:
        assert DOSSIER_KEY not in record.getMessage() and OPENAI_KEY not in record.getMessage()
    # instructor logs each failed attempt at ERROR; with no logging set up (a plain CLI run)
    # those would go to stderr beside our one error line, key and all: they are demoted.
    instructor_records = [r for r in caplog.records if r.name.startswith("instructor.v2.retry")]
    assert instructor_records and all(r.levelno == logging.DEBUG for r in instructor_records)


# --- the local server ---------------------------------------------------------------------


def test_local_server_binds_loopback_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOST", "0.0.0.0")  # llama_cpp.server reads HOST; it must not reach the server
    server = LocalServer(Settings(cache_dir=tmp_path), tmp_path / "model.gguf", port=8123)
    command = server.command()
    at = command.index("--host")
    assert command[at + 1] == "127.0.0.1"
    assert command.count("--host") == 1 and "0.0.0.0" not in command
    assert server.base_url == "http://127.0.0.1:8123/v1"
    from agent.model.local import _server_env

    assert "HOST" not in _server_env()

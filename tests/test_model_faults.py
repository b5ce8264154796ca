"""Model faults against a fake OpenAI-compatible server on a real socket: transient ones are
retried and succeed, persistent ones end in one clear `ModelError` naming the endpoint,
in bounded time, and a failed extraction caches nothing for the article it was on."""

from __future__ import annotations

import math
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openai._base_client
import pytest
from pydantic import BaseModel

from agent.corpus import Corpus
from agent.errors import ModelError
from agent.model.llm import LLM
from agent.settings import Settings

from .fake_openai import FakeOpenAI, Reply, Request, Script, closed_port_url, error, extraction_reply, tool_call
from .news_samples import MINI_CORPUS, write_corpus


class Item(BaseModel):
    name: str
    count: int


VALID = tool_call("Item", {"name": "ceasefire", "count": 2})
MESSAGES = [{"role": "system", "content": "Extract."}, {"role": "user", "content": "<sentence>Two ceasefires.</sentence>"}]


class _RecordedSleeps:
    """Stands in for the `time` module inside openai's client: its retry sleeps are recorded,
    so a test bounds how long the client waits without timing the machine."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        time.sleep(seconds)

    def __getattr__(self, name: str):
        return getattr(time, name)


@pytest.fixture(autouse=True)
def backoff(monkeypatch: pytest.MonkeyPatch) -> _RecordedSleeps:
    """The openai client's backoff starts at 0.5 s and doubles; these tests check that it
    retries and what it ends with, not how long it sleeps, so start it at 10 ms."""
    monkeypatch.setattr(openai._base_client, "INITIAL_RETRY_DELAY", 0.01)
    sleeps = _RecordedSleeps()
    monkeypatch.setattr(openai._base_client, "time", sleeps)
    return sleeps


def fault_settings(url: str) -> Settings:
    return Settings(base_url=url, model="x", max_retries=2, request_timeout=1)


def call(url: str) -> Item:
    return LLM(fault_settings(url), url).structured(Item, MESSAGES)


@pytest.mark.parametrize(
    "script",
    [
        pytest.param([error(429, "slow down", {"Retry-After": "0"}), VALID], id="429-retry-after-0"),
        pytest.param([error(500), VALID], id="500"),
        pytest.param([error(503, "loading model"), error(502), VALID], id="503-then-502"),
        pytest.param([Reply(body=b"<html>proxy error</html>"), VALID], id="not-json"),
    ],
)
def test_transient_faults_are_retried_then_succeed(script: list[Reply]) -> None:
    with FakeOpenAI(script) as fake:
        assert call(fake.url).model_dump() == {"name": "ceasefire", "count": 2}
    assert len(fake.chat_requests()) == len(script)


def test_an_answer_that_does_not_validate_is_asked_again_with_the_error() -> None:
    with FakeOpenAI([tool_call("Item", {"name": "ceasefire", "count": "two"}), VALID]) as fake:
        assert call(fake.url).count == 2
    first, second = fake.chat_requests()
    assert len(second.messages) > len(first.messages)  # instructor's re-ask carries the validation error
    assert "count" in str(second.messages[len(first.messages):])


@dataclass(frozen=True)
class Fault:
    script: Script | None  # None: nothing listens at the URL
    says: tuple[str, ...]  # in the message, besides the endpoint URL
    requests: int  # what the fake should receive: retried faults are tried max_retries + 1 times
    seconds: float  # an upper bound on the client's backoff sleeps between tries


FAULTS = {
    "connection-refused": Fault(None, ("cannot reach", "Connection refused", "3 tries", "is the server running"), 0, 3),
    "hangs-past-timeout": Fault([Reply(hang=True)], ("did not answer within 1 s", "3 tries", "DOSSIER_REQUEST_TIMEOUT"), 3, 8),
    "500-forever": Fault([error(500, "CUDA out of memory")], ("HTTP 500", "CUDA out of memory", "3 tries"), 3, 3),
    "429-forever": Fault([error(429, "quota", {"Retry-After": "0"})], ("rate-limiting", "HTTP 429", "3 tries"), 3, 3),
    "401": Fault([error(401, "invalid key")], ("refused the API key", "HTTP 401", "DOSSIER_API_KEY"), 1, 3),
    "400": Fault([error(400, "context length exceeded")], ("HTTP 400", "context length exceeded"), 1, 3),
    "body-not-json": Fault([Reply(body=b"<html>502 Bad Gateway</html>")], ("not an OpenAI-style JSON response", "/v1"), 3, 3),
    "arguments-invalid": Fault(
        [tool_call("Item", {"name": "ceasefire", "count": "many"})],
        ("no valid Item in 3 attempts", "count", "valid integer", "'many'"), 3, 3,
    ),
    "arguments-not-json": Fault([tool_call("Item", "{name: ceasefire")], ("no valid Item in 3 attempts", "Invalid JSON"), 3, 3),
    "no-tool-call": Fault(
        [Reply(body={"id": "x", "object": "chat.completion", "created": 0, "model": "x", "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Sure! Here it is."}}]})],
        ("no valid Item", "No tool calls"), 3, 3,
    ),
}


@pytest.mark.parametrize("name", FAULTS)
def test_persistent_faults_end_in_one_clear_model_error(name: str, backoff: _RecordedSleeps) -> None:
    fault = FAULTS[name]
    fake = FakeOpenAI(fault.script) if fault.script is not None else None
    url = fake.start().url if fake else closed_port_url()
    try:
        with pytest.raises(ModelError) as caught:
            call(url)
    finally:
        if fake:
            fake.stop()
    message = str(caught.value)
    assert url in message
    for phrase in fault.says:
        assert phrase in message, f"{phrase!r} not in {message!r}"
    assert "\n" not in message and len(message) < 400  # one line, for the CLI's "error: ..."
    assert len(fake.chat_requests() if fake else []) == fault.requests
    assert sum(backoff.slept) < fault.seconds


# --- extraction: a failure caches nothing for its article --------------------------------


def _failing_on(article: str) -> Callable:
    """Valid extraction answers, except HTTP 500 for every request about `article`."""

    def script(n: int, request: Request) -> Reply:
        if request.sentence and request.sentence in MINI_CORPUS[article]:
            return error(500, "model crashed")
        return extraction_reply(n, request)

    return script


def _cache_rows(index: Path) -> list[str]:
    with sqlite3.connect(index / "dossier.sqlite3") as db:
        return sorted(r[0] for r in db.execute("SELECT article_id FROM extractions"))


@pytest.fixture(scope="module")
def _mini_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mini")
    with Corpus(Settings(_env_file=None, index_path=root / "index")) as corpus:  # type: ignore[call-arg]
        corpus.ingest([write_corpus(root / "news")])
    return root / "index"


@pytest.fixture
def mini_index(_mini_template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(_mini_template, tmp_path / "index"))


def test_failed_extraction_leaves_no_cache_entry_for_the_article(mini_index: Path) -> None:
    with FakeOpenAI([error(500, "model crashed")]) as fake:
        with Corpus(fault_settings(fake.url).model_copy(update={"index_path": mini_index})) as corpus:
            with pytest.raises(ModelError, match="HTTP 500"):
                corpus.extract()
            assert corpus.records() == []
    assert _cache_rows(mini_index) == []


def test_failure_midway_keeps_finished_articles_and_nothing_of_the_failed_one(mini_index: Path) -> None:
    with FakeOpenAI(_failing_on("m2_sirte.txt")) as fake:
        with Corpus(fault_settings(fake.url).model_copy(update={"index_path": mini_index})) as corpus:
            done: list[str] = []
            with pytest.raises(ModelError):
                corpus.extract(on_done=lambda result: done.append(result.article.id))
    assert done == ["m1_tripoli.txt"]
    assert _cache_rows(mini_index) == ["m1_tripoli.txt"]  # the second article, which failed, has no row
    assert any(r.sentence in MINI_CORPUS["m2_sirte.txt"] for r in fake.chat_requests() if r.sentence)


class _Choice(BaseModel):
    passage: int | None
    span: str = ""


def _with_logprobs(reply: Reply, tokens: list[tuple[str, float]]) -> Reply:
    body = dict(reply.body)  # type: ignore[arg-type]
    body["choices"] = [body["choices"][0] | {"logprobs": {"content": [{"token": t, "logprob": lp, "bytes": None, "top_logprobs": []} for t, lp in tokens]}}]
    return Reply(body=body)


def test_a_scored_answer_gives_the_probability_of_the_value_the_model_wrote():
    tokens = [('{"', -1.0), ("passage", -0.5), ('":', 0.0), (" ", -0.2), ("2", -0.1), (",", -0.3), (' "span": "', 0.0), ("12", -1.2), (' euros"}', 0.0)]
    reply = _with_logprobs(tool_call("_Choice", {"passage": 2, "span": "12 euros"}), tokens)
    with FakeOpenAI([reply]) as fake:
        llm = LLM(Settings(base_url=fake.url, model="x", max_retries=0, request_timeout=5), fake.url)
        scored = llm.structured_scored(_Choice, [{"role": "user", "content": "?"}])
        (request,) = fake.chat_requests()
    assert (scored.value.passage, scored.value.span) == (2, "12 euros") and request.body["logprobs"] is True
    # The space and the digit: where "null" and each other number part from "2".
    assert scored.probability("passage") == pytest.approx(math.exp(-0.3))
    assert scored.probability("verdict") is None


def test_an_endpoint_that_refuses_logprobs_gives_the_answer_unscored_and_is_not_asked_again():
    refusal = error(500, "logprobs is not supported for models created with logits_all=False")
    answer = tool_call("_Choice", {"passage": 1, "span": "x"})
    with FakeOpenAI([refusal, answer, answer]) as fake:
        llm = LLM(Settings(base_url=fake.url, model="x", max_retries=0, request_timeout=5), fake.url)
        first = llm.structured_scored(_Choice, [{"role": "user", "content": "?"}])
        second = llm.structured_scored(_Choice, [{"role": "user", "content": "?"}])
        bodies = [r.body for r in fake.chat_requests()]
    assert (first.value.passage, second.value.passage) == (1, 1)
    assert first.probability("passage") is None and llm.gives_logprobs is False
    assert [b.get("logprobs") for b in bodies] == [True, None, None]


def test_a_choice_the_model_never_writes_validly_is_no_answer_not_a_crash(mini_index: Path) -> None:
    """A span too long for the answer's tokens cuts the JSON off, every time it is asked: the
    question is answered as if no passage had been chosen. An unreachable model still fails."""
    cut_off = tool_call("Pick", '{"passage": 2, "span": "The LNA took control of the coastal')
    settings = dict(_env_file=None, index_path=mini_index, model="x", max_retries=1, request_timeout=5)
    with FakeOpenAI([cut_off]) as fake:
        with Corpus(Settings(base_url=fake.url, **settings)) as corpus:  # type: ignore[arg-type]
            answer = corpus.ask("Which city did the LNA take control of on Monday?")
        asked = len(fake.chat_requests())
    assert answer.refused and not answer.citations and asked == 2  # asked again once, then given up
    with Corpus(Settings(base_url=closed_port_url(), **settings)) as corpus:  # type: ignore[arg-type]
        with pytest.raises(ModelError, match="cannot reach"):
            corpus.ask("Which city did the LNA take control of on Monday?")

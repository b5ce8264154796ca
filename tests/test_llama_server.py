"""The embedded server's log-probabilities: read from the rows of the tokens written only
(`agent.model.llama_server`), they are the numbers llama-cpp-python computes the slow way.
Runs on the real embedded model when it is installed (`make demo` installs it)."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import numpy as np
import pytest

from agent.model import llama_server
from agent.model.local import model_file
from agent.settings import Settings

PROMPT = (
    "Passages:\n[1] The minister Alar Venn said on Monday that the port of Kessia would reopen.\n"
    "[2] Officials in Ostrand said the talks had failed.\nQuestion: When did Alar Venn speak? "
    'Answer as JSON, {"passage": n, "span": "..."}:'
)


def _load(logits_all: bool):
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python is not installed")
    path = Path(os.environ.get("DOSSIER_TEST_GGUF") or model_file(Settings(_env_file=None)))  # type: ignore[call-arg]
    if not path.is_file():
        pytest.skip(f"no model at {path}: `agent model install`")
    from llama_cpp import Llama

    return Llama(str(path), logits_all=logits_all, n_ctx=512, n_threads=2, verbose=False)


@pytest.fixture(scope="module")
def model():
    """The model as llama-cpp-python needs it for log-probabilities: a row of logits kept for
    every evaluated token."""
    return _load(logits_all=True)


@pytest.fixture(scope="module")
def served():
    """The model as the embedded server runs it: logits for the last evaluated token only."""
    return _load(logits_all=False)


def _logprobs(model, patched: bool, monkeypatch: pytest.MonkeyPatch, **request) -> dict:
    from llama_cpp import Llama

    with monkeypatch.context() as m:
        if patched:
            m.setattr(Llama, "_create_completion", Llama._create_completion)  # put back on leaving
            m.setattr(Llama, "_init_sampler", Llama._init_sampler)
            llama_server.install()
        model.reset()  # each computed from scratch: a cached prefix re-evaluates its last token
        return model.create_completion(PROMPT, temperature=0, **request)


class _Detokenizer:
    def detokenize(self, tokens: list[int], prev_tokens=None) -> bytes:  # token 7 is "<7>"
        return "".join(f"<{t}>" for t in tokens).encode()


def test_each_written_token_is_read_from_its_row() -> None:
    rows = np.random.default_rng(0).normal(size=(3, 50)).astype(np.float32)
    written = [4, 9, 4]
    got = llama_server.written_logprobs(_Detokenizer(), [llama_server.read_step(row, t, top=3) for row, t in zip(rows, written)])
    assert got["tokens"] == ["<4>", "<9>", "<4>"]
    for row, token, logprob, top in zip(rows, written, got["token_logprobs"], got["top_logprobs"]):
        logits = row.astype(np.float64)
        expected = logits - np.log(np.exp(logits - logits.max()).sum()) - logits.max()
        assert logprob == pytest.approx(expected[token], abs=1e-5)
        best = [f"<{t}>" for t in np.argsort(-expected)[:3]]
        assert list(top)[:3] == best  # most likely first, then the written token if not among them
        assert set(top) == set(best) | {f"<{token}>"}
    assert got["text_offset"] == [0, 3, 6]


@pytest.mark.parametrize("request_", [dict(max_tokens=10, logprobs=3), dict(max_tokens=60, logprobs=1, stop=["}"])])
def test_written_tokens_get_the_log_probabilities_llama_cpp_gives(model, served, monkeypatch: pytest.MonkeyPatch, request_: dict) -> None:
    slow = _logprobs(model, False, monkeypatch, **request_)
    for fast in (_logprobs(model, True, monkeypatch, **request_), _logprobs(served, True, monkeypatch, **request_)):
        assert fast["choices"][0]["text"] == slow["choices"][0]["text"]
        assert fast["usage"] == slow["usage"]
        ours, theirs = fast["choices"][0]["logprobs"], slow["choices"][0]["logprobs"]
        assert ours["tokens"] == theirs["tokens"] and len(ours["tokens"]) == fast["usage"]["completion_tokens"]
        assert ours["token_logprobs"] == pytest.approx([float(x) for x in theirs["token_logprobs"]], abs=1e-5)
        for mine, reference in zip(ours["top_logprobs"], theirs["top_logprobs"]):
            assert mine.keys() == reference.keys()
            assert list(mine.values()) == pytest.approx([float(v) for v in reference.values()], abs=1e-5)


def test_llama_cpp_python_alone_gives_no_log_probabilities_without_logits_all(served, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="logits_all"):
        _logprobs(served, False, monkeypatch, max_tokens=4, logprobs=1)


def test_a_request_without_log_probabilities_is_left_alone(model, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = _logprobs(model, True, monkeypatch, max_tokens=6)
    assert fast["choices"][0]["logprobs"] is None
    assert fast["choices"][0]["text"] == _logprobs(model, False, monkeypatch, max_tokens=6)["choices"][0]["text"]


# A grammar the model's favourite tokens break at once ("{" first, words): whole-vocabulary filtering.
DIGITS_THEN_WORD = 'root ::= [0-9]+ " " [a-z]+ "."'
PICK_SCHEMA = {
    "type": "object",
    "properties": {"passage": {"anyOf": [{"type": "integer"}, {"type": "null"}]}, "span": {"type": "string", "maxLength": 60}},
    "required": ["passage", "span"],
}


@pytest.mark.parametrize("grammar", ["pick", "digits"])
@pytest.mark.parametrize("repeat_penalty", [1.1, 1.5])  # the server's default, and one that changes the choice
def test_greedy_under_a_grammar_writes_what_llama_cpp_python_writes(model, monkeypatch: pytest.MonkeyPatch, grammar: str, repeat_penalty: float) -> None:
    from llama_cpp import Llama, LlamaGrammar

    def written(patched: bool) -> dict:
        rules = LlamaGrammar.from_json_schema(json.dumps(PICK_SCHEMA), verbose=False) if grammar == "pick" else LlamaGrammar.from_string(DIGITS_THEN_WORD, verbose=False)
        with monkeypatch.context() as m:
            if patched:
                m.setattr(Llama, "_create_completion", Llama._create_completion)
                m.setattr(Llama, "_init_sampler", Llama._init_sampler)
                llama_server.install()
                assert isinstance(model._init_sampler(temp=0.0, grammar=rules), llama_server.GreedyUnderGrammar)
            model.reset()
            return model.create_completion(PROMPT, temperature=0, max_tokens=40, grammar=rules, repeat_penalty=repeat_penalty)

    fast, slow = written(True), written(False)
    assert fast["choices"][0]["text"] == slow["choices"][0]["text"]
    assert fast["usage"] == slow["usage"]


def test_sampling_that_is_not_greedy_keeps_llama_cpp_pythons_chain(model, monkeypatch: pytest.MonkeyPatch) -> None:
    from llama_cpp import Llama, LlamaGrammar

    rules = LlamaGrammar.from_string(DIGITS_THEN_WORD, verbose=False)
    with monkeypatch.context() as m:
        m.setattr(Llama, "_create_completion", Llama._create_completion)
        m.setattr(Llama, "_init_sampler", Llama._init_sampler)
        llama_server.install()
        assert not isinstance(model._init_sampler(temp=0.7, grammar=rules), llama_server.GreedyUnderGrammar)
        assert not isinstance(model._init_sampler(temp=0.0, grammar=None), llama_server.GreedyUnderGrammar)

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


@pytest.fixture(scope="module")
def model():
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python is not installed")
    path = Path(os.environ.get("DOSSIER_TEST_GGUF") or model_file(Settings(_env_file=None)))  # type: ignore[call-arg]
    if not path.is_file():
        pytest.skip(f"no model at {path}: `agent model install`")
    from llama_cpp import Llama

    return Llama(str(path), logits_all=True, n_ctx=512, n_threads=2, verbose=False)


def _logprobs(model, patched: bool, monkeypatch: pytest.MonkeyPatch, **request) -> dict:
    from llama_cpp import Llama

    with monkeypatch.context() as m:
        if patched:
            m.setattr(Llama, "_create_completion", Llama._create_completion)  # put back on leaving
            m.setattr(Llama, "_init_sampler", Llama._init_sampler)
            llama_server.install()
        model.reset()  # each computed from scratch: a cached prefix re-evaluates its last token
        return model.create_completion(PROMPT, temperature=0, **request)


class _Kept:
    """What `written_logprobs` reads of a model: its logits, one row per evaluated token, and
    its detokenizer (token 7 is "<7>")."""

    def __init__(self, rows: int, vocabulary: int) -> None:
        self.scores = np.random.default_rng(0).normal(size=(rows, vocabulary)).astype(np.float32)

    def detokenize(self, tokens: list[int], prev_tokens=None) -> bytes:
        return "".join(f"<{t}>" for t in tokens).encode()


def test_each_written_token_is_read_from_the_row_before_it() -> None:
    model = _Kept(rows=12, vocabulary=50)
    written = [4, 9, 4]  # after a prompt of 8 tokens: rows 7, 8 and 9 predicted them
    got = llama_server.written_logprobs(model, prompt_tokens=8, written=written, top=3)
    assert got["tokens"] == ["<4>", "<9>", "<4>"]
    for row, token, logprob, top in zip((7, 8, 9), written, got["token_logprobs"], got["top_logprobs"]):
        logits = model.scores[row].astype(np.float64)
        expected = logits - np.log(np.exp(logits - logits.max()).sum()) - logits.max()
        assert logprob == pytest.approx(expected[token], abs=1e-5)
        best = [f"<{t}>" for t in np.argsort(-expected)[:3]]
        assert list(top)[:3] == best  # most likely first, then the written token if not among them
        assert set(top) == set(best) | {f"<{token}>"}
    assert got["text_offset"] == [0, 3, 6]


@pytest.mark.parametrize("request_", [dict(max_tokens=10, logprobs=3), dict(max_tokens=60, logprobs=1, stop=["}"])])
def test_written_tokens_get_the_log_probabilities_llama_cpp_gives(model, monkeypatch: pytest.MonkeyPatch, request_: dict) -> None:
    slow = _logprobs(model, False, monkeypatch, **request_)
    fast = _logprobs(model, True, monkeypatch, **request_)
    assert fast["choices"][0]["text"] == slow["choices"][0]["text"]
    assert fast["usage"] == slow["usage"]
    ours, theirs = fast["choices"][0]["logprobs"], slow["choices"][0]["logprobs"]
    assert ours["tokens"] == theirs["tokens"] and len(ours["tokens"]) == fast["usage"]["completion_tokens"]
    assert ours["token_logprobs"] == pytest.approx([float(x) for x in theirs["token_logprobs"]], abs=1e-5)
    for mine, reference in zip(ours["top_logprobs"], theirs["top_logprobs"]):
        assert mine.keys() == reference.keys()
        assert list(mine.values()) == pytest.approx([float(v) for v in reference.values()], abs=1e-5)


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

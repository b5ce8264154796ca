"""llama-cpp-python's OpenAI-compatible server, with token log-probabilities read only where
they are asked for, and greedy decoding under a grammar that checks one token, not all.

Asked for the log-probabilities of a completion, llama-cpp-python (0.3.x) normalises the
logits of every token in the context, prompt included, then sorts the whole vocabulary
(152K entries for Qwen2.5) in Python once per written token. On 2 cores that costs about
0.8 s per request plus 0.13 s per token written: a 16-token passage choice took 8 s, of which
the model itself spent 2.5. Here the same figures come from the rows of the tokens written
only, and the top entries from a partial sort: the same numbers, in milliseconds.

Those rows are read as each token is written, from the logits llama.cpp keeps for the last
evaluated token, so the server needs no `logits_all` (a row of logits for every prompt token:
the output layer run 152K wide on each, a fifth of the prompt's time on 2 cores).

Run as `python -m agent.model.llama_server ARGS`, with the arguments of `python -m
llama_cpp.server`.
"""

from __future__ import annotations

import ctypes
import functools
import math
import runpy
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np


def log_softmax(rows: np.ndarray) -> np.ndarray:
    """Row-wise log-probabilities from logits (llama-cpp-python's `logits_to_logprobs`)."""
    shifted = rows - rows.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


class Step(NamedTuple):
    """One written token, read from the logits it was chosen from: its log-probability and the
    most likely tokens in its place, most likely first."""

    token: int
    logprob: float
    top: list[tuple[int, float]]


def read_step(row: np.ndarray, token: int, top: int) -> Step:
    """`token`'s step, from the row of logits the model gave for its place."""
    logprobs = log_softmax(row)  # a new array: the row is llama.cpp's buffer, left as it is
    best = np.argpartition(logprobs, -top)[-top:] if top else np.array([], dtype=int)
    ranked = best[np.argsort(-logprobs[best], kind="stable")]
    return Step(token, float(logprobs[token]), [(int(t), float(logprobs[t])) for t in ranked])


def written_logprobs(model, steps: list[Step]) -> dict:
    """The OpenAI text-completion `logprobs` object for the tokens written: each token's text,
    log-probability and the most likely tokens in its place, then the written one if not
    among them."""
    written = [step.token for step in steps]
    tokens, token_logprobs, top_logprobs, text_offsets = [], [], [], []
    offset = 0
    for i, step in enumerate(steps):
        def text(t: int) -> str:
            return model.detokenize([t], prev_tokens=written[:i]).decode("utf-8", errors="ignore")

        ranked = {text(t): logprob for t, logprob in step.top}
        ranked[text(step.token)] = step.logprob
        tokens.append(text(step.token))
        token_logprobs.append(step.logprob)
        top_logprobs.append(ranked)
        text_offsets.append(offset)
        offset += len(tokens[-1])
    return {"tokens": tokens, "text_offset": text_offsets, "token_logprobs": token_logprobs, "top_logprobs": top_logprobs}


class GreedyUnderGrammar:
    """Greedy decoding under a grammar, done as llama.cpp's own `common_sampler` does it: the
    most likely token (after the repetition penalties) is checked against the grammar alone,
    and the whole vocabulary goes through the grammar only when it is rejected. The token chosen
    is the same as llama-cpp-python's chain's (penalties, grammar, greedy), which filters all
    152K tokens through the grammar at every step: about 23 ms a token on 2 cores, a third of
    a passage choice's time.

    `lib` is the `llama_cpp` module (the `local` extra, imported by the caller)."""

    def __init__(self, lib, vocab, n_vocab: int, grammar, penalties: tuple[int, float, float, float]) -> None:
        self._lib = lib
        self._grammar = lib.llama_sampler_init_grammar(vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8"))
        # Made by the same call as llama-cpp-python's own chain, so its arguments mean the same.
        self._penalties = lib.llama_sampler_init_penalties(n_vocab, *penalties)
        self._n_vocab = n_vocab
        self._all = np.zeros(n_vocab, dtype=np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)], align=True))
        self._all["id"] = np.arange(n_vocab, dtype=np.int32)
        self._all_array = lib.llama_token_data_array(self._all.ctypes.data_as(ctypes.POINTER(lib.llama_token_data)), n_vocab, -1, False)
        self._one = (lib.llama_token_data * 1)()
        self._one_array = lib.llama_token_data_array(self._one, 1, -1, False)

    def sample(self, ctx, idx: int = -1) -> int:
        lib = self._lib
        self._all["logit"] = np.ctypeslib.as_array(lib.llama_get_logits_ith(ctx.ctx, idx), shape=(self._n_vocab,))
        self._all_array.size, self._all_array.selected, self._all_array.sorted = self._n_vocab, -1, False
        lib.llama_sampler_apply(self._penalties, ctypes.byref(self._all_array))
        best = int(np.argmax(self._all["logit"]))
        self._one[0].id, self._one[0].logit, self._one[0].p = best, float(self._all["logit"][best]), 0.0
        self._one_array.size, self._one_array.selected, self._one_array.sorted = 1, -1, False
        lib.llama_sampler_apply(self._grammar, ctypes.byref(self._one_array))
        if math.isinf(self._one[0].logit):  # rejected: the best token the grammar allows
            lib.llama_sampler_apply(self._grammar, ctypes.byref(self._all_array))
            best = int(np.argmax(self._all["logit"]))
        token = int(self._all["id"][best])
        lib.llama_sampler_accept(self._penalties, token)
        lib.llama_sampler_accept(self._grammar, token)
        return token

    def __del__(self) -> None:
        for sampler in (getattr(self, "_grammar", None), getattr(self, "_penalties", None)):
            if sampler:
                self._lib.llama_sampler_free(sampler)


def install() -> None:
    """Patch llama-cpp-python's `Llama` in this process (imported here, not at the top: it is
    the `local` extra, and `written_logprobs` is tested without it)."""
    from llama_cpp import Llama, llama_cpp

    original = Llama._create_completion

    @functools.wraps(original)
    def _create_completion(self: Llama, *args, **kwargs) -> Iterator[dict]:
        top = kwargs.get("logprobs")
        if top is None or kwargs.get("stream") or kwargs.get("echo"):
            yield from original(self, *args, **kwargs)
            return
        steps: list[Step] = []
        generate = self.generate

        def recorded(*a, **k):
            for token in generate(*a, **k):
                # The context still holds the logits this token was chosen from: the last
                # evaluated token's, which llama.cpp keeps with or without `logits_all`.
                row = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(self._ctx.ctx, -1), shape=(self._n_vocab,))
                steps.append(read_step(row, token, top))
                yield token

        self.generate = recorded  # type: ignore[method-assign]
        try:
            for completion in original(self, *args, **{**kwargs, "logprobs": None}):
                usage = completion["usage"]
                kept = [s for s in steps if not llama_cpp.llama_vocab_is_eog(self._model.vocab, s.token)][: usage["completion_tokens"]]
                completion["choices"][0]["logprobs"] = written_logprobs(self, kept)
                yield completion
        finally:
            del self.generate

    Llama._create_completion = _create_completion  # type: ignore[method-assign]

    chain = Llama._init_sampler

    @functools.wraps(chain)
    def _init_sampler(self: Llama, *args, **kwargs):
        # Greedy under a grammar, with no logit bias (a logits processor): otherwise the chain.
        if args or kwargs.get("grammar") is None or kwargs.get("temp", 0.8) != 0.0 or kwargs.get("logits_processor") is not None:
            return chain(self, *args, **kwargs)
        penalties = (self.last_n_tokens_size, kwargs.get("repeat_penalty", 1.0), kwargs.get("frequency_penalty", 0.0), kwargs.get("presence_penalty", 0.0))
        return GreedyUnderGrammar(llama_cpp, self._model.vocab, self._n_vocab, kwargs["grammar"], penalties)

    Llama._init_sampler = _init_sampler  # type: ignore[method-assign]


def main() -> None:
    install()
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()

"""llama-cpp-python's OpenAI-compatible server, with token log-probabilities read only where
they are asked for.

Asked for the log-probabilities of a completion, llama-cpp-python (0.3.x) normalises the
logits of every token in the context, prompt included, then sorts the whole vocabulary
(152K entries for Qwen2.5) in Python once per written token. On 2 cores that costs about
0.8 s per request plus 0.13 s per token written: a 16-token passage choice took 8 s, of which
the model itself spent 2.5. Here the same figures come from the rows of the tokens written
only, and the top entries from a partial sort: the same numbers, in milliseconds.

Run as `python -m agent.model.llama_server ARGS`, with the arguments of `python -m
llama_cpp.server`.
"""

from __future__ import annotations

import functools
import runpy
from collections.abc import Iterator

import numpy as np


def log_softmax(rows: np.ndarray) -> np.ndarray:
    """Row-wise log-probabilities from logits (llama-cpp-python's `logits_to_logprobs`)."""
    shifted = rows - rows.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def written_logprobs(model, prompt_tokens: int, written: list[int], top: int) -> dict:
    """The OpenAI text-completion `logprobs` object for the `written` tokens, which followed
    `prompt_tokens` tokens of prompt: each token's text, log-probability and the `top` most
    likely tokens in its place. Reads the logits the model kept (`logits_all`): row i holds
    the distribution of the token after token i."""
    logprobs = log_softmax(model.scores[prompt_tokens - 1 : prompt_tokens - 1 + len(written)])
    tokens, token_logprobs, top_logprobs, text_offsets = [], [], [], []
    offset = 0
    for i, (token, row) in enumerate(zip(written, logprobs)):
        def text(t: int) -> str:
            return model.detokenize([t], prev_tokens=written[:i]).decode("utf-8", errors="ignore")

        best = np.argpartition(row, -top)[-top:] if top else np.array([], dtype=int)
        ranked = {text(int(t)): float(row[t]) for t in best[np.argsort(-row[best], kind="stable")]}
        ranked[text(token)] = float(row[token])
        tokens.append(text(token))
        token_logprobs.append(float(row[token]))
        top_logprobs.append(ranked)
        text_offsets.append(offset)
        offset += len(tokens[-1])
    return {"tokens": tokens, "text_offset": text_offsets, "token_logprobs": token_logprobs, "top_logprobs": top_logprobs}


def install() -> None:
    """Patch llama-cpp-python's `Llama` in this process (imported here, not at the top: it is
    the `local` extra, and `written_logprobs` is tested without it)."""
    from llama_cpp import Llama, llama_cpp

    original = Llama._create_completion

    @functools.wraps(original)
    def _create_completion(self: Llama, *args, **kwargs) -> Iterator[dict]:
        top = kwargs.get("logprobs")
        if top is None or kwargs.get("stream") or kwargs.get("echo") or not self._logits_all:
            yield from original(self, *args, **kwargs)
            return
        written: list[int] = []
        generate = self.generate

        def recorded(*a, **k):
            for token in generate(*a, **k):
                written.append(token)
                yield token

        self.generate = recorded  # type: ignore[method-assign]
        try:
            for completion in original(self, *args, **{**kwargs, "logprobs": None}):
                usage = completion["usage"]
                kept = [t for t in written if not llama_cpp.llama_vocab_is_eog(self._model.vocab, t)][: usage["completion_tokens"]]
                completion["choices"][0]["logprobs"] = written_logprobs(self, usage["prompt_tokens"], kept, top)
                yield completion
        finally:
            del self.generate

    Llama._create_completion = _create_completion  # type: ignore[method-assign]


def main() -> None:
    install()
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()

"""What a batch of texts gave (a parse, a vector), kept for the next call.

The parser and the embedding model read a batch much faster than the same texts one call each,
and the same passages come back question after question. So each caller computes what it does
not know yet in one batch, keeps the results, and starts afresh when it holds `limit`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Generic, TypeVar

V = TypeVar("V")


class BatchMemo(Generic[V]):
    def __init__(self, compute: Callable[[list[str]], Iterable[V]], limit: int) -> None:
        self._compute = compute  # the texts not known yet, in one batch -> one value each
        self._limit = limit
        self._values: dict[str, V] = {}

    def learn(self, texts: Iterable[str]) -> None:
        """Compute, in one batch, the texts not known yet."""
        wanted = list(dict.fromkeys(texts))
        new = [t for t in wanted if t not in self._values]
        if len(self._values) + len(new) > self._limit:
            self._values.clear()
            new = wanted
        if new:
            self._values.update(zip(new, self._compute(new)))

    def values(self, texts: Sequence[str]) -> list[V]:
        self.learn(texts)
        return [self._values[t] for t in texts]

    def __getitem__(self, text: str) -> V:
        return self.values([text])[0]

    def clear(self) -> None:
        self._values.clear()

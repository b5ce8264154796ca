"""Where a command's time goes: named stages summed per process, and the model's tokens.

Code marks a stage with `with stage("retrieval"): ...`; `agent bench` reads the sums with
`take()` after each question to print the breakdown. Marking costs a clock read, so the
stages stay on in normal use.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

_seconds: dict[str, float] = defaultdict(float)
_counts: dict[str, int] = defaultdict(int)


@contextmanager
def stage(name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        _seconds[name] += time.perf_counter() - started


def count(name: str, amount: int) -> None:
    """Add to a counter (tokens sent and received, model calls)."""
    _counts[name] += amount


def take() -> dict[str, float]:
    """The stage seconds and counters since the last `take()`, then start again from zero."""
    figures = {f"{name}_s": round(seconds, 3) for name, seconds in _seconds.items()} | dict(_counts)
    _seconds.clear()
    _counts.clear()
    return figures

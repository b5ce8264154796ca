"""The openers of `test_store_open_race`, run from a lean interpreter: `python -m tests.store_race
FOLDER ROUNDS OPENERS` forks OPENERS processes per round that open `FOLDER/round-N/dossier.sqlite3`
(new) at the same moment, and prints one JSON list per round of what each opener reported.

Forked from this small process rather than from the pytest worker: a worker that has loaded
Chroma, spaCy and the embedding model takes several times as long to fork (its page tables and
copy-on-write pages), which made 100 rounds cost about a minute and a half on 2 cores.
"""

from __future__ import annotations

import json
import multiprocessing
import sys
import time
from pathlib import Path

from agent.index.store import Store


def _open_at(path: str, start_at: float, results) -> None:
    time.sleep(max(0.0, start_at - time.time() - 0.01))
    while time.time() < start_at:  # spin the last moment: the openers start within microseconds
        pass
    try:
        store = Store(Path(path))
        store.counts()
        store.close()
        results.put("ok")
    except Exception as exc:  # noqa: BLE001 - the test reports whatever went wrong
        results.put(repr(exc))


def main(folder: Path, rounds: int, openers: int) -> None:
    ctx = multiprocessing.get_context("fork")
    for round_ in range(rounds):
        path = folder / f"round-{round_}" / "dossier.sqlite3"
        results = ctx.Queue()
        start_at = time.time() + 0.05
        processes = [ctx.Process(target=_open_at, args=(str(path), start_at, results)) for _ in range(openers)]
        for process in processes:
            process.start()
        for process in processes:
            process.join(30)
        outcomes = []
        for _ in processes:
            try:
                outcomes.append(results.get(timeout=5))
            except Exception as exc:  # noqa: BLE001 - an opener that died says nothing: report that
                outcomes.append(f"no answer ({exc!r})")
        print(json.dumps(outcomes), flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))

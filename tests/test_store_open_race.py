"""Opening a new store from several processes at the same moment (issue: "database is
locked" when two commands start on a new index together).

Two connections that both switch a fresh database to WAL each take a shared lock and
then want an exclusive one; SQLite breaks that deadlock by answering one of them "busy"
at once, without waiting on the busy timeout. Before the fix this test failed in about
one round in 25 on 2 cores; `Store` now creates, switches and migrates under one
cross-process lock, and only reads a store that is already current.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from agent.index.store import MIGRATIONS, Store

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs fork")

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 100  # at one failing round in 25, 100 rounds miss the race with p = 0.017
QUICK_ROUNDS = 10  # what `make test` runs outside CI; CI runs all 100 (marked `stress`)
OPENERS = 6


@pytest.mark.parametrize("rounds", [pytest.param(QUICK_ROUNDS), pytest.param(ROUNDS - QUICK_ROUNDS, marks=pytest.mark.stress)])
def test_many_processes_open_one_new_store_at_once(rounds: int, tmp_path: Path) -> None:
    # The openers are forked by a small interpreter (tests/store_race.py), not by this worker.
    run = subprocess.run(
        [sys.executable, "-m", "tests.store_race", str(tmp_path), str(rounds), str(OPENERS)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stderr
    outcomes_per_round = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(outcomes_per_round) == rounds and all(len(o) == OPENERS for o in outcomes_per_round), run.stdout
    failures = [f"round {r}: {o}" for r, outcomes in enumerate(outcomes_per_round) for o in outcomes if o != "ok"]
    for round_ in range(rounds):
        with sqlite3.connect(tmp_path / f"round-{round_}" / "dossier.sqlite3") as db:
            assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert failures == []


def test_opening_a_current_store_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "dossier.sqlite3"
    Store(path).close()
    with sqlite3.connect(path) as watcher:
        changes = watcher.execute("PRAGMA data_version").fetchone()[0]
        store = Store(path)
        store.counts()
        assert watcher.execute("PRAGMA data_version").fetchone()[0] == changes  # no commit by the opener
        store.close()

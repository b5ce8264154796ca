"""Opening a new store from several processes at the same moment (issue: "database is
locked" when two commands start on a new index together).

Two connections that both switch a fresh database to WAL each take a shared lock and
then want an exclusive one; SQLite breaks that deadlock by answering one of them "busy"
at once, without waiting on the busy timeout. Before the fix this test failed in about
one round in 25 on 2 cores; `Store` now creates, switches and migrates under one
cross-process lock, and only reads a store that is already current.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from agent.index.store import MIGRATIONS, Store

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs fork")

ROUNDS = 100  # at one failing round in 25, 100 rounds miss the race with p = 0.017
OPENERS = 6


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


def test_many_processes_open_one_new_store_at_once(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    failures = []
    for round_ in range(ROUNDS):
        path = tmp_path / f"round-{round_}" / "dossier.sqlite3"
        results = ctx.Queue()
        start_at = time.time() + 0.05
        openers = [ctx.Process(target=_open_at, args=(str(path), start_at, results)) for _ in range(OPENERS)]
        for process in openers:
            process.start()
        for process in openers:
            process.join(30)
        outcomes = [results.get(timeout=5) for _ in openers]
        failures += [f"round {round_}: {o}" for o in outcomes if o != "ok"]
        with sqlite3.connect(path) as db:
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

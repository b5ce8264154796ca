"""SQLite beside the index: articles and chunks (for citations and lexical search),
the extraction cache, and a log of questions asked. Schema changes are migrations.

Chroma holds vectors; this file holds the text every citation is checked against.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; one writer at a time is then up to the user
    fcntl = None  # type: ignore[assignment]

from agent.errors import DossierError, store_damaged
from agent.models import Article, Chunk

log = logging.getLogger(__name__)

MIGRATIONS: list[str] = [
    # 1: articles, chunks, extraction cache, question log
    """
    CREATE TABLE articles (
        id TEXT PRIMARY KEY,
        path TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        title TEXT, outlet TEXT, url TEXT, published TEXT,
        text TEXT NOT NULL,
        ingested_at REAL NOT NULL
    );
    CREATE TABLE chunks (
        id TEXT PRIMARY KEY,
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        text TEXT NOT NULL
    );
    CREATE INDEX chunks_article ON chunks(article_id);
    CREATE TABLE extractions (
        cache_key TEXT PRIMARY KEY,
        article_id TEXT NOT NULL,
        model TEXT NOT NULL,
        records TEXT NOT NULL,
        seconds REAL NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE TABLE questions (
        id INTEGER PRIMARY KEY,
        asked_at REAL NOT NULL,
        question TEXT NOT NULL,
        model TEXT,
        answer TEXT NOT NULL,
        seconds REAL NOT NULL
    );
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
]


class Store:
    """The SQLite store. `readonly=True` opens it without writing anything (no lock file, no
    migration): for an index on a read-only mount or in a folder the user cannot write."""

    def __init__(self, path: Path, readonly: bool = False) -> None:
        self.path = path
        self.readonly = readonly
        self._thread_lock = threading.RLock()
        try:
            if readonly:
                self.db = _connect_readonly(path)
                version = self.db.execute("PRAGMA user_version").fetchone()[0]
                if version < len(MIGRATIONS):
                    raise DossierError(
                        f"the store {path} was made by an older Dossier and needs an upgrade it cannot get "
                        "read-only: open it once with write access"
                    )
                return
            path.parent.mkdir(parents=True, exist_ok=True)
            # Creating the file, switching it to WAL and migrating it are writes that two
            # processes opening a new index at once would race for: SQLite can answer a
            # journal-mode change with "busy" without waiting. They happen under one
            # cross-process lock; a store that is already current is only read here.
            with _exclusive(path.parent / "store.lock"):
                # isolation_level=None: we open transactions ourselves, so a batch commits whole or not at all.
                self.db = sqlite3.connect(path, timeout=60, isolation_level=None, check_same_thread=False)
                self.db.row_factory = sqlite3.Row
                self.db.execute("PRAGMA foreign_keys=ON")
                self.db.execute("PRAGMA busy_timeout=60000")
                if self.db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    _when_not_busy(lambda: self.db.execute("PRAGMA journal_mode=WAL"))
                if self.db.execute("PRAGMA user_version").fetchone()[0] < len(MIGRATIONS):
                    self._migrate()
        except sqlite3.DatabaseError as exc:
            if any(word in str(exc) for word in ("malformed", "not a database", "encrypted")):
                raise store_damaged(path, str(exc)) from None
            raise

    def integrity(self) -> list[str]:
        """What SQLite's own check finds wrong with the file; empty when it is sound."""
        try:
            rows = [r[0] for r in self.db.execute("PRAGMA quick_check")]
        except sqlite3.DatabaseError as exc:
            return [str(exc)]
        return [] if rows == ["ok"] else rows

    def _migrate(self) -> None:
        with self.transaction():
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in filter(str.strip, script.split(";")):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {number}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        # One connection serves the extraction worker threads: they take turns.
        with self._thread_lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def writer_lock(self) -> Iterator[None]:
        """One writer per index at a time, across processes and threads.

        SQLite serialises its own transactions, but Chroma's on-disk index is not
        process-safe: two processes writing it at once can lose each other's vectors.
        """
        with _exclusive(self.path.parent / "ingest.lock", waiting=f"another process to finish writing {self.path.parent}"):
            yield

    # --- meta -----------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction():
            self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    # --- articles and chunks --------------------------------------------------------

    def article_hash(self, article_id: str) -> str | None:
        row = self.db.execute("SELECT content_hash FROM articles WHERE id = ?", (article_id,)).fetchone()
        return row[0] if row else None

    def content_hashes(self) -> dict[str, str]:
        """Content hash -> id of every indexed article: a known text under a new name is a duplicate."""
        return {r[0]: r[1] for r in self.db.execute("SELECT content_hash, id FROM articles ORDER BY id DESC")}

    def article_paths(self) -> dict[str, str]:
        """Id -> path of every indexed article: a different file may not take an id in use."""
        return {r[0]: r[1] for r in self.db.execute("SELECT id, path FROM articles")}

    def chunk_ids(self, article_id: str) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM chunks WHERE article_id = ?", (article_id,))]

    def generation(self) -> int:
        """A counter that every change of articles, chunks or records moves on: a long-lived
        reader (a notebook) compares it per call to see what other processes added."""
        value = self.get_meta("generation")
        return int(value) if value else 0

    def _next_generation(self) -> None:
        self.db.execute(
            "INSERT INTO meta(key, value) VALUES ('generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    def put_article(self, article: Article, chunks: list[Chunk]) -> None:
        """Replace the article and its chunks in one transaction."""
        with self.transaction():
            self._next_generation()
            self.db.execute("DELETE FROM chunks WHERE article_id = ?", (article.id,))
            self.db.execute(
                "INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    article.id, article.path, article.content_hash, article.title, article.outlet,
                    article.url, article.published.isoformat() if article.published else None,
                    article.text, time.time(),
                ),
            )
            self.db.executemany(
                'INSERT INTO chunks(id, article_id, start, "end", text) VALUES (?, ?, ?, ?, ?)',
                [(c.id, c.article_id, c.start, c.end, c.text) for c in chunks],
            )

    def article(self, article_id: str) -> Article | None:
        row = self.db.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
        return _article(row) if row else None

    def articles(self) -> list[Article]:
        return [_article(r) for r in self.db.execute("SELECT * FROM articles ORDER BY id")]

    def chunks(self) -> list[Chunk]:
        rows = self.db.execute('SELECT id, article_id, start, "end", text FROM chunks ORDER BY article_id, start')
        return [Chunk(id=r[0], article_id=r[1], start=r[2], end=r[3], text=r[4]) for r in rows]

    def chunk_counts(self) -> dict[str, int]:
        """Article id -> number of chunks."""
        return {r[0]: r[1] for r in self.db.execute("SELECT article_id, count(*) FROM chunks GROUP BY article_id")}

    def delete_article(self, article_id: str) -> None:
        """The article, its chunks and its cached records, in one transaction."""
        with self.transaction():
            self._next_generation()
            self.db.execute("DELETE FROM chunks WHERE article_id = ?", (article_id,))
            self.db.execute("DELETE FROM extractions WHERE article_id = ?", (article_id,))
            self.db.execute("DELETE FROM articles WHERE id = ?", (article_id,))

    def counts(self) -> tuple[int, int]:
        articles = self.db.execute("SELECT count(*) FROM articles").fetchone()[0]
        chunks = self.db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        return articles, chunks

    # --- extraction cache -----------------------------------------------------------

    def cached_records(self, cache_key: str) -> tuple[list[dict], float] | None:
        """The records cached under `cache_key` and the seconds they took to make."""
        row = self.db.execute("SELECT records, seconds FROM extractions WHERE cache_key = ?", (cache_key,)).fetchone()
        return (json.loads(row[0]), row[1]) if row else None

    def cache_records(self, cache_key: str, article_id: str, model: str, records: list[dict], seconds: float) -> None:
        with self.transaction():
            self._next_generation()
            self.db.execute(
                "INSERT OR REPLACE INTO extractions VALUES (?, ?, ?, ?, ?, ?)",
                (cache_key, article_id, model, json.dumps(records), seconds, time.time()),
            )

    # --- question log ---------------------------------------------------------------

    def log_question(self, question: str, model: str | None, answer: str, seconds: float) -> None:
        with self.transaction():
            self.db.execute(
                "INSERT INTO questions(asked_at, question, model, answer, seconds) VALUES (?, ?, ?, ?, ?)",
                (time.time(), question, model, answer, seconds),
            )


def _connect_readonly(path: Path) -> sqlite3.Connection:
    """Read-only, writing nothing: `mode=ro`, or where SQLite cannot even create the WAL's
    shared-memory file beside it (a read-only folder), `immutable=1`, which is safe there
    because no one can write that folder either."""
    if not path.is_file():
        raise DossierError(f"there is no index at {path.parent}: run `agent ingest PATH --index {path.parent}` first")
    uri = path.resolve().as_uri()
    db = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        db.close()
        db = sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None, check_same_thread=False)
    db.row_factory = sqlite3.Row
    return db


@contextmanager
def _exclusive(lock_path: Path, waiting: str | None = None) -> Iterator[None]:
    """An exclusive `flock` on `lock_path`, across processes and threads.

    `flock` locks belong to the open file, so two threads of one process exclude each
    other too; the OS drops the lock when its holder dies, even by SIGKILL.
    """
    if fcntl is None:
        yield
        return
    with lock_path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting:
                log.info("waiting for %s", waiting)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _when_not_busy(statement, deadline_s: float = 60.0) -> None:
    """Run `statement`, retrying with backoff while SQLite says the database is locked:
    a journal-mode change does not wait on the busy timeout, and a process that opened
    the file before us (or one on a platform without `flock`) may hold it for a moment."""
    deadline = time.monotonic() + deadline_s
    pause = 0.01
    while True:
        try:
            statement()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.5)


def _article(row: sqlite3.Row) -> Article:
    return Article(
        id=row["id"], path=row["path"], text=row["text"], content_hash=row["content_hash"],
        title=row["title"], outlet=row["outlet"], url=row["url"],
        published=date.fromisoformat(row["published"]) if row["published"] else None,
    )

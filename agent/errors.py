"""The errors Dossier raises to users: each message says what failed and what fixes it.

`explain` turns what the libraries underneath raise (SQLite, the OS, Chroma) into one of
these, naming the index and the next step, so a user never meets a traceback for a
damaged, full or read-only index.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
import unicodedata
from pathlib import Path


class DossierError(Exception):
    """Base class: the CLI prints these as one clear line, never a traceback."""


class ModelError(DossierError):
    """The language model could not be reached, started or made to answer validly."""


class InvalidModelOutput(ModelError):
    """The model answered, but not validly, each time it was asked (cut off, not the schema)."""


class IndexUnavailable(DossierError):
    """The index cannot be used as configured (server unreachable, other embedding model)."""


class IndexMissing(DossierError):
    """A command that reads the index was given a folder that holds none (only ingest and extract create one)."""


class IndexReadOnly(DossierError):
    """A command that must write was given an index the user cannot write."""


class StoreDamaged(DossierError):
    """SQLite reports the store as damaged; Dossier never modifies it then."""


class DiskFull(DossierError):
    """No space left where the index lives."""


CHECK_HINT = "run `agent check` to see what is wrong, then `agent check --repair`"


def store_damaged(store_path: Path, detail: str) -> StoreDamaged:
    return StoreDamaged(
        f"the store {store_path} is damaged (SQLite: {detail}); it is left as it is. Rebuild the index "
        f"from the original files into a new path: `agent ingest FILES --index NEW_PATH`"
    )


def no_index(index_path: Path) -> IndexMissing:
    return IndexMissing(
        f"there is no index at {index_path}: check --index or DOSSIER_INDEX_PATH, or create one there "
        f"with `agent ingest PATH --index {index_path}`"
    )


def read_only(index_path: Path) -> IndexReadOnly:
    return IndexReadOnly(
        f"the index at {index_path} is read-only: this command writes to it; ask, search and the "
        "listings work without write access"
    )


def free_space(path: Path) -> str:
    for candidate in (path, *path.parents):
        if candidate.exists():
            free = shutil.disk_usage(candidate).free
            return f"{free / 1e6:.1f} MB free" if free < 10e9 else f"{free / 1e9:.0f} GB free"
    return "free space unknown"


def disk_full(index_path: Path) -> DiskFull:
    return DiskFull(f"no space left on the disk that holds the index at {index_path} ({free_space(index_path)}): free some space and run the command again")


_DAMAGED = ("malformed", "not a database", "file is encrypted", "database corrupt")
_FULL = ("database or disk is full", "no space left", "disk full", "failed to apply logs")
_READ_ONLY = ("readonly database", "read-only file system", "read-only database")


def explain(exc: BaseException, index_path: Path) -> DossierError | None:
    """The user-facing error for `exc` raised while using the index at `index_path`, or None
    when it is not a failure of the index (a bug: the CLI then shows the traceback)."""
    chain = exception_chain(exc)
    messages = " | ".join(str(e) for e in chain).lower()
    if any(isinstance(e, OSError) and e.errno == errno.ENOSPC for e in chain) or any(m in messages for m in _FULL):
        if "failed to apply logs" not in messages or _low_space(index_path):
            return disk_full(index_path)
    if any(isinstance(e, OSError) and e.errno == errno.EROFS for e in chain) or any(m in messages for m in _READ_ONLY):
        return read_only(index_path)
    if any(isinstance(e, sqlite3.DatabaseError) for e in chain):
        if any(m in messages for m in _DAMAGED):
            return store_damaged(index_path / "dossier.sqlite3", str(exc))
        if "disk i/o error" in messages and _low_space(index_path):
            return disk_full(index_path)
    if any(type(e).__module__.startswith("chromadb") for e in chain) or "compaction" in messages:
        if _low_space(index_path):
            return disk_full(index_path)
        return IndexUnavailable(f"the vector index at {index_path} failed ({clip(str(exc))}): {CHECK_HINT}")
    return None


def _low_space(path: Path) -> bool:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return shutil.disk_usage(candidate).free < 50e6
    return False


def exception_chain(exc: BaseException) -> list[BaseException]:
    """`exc` and what caused it, in order (explicit causes and implicit contexts)."""
    out = [exc]
    while (nxt := out[-1].__cause__ or out[-1].__context__) is not None and nxt not in out:
        out.append(nxt)
    return out


def clip(text: str, limit: int = 160) -> str:
    """A message on one line, cut after `limit` characters: for quoting what a library said."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."


def printable(text: str) -> str:
    """`text` with control and format characters (newline, escape, right-to-left override)
    written as Python escapes, so a name prints as one line that shows what it holds."""
    return "".join(
        c.encode("unicode_escape").decode("ascii") if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c
        for c in text
    )

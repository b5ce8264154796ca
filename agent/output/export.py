"""Records out: JSON Lines, CSV and pandas DataFrames. Files are written whole or not at all."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from pydantic import TypeAdapter

from agent.models import CanonicalActor, DateMention, Edge, Record, flat, listing_rows

_RECORD = TypeAdapter(Record)
CSV_COLUMNS = [
    "type", "name", "actor_type", "aliases", "holder", "relation", "target", "status", "attribution",
    "kind", "source",
    "text", "event", "value", "precision", "anchor", "unresolved",
    "article", "start", "end", "quote",
]


def record_from_dict(data: dict) -> Record:
    return _RECORD.validate_python(data)


FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv"}


def format_for(path: Path | str, fmt: str | None = None) -> str:
    """The output format: `fmt` when given, else the file's extension (.csv -> csv), else jsonl."""
    if fmt is not None:
        if fmt not in {"jsonl", "csv"}:
            raise ValueError(f"unknown format {fmt!r}: use jsonl or csv")
        return fmt
    return FORMATS.get(Path(path).suffix.lower(), "jsonl")


def render_records(records: Iterable[Record], fmt: str = "jsonl") -> tuple[str, int]:
    """The records as JSON Lines or CSV text, and how many there are."""
    buffer = io.StringIO()
    count = 0
    if fmt == "jsonl":
        for record in records:
            buffer.write(json.dumps(record.model_dump(mode="json"), ensure_ascii=False) + "\n")
            count += 1
    elif fmt == "csv":
        writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for record in records:
            writer.writerow(flat(record))
            count += 1
    else:
        raise ValueError(f"unknown format {fmt!r}: use jsonl or csv")
    return buffer.getvalue(), count


def write_records(records: Iterable[Record], path: Path, fmt: str = "jsonl") -> int:
    """Write atomically (temp file + rename): a crash never leaves half a file behind."""
    text, count = render_records(records, fmt)
    write_atomically(Path(path), text)
    return count


def write_atomically(path: Path, text: str) -> None:
    """Temp file + rename, with the mode a plain `open(path, "w")` would give (the umask
    applies; an existing file keeps its mode): `mkstemp` alone makes every file 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_records(path: Path) -> list[Record]:
    records = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                records.append(record_from_dict(json.loads(line)))
            except ValueError as exc:
                raise ValueError(f"{path}:{number}: not a Dossier record ({exc})") from exc
    return records


def records_frame(records: Iterable[Record]):
    """A pandas DataFrame with one row per record (pandas is an optional dependency)."""
    import pandas as pd

    return pd.DataFrame([flat(r) for r in records], columns=CSV_COLUMNS)


def listing_csv(items: Iterable[CanonicalActor | Edge | DateMention]) -> str:
    columns, rows = listing_rows(items)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()

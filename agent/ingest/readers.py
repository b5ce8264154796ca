"""Files -> `Article`s: one reader per format (.txt, .md, .html, .jsonl).

Readers never raise on a bad file: they yield a `Skipped` naming the file and the
reason, so one bad file never stops a batch.
"""

from __future__ import annotations

import hashlib
import os
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from agent.extract.dates import parse_published
from agent.ingest.chunking import dateline_when
from agent.ingest.fetch import FetchError, fetch, is_url, url_id
from agent.models import Article
from agent.text.safety import is_instruction

SUPPORTED = {".txt", ".md", ".markdown", ".html", ".htm", ".jsonl"}


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class Source:
    """A file or URL to read, and the id its article takes: its path relative to what was
    ingested, or the URL's host and path."""

    path: Path | None
    id: str
    url: str | None = None

    @property
    def location(self) -> str:
        """What tells two sources apart: the absolute path, or the URL."""
        return self.url or str(self.path.resolve())  # type: ignore[union-attr]


def iter_files(paths: Iterable[str | Path]) -> Iterator[Source | Skipped]:
    """Expand folders (recursively, sorted) into supported files; report what is left out.

    A file found in a folder is named by its path inside that folder ("a/article.txt"),
    a file given by itself by its name: two files of one name in different folders
    never share an id.
    """
    for raw in paths:
        path = Path(raw)
        if is_url(str(raw)):
            yield Source(None, url_id(str(raw)), url=str(raw))
        elif not path.exists():
            yield Skipped(str(raw), "no such file or directory")
        elif path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                relative = child.relative_to(path)
                # Hidden files and folders (.git, .DS_Store) are not articles, and not worth a message.
                if any(part.startswith(".") for part in relative.parts):
                    continue
                if child.suffix.lower() in SUPPORTED:
                    yield Source(child, relative.as_posix())
                else:
                    yield Skipped(str(child), f"unsupported file type '{child.suffix or child.name}'")
        elif path.suffix.lower() in SUPPORTED:
            yield Source(path, path.name)
        else:
            yield Skipped(str(path), f"unsupported file type '{path.suffix or path.name}'")


def read_paths(
    paths: Iterable[str | Path],
    max_bytes: int,
    known: Mapping[str, str] | None = None,
    owners: Mapping[str, str] | None = None,
    fetch_timeout: float = 20.0,
) -> Iterator[Article | Skipped]:
    """Every article under `paths`, plus a `Skipped` for each file or line that could not be read.

    An article whose text was already seen (earlier in this batch, or in `known`: content
    hash -> id of an indexed article) under another id is skipped, not indexed twice.
    `owners` (id -> path of the indexed article) keeps a different file from taking an
    id that is already in use: its id grows by its folders ("b/article.txt") until unique.
    """
    indexed = dict(known or {})
    # Indexes made before paths were stored absolute hold them relative to where ingest ran.
    taken = {article_id: path if is_url(path) else os.path.abspath(path) for article_id, path in (owners or {}).items()}
    seen: dict[str, str] = {}  # content hash -> first article id with that text in this batch
    for item in iter_files(paths):
        if isinstance(item, Skipped):
            yield item
            continue
        source = Source(item.path, _unique_id(item, taken), item.url)
        for result in read_url(source, max_bytes, fetch_timeout) if source.url else read_file(source, max_bytes):
            if isinstance(result, Article):
                before = indexed.get(result.content_hash)
                if before is not None and before != result.id:
                    yield Skipped(result.path, f"same text as {before}, already indexed")
                    continue
                first = seen.setdefault(result.content_hash, result.id)
                if first != result.id:
                    yield Skipped(result.path, f"same text as {first}")
                    continue
            yield result


def _unique_id(source: Source, taken: dict[str, str]) -> str:
    """`source.id`, or a longer tail of its path when another file already owns that id."""
    location = source.location
    parts = Path(location).parts if source.url is None else (location,)
    article_id, depth = source.id, len(Path(source.id).parts)
    while taken.get(article_id, location) != location and depth < len(parts):
        depth += 1
        article_id = Path(*parts[-depth:]).as_posix()
    taken[article_id] = location
    return article_id


def read_url(source: Source, max_bytes: int, timeout: float) -> Iterator[Article | Skipped]:
    url = source.url or ""
    try:
        page = fetch(url, max_bytes, timeout)
    except FetchError as exc:
        yield Skipped(url, str(exc))
        return
    body, meta = html_to_text(page.text) if page.html else (page.text, {})
    yield from _article(url, url, source.id, body, {**meta, "url": meta.get("url") or page.url})


def read_file(source: Source, max_bytes: int) -> Iterator[Article | Skipped]:
    path = source.path
    assert path is not None
    try:
        size = path.stat().st_size
        if size > max_bytes:
            yield Skipped(str(path), f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit")
            return
        raw = path.read_bytes()
    except OSError as exc:  # unreadable, or gone since the folder was listed
        yield Skipped(str(path), f"cannot read the file ({exc.strerror or exc})")
        return
    if not raw.strip():
        yield Skipped(str(path), "file is empty")
        return
    text = _decode_utf16(raw)
    if text is None:
        if b"\x00" in raw[:8192]:
            yield Skipped(str(path), "binary file (contains NUL bytes), not text")
            return
        text = _decode(raw)
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        yield from _read_jsonl(source, text)
        return
    if suffix in {".html", ".htm"}:
        body, meta = html_to_text(text)
    else:
        body, meta = text, {}
    yield from _article(str(path), str(path.resolve()), source.id, body, meta)


def _decode_utf16(raw: bytes) -> str | None:
    """Text saved as UTF-16 ("Unicode" in Windows editors) is full of NUL bytes but is text."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            return None
    return None


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Old newswire files are often Windows-1252 / Latin-1; every byte decodes in latin-1.
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            return raw.decode("latin-1")


def _article(where: str, location: str, article_id: str, text: str, meta: dict[str, str | None]) -> Iterator[Article | Skipped]:
    """`where` names the source in messages; `location` (absolute path or URL) is stored, and
    is what tells two same-named files apart."""
    if not re.search(r"\w{2,}", text):
        yield Skipped(where, "no readable text")
        return
    title = _plain(meta.get("title")) or _plain(_title(text))
    published = parse_published(meta["date"]) if meta.get("date") else _published(text)
    yield Article(
        id=article_id,
        path=location,
        text=text,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        title=title,
        outlet=_plain(meta.get("outlet") or _outlet(text)),
        url=meta.get("url") or _url(text),
        published=published,
    )


def _plain(value: str | None) -> str | None:
    """Metadata is shown to the model beside passages: a title or outlet that reads as an
    instruction to it is dropped (the text itself keeps it, as data)."""
    return None if value is None or is_instruction(value) else value


# --- metadata stated in plain text -------------------------------------------------

_DATE_LINE = re.compile(
    r"^\s*(?:date[:\s]+)?(\d{4}-\d{2}-\d{2}|[A-Z][a-z]+\.? \d{1,2}, \d{4}|\d{1,2} [A-Z][a-z]+\.? \d{4})\b",
    re.MULTILINE,
)
_URL_LINE = re.compile(r"(?:original\s+url|source|url)\s*:\s*<?\s*(https?://[^\s>]+)", re.IGNORECASE)
_BYLINE = re.compile(r"^\s*By\s+\[?([A-Z][\w&.' -]{1,60}?)\]?(?:\(.*?\))?\s*$", re.MULTILINE)


def _title(text: str) -> str | None:
    """The first line, when it reads like a headline (short, no sentence-final period)."""
    for line in text.splitlines():
        line = line.strip().strip("#").strip()
        if not line:
            continue
        if len(line) <= 160 and not line.endswith((".", "?", "!")) and not _DATE_LINE.match(line):
            return line
        return None
    return None


def _published(text: str) -> object:
    # Only the head of the article: a date deep in the body dates an event, not the article.
    # A date line first ("date 2020-01-08"), else a wire dateline ("HARWICK, 14 March 2026 – ");
    # a dateline without a year ("PORT ELSA, 3 March –") dates nothing.
    match = _DATE_LINE.search(text[:600])
    if match:
        return parse_published(match.group(1))
    when = dateline_when(text[:600])
    return parse_published(when) if when else None


def _outlet(text: str) -> str | None:
    match = _BYLINE.search(text[:600])
    return match.group(1).strip() if match else None


def _url(text: str) -> str | None:
    match = _URL_LINE.search(text.replace("\n", " "))
    return match.group(1) if match else None


# --- JSON Lines --------------------------------------------------------------------

_TEXT_KEYS = ("text", "content", "body", "article")


def _read_jsonl(source: Source, text: str) -> Iterator[Article | Skipped]:
    path = source.path
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Skipped(where, f"malformed JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(obj, dict):
            yield Skipped(where, "line is not a JSON object")
            continue
        body = next((obj[k] for k in _TEXT_KEYS if isinstance(obj.get(k), str)), None)
        if body is None:
            yield Skipped(where, f"no text field (expected one of {', '.join(_TEXT_KEYS)})")
            continue
        meta = {
            "title": _str(obj.get("title")),
            "outlet": _str(obj.get("outlet") or obj.get("source")),
            "url": _str(obj.get("url")),
            "date": _str(obj.get("date") or obj.get("published")),
        }
        article_id = _str(obj.get("id")) or f"{source.id}:{number}"
        yield from _article(where, f"{path.resolve()}:{number}", article_id, body, meta)


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


# --- HTML --------------------------------------------------------------------------


def html_to_text(source: str) -> tuple[str, dict[str, str | None]]:
    """The main text of a web page and its metadata, by trafilatura: menus, cookie banners,
    "related articles", comments, scripts and styles never reach the index. A page whose
    main text trafilatura cannot single out with precision is read again favouring recall."""
    import trafilatura

    # No `deduplicate`: its cache is process-wide, so a page read twice would lose its text.
    options = {"with_metadata": True, "include_comments": False, "include_tables": True}
    document = trafilatura.bare_extraction(source, favor_precision=True, **options) or trafilatura.bare_extraction(
        source, favor_recall=True, **options
    )
    if document is None or not document.text:
        return "", {}
    # One blank line between paragraphs, as in the plain-text articles the chunker expects.
    text = re.sub(r"\n+", "\n\n", document.text.strip())
    return text, {
        "title": document.title,
        "outlet": document.sitename,
        "url": document.url,
        "date": document.date,
        "author": document.author,
    }

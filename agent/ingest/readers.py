"""Files -> `Article`s: one reader per format (.txt, .md, .html, .jsonl).

Readers never raise on a bad file: they yield a `Skipped` naming the file and the
reason, so one bad file never stops a batch.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from agent.errors import printable
from agent.ingest.boilerplate import Boilerplate
from agent.ingest.boilerplate import load as load_boilerplate
from agent.ingest.fetch import FetchError, fetch, is_url, url_id
from agent.ingest.pages import read_page
from agent.ingest.published import parse_published
from agent.models import Article
from agent.text.datelines import DATE_LINE, head_date
from agent.text.safety import is_instruction

SUPPORTED = {".txt", ".md", ".markdown", ".html", ".htm", ".jsonl"}
# A web page whose stored body is shorter than this likely keeps its article elsewhere
# (a script, a second page): ingest says so, naming the file.
SHORT_BODY_CHARS = 400


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str
    duplicate_of: str | None = None  # the id of the article with the same text, indexed or read before

    def __str__(self) -> str:
        # A file name is data: a newline in it must not forge a line of the report.
        return printable(f"{self.path}: {self.reason}")


@dataclass(frozen=True)
class Note:
    """Something the user should know about an article that was read: its body was taken from
    elsewhere on the page, or is suspiciously short."""

    path: str
    message: str

    def __str__(self) -> str:
        return printable(f"{self.path}: {self.message}")


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
    never share an id. Only regular files are read: a named pipe or a socket would block
    the read or never end, so it is reported, never opened.
    """
    for raw in paths:
        path = Path(raw)
        if is_url(str(raw)):
            yield Source(None, url_id(str(raw)), url=str(raw))
        elif not path.exists():
            yield Skipped(str(raw), _broken_link(path) if path.is_symlink() else "no such file or directory")
        elif path.is_dir():
            yield from _folder(path)
        elif (kind := _special(path.stat().st_mode)) is not None:
            yield Skipped(str(path), f"{kind}, not a regular file: never opened")
        elif path.suffix.lower() in SUPPORTED:
            yield Source(path, path.name)
        else:
            yield Skipped(str(path), f"unsupported file type '{path.suffix or path.name}'")


def _folder(root: Path, folder: Path | None = None) -> Iterator[Source | Skipped]:
    """The supported files under `root`, sorted, without following a symbolic link to a
    folder (it could loop back). A link is followed only to a file inside `root`: one leaving
    the folder (a link to /etc/passwd), a link to a folder, a loop and a dangling link are each
    reported and skipped. Hidden files and folders (.git, .DS_Store) are not articles, and not
    worth a message."""
    folder = folder or root
    try:
        children = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        yield Skipped(str(folder), f"cannot list the folder ({exc.strerror or exc})")
        return
    for child in children:
        if child.name.startswith("."):
            continue
        path = Path(child.path)
        if child.is_dir(follow_symlinks=False):
            yield from _folder(root, path)
        else:
            yield _entry(root, path)


def _entry(root: Path, path: Path) -> Source | Skipped:
    if path.is_symlink():
        if not path.exists():
            return Skipped(str(path), _broken_link(path))
        target = path.resolve()
        if not target.is_relative_to(root.resolve()):
            return Skipped(str(path), f"symbolic link to {target}, outside the folder: not followed")
        if target.is_dir():
            return Skipped(str(path), "symbolic link to a folder: not followed")
    try:
        mode = path.stat().st_mode
    except OSError as exc:  # gone since the folder was listed
        return Skipped(str(path), f"cannot read the file ({exc.strerror or exc})")
    if (kind := _special(mode)) is not None:
        return Skipped(str(path), f"{kind}, not a regular file: never opened")
    if path.suffix.lower() in SUPPORTED:
        return Source(path, path.relative_to(root).as_posix())
    return Skipped(str(path), f"unsupported file type '{path.suffix or path.name}'")


def _broken_link(link: Path) -> str:
    try:
        link.resolve(strict=True)
    except FileNotFoundError:
        return f"dangling symbolic link (to {os.readlink(link)}, which does not exist): not followed"
    except (RuntimeError, OSError):  # a loop: Python 3.11 raises RuntimeError, later versions OSError
        return "symbolic link loop: not followed"
    return "symbolic link that cannot be followed"


def _special(mode: int) -> str | None:
    """What a path that is no regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "named pipe"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"


def read_paths(
    paths: Iterable[str | Path],
    max_bytes: int,
    known: Mapping[str, str] | None = None,
    owners: Mapping[str, str] | None = None,
    fetch_timeout: float = 20.0,
    allow_private: bool = False,
    boilerplate: Boilerplate | None = None,
) -> Iterator[Article | Skipped | Note]:
    """Every article under `paths`, plus a `Skipped` for each file or line that could not be read
    and a `Note` for each web page whose body was replaced or is short.

    Each text is stored without the lines `boilerplate` removes (default: the shipped patterns).

    An article whose text was already seen (earlier in this batch, or in `known`: content
    hash -> id of an indexed article) under another id is skipped, not indexed twice.
    `owners` (id -> path of the indexed article) keeps a different source from taking an
    id that is already in use: a file's id grows by its folders ("b/article.txt") until
    unique, a JSON Lines record's id is scoped to its file ("feed.jsonl#id"), and what
    still collides is skipped with the reason. So nothing indexed is replaced but by a new
    version of its own source. `fetch_timeout` and `allow_private` are for URLs (`fetch`).
    """
    indexed = dict(known or {})
    # Indexes made before paths were stored absolute hold them relative to where ingest ran.
    taken = {article_id: path if is_url(path) else os.path.abspath(path) for article_id, path in (owners or {}).items()}
    seen: dict[str, str] = {}  # content hash -> first article id with that text in this batch
    furniture = boilerplate or load_boilerplate()
    for item in iter_files(paths):
        if isinstance(item, Skipped):
            yield item
            continue
        article_id = _unique_id(item, taken)
        if article_id is None:
            yield Skipped(item.url or str(item.path), f"its id {item.id!r} is taken by {taken[item.id]}: not indexed")
            continue
        source = Source(item.path, article_id, item.url)
        results = (
            read_url(source, max_bytes, fetch_timeout, furniture, allow_private)
            if source.url
            else read_file(source, max_bytes, furniture, taken)
        )
        for result in results:
            if isinstance(result, Article):
                before = indexed.get(result.content_hash)
                if before is not None and before != result.id:
                    yield Skipped(result.path, f"same text as {before}, already indexed", duplicate_of=before)
                    continue
                first = seen.setdefault(result.content_hash, result.id)
                if first != result.id:
                    yield Skipped(result.path, f"same text as {first}", duplicate_of=first)
                    continue
            yield result


def _unique_id(source: Source, taken: dict[str, str]) -> str | None:
    """`source.id`, or a longer tail of its path when another source already owns that id;
    None when even its whole path is taken (a URL's id cannot grow)."""
    location = source.location
    parts = Path(location).parts if source.url is None else (location,)
    article_id, depth = source.id, len(Path(source.id).parts)
    while taken.get(article_id, location) != location and depth < len(parts):
        depth += 1
        article_id = Path(*parts[-depth:]).as_posix()
    if taken.get(article_id, location) != location:
        return None
    taken[article_id] = location
    return article_id


def record_location(path: Path, line: int) -> str:
    """Where a JSON Lines record is stored from: its file and line ("/news/feed.jsonl:3")."""
    return f"{path}:{line}"


def record_file(location: str) -> str | None:
    """The file of a JSON Lines record's location; None for a file's or a URL's."""
    file, _, line = location.rpartition(":")
    return file if line.isdigit() and file.lower().endswith(".jsonl") else None


def is_record(item: Article | Skipped) -> bool:
    """Whether `item` is one record of a JSON Lines file, not a file of its own: ingest
    counts records and files apart."""
    return record_file(item.path) is not None


def read_url(
    source: Source, max_bytes: int, timeout: float, boilerplate: Boilerplate, allow_private: bool = False
) -> Iterator[Article | Skipped | Note]:
    url = source.url or ""
    try:
        page = fetch(url, max_bytes, timeout, allow_private)
    except FetchError as exc:
        yield Skipped(url, str(exc))
        return
    if page.html:
        yield from _web_page(url, url, source.id, page.text, boilerplate, page.url)
    else:
        yield from _article(url, url, source.id, page.text, {"url": page.url}, boilerplate)


def read_file(
    source: Source, max_bytes: int, boilerplate: Boilerplate, taken: dict[str, str] | None = None
) -> Iterator[Article | Skipped | Note]:
    """The file's article, or each record of a JSON Lines file; `taken` (id -> location of
    the article that owns it) is what a record's id must not take from another source."""
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
        yield from _read_jsonl(source, text, {} if taken is None else taken, boilerplate)
    elif suffix in {".html", ".htm"}:
        yield from _web_page(str(path), str(path.resolve()), source.id, text, boilerplate)
    else:
        yield from _article(str(path), str(path.resolve()), source.id, text, {}, boilerplate)


def _web_page(where: str, location: str, article_id: str, source: str, boilerplate: Boilerplate,
              fetched_url: str | None = None) -> Iterator[Article | Skipped | Note]:
    """A page's article, and a `Note` when its body came from elsewhere on the page or is short."""
    page = read_page(source)
    meta = {"title": page.title, "outlet": page.outlet, "url": page.url or fetched_url}
    for result in _article(where, location, article_id, page.text, meta, boilerplate, page.published):
        yield result
        if isinstance(result, Article):
            if page.note:
                yield Note(where, page.note)
            if len(result.text) < SHORT_BODY_CHARS:
                yield Note(where, f"only {len(result.text)} characters of article text: the page may keep "
                                  "its article elsewhere (in a script, or on another page)")


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


def _article(where: str, location: str, article_id: str, text: str, meta: dict[str, str | None],
             boilerplate: Boilerplate, published: date | None = None) -> Iterator[Article | Skipped]:
    """`where` names the source in messages; `location` (absolute path or URL) is stored, and
    is what tells two same-named files apart. The text is stored without its page furniture."""
    text = boilerplate.strip(text)
    if not re.search(r"\w{2,}", text):
        yield Skipped(where, "no readable text")
        return
    title = _plain(meta.get("title")) or _plain(_title(text))
    if published is None:
        stated = meta.get("date") or head_date(text)
        published = parse_published(stated) if stated else None
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

_URL_LINE = re.compile(r"(?:original\s+url|source|url)\s*:\s*<?\s*(https?://[^\s>]+)", re.IGNORECASE)
_BYLINE = re.compile(r"^\s*By\s+\[?([A-Z][\w&.' -]{1,60}?)\]?(?:\(.*?\))?\s*$", re.MULTILINE)


def _title(text: str) -> str | None:
    """The first line, when it reads like a headline (short, no sentence-final period)."""
    for line in text.splitlines():
        line = line.strip().strip("#").strip()
        if not line:
            continue
        if len(line) <= 160 and not line.endswith((".", "?", "!")) and not DATE_LINE.match(line):
            return line
        return None
    return None


def _outlet(text: str) -> str | None:
    match = _BYLINE.search(text[:600])
    return match.group(1).strip() if match else None


def _url(text: str) -> str | None:
    match = _URL_LINE.search(text.replace("\n", " "))
    return match.group(1) if match else None


# --- JSON Lines --------------------------------------------------------------------

_TEXT_KEYS = ("text", "content", "body", "article")


def _read_jsonl(source: Source, text: str, taken: dict[str, str], boilerplate: Boilerplate) -> Iterator[Article | Skipped]:
    """One article per line. A record's id (its "id", else file:line) is its own while no other
    source owns it; one that another file or record owns is scoped to this file
    ("feed.jsonl#id"), and a repeated id keeps its first line."""
    path = source.path
    assert path is not None
    file = str(path.resolve())
    first_line: dict[str, int] = {}  # record id -> the line that took it in this file
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
        record_id = _str(obj.get("id")) or f"{source.id}:{number}"
        if record_id in first_line:
            yield Skipped(where, f"id {record_id!r} repeats line {first_line[record_id]}; the first is kept")
            continue
        first_line[record_id] = number
        location = record_location(Path(file), number)
        article_id = record_id
        if record_file(taken.get(article_id, location)) != file:
            article_id = f"{source.id}#{record_id}"  # another source owns the id: scoped to this file
            if record_file(taken.get(article_id, location)) != file:
                yield Skipped(where, f"id {record_id!r} is taken by {taken[record_id]}: not indexed")
                continue
        taken[article_id] = location
        meta = {
            "title": _str(obj.get("title")),
            "outlet": _str(obj.get("outlet") or obj.get("source")),
            "url": _str(obj.get("url")),
            "date": _str(obj.get("date") or obj.get("published")),
        }
        yield from _article(where, location, article_id, body, meta, boilerplate)


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None

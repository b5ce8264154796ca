"""Page furniture removed from an article's text before it is stored: credits, "Related",
"Read more: ...", copyright lines, newsletter and letter prompts.

The patterns are data (`agent/data/boilerplate.txt`), and a user adds his own in a file of
the same format (`DOSSIER_BOILERPLATE`, or `boilerplate.txt` in the index folder). They are
applied when the article is read, so the stored text has no furniture and every offset into
it (chunks, citations, records) is exact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from agent.data import text as shipped_text
from agent.errors import DossierError

_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class Boilerplate:
    patterns: tuple[re.Pattern[str], ...]

    def strip(self, text: str) -> str:
        """`text` without what the patterns match, line by line; a line left with no word is removed."""
        kept: list[str] = []
        removed = False
        for line in text.split("\n"):
            cleaned = line
            for pattern in self.patterns:
                cleaned = pattern.sub("", cleaned)
            if cleaned != line:
                removed = True
                if not _WORD.search(cleaned):
                    continue
                cleaned = re.sub(r"[ \t]{2,}", " ", cleaned).rstrip()
            kept.append(cleaned)
        if not removed:
            return text
        # A removed line leaves no run of blank lines behind: paragraphs stay one blank line apart.
        return re.sub(r"\n(?:[ \t]*\n){2,}", "\n\n", "\n".join(kept)).strip("\n")


@lru_cache(maxsize=8)
def load(user_file: Path | None = None) -> Boilerplate:
    """The shipped patterns, with those of `user_file` added; a bad pattern is an error naming its file and line."""
    sources = [("agent/data/boilerplate.txt", shipped_text("boilerplate.txt"))]
    if user_file is not None:
        try:
            sources.append((str(user_file), Path(user_file).read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            raise DossierError(f"cannot read the boilerplate patterns {user_file}: {getattr(exc, 'strerror', None) or exc}") from None
    patterns = []
    for source, text in sources:
        for number, line in enumerate(text.splitlines(), start=1):
            pattern = line.strip()
            if not pattern or pattern.startswith("#"):
                continue
            try:
                patterns.append(re.compile(pattern, re.IGNORECASE))
            except re.error as exc:
                raise DossierError(f"{source}, line {number}: {pattern!r} is not a valid regular expression ({exc})") from None
    return Boilerplate(tuple(patterns))


def user_file(index_path: Path, configured: Path | None) -> Path | None:
    """The user's patterns: `DOSSIER_BOILERPLATE`, else `boilerplate.txt` in the index folder, else none."""
    if configured is not None:
        return configured
    beside = index_path / "boilerplate.txt"
    return beside if beside.is_file() else None

"""Datelines: the lines at an article's head that say where and when it was filed. One home
for the three kinds the stages read; they differ on purpose:
- a wire dateline opens the first sentence: "PORT ELSA, 3 March 2026 – The council ...";
- a date line stands alone: "2020-01-08", "date: January 8, 2020";
- a date mention dates the article, not an event in it, when a label at most comes
  before it on its line and a time or a place in capitals at most after it.
"""

from __future__ import annotations

import re

# A wire dateline at the head of a sentence: a place in capitals, maybe the agency and the
# date, then a dash ("PORT ELSA, 3 March 2026 – ", "KELM (Wire) - "). It says where the story
# was filed; left in, the parser reads the place as the sentence's subject.
_WIRE = re.compile(r"[A-Z][A-Z.'’ -]{1,40}[A-Z.](?:\s*\([^)\n]{1,40}\))?(?:,(?P<when>[^\n–—]{0,40}?))?\s+[–—-]{1,2}\s+(?=[\"“‘']?[A-Z])")
# A line that is a publication date, maybe after "date": "2020-01-08", "January 8, 2020".
DATE_LINE = re.compile(
    r"^\s*(?:date[:\s]+)?(\d{4}-\d{2}-\d{2}|[A-Z][a-z]+\.? \d{1,2}, \d{4}|\d{1,2} [A-Z][a-z]+\.? \d{4})\b",
    re.MULTILINE,
)
HEAD_CHARS = 600  # a date deeper in an article dates an event in it, not the article
_DATE_LABEL = re.compile(r"(?i)^\s*(?:date|dated|published|posted|updated|last\s+updated)?\s*:?\s*$")
_AFTER_DATE = re.compile(r"^\s*(?:$|\d{1,2}:\d{2}\b|[-–—|,]?\s*[A-Z]{3,}\b)")


def dateline_when(text: str) -> str | None:
    """What a wire dateline at the head of a line says after the place: "14 March 2026" in
    "HARWICK, 14 March 2026 – The board ...", or None."""
    for line in text.splitlines():
        match = _WIRE.match(line.strip())
        if match and match["when"]:
            return match["when"].strip()
    return None


def head_date(text: str) -> str | None:
    """The date a text states for itself at its head: a date line ("date 2020-01-08"), else a
    wire dateline ("HARWICK, 14 March 2026 – "); a dateline without a year dates nothing."""
    head = text[:HEAD_CHARS]
    match = DATE_LINE.search(head)
    return match.group(1) if match else dateline_when(head)


def without_dateline(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """A sentence span without a wire dateline at its head ("PORT ELSA, 3 March – Corlan ...")."""
    start, end = span
    match = _WIRE.match(text, start, end)
    return (match.end(), end) if match and match.end() < end else span


def dates_the_article(before: str, after: str) -> bool:
    """Whether a full date with `before` and `after` it on its line is the article's own date."""
    return bool(_DATE_LABEL.match(before) and _AFTER_DATE.match(after))

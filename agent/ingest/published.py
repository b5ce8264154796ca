"""Publication dates: the date an article states for itself, in a metadata field or at its head."""

from __future__ import annotations

import re
from datetime import date
from email.utils import parsedate_to_datetime

from agent.text.dates import MONTH_ABBR, MONTH_FULL, absolute_date, month_number

_PUBLISHED_PATTERNS = [
    re.compile(r"(?<!\d)(?P<year>\d{4})-(?P<mm>\d{1,2})-(?P<dd>\d{1,2})(?!\d)"),
    re.compile(
        rf"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?,?\s+)?(?P<month>(?:{MONTH_FULL})|{MONTH_ABBR})(?![a-z])"
        r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})(?!\d)"
    ),
    re.compile(
        rf"(?<!\d)(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month>(?:{MONTH_FULL})|{MONTH_ABBR})(?![a-z])"
        r",?\s+(?P<year>\d{4})(?!\d)"
    ),
]


# "28.04.2023": with dots, a numeric date is written day first (the European order).
_DOTTED_DAY_FIRST = re.compile(r"(?<![\d.])(?P<dd>\d{1,2})\.(?P<mm>\d{1,2})\.(?P<year>\d{4})(?![\d.]\d)")


def full_dates_in(text: str) -> list[date]:
    """Every full calendar date written out in `text` (a page's title, a dateline): ISO
    ("2023-04-28"), with the month's name ("April 28, 2023", "28 April 2023") or with dots,
    day first ("28.04.2023")."""
    found: list[date] = []
    for pattern in (*_PUBLISHED_PATTERNS, _DOTTED_DAY_FIRST):
        for m in pattern.finditer(text):
            parts = m.groupdict()
            try:
                month = int(parts["mm"]) if "mm" in parts else month_number(parts["month"])
                day = int(parts["dd"]) if "dd" in parts else int(parts["day"])
                found.append(date(int(parts["year"]), month, day))
            except ValueError:
                continue  # "2023-13-45": digits, no date
    return found


def parse_published(text: str | None) -> date | None:
    """A publication date from a string such as "January 08, 2020", "2020-01-08", "8 Jan 2020".

    Also reads ISO timestamps, RFC 2822 dates ("Wed, 08 Jan 2020 10:00:00 GMT") and,
    through `dateparser` (absolute dates only, never relative to today), other
    formats and languages ("8 janvier 2020"). Returns None when no full date
    (day, month and year) is stated, or when a numeric date is ambiguous
    ("03/04/2020").
    """
    if not text or not text.strip():
        return None
    text = text.strip()
    for pattern in _PUBLISHED_PATTERNS:
        m = pattern.search(text)
        if not m:
            continue
        try:
            month = int(m["mm"]) if "mm" in m.groupdict() else month_number(m["month"])
            day = int(m["dd"]) if "dd" in m.groupdict() else int(m["day"])
            return date(int(m["year"]), month, day)
        except (ValueError, KeyError):
            continue
    try:
        return parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError):
        pass
    numeric = re.fullmatch(r"\s*(\d{1,2})[/.](\d{1,2})[/.](\d{4})\s*", text)
    if numeric:
        a, b, year = (int(g) for g in numeric.groups())
        if a <= 12 and b <= 12 and a != b:
            return None  # 03/04/2020: March 4 or 3 April? Do not guess.
    parsed = absolute_date(text, ("day", "month", "year"))
    return parsed.date() if parsed else None

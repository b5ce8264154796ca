"""Date words every stage reads the same way: month names and numbers, and absolute dates in
other formats or languages through `dateparser`, never relative to today."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

# Spelt out rather than taken from `calendar`, whose names follow the process's locale.
MONTH_NAMES = ("January", "February", "March", "April", "May", "June",
               "July", "August", "September", "October", "November", "December")
# Lower-case name or three-letter abbreviation ("sept" too) -> month number.
MONTH_NUMBERS: dict[str, int] = {
    form: number
    for number, name in enumerate(MONTH_NAMES, start=1)
    for form in (name.lower(), name[:3].lower())
} | {"sept": 9}
# Regular-expression alternatives: the full names; the abbreviations, "May" being one already.
MONTH_FULL = "|".join(MONTH_NAMES)
MONTH_ABBR = r"(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?"


def month_number(name: str) -> int:
    """1 for "January", "Jan" or "Jan."."""
    return MONTH_NUMBERS[name.rstrip(".").lower()]


_FIXED_BASE = datetime(2000, 1, 1)  # a leap year; only ever fills parts we then ignore


@lru_cache(maxsize=1024)
def absolute_date(text: str, parts: tuple[str, ...]) -> datetime | None:
    """The date `text` states in full (`parts`: which of day, month and year it must give), or None."""
    try:
        import dateparser
    except ImportError:  # pragma: no cover - dateparser is a declared dependency
        return None
    settings = {
        "PARSERS": ["absolute-time"],
        "RELATIVE_BASE": _FIXED_BASE,
        "REQUIRE_PARTS": list(parts),
        "PREFER_DAY_OF_MONTH": "first",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    try:
        return dateparser.parse(text, settings=settings)
    except Exception:  # dateparser raises assorted errors on odd input
        return None

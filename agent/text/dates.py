"""Date words every stage reads the same way: month names and numbers, and absolute dates in
other formats or languages through `dateparser`, never relative to today."""

from __future__ import annotations

import importlib
import re
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
        return dateparser.parse(text, languages=languages_naming_a_month(text), settings=settings)
    except Exception:  # dateparser raises assorted errors on odd input
        return None


def languages_naming_a_month(text: str) -> list[str]:
    """The dateparser languages with a month name in `text`, in dateparser's own order of trial;
    English alone when none has (numeric dates).

    Left to itself, dateparser loads all of its 205 languages on the first text none of them
    reads, about 4 s; every date asked for here has a month, so only these can read it.
    """
    lowered = text.lower()
    by_word, by_substring = _month_forms()
    found = {language for word in re.findall(r"[^\W\d_]+", lowered) for language in by_word.get(word, ())}
    found |= {language for form, languages in by_substring.items() if form in lowered for language in languages}
    rank = _language_rank()
    return sorted(found, key=rank.__getitem__) if found else ["en"]


@lru_cache(maxsize=1)
def _language_rank() -> dict[str, int]:
    from dateparser.data.languages_info import language_order

    return {language: i for i, language in enumerate(language_order)}


@lru_cache(maxsize=1)
def _month_forms() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Every month name and abbreviation in dateparser's data (lower case, without a final
    dot) -> the languages that write it: single words of scripts that space their words, looked
    up by word; the rest ("1月", "de janeiro"), found as substrings. Reading the raw tables
    takes about 0.2 s."""
    by_word: dict[str, set[str]] = {}
    by_substring: dict[str, set[str]] = {}
    for language in _language_rank():
        info = importlib.import_module(f"dateparser.data.date_translation_data.{language}").info
        for month in MONTH_NAMES:
            for form in info.get(month.lower(), ()):
                form = form.lower().rstrip(".")
                if form:
                    spaced = form.isalpha() and all(ord(c) < 0x2E80 for c in form)  # below the CJK blocks
                    (by_word if spaced else by_substring).setdefault(form, set()).add(language)
    return by_word, by_substring

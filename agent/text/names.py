"""Names as the stages compare them."""

from __future__ import annotations

import re
import unicodedata


def fold(name: str) -> str:
    """Lower-case, whitespace-folded, without a leading "the" or a possessive 's."""
    name = re.sub(r"['’]s\b", "", name.lower())
    return re.sub(r"^the\s+", "", " ".join(name.split()))


def name_key(name: str) -> str:
    """`fold`, plus spelling noise that never distinguishes two actors: dotted acronyms
    ("U.N."), curly quotes, British/American "-ise"/"-ize", a trailing full stop."""
    name = name.strip().replace("’", "'")
    if re.fullmatch(r"(?:[A-Za-z]\.){2,}[A-Za-z]?\.?", name):
        name = name.replace(".", "")
    name = fold(name).strip(" .,;:\"'")
    return re.sub(r"(?<=\w)is(e|ed|es|ing|ation|ations)\b", r"iz\1", name)


def without_accents(name: str) -> str:
    """"Sao Paulo" for "São Paulo": letters without their combining marks."""
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))


# Small words that stand inside a name ("Bank of Kesh", "Gerald R. Ford Airport & Field").
NAME_JOINERS = frozenset("of the de la del von van and & for on in".split())


def is_bare_name(text: str) -> bool:
    """Whether `text` is a name and nothing more: every word capitalised, a number or a small
    joining word, a bracketed note aside ("Kesh Sound (band)")."""
    said = re.sub(r"\s*\([^)]*\)", "", text).split()
    return bool(said) and all(w[:1].isupper() or w[:1].isdigit() or w.lower() in NAME_JOINERS or w == "-" for w in said)

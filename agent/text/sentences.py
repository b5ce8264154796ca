"""Sentences: spans over a text that keep their character offsets, so a quote can always
point back into the original article."""

from __future__ import annotations

import re

# A sentence ends at . ! ? (optionally followed by closing quotes/brackets) before
# whitespace and an opening capital/quote/digit, at a line break after . ! ? or : (a web
# page's "read more:" line), or at a blank line. Common abbreviations ("U.N.", "Gen.",
# "Jan.") are not sentence ends.
_BOUNDARY = re.compile(
    r"""(?<=[.!?])["'”’»)\]]*\s+(?=["'“‘«(\[]?[A-Z0-9])|(?<=[.!?:])["'”’»)\]]*[ \t]*\n\s*|\n\s*\n|\n(?=\s*[#*\-\u2022])"""
)
_ABBREVIATIONS = re.compile(
    r"(?:\b(?:[A-Z]\.){1,3}|\b(?:Mr|Mrs|Ms|Dr|Gen|Col|Lt|Sgt|Capt|Prof|Sen|Rep|Gov|St|Jan|Feb|Mar|Apr|"
    r"Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|No|Jr|Sr|vs|etc|approx)\.)$"
)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans over `text`, trimmed of surrounding whitespace, in order."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        before = text[start : match.start()].rstrip()
        if _ABBREVIATIONS.search(before) and "\n" not in match.group():
            continue
        # A blank line inside a sentence (wrapped or mangled copy: "support\n\nfrom the ...")
        # does not end it: the next line starts in lower case and this one has no final stop.
        after = text[match.end() : match.end() + 1]
        if "\n" in match.group() and after.islower() and not before.endswith((".", "!", "?", ":")):
            continue
        _append_trimmed(text, start, match.start(), spans)
        start = match.end()
    _append_trimmed(text, start, len(text), spans)
    return spans


MAX_SENTENCE_CHARS = 1000


def _append_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped:
        return
    left = start + (len(piece) - len(piece.lstrip()))
    right = left + len(stripped)
    # Text without sentence punctuation (a list, a transcript) is cut at whitespace so no
    # "sentence" outgrows what the embedding and the model can read.
    while right - left > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", left + 1, left + MAX_SENTENCE_CHARS)
        cut = cut if cut > left else left + MAX_SENTENCE_CHARS
        spans.append((left, len(text[:cut].rstrip())))
        left = cut + (len(text[cut:right]) - len(text[cut:right].lstrip()))
    spans.append((left, right))

"""Article text -> sentences and chunks that keep their character offsets.

Every span satisfies `text[start:end] == chunk.text`, so a citation can always
point back into the original article.
"""

from __future__ import annotations

import hashlib
import re

from agent.models import Article, Chunk

# A sentence ends at . ! ? (optionally followed by closing quotes/brackets) before
# whitespace and an opening capital/quote/digit, at a line break after . ! ? or : (a web
# page's "read more:" line), or at a blank line. Common abbreviations ("U.N.", "Gen.",
# "Jan.") are not sentence ends.
_BOUNDARY = re.compile(
    r"""(?<=[.!?])["'”’»)\]]*\s+(?=["'“‘«(\[]?[A-Z0-9])|(?<=[.!?:])["'”’»)\]]*[ \t]*\n\s*|\n\s*\n|\n(?=\s*[#*\-\u2022])"""
)
# A wire dateline at the head of a sentence: a place in capitals, maybe the agency and the
# date, then a dash ("PORT ELSA, 3 March 2026 – ", "KELM (Wire) - "). It says where the story
# was filed; left in, the parser reads the place as the sentence's subject.
_DATELINE = re.compile(r"[A-Z][A-Z.'’ -]{1,40}[A-Z.](?:\s*\([^)\n]{1,40}\))?(?:,(?P<when>[^\n–—]{0,40}?))?\s+[–—-]{1,2}\s+(?=[\"“‘']?[A-Z])")
_ABBREVIATIONS = re.compile(
    r"(?:\b(?:[A-Z]\.){1,3}|\b(?:Mr|Mrs|Ms|Dr|Gen|Col|Lt|Sgt|Capt|Prof|Sen|Rep|Gov|St|Jan|Feb|Mar|Apr|"
    r"Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|No|vs|etc|approx)\.)$"
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


def chunk_article(article: Article, max_chars: int = 600) -> list[Chunk]:
    """Pack consecutive sentences into chunks of up to `max_chars` (a longer sentence stands alone)."""
    chunks: list[Chunk] = []
    group: list[tuple[int, int]] = []

    def flush() -> None:
        if not group:
            return
        start, end = group[0][0], group[-1][1]
        text = article.text[start:end]
        digest = hashlib.sha256(f"{article.content_hash}:{start}:{end}".encode()).hexdigest()[:16]
        chunks.append(Chunk(id=digest, article_id=article.id, start=start, end=end, text=text))
        group.clear()

    for span in split_sentences(article.text):
        if group and span[1] - group[0][0] > max_chars:
            flush()
        group.append(span)
    flush()
    return chunks


def dateline_when(text: str) -> str | None:
    """What a wire dateline at the head of a line says after the place: "14 March 2026" in
    "HARWICK, 14 March 2026 – The board ...", or None."""
    for line in text.splitlines():
        match = _DATELINE.match(line.strip())
        if match and match["when"]:
            return match["when"].strip()
    return None


def without_dateline(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """A sentence span without a wire dateline at its head ("PORT ELSA, 3 March – Corlan ...")."""
    start, end = span
    match = _DATELINE.match(text, start, end)
    return (match.end(), end) if match and match.end() < end else span

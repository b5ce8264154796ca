"""Articles -> chunks of whole sentences that keep their character offsets.

Every span satisfies `text[start:end] == chunk.text`, so a citation can always
point back into the original article.
"""

from __future__ import annotations

import hashlib

from agent.models import Article, Chunk
from agent.text.sentences import split_sentences


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

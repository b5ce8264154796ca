"""How favourable a word is, from -4 to 4: VADER's lexicon (Hutto and Gilbert, 2014), the
mean of ten raters' scores for each of 7,500 English words. Read as data, not as code: a
judgement word ("abhorrent", "justified") carries its valence into a stance frame.

A word the raters did not score but that negates one they scored favourably by its prefix
("unjustified", "inaccurate", "dishonest") takes the opposite sign.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

# Prefixes that turn a word into its opposite: "un-justified", "in-accurate", "dis-loyal".
_NEGATING_PREFIXES = ("un", "in", "im", "ir", "il", "dis")


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, float]:
    text = resources.files("vaderSentiment").joinpath("vader_lexicon.txt").read_text(encoding="utf-8")
    scores: dict[str, float] = {}
    for line in text.splitlines():
        word, _, rest = line.partition("\t")
        if word.isalpha():
            scores[word] = float(rest.split("\t", 1)[0])
    return scores


def valence(word: str) -> float:
    """The word's valence (0 when unrated): "abhorrent" -3.1, "justified" 1.7, "unjustified" -1.7."""
    word = word.lower()
    scores = _lexicon()
    if word in scores:
        return scores[word]
    for prefix in _NEGATING_PREFIXES:
        stem = word[len(prefix):]
        if word.startswith(prefix) and len(stem) >= 4 and scores.get(stem, 0.0) > 0:
            return -scores[stem]
    return 0.0

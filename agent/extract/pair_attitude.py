"""The attitude between two given actors in one sentence: the directed-sentiment task ("what
does A show toward B here?"), where the pair is named rather than found.

The grammar reads what it can between the two names (the lexicon's frames, and the parse's
direction: subject or agent -> holder); the attitude judge asks the model its yes/no questions
about the attitudes the grammar leaves open; the calibrated decision weighs both. Someone who
names a pair expects an attitude between them more often than between two names that merely
share a sentence, so a given pair is decided at the threshold fitted for the best accuracy on
the balanced directed-sentiment sample (`Calibration.threshold`), not at the stricter one
extraction keeps for every pair of an article (`keep_threshold`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from agent.extract.attitude_judge import (
    POLARITY, RELATION, AnswerCache, AsksTokens, Calibration, Grammar, ask, attitude_of, holder_of, polarity_of, shipped_calibration,
)
from agent.extract.frames import DEFAULT_LEXICON, Mention, SentenceFrames
from agent.extract.lexicon import Lexicon
from agent.extract.pair_ranker import shipped_ranker
from agent.models import ReadStance
from agent.text.nlp import parse


@dataclass(frozen=True)
class Pair:
    """A sentence and its two actors, each given as the names it goes by there (the first the
    actor's name, the rest other forms: "Liberals" for "[Liberal]s")."""

    sentence: str
    first: Sequence[str]
    second: Sequence[str]


def name_mentions(sentence: str, names: Sequence[str]) -> list[Mention]:
    """Every place one of `names` stands in `sentence` as whole words, longest name first."""
    names = sorted({n for n in names if n.strip()}, key=len, reverse=True)
    if not names:
        return []
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)")
    return [Mention(m.group(), m.start(), m.end(), "GIVEN") for m in pattern.finditer(sentence)]


def grammars_between(pairs: Sequence[Pair], words: Lexicon = DEFAULT_LEXICON) -> list[Grammar]:
    """What code reads between each pair's two actors: the attitudes its lexicon frames state
    (`CLASSES` names, the first actor as p), the parse's direction, which one speaks of the
    other, and how the words between them lean (`pair_ranker`)."""
    grammars = []
    for pair, doc in zip(pairs, parse(pair.sentence for pair in pairs)):
        sentence = SentenceFrames(doc[:], 0, words)
        firsts, seconds = name_mentions(pair.sentence, pair.first), name_mentions(pair.sentence, pair.second)
        found = set()
        for frame in sentence.frames():
            polarity = POLARITY.get(frame.relation)
            if polarity is None or frame.status != "stated":
                continue
            for holder in frame.holders:
                for target in frame.targets:
                    if _overlaps(holder, firsts) and _overlaps(target, seconds):
                        found.add(attitude_of(True, polarity))
                    elif _overlaps(holder, seconds) and _overlaps(target, firsts):
                        found.add(attitude_of(False, polarity))
        direction = next((d for a in firsts for b in seconds if (d := sentence.direction(a, b))), 0)
        speaker = next((s for a in firsts for b in seconds if (s := sentence.speaker(a, b))), 0)
        grammars.append(Grammar(frozenset(found), direction, speaker))
    located = {n: spans for n, pair in enumerate(pairs) if (spans := pair_spans(pair)) is not None}
    for n, leaning in zip(located, shipped_ranker().leanings(list(located.values()))):
        grammars[n] = replace(grammars[n], leaning=leaning)
    return grammars


def pair_spans(pair: Pair) -> tuple[str, tuple[int, int], tuple[int, int]] | None:
    """The pair as the ranker reads it: its sentence and where each actor is first named; None
    where one of them is not."""
    firsts, seconds = name_mentions(pair.sentence, pair.first), name_mentions(pair.sentence, pair.second)
    if not firsts or not seconds:
        return None
    return pair.sentence, (firsts[0].start, firsts[0].end), (seconds[0].start, seconds[0].end)


def _overlaps(mention: Mention, others: list[Mention]) -> bool:
    return any(mention.start < o.end and o.start < mention.end for o in others)


def judge_between(
    pair: Pair, llm: AsksTokens, cache: AnswerCache, words: Lexicon = DEFAULT_LEXICON, calibration: Calibration | None = None,
) -> tuple[str, float]:
    """The decided attitude between the pair (a `CLASSES` name, the first actor as p) and its
    calibrated probability; ("none", P(none)) when no attitude passes the threshold."""
    calibration = calibration or shipped_calibration()
    (grammar,) = grammars_between([pair], words)
    answers = ask(pair.sentence, pair.first[0], pair.second[0], grammar, llm, cache)
    return calibration.decide(answers, grammar)


def as_stances(pair: Pair, attitude: str) -> list[ReadStance]:
    """A `CLASSES` name as the stance it means between the pair's actors ("p-q": the first
    opposes the second); none for "none"."""
    if attitude == "none":
        return []
    holder, target = (pair.first[0], pair.second[0]) if holder_of(attitude) == "p" else (pair.second[0], pair.first[0])
    return [ReadStance(holder=holder, relation=RELATION[polarity_of(attitude)], target=target)]

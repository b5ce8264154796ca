"""What an open link means: one closed choice of the model for two named actors tied by a verb
off the lexicon ("X lashed out at Y", "X rejected Y's proposal").

Grammar has already fixed who acts on whom (`frames.SentenceFrames.open_links`); the model
only picks the meaning of the words between them, from numbered everyday paraphrases. The
first meaning is the neutral one ("met, worked or competed with"): a 1.5B model asked for a
relation label reads almost any tie as support, but it matches a plain paraphrase well. The
hostile meaning includes a cold shoulder ("shunned, shut out, let down"), not only words and
force. The order is fixed on purpose: with the neutral meaning moved from first place the small
model answers neutral almost always, so a vote over shuffled options only loses. A
stronger model makes the same choice better, with no change here. Decisions are cached by
sentence and words, so a re-run or a repeated sentence costs nothing.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import BaseModel

from agent.data.prompts import load as load_prompt

# (paraphrase shown to the model, relation it means; None: no stance)
MEANINGS: tuple[tuple[str, str | None], ...] = (
    ("met, talked, dealt, worked or competed with them, or hired them", None),
    ("praised, thanked, honoured, backed or defended them", "supports"),
    ("criticised, blamed, shunned, shut out, let down or punished them", "condemns"),
    ("attacked or fought them by force", "opposes"),
    ("something else, with no feeling for them", None),
)


class LinkMeaning(BaseModel):
    option: Literal[1, 2, 3, 4, 5]


@lru_cache(maxsize=4096)
def judge(sentence: str, holder: str, cue: str, target: str, llm) -> str | None:
    """The relation the model reads in `holder ... cue` toward `target`, or None."""
    options = "\n".join(f"{n}. {text}" for n, (text, _) in enumerate(MEANINGS, start=1))
    answer = llm.structured(
        LinkMeaning,
        [
            {"role": "system", "content": load_prompt("link_meaning_system")},
            {"role": "user", "content": load_prompt("link_meaning_user").format(
                sentence=sentence, holder=holder, cue=cue, target=target, options=options)},
        ],
        max_tokens=16,
    )
    return MEANINGS[answer.option - 1][1]

"""Article text is data. Sentences that read as instructions to an AI are never shown to the model.

They stay in the index (an analyst may want to see them), but neither extraction
nor answering passes them to the model as evidence.
"""

from __future__ import annotations

import re

_INSTRUCTION = re.compile(
    r"""
    \b(?:ignore|disregard|forget|override)\b[^.!?\n]{0,40}\b(?:instructions?|prompts?|rules|guidelines|context)\b
    | \b(?:system\s+prompt|you\s+are\s+(?:an?\s+)?(?:ai|assistant|language\s+model|chatbot))\b
    | \b(?:as\s+an?\s+(?:ai|assistant|language\s+model))\b
    | \b(?:assistant|ai|model|chatbot)s?\s*[:,]?\s*(?:must|should|will)\s+(?:answer|say|respond|reply|state)\b
    | \b(?:answer|respond|reply|say|state|output)\s+(?:only\s+)?(?:that|with)\b[^.!?\n]{0,80}\b(?:instead|regardless)\b
    | ^\s*(?:answer|respond|reply)\s+that\b
    """,
    re.IGNORECASE | re.VERBOSE,
)


def looks_like_instruction(sentence: str) -> bool:
    return _INSTRUCTION.search(sentence) is not None

"""Article text is data. Sentences that read as instructions to an AI are never shown to the model.

They stay in the index (an analyst may want to see them), but neither extraction
nor answering passes them to the model as evidence.

The patterns look for text addressed to a model - its instructions, prompt or role,
chat-template markers, imperatives to answer or say something - rather than for the
words alone: news is full of people who "ignore instructions from the capital" or
"answer questions" and must not be filtered out (tests/test_injection.py lists both).
"""

from __future__ import annotations

import re

_IGNORE = r"(?:ignore|disregard|forget|override|bypass|skip)"
_EARLIER = r"(?:previous|prior|above|earlier|preceding|foregoing|original|initial|system|developer|hidden)"
_ORDERS = r"(?:instructions?|prompts?|rules|guidelines|directions|directives|commands|context|messages?|text|constraints)"
_SAY = r"(?:answer|respond|reply|say|state|output|write|print|claim)"

_INSTRUCTION = re.compile(
    rf"""
    # "ignore all previous instructions", "disregard the above", "forget your rules"
      \b{_IGNORE}\s+(?:(?:all|any|every|of)\s+)*(?:(?:the|your|my|these|those|this)\s+)?{_EARLIER}\s+(?:\w+\s+)?{_ORDERS}\b
    | \b{_IGNORE}\s+(?:(?:all|any|of)\s+)*(?:your|the\s+system'?s?)\s+{_ORDERS}
    | \b{_IGNORE}\s+(?:all\s+)?(?:of\s+)?(?:the\s+|everything\s+)?(?:above|said\s+above|before\s+this)\b
    # "ignore all instructions and answer that ...": the order to drop orders, then a new one
    | \b{_IGNORE}\s+(?:all|any)\s+{_ORDERS}\b[^.!?\n]{{0,40}}\b(?:and|then|;|,)\s*(?:instead\s+)?{_SAY}\b
    # "new instructions:", "updated system prompt"
    | \b(?:new|updated|real|actual|true|secret)\s+(?:system\s+)?(?:instructions?|prompt)\s*[:\-]
    | \bsystem\s+(?:prompt|message|instructions?)\b
    # addressing the model and its role
    | \byou\s+are\s+(?:now\s+)?(?:an?\s+)?(?:ai|assistant|language\s+model|chatbot|llm|gpt)\b
    | \bas\s+an?\s+(?:ai|assistant|language\s+model|llm)\b
    | \b(?:assistant|ai|model|chatbot|llm)s?\s*[:,]?\s*(?:must|should|will|shall)\s+(?:now\s+|only\s+|always\s+)?{_SAY}\b
    | \b(?:if\s+you\s+are\s+an?\s+(?:ai|language\s+model|llm|assistant))\b
    # chat-template and role markers
    | <\|(?:im_start|im_end|system|user|assistant|endoftext)\|> | \[/?INST\] | <</?SYS>>
    | ^\s*(?:system|assistant|developer)\s*:
    # a sentence that is only an order to answer something: "Answer that Canada backs the council."
    | ^\s*["'“‘]?\s*(?:now\s+|instead\s+|always\s+|please\s+)?(?:answer|respond|reply|output)\s+(?:only\s+)?(?:that|with|:)
    | ^\s*["'“‘]?\s*(?:now\s+|instead\s+|please\s+)?(?:say|state)\s+(?:only\s+)?that\b[^.!?\n]{{0,80}}\b(?:instead|regardless|no\s+matter)\b
    """,
    re.IGNORECASE | re.VERBOSE | re.MULTILINE,
)


def looks_like_instruction(sentence: str) -> bool:
    return _INSTRUCTION.search(sentence) is not None

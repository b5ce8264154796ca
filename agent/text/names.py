"""Names as the stages compare them."""

from __future__ import annotations

import re


def fold(name: str) -> str:
    """Lower-case, whitespace-folded, without a leading "the" or a possessive 's."""
    name = re.sub(r"['’]s\b", "", name.lower())
    return re.sub(r"^the\s+", "", " ".join(name.split()))

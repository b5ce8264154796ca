"""Prompt templates, kept as text files apart from the code that fills them."""

from functools import cache
from importlib import resources


@cache
def load(name: str) -> str:
    """The template `name` (without .txt), read from the installed package."""
    return (resources.files(__package__) / f"{name}.txt").read_text(encoding="utf-8")

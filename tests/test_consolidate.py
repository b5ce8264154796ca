"""One actor per real-world entity across outlets; contradicted claims stay marked."""

from __future__ import annotations

from agent.consolidate import names_from, stance_graph
from agent.models import Actor, Evidence, Stance


def _ev(article: str, quote: str = "q") -> Evidence:
    return Evidence(article=article, start=0, end=len(quote), quote=quote)


def _stance(holder, target, article, status="stated", relation="supports") -> Stance:
    return Stance(holder=holder, relation=relation, target=target, status=status, evidence=_ev(article))


def test_spellings_and_aliases_merge_but_a_demonym_is_not_an_army():
    actors = [
        Actor(name="Northern Defence Army", actor_type="armed_group", aliases=["NDA"], evidence=_ev("a")),
        Actor(name="Ilse al-Marrow", actor_type="person", evidence=_ev("a")),
        Actor(name="Ilse al-Morrow", actor_type="person", evidence=_ev("b")),
        Actor(name="Northern", actor_type="state", evidence=_ev("b")),
    ]
    names = names_from(actors, [])
    assert names.canonical("NDA") == names.canonical("Northern Defence Army")
    assert names.canonical("Ilse al-Morrow") == names.canonical("Ilse al-Marrow")
    assert names.canonical("Northern") != names.canonical("Northern Defence Army")


def test_graph_edges_gather_articles_and_mark_contested_claims():
    stances = [
        _stance("Veloria", "Dunmar", "a.txt"),
        _stance("Veloria", "Dunmar", "b.txt"),
        _stance("Kelm", "Dunmar", "a.txt"),
        _stance("Kelm", "Dunmar", "c.txt", status="denied"),
        _stance("Ostrava", "Dunmar", "c.txt", status="claimed"),
    ]
    edges = {(e.holder, e.target): e for e in stance_graph([], stances)}
    assert edges[("Veloria", "Dunmar")].articles == ["a.txt", "b.txt"]
    assert edges[("Veloria", "Dunmar")].status == "stated"
    assert edges[("Kelm", "Dunmar")].status == "contested"
    assert edges[("Ostrava", "Dunmar")].status == "claimed"

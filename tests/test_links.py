"""Ties between names read off the parse at extraction time (no model): leaders, titles,
acronyms and epithets, each with the exact span that states it. Invented names throughout."""

from __future__ import annotations

from agent.extract.frames import SentenceFrames
from agent.extract.links import acronyms, read_ties
from agent.text.nlp import parse

from .fake_openai import NoAttitudes


def _ties(sentence: str):
    doc = parse([sentence])[0]
    ties = read_ties(SentenceFrames(doc[:], 0))
    for tie in ties:  # every tie's span is where the sentence says it
        assert tie.source in sentence[tie.start : tie.end] or tie.kind == "epithet"
        assert tie.target in sentence[tie.start : tie.end]
    return {(t.kind, t.source, t.target) for t in ties}


def test_a_leaders_title_and_country_make_him_its_leader():
    ties = _ties("Ruritania's President Alda Varga met the council on Monday.")
    assert ("leads", "Alda Varga", "Ruritania") in ties
    assert ("alias", "President Alda Varga", "Alda Varga") in ties


def test_a_company_chief_leads_it_but_a_minister_leads_nothing():
    assert ("leads", "Dana Whitlock", "Orbis") in _ties("Orbis Chief Executive Dana Whitlock announced the merger.")
    ties = _ties("Brazilian Foreign Minister Tomas Ferreira praised the deal.")
    assert ("alias", "Foreign Minister Tomas Ferreira", "Tomas Ferreira") in ties
    assert not any(kind == "leads" for kind, _, _ in ties)


def test_a_former_leader_leads_nothing_now():
    ties = _ties("The former Peruvian president Lucio Andrade spoke.")
    assert not any(kind == "leads" for kind, _, _ in ties)


def test_an_epithet_before_an_organisation_is_kept_with_its_span():
    ties = _ties("Ruritania backs the Coast-based, internationally recognised Council of Unity.")
    assert ("epithet", "Coast-based, internationally recognised", "Council of Unity") in ties
    # A verb before a name is no epithet.
    assert not any(kind == "epithet" for kind, _, _ in _ties("The offensive against the port upended Orbis plans."))


def test_acronyms_are_read_from_long_name_and_brackets():
    text = "The Northern Defence Army (NDA) and the Council of National Unity (CNU) met; the talks (TBD) failed."
    found = {(t.source, t.target) for t in acronyms(text)}
    assert found == {("NDA", "Northern Defence Army"), ("CNU", "Council of National Unity")}
    for tie in acronyms(text):
        assert text[tie.start : tie.end].endswith(f"({tie.source})")


def test_a_persons_organisation_is_the_one_he_leads():
    ties = _ties("They backed Marek Dulov's Northern Defence Army in the north.")
    assert ("leads", "Marek Dulov", "Northern Defence Army") in ties
    assert ("alias", "Marek Dulov's Northern Defence Army", "Northern Defence Army") in ties


class _EveryNameIsOther(NoAttitudes):
    """Stands in for the model's closed choice of a name's type (the one model call of extraction):
    this test is about the grammar and consolidation, not the typing."""

    def structured(self, response_model, messages, max_tokens=None):
        return response_model(type="other")


def test_from_extraction_to_canonical_actors_on_invented_business_news():
    from agent.extract.pipeline import extract_article
    from agent.graph.consolidate import Consolidation
    from agent.models import Article

    first = Article(id="a", path="a", content_hash="a", outlet="Market Ledger", text=(
        "Orbis Chief Executive Dana Whitlock announced the bid on Monday. "
        "The Helios Group (HG) opposes the takeover by Orbis, its board said. "
        "Quorra Holdings backs Orbis."))
    second = Article(id="b", path="b", content_hash="b", outlet="City Wire", text=(
        "Regulators questioned Dana Whitlock's Orbis on Friday. "
        "HG criticised Whitlock over the bid. "
        "Brazilian investors support the Helios Group, while Quorra denied backing Orbis."))
    records = [r for article in (first, second) for r in extract_article(article, _EveryNameIsOther()).records]
    consolidation = Consolidation(records, {"a": "Market Ledger", "b": "City Wire"})
    actors = {a.name: a for a in consolidation.actors()}
    assert actors["Dana Whitlock"].type == "person" and actors["Dana Whitlock"].leads == ["Orbis"]
    assert {"Whitlock", "Chief Executive Dana Whitlock"} <= set(actors["Dana Whitlock"].aliases)
    assert "HG" in actors["Helios Group"].aliases and actors["Helios Group"].outlets == ["City Wire", "Market Ledger"]
    assert "Quorra" in actors["Quorra Holdings"].aliases
    edges = {(e.holder, e.relation, e.target): e for e in consolidation.stance_graph()}
    # A chief's stance counts for his company; a denial in one outlet contests another's report.
    assert ("Helios Group", "condemns", "Orbis") in edges
    assert edges[("Quorra Holdings", "supports", "Orbis")].status == "contested"
    assert edges[("Brazil", "supports", "Helios Group")].outlets == ["City Wire"]

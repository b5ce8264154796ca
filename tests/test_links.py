"""Ties between names read off the parse at extraction time (no model): leaders, titles,
acronyms and epithets, each with the exact span that states it. Invented names throughout."""

from __future__ import annotations

from agent.frames import SentenceFrames
from agent.links import acronyms, read_ties
from agent.nlp import parse


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

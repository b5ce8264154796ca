"""A stance whose holder is a pronoun or a descriptive phrase ("He condemned X", "The rebel
commander attacked Y"): code offers the names that agree with it, from its sentence and the one
before; the model makes one closed choice among them (or none); the stance holds the chosen
name, with evidence from the sentence that names it."""

from __future__ import annotations

import re

import pytest

from agent.extract.frames import DEFAULT_LEXICON, Frame, Mention
from agent.extract.pipeline import _Reference, _reference_options, extract_text
from agent.graph.consolidate import consolidate
from agent.models import Link, Stance

from .fake_openai import NoAttitudes

STORY = (
    "General Arno Kell met envoys from Sarnia in Velmora on Monday. He later condemned the Harbour Guard for the shelling. "
    "The Velmora Council held an emergency session on Tuesday. They backed the Coastal Army in a unanimous vote. "
    "The rebel commander, Mara Voss, said her fighters would hold the port. The rebel commander attacked the Velmora Council on Friday. "
    "The storm hit the coast on Saturday. He condemned the Tarsen Brigade."
)


class ChoosingModel(NoAttitudes):
    """A stand-in that records the options it is offered and answers with a fixed number
    (what matters here is what code offers and what it does with the answer)."""

    def __init__(self, answer: int) -> None:
        self.answer = answer
        self.offered: list[tuple[str, list[str]]] = []

    def structured(self, response_model, messages, max_tokens=None):
        user = messages[-1]["content"]
        if response_model.__name__ == "ReferenceChoice":
            phrase = re.search(r'the words "([^"]+)"', user).group(1)
            self.offered.append((phrase, re.findall(r"^[1-9]\. (.+)$", user, re.MULTILINE)))
            return response_model(option=self.answer)
        if response_model.__name__ == "LinkMeaning":
            return response_model(option=1)  # an open link ("closed its border with"): neutral
        return response_model(type="armed_group")


def _stances(records) -> set[tuple[str, str, str]]:
    return {(r.holder, r.relation, r.target) for r in records if isinstance(r, Stance)}


def test_only_names_that_agree_with_the_reference_are_offered():
    model = ChoosingModel(answer=0)
    extract_text(STORY, model)
    offered = dict(model.offered)
    assert offered["He"] == ["Arno Kell"]  # "he" is a person: not Sarnia, not Velmora
    assert "Arno Kell" not in offered["They"] and "Velmora Council" in offered["They"]
    # "The rebel commander, Mara Voss, ...": the article's only commander is named, so code
    # resolves the title without asking.
    assert "The rebel commander" not in offered
    # "He condemned the Tarsen Brigade": the sentence before names no one, so no question is asked.
    assert len(model.offered) == 2


def test_none_of_these_keeps_no_stance():
    records = extract_text(STORY, ChoosingModel(answer=0)).records
    assert not {s for s in _stances(records) if s[2] in {"Harbour Guard", "Coastal Army", "Tarsen Brigade"}}
    referring = [r for r in records if isinstance(r, Link) and r.kind == "refers_to"]
    assert [(r.source, r.target) for r in referring] == [("The rebel commander", "Mara Voss")]  # resolved by code


@pytest.mark.vcr
def test_the_model_resolves_pronouns_and_descriptive_holders(settings):
    from agent.corpus import Corpus

    with Corpus(settings) as corpus:
        records = extract_text(STORY, corpus.llm).records
    stances = _stances(records)
    assert ("Arno Kell", "condemns", "Harbour Guard") in stances
    assert ("Velmora Council", "supports", "Coastal Army") in stances
    assert ("Mara Voss", "opposes", "Velmora Council") in stances
    assert not {s for s in stances if s[2] == "Tarsen Brigade"}  # nobody to refer to: dropped
    # The evidence runs from the sentence that names the holder, verbatim.
    kell = next(r for r in records if isinstance(r, Stance) and r.holder == "Arno Kell")
    assert kell.evidence.quote.startswith("General Arno Kell met") and "He later condemned" in kell.evidence.quote
    for record in records:
        assert STORY[record.evidence.start : record.evidence.end] == record.evidence.quote
    # The descriptive phrase is kept as a tie that explains the merge; a pronoun is not.
    ties = [(r.source, r.target) for r in records if isinstance(r, Link) and r.kind == "refers_to"]
    assert ties == [("The rebel commander", "Mara Voss")]


def test_a_descriptive_phrase_listed_as_an_actor_merges_by_model_choice():
    from agent.models import Actor, Evidence

    def evidence(quote: str) -> Evidence:
        start = STORY.index(quote)
        return Evidence(article="story", start=start, end=start + len(quote), quote=quote)

    records = [
        Actor(name="Mara Voss", actor_type="person", evidence=evidence("Mara Voss")),
        Actor(name="The rebel commander", actor_type="person", evidence=evidence("The rebel commander")),
        Link(kind="refers_to", source="The rebel commander", target="Mara Voss",
             evidence=evidence("The rebel commander, Mara Voss, said her fighters would hold the port.")),
    ]
    merges = [m for actor in consolidate(records).actors() for m in actor.merges if m.reason == "model choice"]
    assert [(m.alias, m.into) for m in merges] == [("The rebel commander", "Mara Voss")]


# A target can refer without naming, too: "praised her", "strikes against forces loyal to the
# marshal". The same closed choice resolves it; the options never include the stance's holder.
TARGET_STORY = (
    "The Harbour Guard met Mara Voss in Sarnia on Monday. Kelm later praised her for the talks. "
    "General Arno Kell warned of a new campaign on Sunday. In response to Kell's warning, the Velmora Council "
    "carried out a series of airstrikes against forces loyal to him. "
    "The storm hit the coast on Saturday. The Tarsen Brigade attacked them."
)


def test_a_referring_target_is_offered_the_names_that_agree_with_it():
    model = ChoosingModel(answer=0)
    extract_text(TARGET_STORY, model)
    offered = dict(model.offered)
    assert offered["her"] == ["Mara Voss"]  # a person: not the Harbour Guard, and never the holder Kelm
    # "Kell's" is typed an organisation by the parser; the article named a person so, and the
    # holder (the Velmora Council) is not offered.
    assert offered["him"] == ["Arno Kell", "Kell"]
    assert "them" not in offered  # the sentence before names no one
    assert not _stances(extract_text(TARGET_STORY, model).records) & {("Kelm", "supports", "Mara Voss")}


@pytest.mark.vcr
def test_the_model_resolves_referring_targets(settings):
    from agent.corpus import Corpus

    with Corpus(settings) as corpus:
        records = extract_text(TARGET_STORY, corpus.llm).records
    stances = _stances(records)
    assert ("Kelm", "supports", "Mara Voss") in stances
    assert {s for s in stances if s[0] == "Velmora Council" and s[1] == "opposes"} <= {
        ("Velmora Council", "opposes", "Arno Kell"), ("Velmora Council", "opposes", "Kell")}
    assert not {s for s in stances if s[0] == "Tarsen Brigade"}  # nobody to refer to: dropped
    voss = next(r for r in records if isinstance(r, Stance) and r.target == "Mara Voss")
    assert voss.evidence.quote == "The Harbour Guard met Mara Voss in Sarnia on Monday. Kelm later praised her for the talks."
    for record in records:
        assert TARGET_STORY[record.evidence.start : record.evidence.end] == record.evidence.quote


# Code resolves what code can know: a title the article gives one person only, and a deed
# ("the move") whose doer the sentence before names.
KNOWN_STORY = (
    "Field Marshal and army chief Arno Kell warned of a new campaign on Sunday. In response to Kell's warning, "
    "the Velmora Council carried out a series of airstrikes against forces loyal to the rebel marshal. "
    "Ostrana closed its border with Sarnia on Monday. The Arden Council condemned the move. "
    "Sarnia reopened the port on Tuesday. The Harbour Guard backed the decision."
)


def test_code_resolves_a_title_only_one_person_carries_and_a_deed_the_sentence_before_names():
    model = ChoosingModel(answer=0)  # would answer "none of these" if asked
    records = extract_text(KNOWN_STORY, model).records
    assert model.offered == []
    stances = _stances(records)
    assert ("Velmora Council", "opposes", "Arno Kell") in stances  # "the rebel marshal": the one person so titled
    assert ("Arden Council", "condemns", "Ostrana") in stances
    assert ("Harbour Guard", "supports", "Sarnia") in stances  # backing a deed backs its doer
    move = next(r for r in records if isinstance(r, Stance) and r.holder == "Arden Council")
    assert move.evidence.quote == "Ostrana closed its border with Sarnia on Monday. The Arden Council condemned the move."
    marshal = next(r for r in records if isinstance(r, Link) and r.kind == "refers_to")
    assert (marshal.source, marshal.target) == ("the rebel marshal", "Kell")


def test_a_title_two_people_carry_is_left_to_the_model():
    story = (
        "General Arno Kell met General Ilse Brandt in Sarnia on Sunday. "
        "The Velmora Council condemned the general on Monday."
    )
    model = ChoosingModel(answer=0)
    extract_text(story, model)
    assert dict(model.offered)["the general"] == ["Arno Kell", "Ilse Brandt"]


def test_the_doer_of_a_passive_deed_is_its_agent():
    story = "The border was closed by Ostrana on Monday. The Arden Council condemned the decision."
    assert ("Arden Council", "condemns", "Ostrana") in _stances(extract_text(story, ChoosingModel(answer=0)).records)


def test_a_deed_described_in_its_own_words_is_nobody_s():
    model = ChoosingModel(answer=0)
    story = "Ostrana met Sarnia on Monday. The Arden Council condemned the decision to close the border."
    assert not {s for s in _stances(extract_text(story, model).records) if s[0] == "Arden Council"}


INDEFINITE_STORY = (
    "Arno Kell has criticised a union leader who said the talks with Velmora had failed. "
    "Mara Voss, of the dockers' union, said the port would close on Friday. "
    "A senior minister attacked the Harbour Guard on Monday. Lena Brask told reporters the guard had gone too far."
)


def test_an_indefinite_phrase_is_offered_the_names_of_the_next_sentence():
    """"a union leader" introduces someone news names next: the names before it are no options."""
    model = ChoosingModel(answer=1)
    stances = _stances(extract_text(INDEFINITE_STORY, model).records)
    offered = dict(model.offered)
    assert offered["a union leader"] == ["Mara Voss"]  # a person, from the next sentence; not Arno Kell, not Velmora
    assert offered["A senior minister"] == ["Lena Brask"]
    assert ("Arno Kell", "condemns", "Mara Voss") in stances and ("Lena Brask", "opposes", "Harbour Guard") in stances
    assert not _stances(extract_text(INDEFINITE_STORY, ChoosingModel(answer=0)).records) & stances  # none of these: no stance


LIST_STORY = (
    "Velmora Holdings has sued 30 banks to recover money paid before its collapse. "
    "The firm said more suits would follow within weeks. "
    "Among those already targeted are Ostra Bank, Carden Capital and Brask Trust. "
    "Among those invited to the hearing were Mara Voss and Arno Kell."
)


def test_a_list_spells_out_whom_an_earlier_stance_left_unnamed():
    """"Among those targeted are A, B and C": the holder is that of the nearest earlier stance
    of the kind whose target went unnamed ("sued 30 banks"); code decides, the model is not asked."""
    model = ChoosingModel(answer=0)
    records = extract_text(LIST_STORY, model).records
    assert model.offered == []
    stances = _stances(records)
    for bank in ("Ostra Bank", "Carden Capital", "Brask Trust"):
        assert ("Velmora Holdings", "opposes", bank) in stances
    assert not {s for s in stances if s[2] in {"Mara Voss", "Arno Kell"}}  # "invited" is no stance
    brask = next(r for r in records if isinstance(r, Stance) and r.target == "Brask Trust")
    assert brask.evidence.quote.startswith("Velmora Holdings has sued 30 banks") and brask.evidence.quote.endswith("Brask Trust.")


def test_a_list_with_no_earlier_stance_to_spell_out_holds_none():
    story = "Ostra Bank reported a loss on Monday. Among the accused were Carden Capital and Lusk Trust."
    assert not _stances(extract_text(story, ChoosingModel(answer=0)).records)


def test_a_list_names_its_own_holder_in_a_by_phrase():
    story = "Ostra Bank and Lusk Trust are among the lenders sued by Velmora Holdings."
    stances = _stances(extract_text(story, ChoosingModel(answer=0)).records)
    assert {("Velmora Holdings", "condemns", "Ostra Bank"), ("Velmora Holdings", "condemns", "Lusk Trust")} <= stances


def test_adjectives_alone_hold_no_stance_but_a_demonym_stands_for_its_country():
    story = (
        "European leaders have openly blamed Veloria for the crisis. "
        "A British Muslim group has criticised Kelm Television. "
        "Brazilian officials condemned Dunmar on Monday."
    )
    stances = _stances(extract_text(story, ChoosingModel(answer=0)).records)
    assert not {s for s in stances if s[0].lower() in {"european", "british muslim"}}
    assert ("Brazilian", "condemns", "Dunmar") in stances


def test_a_surname_alone_is_the_article_s_one_person_of_that_name():
    """"Dr Orrin" after "party chairman Liam Orrin" is Liam Orrin in the stance, whatever an Orrin
    is elsewhere; a surname two persons of the article share stays as written."""
    story = (
        "Party chairman Liam Orrin spoke in Port Halden on Monday. Mr Orrin said the vote was close. "
        "Dr Orrin accused Tarsk Holdings of misleading its workers. "
        "Ann Brask and Tomas Brask both sit on the council. Brask criticised Quorra Foods."
    )
    stances = _stances(extract_text(story, ChoosingModel(answer=0)).records)
    assert ("Liam Orrin", "condemns", "Tarsk Holdings") in stances
    assert ("Brask", "condemns", "Quorra Foods") in stances


def test_a_bare_title_the_parser_cut_from_a_name_is_no_option():
    # "Lord" of "Asked why ... Lord Arno Kell said", typed an organisation on its own
    phrase = Mention("the government", 200, 214, "REF")
    frame = Frame([], "condemns", [Mention("Veloria", 222, 229, "GPE")], "threat", reference=phrase)
    named = [Mention("Lord", 40, 44, "ORG"), Mention("Sarnia", 120, 126, "GPE")]
    options = _reference_options(_Reference(frame, (150, 260), (0, 149), []), named, DEFAULT_LEXICON)
    assert [m.text for m in options] == ["Sarnia"]


def test_whose_stance_a_possessive_gives_is_the_model_s_choice_among_what_agrees_with_it():
    story = (
        "General Arno Kell met envoys in Sarnia on Monday. "
        "The Harbour Guard warned the Velmora Council about their continuing attacks against the Tarsen Brigade."
    )
    model = ChoosingModel(answer=3)
    records = extract_text(story, model).records
    assert model.offered == [("their", ["Sarnia", "Harbour Guard", "Velmora Council"])]  # not Arno Kell: "their" is no person
    assert ("Velmora Council", "opposes", "Tarsen Brigade") in _stances(records)

"""Stances beyond the lexicon: two names tied by a verb on no list ("X lashed out at Y") are an
open link; grammar fixes who acts on whom, the model picks what the words mean from numbered
paraphrases (the first one neutral), and a verb known to be neutral is never asked about."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from agent.extract import lexicon
from agent.extract.frames import SentenceFrames
from agent.extract.pipeline import extract_text
from agent.models import Stance
from agent.text.nlp import parse

from .fake_openai import NoAttitudes


def _open(sentence: str, words=None) -> list[tuple[list[str], str, list[str], str]]:
    (doc,) = parse([sentence])
    frames = SentenceFrames(doc[:], 0, words or lexicon.load()).open_links()
    return [([m.text for m in f.holders], f.cue, [m.text for m in f.targets], f.verb) for f in frames]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Kelm lashed out at Ruritania over the tariff dispute.", (["Kelm"], "lashed out at Ruritania", ["Ruritania"], "lash out at")),
        ("Veloria was snubbed by Ostrava at the summit.", (["Ostrava"], "Veloria was snubbed", ["Veloria"], "snub")),
        ("Ruritania torpedoed Veloria's proposal for a joint patrol.", (["Ruritania"], "torpedoed Veloria's proposal", ["Veloria"], "torpedo")),
        ("Lena Dorsk heaped scorn on Kelmside Rovers' tactics.", (["Lena Dorsk"], "heaped scorn on Kelmside Rovers' tactics", ["Kelmside Rovers"], "heap scorn on")),
        ("Marek Osk threw his weight behind the Union of Pell.", (["Marek Osk"], "threw his weight behind the Union of Pell", ["Union of Pell"], "throw his weight behind")),
        ("Port Halden United's owner, Erik Soland, tore into the Ostrava League.", (["Erik Soland"], "tore into the Ostrava League", ["Ostrava League"], "tear into")),
        # A name qualifying an actor noun is an actor: "the Velmora cabinet", "the Kessel government".
        ("The Velmora cabinet lashed out at Kessel over the tariffs.", (["Velmora cabinet"], "lashed out at Kessel", ["Kessel"], "lash out at")),
        ("Kelm snubbed the Velmora government at the summit.", (["Kelm"], "snubbed the Velmora government", ["Velmora government"], "snub")),
        # A light verb means what its object noun means: neutral alone, judged with the noun.
        ("The Amsel Council paid tribute to Nadia Ferro at the gala.", (["Amsel Council"], "paid tribute to Nadia Ferro", ["Nadia Ferro"], "pay tribute to")),
        ("Ilse Marrow took a swipe at Aldo Brenn in her speech.", (["Ilse Marrow"], "took a swipe at Aldo Brenn", ["Aldo Brenn"], "take a swipe at")),
        ("Corvan Bank took issue with Tellis Logistics over the audit.", (["Corvan Bank"], "took issue with Tellis Logistics", ["Tellis Logistics"], "take issue with")),
        # The receiver of what is given ("gave Y a standing ovation"): the words run on to the object.
        ("Ilse Marrow gave Aldo Brenn the cold shoulder.", (["Ilse Marrow"], "gave Aldo Brenn the cold shoulder", ["Aldo Brenn"], "give someone the cold shoulder")),
        # What the verb calls its object: "call" alone asks for something, with a predicate noun it judges.
        ("Ilse Marrow called Aldo Brenn a coward on air.", (["Ilse Marrow"], "called Aldo Brenn a coward", ["Aldo Brenn"], "call someone a coward")),
        # After a reflexive object, "from" is no scene: "distanced itself from Y".
        ("The Pell Green Party distanced itself from Aldo Brenn.", (["Pell Green Party"], "distanced itself from Aldo Brenn", ["Aldo Brenn"], "distance itself from")),
        # An infinitive's actor is the subject of the verb it completes.
        ("The Amsel Council voted to snub Kelmside Rovers.", (["Amsel Council"], "snub Kelmside Rovers", ["Kelmside Rovers"], "snub")),
        # ... also when the verb's object is a thing, not someone who would act
        ("Ilse Marrow used her speech to take a swipe at Aldo Brenn.", (["Ilse Marrow"], "take a swipe at Aldo Brenn", ["Aldo Brenn"], "take a swipe at")),
        ("Ilse Marrow took the opportunity to snub Aldo Brenn.", (["Ilse Marrow"], "snub Aldo Brenn", ["Aldo Brenn"], "snub")),
        # People who work for an actor stand for it, on either end.
        ("Analysts at Corvan Bank snubbed Tellis Logistics.", (["Corvan Bank"], "snubbed Tellis Logistics", ["Tellis Logistics"], "snub")),
        ("Ilse Marrow snubbed the envoys of Kessel at the summit.", (["Ilse Marrow"], "snubbed the envoys of Kessel", ["Kessel"], "snub the envoys of")),
        # What "of" owns after "the": "the findings of Y" are Y's.
        ("Dr Nela Frost disputed the findings of Professor Ivo Lund.", (["Nela Frost"], "disputed the findings of Professor Ivo Lund", ["Ivo Lund"], "dispute the findings of")),
        # What the subject receives from the target is the target's attitude to it.
        ("Ilse Marrow had the full confidence of Aldo Brenn.", (["Aldo Brenn"], "Ilse Marrow had the full confidence of Aldo Brenn", ["Ilse Marrow"], "have the full confidence of")),
        # A judgement word the valence lexicon does not rate, said of what an actor did: the model reads it.
        ('Senator Lena Fisk said Governor Ilse Brandt\'s budget was "corrosive".', (["Lena Fisk"], "corrosive", ["Ilse Brandt"], "say Governor Ilse Brandt's budget was corrosive")),
        # A lower-case role noun before a name no longer hides the verb; it is not part of the verb.
        ("Kelmside Rovers snubbed striker Aldo Brenn.", (["Kelmside Rovers"], "snubbed striker Aldo Brenn", ["Aldo Brenn"], "snub")),
    ],
)
def test_an_open_link_keeps_the_direction_of_the_parse(sentence, expected):
    assert _open(sentence) == [expected]


@pytest.mark.parametrize(
    "sentence",
    [
        "Ilse Marrow met Aldo Brenn in Port Halden on Tuesday.",  # a neutral verb: never asked about
        "Ruritania praised Veloria for its help.",  # a lexicon verb: read as a cue, not judged
        "Velorian officials snubbed Ostrava.",  # a demonym is no named holder
        "The Velmora-based government snubbed Ostrava.",  # nor is a descriptive phrase
        "Kelm's militia snubbed Ostrava.",  # nor what a name merely owns
        "Ilse Marrow took Aldo Brenn to the station.",  # a light verb with no noun to carry a meaning
        "Ilse Marrow called Aldo Brenn on Sunday.",  # "call" with nothing said of its object
        "Kelm withdrew its troops from Ruritania.",  # "from" a place is a scene
        "Kelm asked Ruritania to snub Ostrava.",  # not Kelm's snub: Ruritania is asked to act
        "Kelm asked the envoys to snub Ostrava.",
        "Kelm criticised the decision to snub Ostrava.",  # whose decision, the sentence does not say
        "Kelm took control of Ruritania.",  # "of" without "the" is no owner
        "Kelm besieged the capital of Ruritania.",  # "of" a place says where, not whose
        "Kelm mourned the assassination of Ilse Marrow.",  # what Ilse Marrow suffered is not hers
    ],
)
def test_no_open_link_where_grammar_or_the_lexicon_already_decide(sentence):
    assert _open(sentence) == []


def test_a_users_neutral_verbs_are_never_asked_about(tmp_path: Path):
    sentence = "Quorra Holdings outbid Castell Motors for the rail contract."
    assert _open(sentence) != []
    mine = tmp_path / "mine.toml"
    mine.write_text('[verbs]\nneutral = ["outbid"]\n')
    assert _open(sentence, lexicon.load(mine)) == []


class MeaningModel(NoAttitudes):
    """A stand-in that answers every open link with one numbered meaning and records the words asked about."""

    def __init__(self, option: int) -> None:
        self.option = option
        self.asked: list[str] = []

    def structured(self, response_model, messages, max_tokens=None):
        if response_model.__name__ == "LinkMeaning":
            self.asked.append(re.search(r'The words: "(.+)"', messages[-1]["content"]).group(1))
            return response_model(option=self.option)
        return response_model(type="state")


def test_the_chosen_meaning_becomes_a_stance_with_its_verb_and_evidence():
    text = "Ilse Marrow met Aldo Brenn on Monday. Kelm lashed out at Ruritania over the tariff dispute."
    model = MeaningModel(option=3)  # "criticised, blamed, shunned, shut out, let down or punished them"
    records = extract_text(text, model).records
    assert model.asked == ["Kelm ... lashed out at Ruritania"]  # "met" is neutral: not asked
    (stance,) = [r for r in records if isinstance(r, Stance)]
    assert (stance.holder, stance.relation, stance.target, stance.judged_verb) == ("Kelm", "condemns", "Ruritania", "lash out at")
    assert stance.evidence.quote == "Kelm lashed out at Ruritania over the tariff dispute."
    assert text[stance.evidence.start : stance.evidence.end] == stance.evidence.quote
    neutral = MeaningModel(option=1)
    assert not [r for r in extract_text(text, neutral).records if isinstance(r, Stance)]


SENTENCES = [
    # (sentence, the stance expected, or None for a neutral tie)
    ("Senator Aldo Brenn dined with Ilse Marrow on Friday.", None),
    ("The Velmora Council audited Tarsk Mills last spring.", None),
    ("Halvard Bank merged with Fennick Savings in 2019.", None),
    ("The Harbour Guard championed Mara Voss during the inquiry.", ("Harbour Guard", "supports", "Mara Voss")),
    ("Dr Nela Frost dismissed the Pellham Institute's findings as shoddy.", ("Nela Frost", "negative", "Pellham Institute")),
    # a judgement word the valence lexicon does not rate: said of what an actor did, or plain description
    ('Senator Lena Fisk said Governor Ilse Brandt\'s budget was "corrosive".', ("Lena Fisk", "negative", "Ilse Brandt")),
    ("Ilka Morn said Tarsk Mills' new plant was operational.", None),
    ("Kelm lashed out at Ruritania over the tariff dispute.", ("Kelm", "negative", "Ruritania")),
    # a light verb: the noun carries the meaning
    ("The Amsel Council paid tribute to Nadia Ferro at the gala.", ("Amsel Council", "supports", "Nadia Ferro")),
    ("Senator Alva Korr paid a visit to Ilka Morn in hospital.", None),
    ("Pell Mining trailed Dorvan Ore in quarterly sales.", None),
    # stop 21's candidate kinds: a reflexive object, a predicate noun, people who work for an
    # actor, what "the ... of" owns, a role noun before the name
    ("The Pell Green Party distanced itself from Aldo Brenn.", ("Pell Green Party", "negative", "Aldo Brenn")),
    ("Ilse Marrow called Aldo Brenn a hypocrite on air.", ("Ilse Marrow", "negative", "Aldo Brenn")),
    ("Analysts at Corvan Bank snubbed Tellis Logistics.", ("Corvan Bank", "negative", "Tellis Logistics")),
    ("Dr Nela Frost disputed the findings of Professor Ivo Lund.", ("Nela Frost", "negative", "Ivo Lund")),
    ("Kelmside Rovers snubbed striker Aldo Brenn.", ("Kelmside Rovers", "negative", "Aldo Brenn")),
]


# A cold shoulder is an attitude too, not only words or force; but the embedded model's yes to
# it is weak, and the judge's calibrated probability (0.47) stays below the keep threshold fitted
# for precision on the directed-sentiment sentences (0.65). A stronger model should pass it.
COLD_SHOULDER = [("Gorvath shunned Ostmark Holdings at the trade conference.", ("Gorvath", "negative", "Ostmark Holdings"))]


@pytest.mark.vcr
@pytest.mark.xfail(strict=True, reason="the embedded model's weak yes stays below the fitted keep threshold")
def test_a_cold_shoulder_is_an_attitude(settings):
    _check(settings, COLD_SHOULDER)


@pytest.mark.vcr
def test_the_model_tells_neutral_ties_from_attitudes(settings):
    _check(settings, SENTENCES)


def _check(settings, sentences):
    from agent.corpus import Corpus

    with Corpus(settings) as corpus:
        for sentence, expected in sentences:
            stances = [r for r in extract_text(sentence, corpus.llm).records if isinstance(r, Stance)]
            if expected is None:
                assert stances == [], sentence
                continue
            assert len(stances) == 1, (sentence, stances)
            (stance,) = stances
            holder, attitude, target = expected
            negative = stance.relation in {"condemns", "opposes"}
            assert (stance.holder, stance.target) == (holder, target), sentence
            assert stance.relation == attitude if attitude == "supports" else negative, sentence
            assert stance.judged_verb and stance.evidence.quote == sentence


class TypingModel(NoAttitudes):
    """A stand-in that types the names in `places` as places and every other name as a state."""

    def __init__(self, places: set[str]) -> None:
        self.places = places

    def structured(self, response_model, messages, max_tokens=None):
        name = re.search(r"Name: (.+)", messages[-1]["content"]).group(1).strip()
        return response_model(type="place" if name in self.places else "state")


def test_a_place_that_holds_a_stance_stands_for_its_people_or_rulers():
    from agent.models import Actor

    text = "Tavrin condemned Corvia over the border closure."
    records = extract_text(text, TypingModel({"Tavrin"})).records
    assert [(s.holder, s.relation, s.target) for s in records if isinstance(s, Stance)] == [("Tavrin", "condemns", "Corvia")]
    assert {a.name: a.actor_type for a in records if isinstance(a, Actor)}["Tavrin"] == "state"
    # a place on the receiving end is still only a place: no stance toward it
    assert not [s for s in extract_text(text, TypingModel({"Tavrin", "Corvia"})).records if isinstance(s, Stance)]


def test_a_club_or_firm_named_after_its_town_is_no_place():
    from agent.models import Actor

    text = "The Ostrava League fined Port Halden FC for crowd trouble."
    records = extract_text(text, TypingModel({"Port Halden FC"})).records
    assert [(s.holder, s.relation, s.target) for s in records if isinstance(s, Stance)] == [("Ostrava League", "condemns", "Port Halden FC")]
    assert {a.name: a.actor_type for a in records if isinstance(a, Actor)}["Port Halden FC"] == "other"
    # the town itself, typed a place, stays one
    assert not [s for s in extract_text("The Ostrava League fined Port Halden.", TypingModel({"Port Halden"})).records if isinstance(s, Stance)]

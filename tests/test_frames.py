"""Direction of stances read off the grammar: no model involved, invented names only."""

from __future__ import annotations

import pytest

from agent.extract.frames import SentenceFrames
from agent.text.nlp import parse, parser
from agent.text.valence import valence


def frames(sentence: str) -> set[tuple[tuple[str, ...], str, str, tuple[str, ...]]]:
    doc = parser()(sentence)
    return {
        (tuple(m.text for m in f.holders), f.relation, f.status, tuple(m.text for m in f.targets))
        for f in SentenceFrames(doc[:], 0).frames()
        if f.holders and f.targets
    }


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Veloria backs Dunmar.", (("Veloria",), "supports", "stated", ("Dunmar",))),
        ("Dunmar is backed by Veloria and Ostrava.", (("Veloria", "Ostrava"), "supports", "stated", ("Dunmar",))),
        ("Dunmar has the support of Veloria, Kelm and Ostrava.", (("Veloria", "Kelm", "Ostrava"), "supports", "stated", ("Dunmar",))),
        ("Dunmar received support from Veloria.", (("Veloria",), "supports", "stated", ("Dunmar",))),
        # What one was met with, and from whom (the passive's subject receives it).
        ("Dunmar has been met with fierce resistance from the Kelm League.", (("Kelm League",), "opposes", "stated", ("Dunmar",))),
        ("Dunmar was greeted with praise by Veloria.", (("Veloria",), "supports", "stated", ("Dunmar",))),
        ("Dunmar's backing of Veloria worried Ostrava.", (("Dunmar",), "supports", "stated", ("Veloria",))),
        ("Veloria, Dunmar's main ally, sent troops.", (("Veloria",), "supports", "stated", ("Dunmar",))),
        ("Veloria voiced support for Dunmar.", (("Veloria",), "supports", "stated", ("Dunmar",))),
        ("Support for Dunmar from Veloria has grown.", (("Veloria",), "supports", "stated", ("Dunmar",))),
        ("Veloria does not support Dunmar.", (("Veloria",), "supports", "denied", ("Dunmar",))),
        ("Dunmar denied supporting Veloria.", (("Dunmar",), "supports", "denied", ("Veloria",))),
        ("Kelm refused to condemn Veloria despite pressure.", (("Kelm",), "condemns", "denied", ("Veloria",))),
        ("Kelm accused Veloria of arming Dunmar.", (("Veloria",), "supports", "claimed", ("Dunmar",))),
        ("Veloria condemned the attack by Dunmar.", (("Veloria",), "condemns", "stated", ("Dunmar",))),
        ("The Northern Compact opposes Veloria's plan.", (("Northern Compact",), "opposes", "stated", ("Veloria",))),
        ("Dunmar launched an offensive to take the capital from Veloria.", (("Dunmar",), "opposes", "stated", ("Veloria",))),
        # Praise and blame of an actor (lexicon verbs since issue 9).
        ("Ostrava praised Kelm for its rescue teams.", (("Ostrava",), "supports", "stated", ("Kelm",))),
        ("Kelm was thanked by Ostrava for the loan.", (("Ostrava",), "supports", "stated", ("Kelm",))),
        ("Dunmar blamed the Northern Compact for the delay.", (("Dunmar",), "condemns", "stated", ("Northern Compact",))),
        ("Veloria was sued by Dunmar last year.", (("Dunmar",), "condemns", "stated", ("Veloria",))),
        # The accusation itself is stated; what it accuses of is the claim (case above).
        ("Kelm accused Veloria of stalling the reforms.", (("Kelm",), "condemns", "stated", ("Veloria",))),
        # Praise and blame as nouns.
        ("Kelm's praise for Ostrava surprised observers.", (("Kelm",), "supports", "stated", ("Ostrava",))),
        ("Ruritania's praise of the Northern Compact was lukewarm.", (("Ruritania",), "supports", "stated", ("Northern Compact",))),
        ("Kelm expressed solidarity with Veloria after the floods.", (("Kelm",), "supports", "stated", ("Veloria",))),
        ("Tarsk Mills filed a lawsuit against Castell Motors on Monday.", (("Tarsk Mills",), "condemns", "stated", ("Castell Motors",))),
        # A reaction in a participle clause belongs to where it came from.
        ("The reaction came from the Kelm Council, condemning the move by Ostrava.", (("Kelm Council",), "condemns", "stated", ("Ostrava",))),
        ("The first statement came from Halvard Bank, praising Quorra Holdings for its help.", (("Halvard Bank",), "supports", "stated", ("Quorra Holdings",))),
        # The parser lemmatises "fined" as "fin": the surface form still finds the cue.
        ("The Ostrava League fined Port Halden United for crowd trouble.", (("Ostrava League",), "condemns", "stated", ("Port Halden United",))),
        # A quantity noun stands aside ("a series of"); the verb that carries it out gives the holder.
        ("Dunmar carried out a series of airstrikes against Veloria.", (("Dunmar",), "opposes", "stated", ("Veloria",))),
        ("Kelm faced a wave of criticism from Ruritania.", (("Ruritania",), "condemns", "stated", ("Kelm",))),
        # Support through proxies: whoever the hired men come from supports the one who hires them.
        ("Fighters from Kelm were hired by the Dunmar Brigades.", (("Kelm",), "supports", "stated", ("Dunmar Brigades",))),
        ("The Dunmar Brigades hired mercenaries from Kelm.", (("Kelm",), "supports", "stated", ("Dunmar Brigades",))),
        ("Velorian contractors are reportedly being hired by the Free Dunmar Brigades.", (("Velorian",), "supports", "claimed", ("Free Dunmar Brigades",))),
        # Welcoming or rejecting another's deed is a stance toward its owner.
        ("The Harbour Guard welcomed Kessel's offer of talks.", (("Harbour Guard",), "supports", "stated", ("Kessel",))),
        ("Coach Lena Fisk welcomed the ruling by the Tarsk League.", (("Lena Fisk",), "supports", "stated", ("Tarsk League",))),
        ("Quorra Foods rebuffed a buyout offer from Castell Motors.", (("Quorra Foods",), "opposes", "stated", ("Castell Motors",))),
        ("Governor Ilse Brandt vetoed Senator Dana Okafor's spending bill.", (("Ilse Brandt",), "opposes", "stated", ("Dana Okafor",))),
        ("The Harbour Guard turned down the Tarsk League's request for a replay.", (("Harbour Guard",), "opposes", "stated", ("Tarsk League",))),
        # "the X and Y governments" are two actors, each its own holder.
        ("The Velorian and Ostravan governments condemned Kelm.", (("Velorian", "Ostravan"), "condemns", "stated", ("Kelm",))),
        # A name before the deed owns it: "a Velorian offer" is Veloria's, "a Tarsk League ruling" the League's.
        ("Arno Kell rejected a Velorian compromise offer.", (("Arno Kell",), "opposes", "stated", ("Velorian",))),
        ("Quorra Foods is challenging a Tarsk League ruling.", (("Quorra Foods",), "opposes", "stated", ("Tarsk League",))),
        ("The Harbour Guard welcomed the Velorian and Ostravan proposals.", (("Harbour Guard",), "supports", "stated", ("Velorian", "Ostravan"))),
        ("Senator Dana Okafor blasted the Tarsk League over its ticket prices.", (("Dana Okafor",), "condemns", "stated", ("Tarsk League",))),
        # Legal action is an attitude, as a lawsuit is.
        ("Prosecutor Ivo Stark charged Mayor Ines Valt with bribery.", (("Ivo Stark",), "condemns", "stated", ("Mayor Ines Valt",))),
        # What one actor is to another, by a role noun: ally or backer, critic or foe.
        ("Ruvan Dass, a longtime ally of Ilka Morn, said nothing.", (("Ruvan Dass",), "supports", "stated", ("Ilka Morn",))),
        ("Ruvan Dass has been a vocal critic of the Amsel Council.", (("Ruvan Dass",), "opposes", "stated", ("Amsel Council",))),
        ("Ilka Morn's foes, Ruvan Dass and the Pell Green Party, walked out.", (("Ruvan Dass", "Pell Green Party"), "opposes", "stated", ("Ilka Morn",))),
        ("Ruvan Dass is no enemy of Ilka Morn.", (("Ruvan Dass",), "opposes", "denied", ("Ilka Morn",))),
        # Punishment of an actor condemns it.
        ("The Ostrava League suspended Port Halden United for two games.", (("Ostrava League",), "condemns", "stated", ("Port Halden United",))),
        ("Kelm expelled Veloria's ambassador.", (("Kelm",), "condemns", "stated", ("Veloria",))),
        # An infinitive's actor: the subject, or the one asked to act.
        ("The Pell Green Party voted to expel Ruvan Dass.", (("Pell Green Party",), "condemns", "stated", ("Ruvan Dass",))),
        ("Kelm urged Dunmar to condemn Veloria.", (("Dunmar",), "condemns", "stated", ("Veloria",))),
        # People who work or speak for an actor stand for it.
        ("A spokesman for Kelm condemned Veloria.", (("Kelm",), "condemns", "stated", ("Veloria",))),
        ("Analysts at Corvan Bank downgraded Tellis Logistics.", (("Corvan Bank",), "condemns", "stated", ("Tellis Logistics",))),
        ("Ruvan Dass praised the engineers at Quorra Holdings for the quick repair.", (("Ruvan Dass",), "supports", "stated", ("Quorra Holdings",))),
        # A participle on a noun: the noun's actor, or whose the statement is.
        ("A Tarsk government statement condemning Veloria was read out.", (("Tarsk government",), "condemns", "stated", ("Veloria",))),
        ("The Dunmar Brigades attacking Veloria took the bridge.", (("Dunmar Brigades",), "opposes", "stated", ("Veloria",))),
        # A capitalised preposition inside a sentence joins the words of one name.
        ("Veloria has been accused of blocking access to Dunmar News by the watchdog Reporters Without Frontiers.", (("Reporters Without Frontiers",), "condemns", "stated", ("Veloria",))),
        ("Doctors Without Borders condemned Kelm.", (("Doctors Without Borders",), "condemns", "stated", ("Kelm",))),
        # The parser hangs a passive's "by" on the gerund after it.
        ("Veloria has been accused of blocking access to Dunmar News by the Free Press Union.", (("Free Press Union",), "condemns", "stated", ("Veloria",))),
        # Dismissing what another holds against one: a complaint, an allegation.
        ("A Kelm spokesman dismissed the Dunmar complaint.", (("Kelm",), "opposes", "stated", ("Dunmar",))),
        # A strike, a suit or a campaign aimed at an actor.
        ("The Kelm regulator targeted Castell Motors over its emissions.", (("Kelm",), "opposes", "stated", ("Castell Motors",))),
    ],
)
def test_direction_and_status(sentence, expected):
    assert expected in frames(sentence)


def test_an_accusation_states_its_own_stance_and_claims_the_deed():
    found = frames("Kelm accused Veloria of arming Dunmar.")
    assert (("Kelm",), "condemns", "stated", ("Veloria",)) in found
    assert (("Veloria",), "supports", "claimed", ("Dunmar",)) in found


@pytest.mark.parametrize(
    "sentence",
    [
        "Veloria and Dunmar signed a trade deal.",  # listed together is not support
        "Veloria, Dunmar, Kelm and Ostrava attended the summit.",
        "The ministers of Veloria and Dunmar met in Port Halden.",
        "Kelmside Rovers beat their opponents, Port Halden United, 2-0.",  # an opponent in a contest
    ],
)
def test_names_merely_listed_together_are_not_linked(sentence):
    assert frames(sentence) == set()


def test_hiring_someone_who_is_no_proxy_is_no_stance():
    assert frames("Castell Motors hired Aldo Brenn from Halvard Bank as chief executive.") == set()



def test_one_who_meets_a_plan_with_resistance_is_not_its_target():
    doc = parser()("The Kelm League met the Veloria plan with resistance.")
    assert not [f for f in SentenceFrames(doc[:], 0).frames() if any(m.text == "Kelm League" for m in f.targets)]


def test_a_deed_in_the_clause_before_is_the_doer_s():
    found = frames("Ostrana closed its border with Sarnia on Monday, and the Arden Council condemned the move.")
    assert (("Arden Council",), "condemns", "stated", ("Ostrana",)) in found


@pytest.mark.parametrize(
    ("sentence", "one_way"),
    [
        ("Rebels of the Arvo Front fought the Kelm army for two days.", False),
        ("Since April the Tarsen Brigade has been battling forces aligned with the Velmora Council.", False),
        ("Senator Dana Okafor fought Governor Ilse Brandt's bill.", True),  # a bill is not an actor
        ("The Tarsen Brigade attacked the Velmora Council.", True),  # an attack is one side's
    ],
)
def test_a_fight_is_both_sides(sentence, one_way):
    found = frames(sentence)
    assert len(found) == 1 if one_way else {(t, r, s, h) for h, r, s, t in found} == found


@pytest.mark.parametrize(
    "sentence",
    [
        "The Harbour Guard welcomed Kessel's foreign minister at the airport.",  # hosting a person
        "The Harbour Guard welcomed the delegation from the Tarsk League.",
        "The Harbour Guard rejected the Tarsk League's stadium.",  # not a deed
        "The Harbour Guard rejected the Tarsk League stadium.",  # a name before what is no deed
        "Coach Lena Fisk challenged Kessel to a rematch.",  # challenging a person is no rejection
    ],
)
def test_welcoming_or_rejecting_what_is_no_deed_is_no_stance(sentence):
    assert frames(sentence) == set()


@pytest.mark.parametrize(
    "sentence",
    [
        "Kelm condemned the invasion of Veloria.",  # Veloria suffers the invasion
        "Kelm protested the arrest of Ilka Morn.",
        "Kelm condemned the killing of Ruvan Dass.",
    ],
)
def test_a_stance_toward_what_someone_suffered_is_none_toward_them(sentence):
    assert frames(sentence) == set()


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # A judgement word's valence says which way; the one who calls, finds, says or thinks it holds it.
        ('Premier Ilka Morn has called Veloria\'s fishing quota "unjustified".', (("Ilka Morn",), "condemns", "stated", ("Veloria",))),
        ('Ruvan Dass said he found the Tarsk League\'s policies "abhorrent".', (("Ruvan Dass",), "condemns", "stated", ("Tarsk League",))),
        ('Senator Lena Fisk said she thought Governor Ilse Brandt\'s comments were "well justified".', (("Lena Fisk",), "supports", "stated", ("Ilse Brandt",))),
        ("Ilse Marrow called Aldo Brenn a coward on air.", (("Ilse Marrow",), "condemns", "stated", ("Aldo Brenn",))),
        ("Dr Nela Frost dismissed the Pellham Institute's findings as flawed.", (("Nela Frost",), "condemns", "stated", ("Pellham Institute",))),
        ('"Castell Motors\' offer is a disgrace," said Ruvan Dass.', (("Ruvan Dass",), "condemns", "stated", ("Castell Motors",))),
    ],
)
def test_a_judgement_of_an_actor_or_of_what_it_did_is_a_stance(sentence, expected):
    assert expected in frames(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        'Ruvan Dass said Veloria\'s plan was "not bad".',  # a denied judgement is none either way
        "Ruvan Dass said the Veloria harbour was busy.",  # no judgement word
        'Ruvan Dass said Veloria\'s offer was "an agreement in principle".',  # a noun that only names
    ],
)
def test_a_denied_or_neutral_description_is_no_judgement(sentence):
    assert not any(f.cue not in {"offer", "plan"} for f in SentenceFrames(parser()(sentence)[:], 0).frames())


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # The small parser reads "hailed goalkeeper Y" as one noun phrase; a re-parse with the role
        # noun as a title finds the verb, on the original words and entities.
        ("Ruvan Dass hailed goalkeeper Ilka Morn as the best in the league.", (("Ruvan Dass",), "supports", "stated", ("Ilka Morn",))),
        ("Chairman Ruvan Dass defended manager Ilka Morn after the defeat.", (("Ruvan Dass",), "supports", "stated", ("Ilka Morn",))),
        ("The Pell Rovers board backed manager Ilka Morn despite the losing run.", (("Pell Rovers",), "supports", "stated", ("Ilka Morn",))),
    ],
)
def test_a_lower_case_role_noun_before_a_name_does_not_hide_the_verb(sentence, expected):
    (doc,) = parse([sentence])
    assert doc.text == sentence and [t.text for t in doc] == [t.text for t in parser()(sentence)]
    assert not any(t.lower_ in {"goalkeeper", "manager"} for e in doc.ents for t in e)
    found = {
        (tuple(m.text for m in f.holders), f.relation, f.status, tuple(m.text for m in f.targets))
        for f in SentenceFrames(doc[:], 0).frames()
    }
    assert expected in found


def _pairs(sentence: str) -> list[tuple[str, str, int]]:
    found = SentenceFrames(parser()(sentence)[:], 0)
    return [(a.text, b.text, found.direction(a, b)) for a, b in found.actor_pairs()]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # Every pair a clause links is a candidate, whatever the verb; the parse's direction goes with it.
        ("Tomas Vell took a veiled shot at Ostrava in his speech.", [("Tomas Vell", "Ostrava", 1)]),
        ("Ostrava was quietly rebuked by Tomas Vell.", [("Ostrava", "Tomas Vell", -1)]),
        ("Kelm's long feud with Dunmar deepened.", [("Kelm", "Dunmar", 1)]),
        # Both sides of a clause, with no doer among them: a candidate with no direction.
        ("The plan by Kelm Holdings has been met with resistance from Dunmar.", [("Kelm Holdings", "Dunmar", 0)]),
        # A list is no pair: each conjunct pairs with the target, never with the others.
        ("Kelm, Varga and Dunmar condemned Ostrava on Tuesday.",
         [("Kelm", "Ostrava", 1), ("Varga", "Ostrava", 1), ("Dunmar", "Ostrava", 1)]),
        # A name and its title or a part of it are one actor.
        ("Dunmar President Tomas Vell spoke.", []),
    ],
)
def test_every_pair_of_actors_a_clause_links_is_a_candidate_with_the_parse_direction(sentence, expected):
    assert _pairs(sentence) == expected


def test_a_cue_word_inside_a_longer_verb_is_no_cue():
    """"fined" is "fine" and "banned" is "ban" when the parser's lemma is none; "counteract"
    is not "counter"."""
    doc = parser()("Laws drawn up to counteract Tarsk fined and banned Kelm.")
    read = SentenceFrames(doc[:], 0)
    assert [read._verb_lemma(t) for t in doc if t.lower_ in {"counteract", "fined", "banned"}] == ["counteract", "fine", "ban"]
    assert (("Ostrava League",), "condemns", "stated", ("Port Halden United",)) in frames("The Ostrava League banned Port Halden United.")


def test_a_second_and_at_the_end_of_a_list_joins_the_words_of_one_name():
    """A list joins its last item with one "and": "..., Tarsk Foods and Brask and Lund" ends
    with the firm Brask and Lund; a plain pair stays two actors."""
    assert (("Ostrava Holdings",), "condemns", "stated", ("Kelm Mills", "Tarsk Foods", "Brask and Lund")) in frames(
        "Ostrava Holdings sued Kelm Mills, Tarsk Foods and Brask and Lund on Monday."
    )
    assert (("Ostrava",), "condemns", "stated", ("Kelm", "Sarnia")) in frames("Ostrava condemned Kelm and Sarnia.")


def test_a_word_s_valence_comes_from_the_raters_or_from_the_word_it_negates():
    assert valence("abhorrent") < -2 and valence("justified") > 1
    assert valence("unjustified") == -valence("justified")  # unrated; its prefix negates a rated word
    assert valence("harbour") == 0.0 and valence("uncle") == 0.0  # unrated, and "cle" is no word

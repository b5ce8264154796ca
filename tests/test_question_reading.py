"""Plain stance questions are read by pattern, without loading the parser, and the reading
is the parser's own: the pattern reader must agree with `analyse` wherever it answers, and
leave every other question to it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from agent.answer.question import StanceQuery, analyse, read, read_stance_question, referred, split_parts
from agent.corpus import Corpus

READ_BY_PATTERN = [
    "Who backs the Velmora Council?",
    "Who supports Arno Kell?",
    "Which countries back the Northern Compact?",
    "What groups oppose the Coastal Army?",
    "Who condemned the Harbour Guard?",
    "Who is backing the Velmora Council?",
    "Who has backed Ostavia?",
    "Who has been funding the Council of Elders?",
    "Whom does Sarnia support?",
    "Who does Ostavia oppose?",
    "Does Sarnia back the Velmora Council?",
    "Did Ostavia attack Arno Kell?",
]
LEFT_TO_THE_PARSER = [
    "Who is backed by Sarnia?",  # passive: the asked side is the holder's target
    "Who supports the Velmora government?",  # a common noun phrase names the actor
    "Who criticised Arno Kell's militia?",
    "Who fought the Coastal Army?",  # an irregular form: the parser's lemma reads it
    "Who supports whom?",
    "Who is against the Harbour Guard?",
    "What happened to Arno Kell?",
    "When did Sarnia back the Velmora Council?",
    "Who urged the Coastal Army to withdraw?",  # a call for, not a side
]


def _reading(q):
    stance = q.stance
    return (
        q.route, q.expects, frozenset(q.names),
        stance and (stance.relation, stance.ask_for, frozenset(stance.names), frozenset(stance.among)),
    )


@pytest.mark.parametrize("question", READ_BY_PATTERN)
def test_the_pattern_reading_is_the_parsers_reading(question: str):
    light = read_stance_question(question)
    assert light is not None and not light.parsed
    assert _reading(light) == _reading(analyse(question))


def test_a_verb_the_parser_takes_for_a_noun_is_still_read():
    # The small parser tags "sides" a noun here and routes the question away from the graph.
    light = read_stance_question("Who sides with the Harbour Guard?")
    assert light.stance == StanceQuery("supports", "holders", ("Harbour Guard",))


@pytest.mark.parametrize("question", LEFT_TO_THE_PARSER)
def test_other_questions_are_left_to_the_parser(question: str):
    assert read_stance_question(question) is None
    assert read(question).parsed


def test_a_question_word_is_not_a_name():
    assert analyse("Whom does Sarnia support?").stance.names == ("Sarnia",)


def test_a_graph_answer_does_not_load_the_parser(extracted: Corpus):
    """A fresh process answering a stance question from the graph never imports spaCy."""
    settings = extracted.settings
    script = (
        "import sys\n"
        "from agent.corpus import Corpus\n"
        "from agent.settings import Settings\n"
        f"settings = Settings(index_path={str(settings.index_path)!r}, cache_dir={str(settings.cache_dir)!r}, "
        f"base_url={settings.base_url!r}, model={settings.model!r})\n"
        "answer = Corpus(settings).ask('Who backs the GNA?')\n"
        "assert not answer.refused and answer.citations, answer\n"
        "print('spacy' in sys.modules)\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "False"


def test_a_question_the_graph_cannot_answer_goes_on_with_the_full_parse(extracted: Corpus, monkeypatch: pytest.MonkeyPatch):
    import agent.answer.routes

    seen = []
    monkeypatch.setattr(agent.answer.routes, "answer_extractive", lambda q, sources, composer, found: seen.append(q) or False)
    answer = extracted.ask("Does Qatar oppose the GNA?")  # the graph has Qatar's support only
    assert answer.refused
    assert [q.parsed for q in seen] == [True] and seen[0].focus is None and seen[0].content


def test_an_abbreviation_does_not_end_a_question():
    from agent.answer.question import split_parts

    assert split_parts("Why did U.S. emissions fall in 2019?") == ["Why did U.S. emissions fall in 2019?"]
    assert split_parts("What did the U.N. Security Council say? Please be brief.") == ["What did the U.N. Security Council say?"]
    q = analyse("Why did U.S. emissions fall in 2019?")
    assert q.names == ("U.S.",) and q.measure == "clause"


def test_an_abbreviation_is_mentioned_with_or_without_its_dots():
    from agent.answer.verify import mentions

    assert mentions("US emissions fell", "U.S.") and mentions("The U.S. said", "U.S.")
    assert not mentions("they told us so", "U.S.")


def test_an_abbreviation_and_its_expansion_mention_each_other():
    from agent.answer.verify import mentions

    assert mentions("the Velorian Union said", "VU") and mentions("The VU said", "Velorian Union")
    assert mentions("the International Grain Agency", "IGA") and mentions("the UK Harbour Party", "UKHP")
    assert not mentions("the Velorian Navy said", "VU") and not mentions("a vu of it", "Velorian Union")


def test_names_joined_by_a_hyphen_are_mentioned_by_both():
    from agent.answer.verify import mentions

    assert mentions("Arno Kell and Tim Brask met", "Kell-Brask") and not mentions("Arno Kell spoke", "Kell-Brask")
    assert mentions("Dalia Fenwright-Ross said", "Fenwright-Ross")  # one double-barrelled name, written so


def test_a_noun_modifying_a_noun_stands_for_its_head():
    # "arms embargo" is about the embargo; "growth figures" about growth, "figures" only
    # naming the kind of answer.
    assert analyse("Which countries pressed for the arms embargo on Veloria to be lifted?").focus == "embargo"
    assert analyse("Which minister played down the weak growth figures?").focus == "growth"


def test_a_question_asking_for_a_subject_is_told_from_one_asking_for_a_name_elsewhere():
    assert analyse("Which group complained to the Tarsk League?").asks_subject
    assert analyse("Who told Arno Kell to stick to his guns?").asks_subject
    assert not analyse("Who is the Tarsk League's chairman?").asks_subject
    assert not analyse("Whom did Arno Kell criticise?").asks_subject


def test_a_name_owning_a_thing_is_not_the_side_asked_about():
    # "each side in X's war": X is not backed, and no war of X's is asked about.
    assert analyse("Which countries back each side in Veloria's war?").stance is None
    assert analyse("Who is backed by Sarnia?").stance == StanceQuery("supports", "targets", ("Sarnia",))


def test_a_question_name_is_the_graph_actor_spelled_so_before_any_near_spelling():
    from agent.answer.routes import _Nodes
    from agent.extract.frames import DEFAULT_LEXICON
    from agent.models import Edge

    graph = [
        Edge(holder="Kelm", relation="supports", target="Velorian government", status="stated", articles=["a"], evidence=[]),
        Edge(holder="Veloria", relation="opposes", target="Dunmar", status="stated", articles=["a"], evidence=[]),
    ]
    nodes = _Nodes([], DEFAULT_LEXICON)
    assert nodes.resolve("Veloria", graph) == {"Veloria"}  # not the "Velorian government" beside it
    assert nodes.resolve("Velorian government", graph) == {"Velorian government"}
    assert nodes.resolve("Ostrava", graph) == set()


@pytest.mark.parametrize(
    ("question", "first_answer", "second_part"),
    [
        # "its" is the earlier part's name that is no person; "he" its person.
        ("Who leads the Tarsk League, and who is its chairman?", None, "who is Tarsk League's chairman?"),
        ("How big a stake in Quorra Foods does Arno Kell hold, and which team does he own?", "28.1%", "which team does Arno Kell own?"),
        # A pronoun for what "which X" asked is the answer the first part found, never a guess.
        ("Which magazine does Ida Brenholt edit, and who wrote in it?", "The Velmora Review", "who wrote in The Velmora Review?"),
        # What the earlier part did not find leaves the part nothing to be read alone.
        ("Which magazine does Ida Brenholt edit, and who wrote in it?", None, None),
        ("Which company bought the Kesh mine, and who runs that company?", None, None),
        ("Which company bought the Kesh mine, and who runs that company?", "Quorra Foods", "who runs Quorra Foods?"),
        # An object pronoun is left alone: "it" may be the deal, not Veloria.
        ("Did Veloria sign the deal, and did it ratify it?", None, "did Veloria ratify it?"),
    ],
)
def test_a_later_part_s_pronoun_is_read_as_what_the_earlier_part_named_or_found(question, first_answer, second_part):
    first, second = split_parts(question)
    assert referred(second, first, first_answer) == second_part


def test_a_two_part_stance_question_with_nothing_pointing_back_does_not_load_the_parser():
    code = (
        "import sys; from agent.answer.question import referred, split_parts; "
        "a, b = split_parts('Who backs Sarnia and who backs Ostavia?'); "
        "assert referred(b, a) == b; assert 'spacy' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    ("question", "excluded"),
    [
        ("Which other Velmoran driver has won a race besides the Tarsk Motors driver born in 1990?", ("tarsk", "motors", "driver", "born", "1990")),
        ("Who else, other than the man who founded Kesh Mills, sat on the board?", ("man", "founded", "kesh", "mills")),
        # the phrase ends at its comma, however the parser hangs the question's clause on it
        ("Apart from the band that released Kelp, which group did Ida Brenholt join?", ("band", "released", "kelp")),
        ("Which company bid for the port?", ()),
        ("Aside from the Kesh Remote, what other device controls the player?", ()),  # a name, not a description
    ],
)
def test_the_one_a_question_sets_aside_is_read_off_the_parse(question, excluded):
    assert analyse(question).excluded == excluded


def test_a_part_with_no_verb_asks_what_the_next_part_asks():
    first, second = split_parts("Which former Velmoran Chancellor and which Tarsk figure backed Ann Lee's plan?")
    assert first == "Which former Velmoran Chancellor backed Ann Lee's plan?"
    assert second == "which Tarsk figure backed Ann Lee's plan?"
    # a title the tagger reads as a name is still the kind of answer asked for
    assert analyse(first).kind == "chancellor" and analyse(first).asks_subject
    # each part with a verb of its own keeps it
    assert split_parts("Which bank sued Kesh Mills and which court heard the case?") == [
        "Which bank sued Kesh Mills?", "which court heard the case?",
    ]


@pytest.mark.parametrize(
    ("question", "predicate"),
    [
        ("Who produced the song that Ida Brenholt was best known for?", "produce"),
        ("Whom did the finance ministers blame for the rise?", "blame"),
        ("Who is Kesh Mills' chairman?", None),  # a light verb: any name may answer
    ],
)
def test_the_question_s_main_verb_is_read_off_the_parse(question, predicate):
    assert analyse(question).predicate == predicate

"""Answering, offline: what a question asks, the checks that keep true sentences and drop
false ones, the baseline, and how an Answer reads. Invented names throughout."""

from __future__ import annotations

import pytest

from agent.answer.question import analyse, bridge_question, split_parts
from agent.answer.verify import about, another_one, close, counts_only_others, coverage, fits, is_clause, kind_names, kind_spans, locate, measured, mentions, names_beyond, of_kind, offers, sole_amount, supports
from agent.evaluation.qa import best_overlap_answer, by_route, evaluate_qa, format_qa, format_routes
from agent.models import Answer, Citation


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        ("Who backs Veloria and who backs Dunmar?", ["Who backs Veloria?", "who backs Dunmar?"]),
        ("Who backs the Northern Compact? Please be brief.", ["Who backs the Northern Compact?"]),
        ("When did Kelm close the border, and what did Ostrava say?", ["When did Kelm close the border?", "what did Ostrava say?"]),
        ("Which ports do Kelm and Ostrava share?", ["Which ports do Kelm and Ostrava share?"]),
        ("Who leads Kelm, and is its chairman a lawyer?", ["Who leads Kelm?", "is its chairman a lawyer?"]),
        # the "and" continues the relative clause: one question about one song
        ("Who wrote the song that was inspired by a poem and was the first track on Osla Nights?",
         ["Who wrote the song that was inspired by a poem and was the first track on Osla Nights?"]),
    ],
)
def test_multi_part_questions_are_split_and_requests_about_form_dropped(question, parts):
    assert split_parts(question) == parts


def test_names_are_entities_and_proper_nouns_never_ordinary_capitalised_words():
    assert analyse("Who backs the Northern Compact? Please be brief.").names == ("Northern Compact",)
    assert analyse("Please tell me who backs Veloria?").names == ("Veloria",)
    assert analyse("Did Arno Kell meet Mira Voss?").names == ("Arno Kell", "Mira Voss")


@pytest.mark.parametrize(
    ("question", "focus", "expects", "route"),
    [
        ("What is the population of Port Halden?", "population", "any", "extract"),
        ("What is the distance from Brenmoor to Kesh?", "distance", "any", "extract"),
        ("How many Velorian troops are in Dunmar?", "troop", "number", "extract"),
        ("In which year was the founder of Tarsk Mills born?", "founder", "date", "date"),
        # the wh-phrase read where it stands, not only at the start
        ("Tarsk Mills was founded by a Velorian miller who has lived in Kesh since what year?", "miller", "date", "date"),
        ("Which countries back Dunmar?", None, "any", "stance"),
        ("Did Arno Kell meet Mira Voss?", None, "yesno", "extract"),
        ("How many outlets report that Kelm supports Ostrava?", None, "number", "count"),
    ],
)
def test_a_question_is_read_for_its_focus_answer_kind_and_route(question, focus, expects, route):
    q = analyse(question)
    assert (q.focus, q.expects, q.route) == (focus, expects, route)


def test_a_bridge_question_is_recognised():
    assert analyse("What is the population of the village where Arno Kell was born?").hops
    assert not analyse("What is the population of Port Halden?").hops
    # A clause on an unnamed noun holding the asked word still needs a passage saying who that is;
    assert analyse("The Kesh Atlas was written by a Velorian mapmaker who has lived in Dunmar since what year?").hops
    # one describing what the question names does not.
    assert not analyse("The Osla Pointer and the Kesh Setter are both dog breeds developed during which century?").hops
    # A clause on a thing a name owns says which of its things, not who or what it is first.
    assert not analyse("How big is Kesh's port levy that Arno Kell wants put back on the table?").hops
    assert analyse("How big is the port levy that Arno Kell wants put back on the table?").hops


@pytest.mark.parametrize(
    ("question", "first", "phrase"),
    [
        ("What is the population of the village where Arno Kell was born?", "Where was Arno Kell born?", "the village where Arno Kell was born"),
        ("When did the Kesh Players open in the city where the Tarsk Museum is located?", "Where is the Tarsk Museum located?", "the city where the Tarsk Museum is located"),
        ("Who was the first president of the association which published the Kesh Review?", "Which association published the Kesh Review?", "the association which published the Kesh Review"),
        ("What county borders the county in which Port Halden is located?", "In which county is Port Halden located?", "the county in which Port Halden is located"),
        ("What is the native language of the man who founded Tarsk Mills?", "Who founded Tarsk Mills?", "the man who founded Tarsk Mills"),
        # one named by a role in something named
        ("What position did the winner of the 2007 Kesh Cup play?", "Who is the winner of the 2007 Kesh Cup?", "the winner of the 2007 Kesh Cup"),
        ("This singer of Osla Nights also voiced what bear?", "Who is the singer of Osla Nights?", "This singer of Osla Nights"),
        ('The director of the comedy "Harbour Lights" is based in what city?', 'Who is the director of the comedy "Harbour Lights"?', 'The director of the comedy "Harbour Lights"'),
    ],
)
def test_a_question_through_a_bridge_is_asked_as_two(question, first, phrase):
    assert bridge_question(question) == (first, phrase)


@pytest.mark.parametrize(
    "question",
    [
        "What is the population of Port Halden?",
        "How big is the rebate that Arno Kell wants back?",  # the clause says which rebate is asked for
        "Which actress who starred in Harbour Lights won the prize?",  # the clause describes what is asked
        "Ida Lee starred in a film with an actor who played in what for seven years?",  # the clause holds the question
        "Who is the father of Arno Kell?",  # the role is what is asked
        "What is the population of the capital of Norvia?",
        "When did the government fall?",  # a role in nothing named
    ],
)
def test_no_bridge_where_the_clause_describes_what_is_asked(question):
    assert bridge_question(question) is None


def test_a_passage_is_about_the_role_asked_when_it_says_the_doing():
    """"Who is the singer of X?" is answered by "X ... sung by Ida Lee"; a passage that only
    names X is not about its singer."""
    question = analyse("Who is the singer of Osla Nights?")
    assert about("Osla Nights is a song written by Pell Kell and sung by Ida Lee.", question)
    assert not about("Osla Nights is a song from the album Harbour Lights.", question)


def test_close_forms():
    assert close("velorian", "veloria") and close("founder", "founded") and close("troops", "troop")
    assert close("distance", "distant") and not close("army", "arms") and not close("start", "state")


def test_paraphrase_keeps_true_sentences():
    # "Did X meet Y?" answered by "Y held talks with X": names match, the verb need not.
    assert supports("Mira Voss held talks with Arno Kell.", "Mira Voss held talks with Kell in Dunmar on Monday.", given=("Arno Kell", "Mira Voss"))
    # The model's own words around a number and names the question gave.
    quote = "The deployment remains small, with 35 Velorian troops so far, led by a general."
    assert supports("There are 35 Velorian troops in Dunmar.", quote, given=("Velorian", "Dunmar"))
    assert supports("Veloria has sent 35 troops.", quote)  # 'Veloria' ~ 'Velorian'
    # A passage quoted whole (the floor) states itself, possessive names included.
    possessive = "Dunmar backs Arno Kell's Velorian government, while Kelm's militia backs Ostrava's army."
    assert supports(possessive.rstrip("."), possessive)


def test_wrong_numbers_and_new_names_are_not_supported():
    quote = "The deployment remains small, with 35 Velorian troops so far, led by a general."
    assert not supports("There are 36 Velorian troops.", quote)
    assert not supports("Kelm sent 35 troops.", quote)
    assert not supports("Thirty-six troops arrived.", quote)
    assert supports("Thirty-five troops arrived.", quote)


def test_a_passage_must_be_about_the_questions_focus():
    q = analyse("What is the population of Port Halden?")
    assert not about("Port Halden lies 40 kilometres north of Kesh.", q)
    assert about("Port Halden had a population of 12,000 in the last census.", q)
    dies = analyse("When did Luca Marten die?")
    assert not about("Luca Marten wrote his first novel in 1964.", dies)
    assert about("Luca Marten died in Kesh in 1990.", dies)
    met = analyse("Where did Arno Kell and Mira Voss meet?")
    assert about("Mira Voss held talks with Arno Kell in Dunmar.", met)  # two names together suffice


def test_coverage_weighs_the_questions_names_focus_and_words():
    q = analyse("What is the population of the harbour town of Port Halden?")
    assert (q.names, q.focus) == (("Port Halden",), "population")
    assert coverage("Port Halden had a population of 12,000 at the last census; its harbour town grew.", q) == 1.0
    # Name 2, focus 2, "harbour" 1, "town" 1: the name or the focus alone is a third.
    assert coverage("Port Halden lies 40 kilometres north of Kesh.", q) == coverage("The population of Kesh is 9,000.", q) == 2 / 6
    assert coverage("Kesh is a harbour town.", q) == 2 / 6
    assert coverage("Ferries sail at noon.", q) == 0.0


def test_the_floor_quotes_only_a_passage_holding_the_kind_of_answer_asked():
    assert offers("Kesh lies 40 kilometres north of Port Halden.", analyse("How far is Kesh from Port Halden?"))
    assert not offers("Kesh and Port Halden are 2 towns on the coast.", analyse("How far are the 2 towns Kesh and Port Halden apart?"))
    assert offers("The treaty was signed in May 1887 in Kesh.", analyse("When was the Kesh treaty signed?"))
    assert not offers("The treaty was signed in Kesh.", analyse("When was the Kesh treaty signed?"))
    assert offers("Arno Kell founded the Tarsk Mills.", analyse("Who founded the Tarsk Mills?"))
    assert not offers("The Tarsk Mills were founded long ago.", analyse("Who founded the Tarsk Mills?"))
    assert not offers("Arno Kell met Mira Voss in Kesh.", analyse("Did Arno Kell meet Mira Voss?"))  # a quote says neither yes nor no
    # "Which KIND": the passage must say which one, by a name of that kind or a nationality.
    judge = analyse("What is the name of the bankruptcy judge who granted Tarsk Oil its injunction?")
    assert not offers("But the bankruptcy court judge in Kesh granted Tarsk Oil an injunction.", judge)
    assert offers("Judge Ida Brenholt granted Tarsk Oil an injunction.", judge)
    governments = analyse("Which governments are challenging the ruling on Kesh cheese?")
    assert offers("The Danish and German governments are challenging the ruling on the cheese.", governments)
    assert not offers("Two governments are challenging the ruling on the cheese.", governments)


@pytest.mark.parametrize(
    ("question", "measure"),
    [
        ("What is the price of Kesh Cellars' red wine?", "money"),
        ("What price per share did Arno Kell offer for the Tarsk Mills?", "money"),
        ("How much money is Dunmar Mills putting into its climate fund?", "money"),
        ("How much did Arno Kell pay for the Tarsk Mills?", "money"),
        ("How far is Kesh from Port Halden?", "length"),
        ("Why did Velorian emissions fall in 2019?", "clause"),
        ("How many troops did Dunmar send?", None),
        ("Who founded the Tarsk Mills?", None),
    ],
)
def test_the_measure_a_question_asks_for_is_read_off_its_parse(question, measure):
    assert analyse(question).measure == measure


def test_a_span_must_be_the_measure_asked_for():
    price = analyse("What is the price of Kesh Cellars' red wine?")
    assert not of_kind("4,000 bottles per year", price)
    assert of_kind("12 euros a bottle", price) and of_kind("US$1 billion", price) and of_kind("£155bn", price)
    distance = analyse("How far is Kesh from Port Halden?")
    assert of_kind("450 km", distance) and of_kind("about 300 miles", distance) and not of_kind("two hours", distance)
    assert measured("rose 3.5 per cent", "percent") and not measured("won 5 awards", "money")
    why = analyse("Why did Velorian emissions fall in 2019?")
    assert of_kind("because coal plants closed", why) and of_kind("due to milder weather", why)
    assert not of_kind("coal", why)
    # The floor quotes no passage without the measure either.
    assert not offers("Kesh Cellars sells 4,000 bottles of its red wine per year.", price)
    assert offers("A bottle of Kesh Cellars' red wine costs 12 euros.", price)


def test_the_one_amount_of_the_kind_asked_for_is_found_in_a_passage():
    """What code offers when the model chose a passage but wrote no amount: the one amount of
    the kind asked, the same in other units counted once; none when there are several."""
    def amount(passage: str, question: str) -> str | None:
        found = sole_amount(passage, analyse(question))
        return passage[found[0] : found[1]] if found else None

    assert amount("Velmora Bank agreed a $6.75bn (£3.6bn) takeover by Tarsk Holdings.", "How much is Tarsk Holdings paying for Velmora Bank?") == "$6.75bn"
    assert amount("Kesh Cellars will put US$1 billion into the fund over four years.", "How much money is Kesh Cellars putting into the fund?") == "US$1 billion"
    assert amount("The Pell Green Party won 12 seats and 16.1% of the vote in 2004.", "How many seats did the Pell Green Party win in 2004?") == "12 seats"
    assert amount("Sarnia makes 115,000 tonnes a year, and Ostrava 30,000 tonnes.", "How much feta does Sarnia make?") is None
    # A year says when, and a verb after a number is no unit: no amount at all here.
    oil = "How much oil did Velmora produce?"
    assert amount("The upheaval in Velmora, where the ruler was toppled in 2011, has disrupted its oil production.", oil) is None
    assert amount("Velmora has produced 1.2 million barrels a day since 2011.", oil) == "1.2 million barrels"
    assert amount("By 2019, 2,400 workers had left the Kesh oilfields.", "How many workers left the Kesh oilfields?") == "2,400 workers"
    assert amount("Kesh Cellars sells 4,000 bottles of its red wine per year.", "What is the price of Kesh Cellars' red wine?") is None


def test_the_date_asked_for_is_found_in_a_passage():
    """What code offers when the model chose a passage but copied it whole: the one date in it
    the question does not give; of several, the one dating the question's own verb, or else
    the one after the question's preposition; none where nothing tells them apart."""
    from agent.answer.routes import Passage, asked_date
    from agent.models import Article

    def date(passage: str, question: str) -> str | None:
        article = Article(id="a.txt", path="", content_hash="", text=passage)
        found = asked_date(Passage(1, article, 0, len(passage)), analyse(question))
        return passage[found[0] : found[1]] if found else None

    rovel = "Ida Brenholt (born 3 May 1956) is a Velorian physicist who has worked in Kesh, Ostrava and since 2000, in Dunmar."
    assert date(rovel, "The Kesh Atlas was written by a physicist who has worked in Dunmar since what year?") == "since 2000"
    assert date("Mira Voss (born 8 June 1951; her first album came out in 1979) is a Kesh singer.", "When was the Kesh singer whose first album came out in 1979 born?") == "8 June 1951"
    mills = "Tarsk Mills, founded on 3 May 1956, opened its plant in 1990 after a long delay."
    assert date(mills, "When did Tarsk Mills open its plant?") == "in 1990"
    assert date(mills, "In which year did Tarsk Mills close?") is None


@pytest.mark.parametrize(
    ("sentence", "kind", "named"),
    [
        ("Velorian investment bank Tarsk Bank has challenged the right of Kesh Cellars to claim protection.", "bank", ["Tarsk Bank"]),
        ("The winning bidder was a little-known firm, Dunmar Finance Group, later bought by Orvane, a state-run oil firm.", "firm", ["Dunmar Finance Group", "Orvane"]),
        ("He refused to confirm he is setting up a new political party called Kestra - Latin for harbour.", "party", ["Kestra"]),
        ("Two members defected to Arno Kell's Kestra Party.", "party", ["Kestra Party"]),
        ("The Bank of Kesh sued Judge Ida Brenholt.", "bank", ["Bank of Kesh"]),
        ("The Bank of Kesh sued Judge Ida Brenholt.", "judge", ["Judge Ida Brenholt"]),
        ("Ida Brenholt (born 1971) is a Velorian actress known for her role in Harbour Lights.", "actress", ["Ida Brenholt"]),
        ("Former civil service chief Lord Vask has criticised the government.", "chief", ["Lord Vask"]),
        ("But Germany says it cannot support the Kesh fund.", "country", ["Germany"]),
        ("Photographs of women, including actresses Ida Brenholt, Mia Vask, and Ann Lee, were released.", "actress", ["Ida Brenholt", "Mia Vask", "Ann Lee"]),
        ("Velorian finance ministers called for more flexibility in exchange rates.", "minister", []),  # no name is a minister
        ("The Pell ministers met Arno Kell.", "bank", []),
        ("Mr Vask, who owns the Port Halden Mariners team, hopes to buy a stake.", "team", ["Port Halden Mariners"]),
        ("Mr Vask, who owns the Port Halden Mariners stadium, hopes to buy a stake.", "team", []),
    ],
)
def test_a_name_is_of_the_kind_asked_only_where_its_sentence_says_so(sentence: str, kind: str, named: list[str]):
    assert [sentence[a:b] for a, b in kind_names(sentence, kind)] == named


def test_a_name_of_the_kind_asked_is_not_one_the_question_gives_but_may_hold_one():
    def spans(passage: str, question: str) -> list[str]:
        return [passage[a:b] for a, b in kind_spans(passage, analyse(question))]

    airport = "Halden International Airport is a public airport north of Halden."
    assert spans(airport, "What is the name of the airport in Halden?") == ["Halden International Airport"]
    assert spans("The Kestra Party was set up in 2005.", "Which party did Kestra merge with?") == []  # the question's name and the kind
    left = "Ann Lee left the KL Independence Party and set up the Veritas Party."
    assert spans(left, "What party did Ann Lee set up after leaving KLIP?") == ["Veritas Party"]  # "KLIP" in full is given


def test_a_number_that_counts_something_else_does_not_say_how_many():
    question = analyse("How many subscribers does Kesh Mobile's network have?")
    assert question.counted == "subscriber"
    assert counts_only_others("Kesh has only one congested mobile network, with long waiting lists for new subscribers.", question)
    assert not counts_only_others("The network has 3 million subscribers and one owner.", question)
    assert not counts_only_others("The network has grown to three million.", question)  # counts nothing else
    assert not counts_only_others("Kesh has one network.", analyse("How big is Kesh Mobile's network?"))  # no "how many"


def test_a_clause_is_no_name_of_a_kind():
    assert is_clause("The former cabinet secretary said in an interview with the Kesh Herald that he was critical")
    assert is_clause("Velorian leaders have openly blamed Dunmar")
    for phrase in ("Tory MP Ann Lee", "the war crimes tribunal for the former Velmora", "Harbour Lights Is Gone",
                   "Orvane, Tallis and Brask Films", "the man who sued the harbour board"):
        assert not is_clause(phrase), phrase


def test_the_phrase_which_opens_is_the_kind_even_where_the_parser_takes_which_for_a_pronoun():
    # The small parser reads "Which" here as the verb's object, not the determiner of "minister".
    question = analyse("Which Tarsk former minister accused Lord Vask of being biased?")
    assert (question.kind, question.asks_subject) == ("minister", True)
    assert not question.hops and question.focus != "tarsk"  # no bridge between "Tarsk" and the name


def test_which_and_what_before_a_noun_ask_for_a_name_of_that_kind():
    assert (analyse("Which bank is trying to get the case dismissed?").kind, analyse("Which bank sued?").asks_many) == ("bank", False)
    assert (analyse("Which parties oppose the bill?").kind, analyse("Which parties oppose the bill?").asks_many) == ("party", True)
    assert analyse("What party did Arno Kell set up?").kind == "party"
    assert analyse("What kind of plane dropped the bomb?").kind is None  # a description, not a name
    assert analyse("What price per share did Tarsk offer?").kind is None  # a measure
    assert analyse("When did Tarsk sue?").kind is None
    assert analyse("What is the name of the judge who granted Tarsk its injunction?").kind == "judge"
    assert analyse("What was the name of Arno Kell's ship?").kind == "ship"
    assert analyse("What is the name of Arno Kell?").kind is None  # a name, no kind


def test_a_passage_about_another_one_of_the_focus_is_no_answer():
    """"the general election" is not "the European elections"; a passage that names the focus
    plainly, or with the question's own word, may answer."""
    question = analyse("Which party won the Velorian general election on 5 May?")
    assert another_one("The Pell Green Party won 12 seats at the European elections in May.", question)
    assert not another_one("The Pell Green Party won the general election on 5 May.", question)
    assert not another_one("The Pell Green Party won the election on 5 May.", question)
    assert not another_one("The Pell Green Party won 12 seats at the European elections.", analyse("How many seats did the Pell Green Party win?"))
    # the question's word after the noun: the same one ("the Kesh and Orvane-backed format, HD-DVD discs")
    hd = analyse("Which studios have opted for Tarsk's HD-DVD format?")
    assert not another_one("Paramount said it was opting for the Tarsk and Orvane-backed format, HD-DVD discs.", hd)
    # the question's words anywhere before the noun, "U.N." written "UN"
    judge = analyse("What is the name of the U.N. bankruptcy judge in Kesh?")
    assert not another_one("The UN bankruptcy court judge in Kesh granted Tarsk Holdings an injunction.", judge)
    # the question's abbreviation spelled out: "the VC levy" is the one "from the Velmora Council"
    levy = analyse("How big is Kesh's VC levy?")
    assert not another_one("Arno Kell called Kesh's £3bn levy from the Velmora Council unjustified.", levy)
    assert another_one("Arno Kell called Ostavia's £3bn levy from the Tarsk League unjustified.", levy)


def test_the_wh_words_noun_is_the_kind_of_answer_not_the_focus():
    assert analyse("Which film won best picture at the Ostra awards?").focus == "picture"
    assert analyse("What position did Arno Kell play?").focus is None


def test_spans_must_stand_verbatim_and_be_the_kind_asked_for():
    passage = "The LFA took  control of Port Halden on Monday, officials said."
    assert locate("control of port halden", passage) == (14, 36)
    assert locate("“on Monday”.", passage) == (37, 46)
    assert locate("on Tuesday", passage) is None and locate("  ", passage) is None
    listed = "It named actresses Ann Lee, Mia Vask, and Ida Brenholt."
    assert listed[slice(*locate("Ann Lee, Mia Vask, Ida Brenholt", listed))] == "Ann Lee, Mia Vask, and Ida Brenholt"  # the list's "and" left out
    assert fits("35 troops", "number") and not fits("many troops", "number") and fits("thirty-five", "number")
    # "How big is Veloria's rebate?" is not answered by "one of the biggest": that "one" counts nothing.
    assert not fits("Veloria is one of the biggest contributors", "number") and fits("one of three ports", "number")
    assert fits("one ship", "number") and not fits("no one came", "number")
    assert fits("on 12 May", "date") and fits("1887", "date") and not fits("recently", "date")
    assert fits("Ida Brenholt", "name") and not fits("an engineer", "name")
    assert mentions("Kell met the envoy.", "Arno Kell") and not mentions("Arno left.", "Arno Kell")


def test_a_name_answer_must_name_someone_the_question_does_not():
    q = analyse("Who was Ida Brenholt pregnant with during the recording?")
    assert q.expects == "name"
    assert not names_beyond("Ida was six months pregnant at the time", q)
    assert not names_beyond("Brenholt (born 1962", q)
    assert names_beyond("her son Arno Kell", q) and not names_beyond("Mrs Brenholt", q)


def test_answer_text_is_the_cli_text_and_html_shows_outlet_date_and_quote():
    answer = Answer(
        question="Who backs Veloria?", answer="Dunmar supports Veloria (1 outlet) [1].", refused=False,
        citations=[Citation(n=1, article="a.txt", title="Harbour talks", outlet="The Courier", date="2021-03-02", start=0, end=20, quote="Dunmar backs Veloria")],
    )
    assert str(answer) == (
        "Dunmar supports Veloria (1 outlet) [1].\n\n"
        "[1] Harbour talks | The Courier | 2021-03-02 (a.txt, chars 0-20)\n"
        '    "Dunmar backs Veloria"'
    )
    html = answer._repr_html_()
    assert "The Courier" in html and "2021-03-02" in html and ">Dunmar backs Veloria</mark>" in html
    assert str(Answer(question="q", answer="The articles do not say.", refused=True)) == "The articles do not say."


def test_the_baseline_cites_the_sentence_sharing_most_words(corpus):
    answer = best_overlap_answer("Where did Erdogan and Putin meet?", corpus.store)
    (citation,) = answer.citations
    assert "Erdogan" in citation.quote and "Putin" in citation.quote
    assert corpus.store.article(citation.article).text[citation.start : citation.end] == citation.quote
    assert best_overlap_answer("zzzz qqqq", corpus.store).refused


def test_questions_are_scored_for_answers_false_refusals_citations_and_latency():
    gold = {"qa": [
        {"question": "Who backs Veloria?", "answers": [["Dunmar"], ["Kelm"]], "need": "all", "articles": ["a.txt"]},
        {"question": "Where?", "answers": [["Port Halden"]], "need": "any", "articles": ["a.txt"]},
        {"question": "What did Ostrava say?", "answers": [], "need": "refuse", "articles": []},
        {"question": "What did Kelm say?", "answers": [], "need": "refuse", "articles": []},
    ]}
    answers = [
        {"question": "Who backs Veloria?", "answer": "Dunmar backs Veloria [1]. Kelm backs Veloria [2].", "refused": False, "seconds": 1.0,
         "citations": [{"n": 1, "article": "a.txt", "quote": "Veloria has the support of Dunmar."}, {"n": 2, "article": "a.txt", "quote": "Kelm said nothing."}]},
        {"question": "Where?", "answer": "The articles do not say.", "refused": True, "citations": [], "seconds": 3.0},
        {"question": "What did Ostrava say?", "answer": "The articles do not say.", "refused": True, "citations": [], "seconds": 2.0},
        {"question": "What did Kelm say?", "answer": "Kelm said nothing [1].", "refused": False, "seconds": 9.0,
         "citations": [{"n": 1, "article": "a.txt", "quote": "Kelm said nothing."}]},
    ]
    report = evaluate_qa(gold, answers)
    assert [i.correct for i in report.items] == [True, False, True, False]
    assert (report.false_refusals, report.false_answers) == (1, 1)
    assert report.items[0].citations_supported == 1  # 'Kelm said nothing' does not back 'Kelm backs Veloria'
    assert report.citation_precision == 0.3333  # 1 of 3: a citation of an answer to an unanswerable question counts against
    assert (report.p50_seconds, report.p95_seconds) == (2.5, 8.1)


def test_a_wrong_answer_is_a_false_answer_and_every_route_is_scored_beside_the_baseline():
    gold = {"qa": [
        {"question": "Who backs Veloria?", "answers": [["Dunmar"]], "need": "any", "articles": ["a.txt"]},
        {"question": "Where did Kelm sign?", "answers": [["Port Halden"]], "need": "any", "articles": ["a.txt"]},
        {"question": "What did Ostrava say?", "answers": [], "need": "refuse", "articles": []},
    ]}
    cite = {"n": 1, "article": "a.txt", "quote": "Dunmar backs Veloria in Port Halden."}
    ask = evaluate_qa(gold, [
        {"question": "Who backs Veloria?", "answer": "Dunmar supports Veloria [1].", "refused": False, "citations": [cite], "route": "graph", "seconds": 1.0},
        {"question": "Where did Kelm sign?", "answer": "Arvane [1].", "refused": False, "citations": [cite], "route": "passages", "seconds": 4.0},
        {"question": "What did Ostrava say?", "answer": "The articles do not say.", "refused": True, "route": "refusal", "seconds": 0.5},
    ])
    baseline = evaluate_qa(gold, [
        {"question": q["question"], "answer": "Dunmar backs Veloria in Port Halden. [1]", "refused": False, "citations": [cite], "route": "passages"}
        for q in gold["qa"]
    ], "best-overlap sentence")
    assert (ask.correct, ask.false_answers, ask.unanswerable_answered) == (2, 1, 0)  # "Arvane" is wrong: a false answer
    assert (baseline.correct, baseline.false_answers, baseline.unanswerable_answered) == (2, 1, 1)
    routes = {r.route: r for r in by_route(ask, baseline)}
    assert list(routes) == ["graph", "passages", "refusal"]
    assert (routes["graph"].correct, routes["graph"].baseline_correct) == (1, 1)
    assert (routes["passages"].correct, routes["passages"].false_answers, routes["passages"].baseline_correct) == (0, 1, 1)
    assert (routes["refusal"].correct, routes["refusal"].baseline_false_answers) == (1, 1)
    assert routes["passages"].p50_seconds == 4.0
    assert "passages    0/1" in format_routes(list(routes.values()))


def test_a_two_part_question_answered_right_in_one_part_and_declined_in_the_other_is_a_refusal_of_that_part():
    gold = {"qa": [
        {"question": "Which party did Kell found, and what does its name mean?", "answers": [["Kestra"], ["harbour"]], "need": "all", "articles": ["a.txt"]},
        {"question": "Which bank sued, and who runs it?", "answers": [["Tarsk Bank"], ["Ida Brenholt"]], "need": "all", "articles": ["a.txt"]},
    ]}
    cite = {"n": 1, "article": "a.txt", "quote": "Kell founded Kestra. Dunmar Bank sued."}
    report = evaluate_qa(gold, [
        {"question": gold["qa"][0]["question"], "answer": "Kestra [1]. what does its name mean? The articles do not say.", "refused": False, "citations": [cite]},
        {"question": gold["qa"][1]["question"], "answer": "Dunmar Bank [1]. who runs it? The articles do not say.", "refused": False, "citations": [cite]},
    ])
    assert [(i.correct, i.partial, i.false_refusal, i.false_answer) for i in report.items] == [
        (False, True, True, False),  # the part it gives is right
        (False, False, False, True),  # the part it gives is wrong
    ]
    assert (report.partial_answers, report.false_refusals, report.false_answers) == (1, 1, 1)
    assert "1 answered in part" in format_qa(report)


def _entry(title: str, text: str):
    """A passage that is the whole of an article titled `title`."""
    from datetime import date

    from agent.answer.routes import Passage
    from agent.models import Article

    article = Article(id="a.txt", path="a.txt", text=text, content_hash="x", title=title, published=date(2021, 1, 1))
    return Passage(1, article, 0, len(text))


def test_a_pronoun_answer_names_its_subject_only_under_a_name_title():
    from agent.answer.routes import pronoun_subject

    passage = _entry
    entry = passage("Mira Voss", "She founded the Kesh Glassworks in 1901.")
    assert pronoun_subject("She founded the Kesh Glassworks", entry) == "Mira Voss"
    assert pronoun_subject("the Kesh Glassworks", entry) is None
    headline = passage("Veloria and Dunmar call for talks in the harbour dispute", "She said the talks would resume.")
    assert pronoun_subject("She said the talks would resume", headline) is None


def test_a_surname_answer_is_given_the_full_name_its_article_gives():
    from agent.answer.routes import _full_name

    passage = _entry
    entry = passage("Mira J. Voss", "Voss, who was the first president of the Kesh Society, wrote on glass.")
    assert _full_name("Voss", entry) == ("Mira J. Voss", None)
    assert _full_name("Kesh Society", entry) is None  # more than a surname
    assert _full_name("Voss", passage("Glassmaking in the north", "Voss, who was the first president, wrote on glass.")) is None
    # Not an entry: the article's first mention of a name ending in it, with its sentence.
    text = "Glass took off with M. J. Voss's book in 1904. Voss, who was the first president of the Kesh Society, wrote more."
    name, sentence = _full_name("Voss", passage("Glassmaking in the north", text))
    assert name == "M. J. Voss" and sentence.quote == "Glass took off with M. J. Voss's book in 1904."
    assert _full_name("Voss", passage("Glassmaking", "Mr Voss, who was the first president, wrote more.")) is None  # a title is no first name
    assert _full_name("Voss", passage("Glassmaking", "Yesterday Voss, who was the first president, wrote more.")) is None


def test_the_refusal_threshold_is_fitted_on_answerable_and_unanswerable_questions():
    from agent.evaluation.calibrate_refusal import fit
    from agent.evaluation.qa import QAItem

    def item(need: str, coverage: float | None) -> QAItem:
        return QAItem(question=f"q{coverage}{need}", need=need, answer="", refused=False, correct=False, false_refusal=False,
                      false_answer=False, citations=0, citations_supported=0, citations_in_allowed_articles=0, coverage=coverage)

    items = [item("any", 0.9), item("any", 0.7), item("any", 0.4), item("refuse", 0.5), item("refuse", 0.3), item("any", None)]
    threshold, table = fit(items)
    # 0.7 refuses both unanswerable ones for one false refusal (cost 1); 0.5 lets one through (cost 1 + 2).
    assert threshold == 0.7
    assert dict(table)[0.7] == {"false_refusals": 1, "unanswerable_let_through": 0, "cost": 1}


def test_the_floor_threshold_is_fitted_on_the_floor_s_own_answers():
    from agent.evaluation.calibrate_refusal import fit_floor
    from agent.evaluation.qa import QAItem

    def item(route: str, correct: bool, confidence: float) -> QAItem:
        return QAItem(question=f"q{route}{confidence}", need="any", answer="x", refused=False, correct=correct, false_refusal=False,
                      false_answer=not correct, citations=1, citations_supported=1, citations_in_allowed_articles=1,
                      route=route, confidence=confidence)

    items = [item("floor", True, 0.8), item("floor", False, 0.6), item("floor", False, 0.3), item("floor", True, 0.55),
             item("passages", False, 0.9)]  # a span the model copied is no floor quote: the other threshold's
    threshold, table = fit_floor(items)
    # 0.55 withholds no correct quote and still gives one false one (cost 2); 0.8 withholds one, gives none (cost 1).
    assert threshold == 0.8
    assert dict(table)[0.55] == {"correct_withheld": 0, "false_answers_given": 1, "cost": 2}


def test_answers_through_a_bridge_get_their_own_confidence_threshold(tmp_path, monkeypatch):
    import json as json_

    from agent.evaluation import calibrate_refusal
    from agent.evaluation.qa import QAItem

    def item(question: str, correct: bool, confidence: float) -> dict:
        return QAItem(question=question, need="any", answer="x", refused=False, correct=correct, false_refusal=False,
                      false_answer=not correct, citations=1, citations_supported=1, citations_in_allowed_articles=1,
                      route="passages", confidence=confidence).model_dump()

    direct = "Which bank sued Kesh Cellars?"
    bridged = "What is the population of the village where Ida Brenholt was born?"
    items = [item(direct, True, 0.35), item(direct, False, 0.3), item(direct, True, 0.6),
             item(bridged, False, 0.4), item(bridged, False, 0.5), item(bridged, True, 0.7)]
    run = tmp_path / "run.json"
    run.write_text(json_.dumps({"qa": {"items": items}}))
    target = tmp_path / "answer_confidence.json"
    monkeypatch.setattr(calibrate_refusal, "CONFIDENCE", target)
    calibrate_refusal.main([str(run), "--confidence", "--write"])
    fitted = json_.loads(target.read_text())
    # Directly: 0.35 keeps both right answers and drops the wrong one; through a bridge the two
    # wrong answers below 0.7 cost more than nothing.
    assert (fitted["threshold"], fitted["through_a_bridge"]) == (0.35, 0.7)
    assert fitted["bridged"] == {"answers": 3, "correct_withheld": 0, "false_answers_given": 0, "cost": 0}


def test_the_floor_gets_its_own_threshold_for_answers_through_a_bridge(tmp_path, monkeypatch):
    import json as json_

    from agent.evaluation import calibrate_refusal
    from agent.evaluation.qa import QAItem

    def item(question: str, route: str, correct: bool, confidence: float) -> dict:
        return QAItem(question=question, need="any", answer="x", refused=False, correct=correct, false_refusal=False,
                      false_answer=not correct, citations=1, citations_supported=1, citations_in_allowed_articles=1,
                      route=route, confidence=confidence).model_dump()

    direct = "Which bank sued Kesh Cellars?"
    bridged = "What is the population of the village where Ida Brenholt was born?"
    items = [item(direct, "floor", True, 0.6), item(direct, "floor", False, 0.5), item(direct, "passages", False, 0.9),
             item(bridged, "floor", True, 0.45), item(bridged, "floor", False, 0.3), item(bridged, "floor", True, 0.7)]
    run = tmp_path / "run.json"
    run.write_text(json_.dumps({"qa": {"items": items}}))
    monkeypatch.setattr(calibrate_refusal, "FLOOR", tmp_path / "floor_confidence.json")
    monkeypatch.setattr(calibrate_refusal, "CONFIDENCE", tmp_path / "answer_confidence.json")
    calibrate_refusal.main([str(run), "--floor", "--write"])
    fitted = json_.loads((tmp_path / "floor_confidence.json").read_text())
    # Only the floor's own quotes count (not the span at 0.9), each kind apart.
    assert (fitted["threshold"], fitted["through_a_bridge"]) == (0.6, 0.45)
    assert fitted["directly"] == {"answers": 2, "correct_withheld": 0, "false_answers_given": 0, "cost": 0}
    assert not (tmp_path / "answer_confidence.json").exists()


def test_the_probability_is_fitted_together_with_the_coverage_beside_it():
    """A wrong answer the model is sure of, on passages that cover little of the question, is
    kept out by a coverage floor; the probability alone would have to withhold a right answer."""
    from agent.answer.routes import Composer, _confident
    from agent.evaluation.calibrate_refusal import fit_confidence, fit_confidence_and_coverage
    from agent.evaluation.qa import QAItem

    def item(correct: bool, confidence: float, coverage: float) -> QAItem:
        return QAItem(question="Which bank sued Kesh Cellars?", need="any", answer="x", refused=False, correct=correct,
                      false_refusal=False, false_answer=not correct, citations=1, citations_supported=1,
                      citations_in_allowed_articles=1, route="passages", confidence=confidence, coverage=coverage)

    items = [item(True, 0.4, 0.8), item(False, 0.6, 0.3), item(True, 0.7, 0.9)]
    alone, table = fit_confidence(items)
    assert (alone, dict(table)[alone]["cost"]) == (0.7, 1)  # the right answer at 0.4 withheld
    threshold, least_coverage, figures = fit_confidence_and_coverage(items)
    assert (threshold, least_coverage, figures["cost"]) == (0.0, 0.8, 0)
    # `ask` reads the pair: the probability and the best coverage of the question so far
    composer = Composer(store=None)  # type: ignore[arg-type]
    composer.confidence.append(0.9)
    composer.evidence.append(0.3)
    assert not _confident(composer, 0.5, 0.8)
    composer.evidence.append(0.85)
    assert _confident(composer, 0.5, 0.8) and not _confident(composer, 0.95, 0.8)


def test_each_run_is_scored_at_the_thresholds_fitted_on_the_others():
    """How the fitted threshold carries to a source it has not seen: run A's right answer is
    sure of itself and its wrong one is not; run B's the other way round."""
    from agent.evaluation.calibrate_refusal import held_out_by_run
    from agent.evaluation.qa import QAItem

    def item(correct: bool, confidence: float) -> QAItem:
        return QAItem(question="Which bank sued Kesh Cellars?", need="any", answer="x", refused=False, correct=correct,
                      false_refusal=False, false_answer=not correct, citations=1, citations_supported=1,
                      citations_in_allowed_articles=1, route="passages", confidence=confidence)

    runs = {"a.json": [item(True, 0.6), item(False, 0.3)], "b.json": [item(True, 0.35), item(False, 0.5)]}
    scored = {name: (thresholds[False], figures) for name, thresholds, figures in held_out_by_run(runs)}
    # Fitted on B, nothing is worth answering (1.01): A's right answer is withheld. Fitted on A
    # (0.6), B's wrong answer is withheld, and its right one with it.
    assert scored["a.json"] == (1.01, {"correct_kept": 0, "correct_withheld": 1, "false_answers_given": 0})
    assert scored["b.json"] == (0.6, {"correct_kept": 0, "correct_withheld": 1, "false_answers_given": 0})


def test_a_currency_sign_and_a_percent_sign_stay_with_the_copied_number():
    passage = "Orlen Group, which controls 51% of Vastel, valued its £3bn stake at $280bn."
    for span in ("51%", "£3bn", "$280bn"):
        start, end = locate(span, passage)
        assert passage[start:end] == span
    start, end = locate("51", passage)
    assert passage[start:end] == "51"  # what the model copied, no more
    start, end = locate("280bn", passage)
    assert passage[start:end] == "$280bn"  # but a currency sign written onto the number is the number's


def test_a_span_the_model_numbered_wrong_is_taken_from_the_first_shown_passage_that_holds_it():
    from agent.answer.routes import Passage, Pick, _copied_from
    from agent.models import Article

    text = "Arno Kell was sent north in May. He was arrested in Dunmar before that. His arrest in Dunmar made news."
    article = Article(id="a", path="a", title="Kell", text=text, content_hash="x")
    shown = [Passage(n, article, start, end) for n, (start, end) in enumerate([(0, 32), (33, 72), (73, len(text))], start=1)]
    chosen, found = _copied_from(Pick(passage=1, span="Dunmar"), shown)  # passage 1 does not say it; 2 and 3 both do
    assert chosen is shown[1] and chosen.quote[found[0] : found[1]] == "Dunmar"
    assert _copied_from(Pick(passage=3, span="Dunmar"), shown)[0] is shown[2]  # the model's own passage when it holds it
    assert _copied_from(Pick(passage=1, span="Ostrava"), shown) == (None, None)

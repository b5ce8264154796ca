"""Answers never below plain retrieval (issue 28), replayed from cassettes recorded against the
embedded local server: the floor answer, refusal decided on coverage, fall-through from the
graph to the passages, an answer of the wrong kind rejected, and a question with "U.S." in it.
Invented names throughout."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent import data
from agent.answer.routes import FLOOR, REFUSAL

from .news_samples import assert_verbatim as _verbatim, ingested_corpus

pytestmark = pytest.mark.vcr

ARTICLES = {
    "kesh.txt": """Kesh Cellars harvest

The price of Kesh Cellars' red wine has not changed since 2015; the winery sells 4,000 bottles of it each year. The winery was founded in 1987 by Arno Kell.
""",
    "emissions.txt": """Energy figures for 2019

U.S. emissions fell by 2.1% in 2019 because power plants burned less coal. Emissions in Veloria rose in the same year, the ministry in Port Halden said.
""",
    "ferry.txt": """Ferry row in Port Halden

Union leader Orrin Vask criticised Mayor Dalia Fenwright over the closure of the Port Halden ferry. The ferry had carried 300 passengers a day before it stopped in March because of storm damage to the harbour wall. Fenwright said the harbour needed repairs.
""",
    "bridge.txt": """Bridge closed

The reason the Aldmere bridge closed in May: cracks in its northern pier. Engineers will inspect it again in June.
""",
    "war.txt": """Ostrava's war enters a third year

Ostrava's war with Veloria entered its third year on Monday. In the war, Kelm and Dunmar back Ostrava, while the Northern Compact backs Veloria.
""",
}


def test_a_span_of_the_wrong_kind_is_no_answer(settings, tmp_path: Path):
    with ingested_corpus(settings, tmp_path / "news", ARTICLES) as corpus:
        answer = corpus.ask("What is the price of Kesh Cellars' red wine?")
        # The passage is about the price but states none: a count of bottles is no price. No
        # passage holds money, so the model is not asked, and the floor has nothing to quote.
        assert corpus._llm is None
    assert "4,000" not in answer.answer
    assert answer.refused and answer.answer == REFUSAL and not answer.citations


def test_an_abbreviation_does_not_split_the_question(settings, tmp_path: Path):
    with ingested_corpus(settings, tmp_path / "news", ARTICLES) as corpus:
        answer = corpus.ask("Why did U.S. emissions fall in 2019?")
        _verbatim(corpus, answer)
    assert not answer.refused and "coal" in answer.answer
    assert "do not" not in answer.answer  # one question, answered once
    assert {c.article for c in answer.citations} == {"emissions.txt"}


def test_the_floor_quotes_the_passage_the_model_chose_when_its_words_fail_the_checks(settings, tmp_path: Path, monkeypatch):
    with ingested_corpus(settings, tmp_path / "news", ARTICLES) as corpus:
        answer = corpus.ask("Why did the Aldmere bridge close?")
        _verbatim(corpus, answer)
        # The floor quotes only a choice at least as probable as its fitted threshold.
        assert answer.confidence is not None and answer.confidence >= data.floor_confidence()["threshold"]
        monkeypatch.setattr(data, "floor_confidence", lambda: {"threshold": answer.confidence + 1e-4, "through_a_bridge": 0.0})
        doubted = corpus.ask("Why did the Aldmere bridge close?")
    # The model chose the passage but copied the noun phrase after the colon, no clause: the
    # passage it chose is quoted and cited instead of a refusal.
    assert answer.route == "floor" and answer.answer.startswith(FLOOR) and not answer.refused
    (citation,) = answer.citations
    assert "cracks in its northern pier" in citation.quote and citation.article == "bridge.txt"
    assert doubted.refused and doubted.answer == REFUSAL and not doubted.citations


def test_refusal_is_decided_on_coverage_against_the_fitted_threshold(settings, tmp_path: Path):
    threshold = data.refusal()["threshold"]
    with ingested_corpus(settings, tmp_path / "news", ARTICLES) as corpus:
        tempting = corpus.ask("What was the population of Port Halden's old town district at the last census in 2015?")
        assert tempting.refused and tempting.route == "refusal"
        assert tempting.coverage is not None and tempting.coverage < threshold
        assert corpus._llm is None  # decided before any model call
        answered = corpus.ask("How many passengers did the Port Halden ferry carry a day?")
        _verbatim(corpus, answered)
    assert answered.coverage >= threshold and not answered.refused and "300" in answered.answer


def test_a_stance_question_the_graph_cannot_answer_goes_on_to_the_passages(settings, tmp_path: Path):
    question = "Which countries back each side in Ostrava's war?"
    with ingested_corpus(settings, tmp_path / "news", ARTICLES) as corpus:
        empty = corpus.ask(question)  # nothing extracted: an empty graph
        corpus.extract()
        assert any(r.type == "stance" for r in corpus.records())
        extracted = corpus.ask(question)
        for answer in (empty, extracted):
            _verbatim(corpus, answer)
    for answer in (empty, extracted):
        # Never "Ostrava opposes Veloria" from the war: the question goes on to the passages, whose
        # evidence it records. (The recorded model chooses the war's third year over the sides'
        # sentence shown beside it, at a probability under the floor's fitted threshold: refused,
        # not quoted. NOTES, 2026-12-06.)
        assert answer.route != "graph" and answer.coverage is not None
        assert "opposes" not in answer.answer
        assert {c.article for c in answer.citations} <= {"war.txt"}


def test_an_answer_rests_on_the_models_probability_for_the_passage_it_chose(settings, tmp_path: Path, monkeypatch):
    question = "How many passengers did the Port Halden ferry carry a day?"
    with ingested_corpus(settings, tmp_path / "news", ARTICLES) as corpus:
        answered = corpus.ask(question)
        # Read from the recorded token log-probabilities of the embedded server, not sampled.
        assert answered.confidence is not None and 0 < answered.confidence <= 1
        assert answered.confidence >= data.answer_confidence()["threshold"] and "300" in answered.answer
        doubt = answered.confidence + 1e-4
        monkeypatch.setattr(data, "answer_confidence", lambda: {"threshold": doubt, "through_a_bridge": doubt})
        monkeypatch.setattr(data, "floor_confidence", lambda: {"threshold": doubt, "through_a_bridge": doubt})  # nor quoted as the floor
        doubted = corpus.ask(question)
    assert doubted.refused and doubted.answer == REFUSAL and not doubted.citations


@pytest.mark.vcr(record_mode="none")  # the model's choice is scripted: no model call
def test_the_one_amount_in_the_chosen_passage_answers_how_much_when_the_model_wrote_words(settings, tmp_path: Path, monkeypatch):
    """A small model chose the right passage but copied the question's words ("Tarsk Holdings
    paying for Velmora Bank"): the one sum of money in that passage is the answer, cited there;
    of two sums, code cannot tell which, and gives neither."""
    from agent.answer import routes

    monkeypatch.setattr(routes, "_pick", lambda q, shown, llm, composer: routes.Pick(passage=1, span="Tarsk Holdings paying for Velmora Bank"))
    question = "How much is Tarsk Holdings paying for Velmora Bank?"
    one = {"bank.txt": """Velmora Bank shareholder sues

A shareholder in Velmora Bank has taken legal action to halt a $6.75bn (£3.6bn) buyout by Tarsk Holdings, hoping to get a better deal.
"""}
    two = {"bank.txt": """Velmora Bank bids

Tarsk Holdings is paying $6.75bn for Velmora Bank, after Quorra Foods offered $8bn.
"""}
    with ingested_corpus(settings, tmp_path / "one", one) as corpus:
        answer = corpus.ask(question)
        _verbatim(corpus, answer)
    with ingested_corpus(settings, tmp_path / "two", two) as corpus:
        several = corpus.ask(question)
    assert answer.route == "passages" and answer.answer == "$6.75bn [1]."
    assert answer.citations[0].article == "bank.txt" and "$6.75bn" in answer.citations[0].quote
    assert several.route != "passages" and not several.answer.startswith(("$6.75bn", "$8bn"))


@pytest.mark.vcr(record_mode="none")  # the model's choice is scripted: no model call
def test_a_number_question_through_a_bridge_is_shown_the_linking_passage_that_holds_a_number(settings, tmp_path: Path, monkeypatch):
    """"How much was the Quorra offer that Velmora turned down?" reads "the offer that Velmora
    turned down" as a bridge; of the passages naming both, the one that holds a sum ("Velmora
    had rejected a deal worth $8bn") is shown before those that share more of the question's
    words. The model's choice is scripted."""
    from agent.answer import routes

    shown_to_model: list[list[str]] = []

    def pick(q, shown, llm, composer):
        shown_to_model.append([p.quote for p in shown])
        return routes.Pick(passage=next((p.n for p in shown if "$8bn" in p.quote), None), span="8bn")

    monkeypatch.setattr(routes, "_pick", pick)
    story = {"bid.txt": """Velmora shareholder sues to stop bid

A shareholder in phone firm Velmora has taken legal action to halt a $6.75bn buyout by telecoms giant Tarsk, hoping to get a better deal.

The lawsuit was filed on Friday after Quorra, which had an earlier offer for Velmora rejected, said it would submit an improved bid. Velmora's directors have backed Tarsk, despite it tabling less money. Quorra said on Wednesday that Velmora had rejected a deal worth $8bn. A number of large Velmora shareholders expressed unhappiness at the decision, saying that Tarsk's offer undervalued the company. Friday's lawsuit argues that the Tarsk offer makes no provision for future growth prospects. Velmora's directors have argued that Tarsk is bigger than Quorra, has fewer debts and has built a successful mobile division.
"""}
    with ingested_corpus(settings, tmp_path / "news", story) as corpus:
        answer = corpus.ask("How much was the Quorra offer that Velmora turned down?")
        _verbatim(corpus, answer)
    assert shown_to_model and any("$8bn" in quote for quote in shown_to_model[0])
    assert answer.answer == "$8bn [1]."  # the dollar sign written onto the copied number is the number's


def _bridge_pick(q, shown, llm, composer):
    """The model's choices, scripted: the museum's passage for where it is, the passage with a
    year for when."""
    from agent.answer import routes

    for word, span in (("Tarsk Museum", "Halden"), ("1998", "1998")):
        passage = next((p for p in shown if word in p.quote), None)
        if passage is not None and (word != "Tarsk Museum" or q.expects == "place"):
            return routes.Pick(passage=passage.n, span=span)
    return routes.Pick(passage=None, span="")


@pytest.mark.vcr(record_mode="none")  # the model's choices are scripted: no model call
def test_a_question_through_a_bridge_is_answered_as_two_questions_each_cited(settings, tmp_path: Path, monkeypatch):
    """"When did the Kesh Players open in the city where the Tarsk Museum is located?" asks
    first where the museum is, then when the Kesh Players opened there; each answer is cited
    from its own passage."""
    from agent.answer import routes

    asked: list[str] = []

    def pick(q, shown, llm, composer):
        asked.append(q.text)
        return _bridge_pick(q, shown, llm, composer)

    monkeypatch.setattr(routes, "_pick", pick)
    story = {
        "museum.txt": "Tarsk Museum\n\nThe Tarsk Museum is located in Halden, a port city on the west coast.\n",
        "players.txt": "Kesh Players\n\nThe Kesh Players opened their theatre in Halden in 1998, with a season of comedies.\n",
    }
    question = "When did the Kesh Players open in the city where the Tarsk Museum is located?"
    with ingested_corpus(settings, tmp_path / "news", story) as corpus:
        answer = corpus.ask(question)
        _verbatim(corpus, answer)
    assert asked[:2] == ["Where is the Tarsk Museum located?", "When did the Kesh Players open in Halden?"]
    assert answer.answer == "The city where the Tarsk Museum is located: Halden [1]. 1998 [2]."
    assert [c.article for c in answer.citations] == ["museum.txt", "players.txt"]



@pytest.mark.vcr(record_mode="none")
def test_a_bridge_whose_second_question_finds_no_answer_is_not_kept(settings, tmp_path: Path, monkeypatch):
    from agent.answer import routes

    monkeypatch.setattr(routes, "_pick", _bridge_pick)
    story = {
        "museum.txt": "Tarsk Museum\n\nThe Tarsk Museum is located in Halden, a port city on the west coast.\n",
        "players.txt": "Kesh Players\n\nThe Kesh Players toured the north coast last winter.\n",
    }
    with ingested_corpus(settings, tmp_path / "news", story) as corpus:
        answer = corpus.ask("When did the Kesh Players open in the city where the Tarsk Museum is located?")
    assert "Halden" not in answer.answer and "museum.txt" not in [c.article for c in answer.citations]


def test_an_answer_goes_back_to_where_it_stood_with_its_citations(settings, tmp_path: Path):
    """What a failed bridge wrote is taken back, its citations too, so the next sentence's
    citation is numbered as if it had never been written."""
    from agent.answer.routes import Composer, Passage

    story = {"museum.txt": "Tarsk Museum\n\nThe Tarsk Museum is located in Halden. It opened in 1998.\n"}
    with ingested_corpus(settings, tmp_path / "news", story) as corpus:
        article = corpus.store.article("museum.txt")
        where = article.text.index("The Tarsk")
        first = Passage(1, article, where, article.text.index(".", where) + 1)
        opened = article.text.index("It opened")
        second = Passage(2, article, opened, article.text.index(".", opened) + 1)
        composer = Composer(corpus.store)
        mark = composer.mark()
        assert composer.say("Halden", [first])
        composer.spans.append("Halden")
        composer.rollback(mark)
        assert (composer.sentences, composer.spans, composer.citations) == ([], [], {})
        assert composer.say("1998", [second]) and composer.sentences == ["1998 [1]."]


@pytest.mark.vcr(record_mode="none")  # the model's choice is scripted: no model call
def test_a_name_answer_is_the_name_without_the_clause_that_describes_it(settings, tmp_path: Path, monkeypatch):
    from agent.answer import routes

    span = "Voss, who was the first president of the Kesh Society"
    monkeypatch.setattr(routes, "_pick", lambda q, shown, llm, composer: routes.Pick(passage=1, span=span))
    story = {"glass.txt": "Glassmaking in the north\n\nVoss, who was the first president of the Kesh Society, wrote three books on glass.\n"}
    with ingested_corpus(settings, tmp_path / "news", story) as corpus:
        answer = corpus.ask("Who was the first president of the Kesh Society?")
        _verbatim(corpus, answer)
    assert answer.answer == "Voss [1]."


@pytest.mark.vcr(record_mode="none")  # the model's choice is scripted: no model call
def test_a_place_answer_carries_the_place_that_holds_it(settings, tmp_path: Path, monkeypatch):
    """"Where is Ida Brenholt based?" answered "Kesh Heights" from "... based in Kesh Heights,
    Ostrava." is "Kesh Heights, Ostrava", as the passage writes it; a person with a town after
    the name stays the person."""
    from agent.answer import routes

    spans = iter(["Kesh Heights", "Arno Kell"])
    monkeypatch.setattr(routes, "_pick", lambda q, shown, llm, composer: routes.Pick(passage=1, span=next(spans)))
    articles = {"brenholt.txt": """Novelist moves

Ida Brenholt is a novelist based in Kesh Heights, Ostrava.
""", "kell.txt": """Prize

The Velmora prize went to Arno Kell, Ostrava, on Monday.
"""}
    with ingested_corpus(settings, tmp_path / "news", articles) as corpus:
        place = corpus.ask("Where is Ida Brenholt based?")
        _verbatim(corpus, place)
        person = corpus.ask("Who won the Velmora prize?")
    assert place.answer == "Kesh Heights, Ostrava [1]." and place.citations[0].article == "brenholt.txt"
    assert person.answer.startswith("Arno Kell [1].")


@pytest.mark.vcr(record_mode="none")  # the model's choice is scripted: no model call
def test_an_answer_the_question_sets_aside_is_refused(settings, tmp_path: Path, monkeypatch):
    """"Which other driver ... besides the Tarsk Motors driver born in 1990?" is not answered
    by the driver a sentence describes in those words; another driver is an answer."""
    from agent.answer import routes

    spans = iter(["Arno Kell", "Ida Brenholt"])

    def pick(q, shown, llm, composer):
        span = next(spans)
        return routes.Pick(passage=next(p.n for p in shown if span in p.quote), span=span)

    monkeypatch.setattr(routes, "_pick", pick)
    article = """Velmoran drivers

Arno Kell (born 3 May 1990) is a Velmoran racing driver who drives for Tarsk Motors and has won a race. Ida Brenholt is a Velmoran racing driver who has won a race for Kesh Racing.
"""
    question = "Which other Velmoran racing driver has won a race besides the Tarsk Motors driver born in 1990?"
    with ingested_corpus(settings, tmp_path / "news", {"drivers.txt": article}) as corpus:
        aside = corpus.ask(question)
        other = corpus.ask(question)
    assert "Arno Kell" not in aside.answer
    assert other.answer.startswith("Ida Brenholt [1].")


@pytest.mark.vcr(record_mode="none")  # the model's choice is scripted: no model call
def test_a_sentence_about_the_asked_thing_stands_on_the_name_just_before_it(settings, tmp_path: Path, monkeypatch):
    """"Which company won the auction of Kesh Mills?" is answered by "The winning bidder at the
    auction was Quorra Finance", which names the mill only in the sentence before it: "the
    auction" is the one just named. A sentence that says "an auction" stands on nothing before it."""
    from agent.answer import routes

    def pick(q, shown, llm, composer):
        winning = next((p.n for p in shown if "winning bidder" in p.quote), None)
        return routes.Pick(passage=winning, span="Quorra Finance" if winning else "")

    monkeypatch.setattr(routes, "_pick", pick)
    articles = {"auction.txt": """Sale completed

The state sold Kesh Mills at an auction in December to settle its debts. The winning bidder at the auction was Quorra Finance, a little-known firm.
""", "other.txt": """Sale completed

The state sold Kesh Mills in December to settle its debts. Analysts expect prices to rise.

The winning bidder at an auction was Quorra Finance, a little-known firm.
"""}
    with ingested_corpus(settings, tmp_path / "news", {"auction.txt": articles["auction.txt"]}) as corpus:
        after = corpus.ask("Which company won the auction of Kesh Mills?")
        _verbatim(corpus, after)
    apart = settings.model_copy(update={"index_path": tmp_path / "other-index"})
    with ingested_corpus(apart, tmp_path / "other", {"other.txt": articles["other.txt"]}) as corpus:
        unrelated = corpus.ask("Which company won the auction of Kesh Mills?")
    assert after.answer == "Quorra Finance [1]." and "winning bidder at the auction" in after.citations[0].quote
    assert "Quorra" not in unrelated.answer


@pytest.mark.vcr(record_mode="none")  # the model's choice is scripted: no model call
def test_a_yes_or_no_rests_on_a_sentence_that_names_them_itself(settings, tmp_path: Path, monkeypatch):
    """"Does Ostavia support Kesh keeping the rebate?" is not answered yes by a sentence about
    the rebate whose speaker is someone else, because Ostavia was named just before it."""
    from agent.answer import routes

    def pick(q, shown, llm, composer):
        said = next((p.n for p in shown if "essential" in p.quote), None)
        return routes.YesNoPick(passage=said, verdict="yes", span="it is essential that Kesh keeps the rebate" if said else "")

    monkeypatch.setattr(routes, "_pick", pick)
    article = """Budget talks

Kesh, Ostavia and Dunmar want the budget capped. Minister Ida Brenholt said it is essential that Kesh keeps the rebate.
"""
    with ingested_corpus(settings, tmp_path / "news", {"budget.txt": article}) as corpus:
        answer = corpus.ask("Does Ostavia support Kesh keeping the rebate?")
    assert not answer.answer.startswith("Yes")


def _scripted(spans):
    """A `_pick` that copies the next of `spans` from the shown passage holding it (none when no
    shown passage does): the model's choice, scripted."""
    from agent.answer import routes

    spans = iter(spans)

    def pick(q, shown, llm, composer):
        span = next(spans)
        passage = next((p.n for p in shown if span in p.quote), None)
        return routes.Pick(passage=passage, span=span if passage else "")

    return pick


@pytest.mark.vcr(record_mode="none")  # the model's choice is scripted: no model call
def test_a_sentence_copied_for_how_much_is_narrowed_to_its_amount_or_refused(settings, tmp_path: Path, monkeypatch):
    """"How much ...?" answered by a copy of a sentence: the one amount in it is the answer; a
    sentence with several numbers, none marked as the one asked, is neither an answer nor a
    passage for the floor to quote."""
    from agent.answer import routes

    several = "Tarsk Mills says it has already met much of what the Velmoran government wanted in a $2bn settlement reached with 12 towns in 1998."
    one = "Prosecutors said the Velmoran government wanted Tarsk Mills to pay $9bn in the case."
    monkeypatch.setattr(routes, "_pick", _scripted([several, one]))
    article = f"""Court rejects case against Tarsk Mills

An appeal court threw out the Velmoran government's case against Tarsk Mills on Monday. {several} {one}
"""
    question = "How much did the Velmoran government want Tarsk Mills to pay in the case thrown out on appeal?"
    with ingested_corpus(settings, tmp_path / "news", {"court.txt": article}) as corpus:
        refused = corpus.ask(question)
        narrowed = corpus.ask(question)
    assert refused.refused and refused.answer == REFUSAL and not refused.citations
    assert narrowed.answer == "$9bn [1]." and narrowed.citations[0].article == "court.txt"


@pytest.mark.vcr(record_mode="none")  # the model's choice is scripted: no model call
def test_a_passage_copied_whole_for_who_must_say_the_question_s_verb(settings, tmp_path: Path, monkeypatch):
    """"Who produced the song ...?" is not answered by a copy of "Ida Brenholt ... is a Velmoran
    singer": the passage names someone, but says nothing of producing."""
    from agent.answer import routes

    whole = "Ida Brenholt (born in 1952 in Port Halden, Velmora) is a Velmoran folk singer."
    monkeypatch.setattr(routes, "_pick", _scripted([whole] * 4))
    article = f"""Ida Brenholt

{whole} She is best known for her song "Kesh Nights", which reached number one in 1971.
"""
    with ingested_corpus(settings, tmp_path / "news", {"brenholt.txt": article}) as corpus:
        answer = corpus.ask("Who produced the song that the Velmoran folk singer born in 1952 in Port Halden was best known for?")
    assert answer.refused and answer.answer == REFUSAL and not answer.citations

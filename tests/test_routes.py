"""ask's routes over what extraction stored (the demo corpus, extracted once per session from
a recorded cassette): stance answers from the graph with outlet counts, dates from the date
records, counts, multi-part questions and refusals; none of these needs a model call."""

from __future__ import annotations

import re

import pytest

from agent.corpus import Corpus


def _verbatim(corpus: Corpus, answer) -> None:
    for citation in answer.citations:
        assert corpus.store.article(citation.article).text[citation.start : citation.end] == citation.quote


def test_a_request_about_form_is_not_taken_for_a_name(extracted: Corpus):
    answer = extracted.ask("Who backs the GNA? Please be brief.")
    assert "Please" not in answer.answer and not answer.refused
    assert "Turkey" in answer.answer and answer.citations
    for holder in ("Turkey", "Qatar", "UN", "Italy"):
        assert re.search(rf"\b{holder} supports [^.]*\(\d+ outlets?[^)]*\) \[\d+\]", answer.answer), holder
    # Neither "his Parliament" nor the garbled "Turkey and Libya are believed to be backing ... the GNA".
    assert "Parliament" not in answer.answer and "Libya" not in answer.answer
    _verbatim(extracted, answer)
    assert extracted._llm is None


def test_every_holder_has_its_outlet_count_and_at_most_three_citations(extracted: Corpus):
    answer = extracted.ask("Which countries support Haftar's LNA?")
    sentences = [s for s in re.split(r"(?<=\]\.)\s+", answer.answer) if s]
    assert len(sentences) >= 4
    for sentence in sentences:
        count = int(re.search(r"\((\d+) outlets?", sentence).group(1))
        marks = re.findall(r"\[(\d+)\]", sentence)
        assert 1 <= len(marks) <= min(3, count)
    # A denied claim is said to be one, not listed as support.
    france = re.search(r"France was said to support [^.]*, which was denied[^.]*\[(\d+)\]", answer.answer)
    assert france
    # The claim's own sentence does not name whom France was said to back: the citation
    # takes in the sentence before it, so that it alone supports the answer's sentence.
    quote = answer.citations[int(france.group(1)) - 1].quote
    assert "France" in quote and "LNA" in quote
    _verbatim(extracted, answer)


def test_both_parts_of_a_two_part_question_are_answered(extracted: Corpus):
    answer = extracted.ask("Who backs Haftar and who backs Sarraj?")
    haftar, _, sarraj = answer.answer.partition("Turkey")
    assert "Russia" in haftar and "Haftar" in haftar
    assert "Sarraj" in sarraj or "Serraj" in sarraj
    _verbatim(extracted, answer)
    assert extracted._llm is None


def test_whom_a_holder_supports_is_read_from_the_graph(extracted: Corpus):
    answer = extracted.ask("Whom does Russia support?")
    # The leader's stances roll up to the group he leads: either name is the same side.
    assert not answer.refused and ("Haftar" in answer.answer or "Libyan National Army" in answer.answer)
    assert all("Russia" in c.quote or "Russian" in c.quote for c in answer.citations)


def test_dates_come_from_the_stored_date_records_with_the_articles_words(extracted: Corpus):
    answer = extracted.ask("When was the ceasefire supposed to start?")
    assert answer.answer.startswith("2020-01-12 (“")
    assert len({c.article for c in answer.citations}) >= 2
    assert all("ceasefire" in c.quote for c in answer.citations)
    # Passages that write the date out are cited before one that says only "on Sunday".
    assert all(re.search(r"January 12|12 January", c.quote) for c in answer.citations)
    _verbatim(extracted, answer)
    assert extracted._llm is None


def test_aggregate_questions_are_counted_and_cited(extracted: Corpus):
    answer = extracted.ask("How many articles mention the TurkStream pipeline?")
    expected = sum("TurkStream" in a.text for a in extracted.articles())
    assert answer.answer.startswith(f"{expected} article")
    assert answer.citations and all("TurkStream" in c.quote for c in answer.citations)


def test_a_question_about_something_no_passage_covers_is_refused_without_a_model(corpus: Corpus):
    # The corpus names the city, but nothing retrieved is about a population.
    answer = corpus.ask("What is the population of Sirte?")
    assert answer.refused and answer.answer == "The articles do not say." and not answer.citations
    assert corpus._llm is None


def test_a_part_about_what_the_earlier_part_did_not_find_is_refused_without_a_model(corpus: Corpus):
    # The first part names no one the articles mention; "that company" is the one it did not find.
    answer = corpus.ask("Which company bought Quorra Foods, and who runs that company?")
    assert answer.refused and answer.answer == (
        "Which company bought Quorra Foods? The articles do not mention Quorra Foods. Who runs that company? The articles do not say."
    )
    assert corpus._llm is None


def test_a_part_that_names_nothing_after_a_part_that_found_nothing_is_refused_without_a_model(corpus: Corpus):
    # "Who wrote X and who died in 2007?" asks one person two things: the second part alone
    # would be answered by anyone who died that year.
    answer = corpus.ask("Who wrote the Quorra Anthem and who died in 2007?")
    assert answer.refused and answer.answer.endswith("Who died in 2007? The articles do not say.")
    assert corpus._llm is None


def test_only_real_names_are_said_to_be_missing(corpus: Corpus):
    answer = corpus.ask("What did Japan say about the ceasefire? Please be brief.")
    assert answer.refused and answer.answer == "The articles do not mention Japan."
    assert corpus._llm is None


def test_ask_reads_the_graph_and_never_reruns_the_extraction_grammar_on_passages(extracted: Corpus, monkeypatch):
    import agent.extract.frames

    parsed: list[str] = []
    original = agent.extract.frames.SentenceFrames.__init__

    def spy(self, sent, offset):
        parsed.append(sent.text)
        original(self, sent, offset)

    monkeypatch.setattr(agent.extract.frames.SentenceFrames, "__init__", spy)
    extracted.ask("Who backs the GNA?")
    assert set(parsed) <= {"Who backs the GNA?"}  # the question may be read; no passage is


def test_how_many_outlets_say_a_stance_is_counted_from_the_graph(extracted: Corpus):
    answer = extracted.ask("How many outlets say Egypt supports Haftar's forces?")
    edges = [e for e in extracted.stances(actor="Haftar", relation="supports") if e.holder == "Egypt"]
    expected = len({o for e in edges for o in e.outlets})
    assert answer.answer.startswith(f"{expected} outlets say so: Egypt supports")
    assert 1 <= len(answer.citations) <= 3 and all("Egypt" in c.quote for c in answer.citations)
    _verbatim(extracted, answer)
    # A stance reported only as a denied claim is counted as such, cited with the sentence
    # that says whom it concerns.
    denied = extracted.ask("How many outlets say France supports the LNA?")
    assert denied.answer.startswith("1 outlet reports it only as denied")
    assert "France" in denied.citations[0].quote and "LNA" in denied.citations[0].quote
    assert extracted._llm is None


def test_a_graph_citation_names_the_answering_actor_in_any_of_its_forms(extracted: Corpus):
    answer = extracted.ask("Who backs the GNA?")
    un = re.search(r"\bUN supports [^.]*?((?:\[\d+\] ?)+)\.", answer.answer)
    assert un
    quotes = [answer.citations[int(n) - 1].quote for n in re.findall(r"\d+", un.group(1))]
    # "UN" in one quote, "the United Nations" in another: both say it; a quote naming neither
    # would not be cited.
    assert any("United Nations" in q and not re.search(r"\bUN\b", q) for q in quotes)
    assert all(re.search(r"\bUN\b|United Nations", q) for q in quotes)
    _verbatim(extracted, answer)


def _passage(text: str):
    from agent.answer.routes import Passage
    from agent.models import Article

    return Passage(1, Article(id="a.txt", path="a.txt", text=text, title="", content_hash="0"), 0, len(text))


@pytest.mark.parametrize(
    ("question", "sentence", "subject"),
    [
        ("Which countries pressed for the embargo to be lifted?", "Kelm and Dunmar have repeatedly called for the embargo to be lifted.", "Kelm and Dunmar"),
        ("Who told Arno Kell to stick to his guns?", 'Arno Kell should "stick to his guns", Tory MP Orrin Vask has insisted.', "Tory MP Orrin Vask"),
        ("Which company says the sale was illegal?", "Tarsk Holdings, the company which controls 51% of Kesh Cellars, says this was illegal.", "Tarsk Holdings"),
        ("Which bank complained to Ida Brenholt?", "The Bank of Kesh has complained to Ida Brenholt.", "The Bank of Kesh"),
        ("Which bank tried to stop the sale?", "But the harbour judge in Port Halden granted Kesh Cellars an injunction.", None),  # no name
        ("Who criticised Arno Kell?", "Arno Kell criticised the harbour plan.", None),  # the question's own name
    ],
)
def test_the_subject_of_a_chosen_passage_answers_a_question_asking_for_one(question: str, sentence: str, subject: str | None):
    from agent.answer.question import analyse
    from agent.answer.routes import named_subject

    found = named_subject(_passage(sentence), analyse(question))
    assert (sentence[found[0] : found[1]] if found else None) == subject


@pytest.mark.parametrize(
    ("question", "sentence", "argument"),
    [
        # the object of the question's verb, cut before the phrase after the name
        ("Kesh Nights starred which Velmoran actress as a judge?", "It stars Ida Brenholt as a judge and Mia Vask as a witness.", "Ida Brenholt"),
        ("Whom did the finance ministers blame for the rise?", "European leaders have openly blamed the Tarsk League for the sharp rise.", "the Tarsk League"),
        # its subject, anywhere in the sentence
        ("Who founded Kesh Mills?", "The mill, which Arno Kell founded in 1987, closed in May.", "Arno Kell"),
        # the passage does not say the question's verb
        ("Who produced the song that Ida Brenholt sang?", "Ida Brenholt (born 1952) is a Velmoran folk singer.", None),
        # the name at the verb is the question's own
        ("Kesh Nights starred which actress?", "Kesh Nights stars a young actress.", None),
    ],
)
def test_the_name_at_the_question_s_verb_answers_when_the_model_copied_the_passage(question: str, sentence: str, argument: str | None):
    from agent.answer.question import analyse
    from agent.answer.routes import named_argument

    found = named_argument(_passage(sentence), analyse(question))
    assert (sentence[found[0] : found[1]] if found else None) == argument


class _OneArticleStore:
    def __init__(self, article) -> None:
        self._article = article

    def article(self, article_id: str):
        return self._article if article_id == self._article.id else None


def _passages(text: str) -> list:
    from agent.answer.routes import Passage
    from agent.models import Article
    from agent.text.sentences import split_sentences

    article = Article(id="a.txt", path="a.txt", text=text, title="", content_hash="0")
    return [Passage(n + 1, article, start, end) for n, (start, end) in enumerate(split_sentences(text))]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        # the one bank the passages about the case name, though the question's verb is not there
        (
            "Velorian investment bank Tarsk Bank has challenged the bankruptcy case of Kesh Cellars in court. "
            "Kesh Cellars said its case was strong.",
            ["Tarsk Bank [1]."],
        ),
        # two banks: no one chooses between them
        (
            "Velorian investment bank Tarsk Bank has challenged the case of Kesh Cellars. "
            "Dunmar Bank said the case of Kesh Cellars should go ahead.",
            [],
        ),
        # a bank no passage about the case names is no answer
        ("Kesh Cellars said its case was strong. Dunmar Bank lent it money in 2003.", []),
    ],
)
def test_the_one_name_of_the_kind_asked_answers_when_the_models_answer_failed(text: str, said: list[str]):
    from agent.answer.question import analyse
    from agent.answer.routes import Composer, Retrieved, Sources, answer_of_kind

    passages = _passages(text)
    question = analyse("Which bank is trying to get Kesh Cellars' case dismissed?")
    store = _OneArticleStore(passages[0].article)
    sources = Sources(store, lambda: None, None)  # type: ignore[arg-type]
    composer = Composer(store)  # type: ignore[arg-type]
    assert not answer_of_kind(question, sources, composer, Retrieved(passages, [0.8] * len(passages)))  # the model chose no passage
    found = Retrieved(passages, [0.8] * len(passages), chosen=passages[-1])  # it chose one, whose answer failed
    assert answer_of_kind(question, sources, composer, found) == bool(said)
    assert composer.sentences == said


def test_the_name_of_the_kind_asked_replaces_a_span_around_it_in_the_chosen_passage():
    from agent.answer.question import analyse
    from agent.answer.routes import _kind_answer

    (passage,) = _passages("Orvane Pictures, Tallis Studios and Brask Studios have opted for the Kesh format.")
    text = passage.quote
    many = analyse("Which studios have opted for the Kesh format?")
    found = _kind_answer(passage, many, (0, 10))
    assert found is not None and text[found[0] : found[1]] == "Tallis Studios and Brask Studios"
    one = analyse("Which studio has opted for the Kesh format?")
    assert _kind_answer(passage, one, None) is None  # two studios for one asked
    assert _kind_answer(passage, many, (0, len(text) - 1)) is None  # copied whole: the model found no answer here
    assert _kind_answer(passage, many, (text.index("Tallis"), text.index("Tallis") + 14)) is None  # the span holds one

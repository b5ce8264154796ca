"""Questions about two things named side by side: read from the question, answered from each
thing's own passages; the calendar decides "who is older", the model a numbered choice or a yes
or no, replayed from cassettes recorded against the embedded local server. Invented names."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.answer.question import Comparison, comparison
from agent.evaluation.qa import evaluate_qa

from .news_samples import assert_verbatim as _verbatim, ingested_corpus

pytestmark = pytest.mark.vcr


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Who is older, Ida Brenholt or Arno Kell?", Comparison(("Ida Brenholt", "Arno Kell"), "which", "Who is older?")),
        ("Which band, The Tarsk Owls or Velmora Sound, had more members?",
         Comparison(("The Tarsk Owls", "Velmora Sound"), "which", "Which band had more members?")),
        ("Which dog's ancestors include the Kesh Hound: the Osla Terrier or the Brask Collie?",
         Comparison(("the Osla Terrier", "the Brask Collie"), "which", "Which dog's ancestors include the Kesh Hound?")),
        ("Are Halden Bay Airport and Osla Field both located in Norvia?",
         Comparison(("Halden Bay Airport", "Osla Field"), "both", "Is {} located in Norvia?")),
        ("Are both Halden Bay Airport and Osla Field located in Norvia?",
         Comparison(("Halden Bay Airport", "Osla Field"), "both", "Is {} located in Norvia?")),
        ("Were Ida Brenholt and Arno Kell of the same nationality?",
         Comparison(("Ida Brenholt", "Arno Kell"), "same", "Were Ida Brenholt and Arno Kell of the same nationality?")),
        ("Between Ida Brenholt and Arno Kell, who was born first?", Comparison(("Ida Brenholt", "Arno Kell"), "which", "Who was born first?")),
        ("Which of Ida Brenholt and Arno Kell is older?", Comparison(("Ida Brenholt", "Arno Kell"), "which", "Which is older?")),
        ("Which of its officials resigned?", None),
        ("Did Arno Kell and Ida Brenholt meet in Osla?", None),  # one question about the two together
        ("Who backs Kell in the dispute over Osla?", None),
        ("When did the Tarsk Owls, the band from Osla, split up?", None),
    ],
)
def test_a_comparison_is_read_from_the_question(question: str, expected: Comparison | None):
    assert comparison(question) == expected


def test_the_calendar_decides_which_is_older_or_younger():
    assert comparison("Who is older, Ida Brenholt or Arno Kell?").decided_by_date == "earlier"
    assert comparison("Which band was formed first, The Tarsk Owls or Velmora Sound?").decided_by_date == "earlier"
    assert comparison("Who is younger, Ida Brenholt or Arno Kell?").decided_by_date == "later"
    assert comparison("Which band, The Tarsk Owls or Velmora Sound, had more members?").decided_by_date is None


BANDS = {
    "owls.txt": "The Tarsk Owls\n\nThe Tarsk Owls are a five-piece rock band from Osla, formed in 1991 by the singer Ida Brenholt and four school friends.\n",
    "velmora.txt": "Velmora Sound\n\nVelmora Sound is a duo from Halden, formed in 2004 by the brothers Arno and Pell Kell.\n",
    "brenholt.txt": "Ida Brenholt\n\nIda Brenholt (born 3 May 1968) is a Norvian singer and songwriter.\n",
    "kell.txt": "Arno Kell\n\nArno Kell (born 12 October 1975) is a Kestrian guitarist.\n",
    "airports.txt": "Halden Bay Airport\n\nHalden Bay Airport is a public airport serving Halden, the capital of Norvia.\n",
    "field.txt": "Osla Field\n\nOsla Field is a small airfield near Osla, in the south of Kestria.\n",
}


@pytest.mark.vcr(record_mode="none")  # decided by the dates the passages state: no model call
def test_who_is_older_is_decided_by_the_dates_each_passage_states(settings, tmp_path: Path):
    with ingested_corpus(settings, tmp_path / "news", BANDS) as corpus:
        older = corpus.ask("Who is older, Arno Kell or Ida Brenholt?")
        younger = corpus.ask("Who is younger, Ida Brenholt or Arno Kell?")
        first = corpus.ask("Which band was formed first, Velmora Sound or The Tarsk Owls?")
        _verbatim(corpus, older)
    assert older.route == "comparison"
    assert older.answer == "Ida Brenholt: 3 May 1968 [1]. Arno Kell: 12 October 1975 [2]."
    assert [c.article for c in older.citations] == ["brenholt.txt", "kell.txt"]
    assert younger.answer.startswith("Arno Kell: 12 October 1975 [1].")
    assert first.answer.startswith("The Tarsk Owls: 1991 [1].")


def test_the_model_chooses_one_of_the_two_from_their_passages(settings, tmp_path: Path):
    with ingested_corpus(settings, tmp_path / "news", BANDS) as corpus:
        answer = corpus.ask("Which band, The Tarsk Owls or Velmora Sound, had more members?")
        _verbatim(corpus, answer)
    assert answer.route == "comparison"
    assert answer.answer.startswith("The Tarsk Owls [1]. Compared with Velmora Sound [2].")
    assert [c.article for c in answer.citations] == ["owls.txt", "velmora.txt"]
    assert answer.confidence is not None and 0.5 <= answer.confidence <= 1


def test_both_is_answered_no_when_one_of_the_two_is_not(settings, tmp_path: Path):
    with ingested_corpus(settings, tmp_path / "news", BANDS) as corpus:
        answer = corpus.ask("Are Halden Bay Airport and Osla Field both located in Norvia?")
        _verbatim(corpus, answer)
    assert answer.route == "comparison"
    assert answer.answer.startswith("No. Osla Field: “Osla Field is a small airfield near Osla, in the south of Kestria” [1].")
    assert {c.article for c in answer.citations} == {"field.txt", "airports.txt"}


@pytest.mark.vcr(record_mode="none")  # neither passage says it: no model call
def test_both_is_no_where_a_passage_does_not_say_what_is_asked(settings, tmp_path: Path):
    """A yes must rest on words that say it: "a duo from Halden" and "a guitarist" say
    nothing of rock bands, whatever a model would guess."""
    with ingested_corpus(settings, tmp_path / "news", BANDS) as corpus:
        answer = corpus.ask("Are Velmora Sound and Arno Kell both rock bands?")
    assert answer.route == "comparison" and answer.answer.startswith("No. Velmora Sound: “Velmora Sound is a duo from Halden")


@pytest.mark.vcr(record_mode="none")  # refused before any model call
def test_a_comparison_with_a_thing_the_articles_never_name_is_refused(settings, tmp_path: Path):
    with ingested_corpus(settings, tmp_path / "news", BANDS) as corpus:
        answer = corpus.ask("Who is older, Ida Brenholt or Zorba Quennel?")
    assert answer.refused and "Quennel" in answer.answer and not answer.citations


def _scored(question: str, gold_answer: str, text: str) -> bool:
    """Whether the question scorer counts `text`, uncited, as a right answer."""
    gold = {"qa": [{"question": question, "answers": [[gold_answer]], "need": "any", "articles": []}]}
    report = evaluate_qa(gold, [{"question": question, "answer": text, "refused": False, "citations": []}])
    return report.items[0].correct


def test_a_choice_is_scored_on_the_one_the_answer_gives_first():
    question = "Who is older, Ida Brenholt or Arno Kell?"
    assert _scored(question, "Ida Brenholt", "Ida Brenholt: 3 May 1968. Arno Kell: 12 October 1975.")
    assert not _scored(question, "Ida Brenholt", "Arno Kell: 12 October 1975. Ida Brenholt: 3 May 1968.")
    assert not _scored(question, "Ida Brenholt", "Ida Brenholt and Arno Kell both sing.")  # naming both chooses neither


NATIONALITIES = {
    "brenholt.txt": "Ida Brenholt\n\nIda Brenholt (born 3 May 1968) is a Canadian singer and songwriter.\n",
    "kell.txt": "Arno Kell\n\nArno Kell (born 12 October 1975) is a Brazilian guitarist.\n",
    "lee.txt": "Pell Lee\n\nPell Lee (born 1 June 1980) is a Canadian drummer from Halden.\n",
}


@pytest.mark.vcr(record_mode="none")  # decided by the countries the passages name: no model call
def test_the_countries_each_passage_names_decide_a_nationality_question(settings, tmp_path: Path):
    with ingested_corpus(settings, tmp_path / "news", NATIONALITIES) as corpus:
        same = corpus.ask("Were Ida Brenholt and Pell Lee of the same nationality?")
        different = corpus.ask("Were Ida Brenholt and Arno Kell of the same nationality?")
        both = corpus.ask("Are Pell Lee and Arno Kell both from Canada?")
        _verbatim(corpus, both)
    assert same.answer.startswith("Yes. Ida Brenholt: “Ida Brenholt (born 3 May 1968) is a Canadian singer and songwriter” [1].")
    assert different.answer.startswith("No. ")
    assert both.answer.startswith("No. Arno Kell: “Arno Kell (born 12 October 1975) is a Brazilian guitarist” [1]. Pell Lee: ")
    assert [c.article for c in both.citations] == ["kell.txt", "lee.txt"]


def test_a_title_line_that_is_only_a_name_is_no_passage(settings, tmp_path: Path):
    """An encyclopedia entry's title repeated as its first line says nothing a passage can
    answer with; a headline that says something is a passage."""
    from agent.answer.routes import build_passages

    story = {
        "duo.txt": "Kesh Sound (band)\n\nKesh Sound is a duo from Halden, formed in 2004.\n",
        "vote.txt": "Kelm backs the Kesh Sound festival\n\nThe Kelm council voted on Monday to fund the festival.\n",
    }
    with ingested_corpus(settings, tmp_path / "news", story) as corpus:
        question = "Who formed Kesh Sound?"
        passages = build_passages(corpus.store, corpus.retriever.search(question, 8), question, None)
    quotes = [p.quote for p in passages]
    assert "Kesh Sound is a duo from Halden, formed in 2004." in quotes
    assert "Kelm backs the Kesh Sound festival" in quotes
    assert "Kesh Sound (band)" not in quotes


def test_an_initial_in_a_gold_name_is_spelled_by_the_name_in_full():
    question = "Who founded Tarsk Mills?"
    assert _scored(question, "Ida B. Brenholt", "Ida Bella Brenholt") and _scored(question, "Ida B. Brenholt", "Ida B. Brenholt")
    assert not _scored(question, "Ida B. Brenholt", "Ida Brenholt")

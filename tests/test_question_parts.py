"""A question's parts read together (issue 28), replayed from cassettes recorded against the
embedded local server: a later part's pronoun is the earlier part's name, and a who-question
is not answered by the person it already names. Invented names throughout."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.answer.routes import REFUSAL

from .news_samples import ingested_corpus

pytestmark = pytest.mark.vcr

ARTICLES = {
    "league.txt": """Tarsk League elects its officers

Arno Kell chairs the Tarsk League. The league's treasurer is Ida Brenholt, a former banker from Port Halden.
""",
    "quorra.txt": """Quorra Foods results

Quorra Foods reported higher sales in March. The company's treasurer is Lena Fisk, who joined it in 2019.
""",
    "recording.txt": """Recording notes

Dalia Fenwright recorded her third album in 1987. She was six months pregnant at the time of the recording, the studio said.
""",
}


def test_a_later_part_s_pronoun_is_the_earlier_part_s_name(settings, tmp_path: Path):
    with ingested_corpus(settings, tmp_path / "news", ARTICLES) as corpus:
        answer = corpus.ask("Who chairs the Tarsk League, and who is its treasurer?")
    # "its treasurer" is the league's, not the treasurer of every article's company.
    assert not answer.refused
    assert "Arno Kell" in answer.answer and "Ida Brenholt" in answer.answer and "Lena Fisk" not in answer.answer
    assert {c.article for c in answer.citations} == {"league.txt"}


def test_a_who_question_is_not_answered_by_the_person_it_names(settings, tmp_path: Path):
    with ingested_corpus(settings, tmp_path / "news", ARTICLES) as corpus:
        answer = corpus.ask("Who was Dalia Fenwright pregnant with during the recording?")
    # The passage says she was pregnant, not by whom: no one new is named, so no answer.
    assert answer.refused and answer.answer == REFUSAL and not answer.citations


@pytest.mark.vcr(record_mode="none")  # no model call: each part's answer is given
def test_a_later_part_answered_in_the_earlier_part_s_words_is_refused(settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Two questions in one have the same answer, in the same words from the same passage, only
    by mistake ("Tory MP Ann Lee [1]. Tory MP Ann Lee [1]."): the later part is refused."""
    from agent.answer import routes

    def the_same_answer(q, sources, composer):
        composer.sentences.append("Arno Kell [1].")
        composer.spans.append("Arno Kell")
        return "passages"

    monkeypatch.setattr(routes, "answer_part", the_same_answer)
    with ingested_corpus(settings, tmp_path / "news", ARTICLES) as corpus:
        answer = corpus.ask("Who chairs the Tarsk League, and who is the league's treasurer?")
    assert answer.answer == f"Arno Kell [1]. Who is the league's treasurer? {REFUSAL}"
    assert not answer.refused and answer.route == "passages"


@pytest.mark.vcr(record_mode="none")  # no model call: each part's answer is given
def test_a_later_part_answered_after_a_refused_one_says_which_part_it_answers(settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """"Who chairs X? The articles do not say. Ida Brenholt [1]." reads as if Ida Brenholt
    chaired X: after a refused part, an answered one is labelled with its part."""
    from agent.answer import routes

    def second_only(q, sources, composer):
        if "treasurer" not in q.text:
            return None
        composer.sentences.append("Ida Brenholt [1].")
        composer.spans.append("Ida Brenholt")
        return "passages"

    monkeypatch.setattr(routes, "answer_part", second_only)
    with ingested_corpus(settings, tmp_path / "news", ARTICLES) as corpus:
        answer = corpus.ask("Who chairs the Tarsk League, and who is the Tarsk League's treasurer?")
    assert answer.answer == f"Who chairs the Tarsk League? {REFUSAL} Who is the Tarsk League's treasurer? Ida Brenholt [1]."
    assert not answer.refused

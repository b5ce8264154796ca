"""Behaviour that needs the model, replayed from cassettes recorded against the embedded
local server (`make record`). A request that no longer matches its cassette fails:
re-record with `make record`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.corpus import Corpus
from agent.models import Stance
from agent.output.export import read_records, write_records

pytestmark = pytest.mark.vcr

INVENTED = """Harbour talks stall

Veloria has the support of Dunmar and the Northern Compact. Ostrava received support from Kelm.
The Free Dunmar Brigades, backed by Ostrava, attacked Port Halden on Monday.
Kelm condemned Veloria's decision to close the border.
"""


def _stances(records) -> set[tuple[str, str, str, str]]:
    return {(r.holder, r.relation, r.target, r.status) for r in records if isinstance(r, Stance)}


def test_ask_answers_from_the_model_with_verified_citations(corpus: Corpus):
    answer = corpus.ask("Where did Erdogan and Putin meet?")
    assert not answer.refused
    assert "Istanbul" in answer.answer
    assert answer.citations
    for citation in answer.citations:
        assert "Istanbul" in citation.quote
        assert corpus.store.article(citation.article).text[citation.start : citation.end] == citation.quote


def test_extraction_keeps_the_direction_of_passives_and_grounds_every_record(settings, tmp_path: Path):
    story = tmp_path / "news" / "harbour.txt"
    story.parent.mkdir()
    story.write_text(INVENTED, encoding="utf-8")
    with Corpus(settings) as corpus:
        (result,) = corpus.extract([story.parent])
    stances = _stances(result.records)
    assert ("Dunmar", "supports", "Veloria", "stated") in stances
    assert ("Northern Compact", "supports", "Veloria", "stated") in stances
    assert ("Kelm", "supports", "Ostrava", "stated") in stances
    assert ("Ostrava", "supports", "Free Dunmar Brigades", "stated") in stances
    assert ("Kelm", "condemns", "Veloria", "stated") in stances
    # Never reversed, never between names merely listed together, never against a mere place.
    assert not {s for s in stances if s[0] == "Veloria" and s[1] == "supports"}
    assert ("Dunmar", "supports", "Northern Compact", "stated") not in stances
    assert not {s for s in stances if s[2] == "Port Halden"}
    for record in result.records:
        e = record.evidence
        assert INVENTED[e.start : e.end] == e.quote and e.article == "harbour.txt"
    monday = [r for r in result.records if r.type == "date"]
    assert [(d.text, d.value, d.unresolved) for d in monday] == [("on Monday", None, True)]  # no anchor: never invented


def test_rerun_is_served_from_the_cache_and_an_interrupted_batch_resumes(settings, tmp_path: Path):
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "a.txt").write_text(INVENTED, encoding="utf-8")
    (folder / "b.txt").write_text(INVENTED.replace("Monday", "Friday"), encoding="utf-8")
    with Corpus(settings) as corpus:
        seen: list[str] = []

        def stop_after_first(result) -> None:
            seen.append(result.article.id)
            if len(seen) == 1:
                raise KeyboardInterrupt  # as if the process were killed after one article

        with pytest.raises(KeyboardInterrupt):
            corpus.extract([folder], on_done=stop_after_first)
        calls_before = corpus.llm.calls
        resumed = corpus.extract([folder])
        assert [r.cached for r in resumed] == [True, False]  # a.txt was saved before the interruption
        assert corpus.llm.calls > calls_before
        write_records([rec for r in resumed for rec in r.records], tmp_path / "out.jsonl")
    with Corpus(settings) as again:
        rerun = again.extract([folder])
        assert all(r.cached for r in rerun)
        assert again._llm is None  # an unchanged corpus makes no model call
        write_records([rec for r in rerun for rec in r.records], tmp_path / "again.jsonl")
    first = (tmp_path / "out.jsonl").read_text().splitlines()
    assert first == (tmp_path / "again.jsonl").read_text().splitlines()
    assert len(first) == len(set(first))
    assert read_records(tmp_path / "out.jsonl")
    assert all(json.loads(line)["evidence"]["article"] in {"a.txt", "b.txt"} for line in first)


ENCYCLOPEDIA = Path(__file__).parent / "data" / "encyclopedia"


def test_the_issues_false_refusals_are_answered(extracted: Corpus):
    troops = extracted.ask("How many Turkish troops are in Libya?")
    assert not troops.refused and "35" in troops.answer
    assert all("35" in c.quote for c in troops.citations)
    met = extracted.ask("Did Khalifa Haftar meet Giuseppe Conte?")
    assert met.answer.startswith("Yes")
    (citation,) = met.citations
    assert "Haftar" in citation.quote and "Conte" in citation.quote


def test_a_multi_hop_question_follows_the_bridge(settings):
    with Corpus(settings) as corpus:
        corpus.ingest([ENCYCLOPEDIA])
        answer = corpus.ask("What is the population of the village where Ida Brenholt was born?")
    assert "1,350" in answer.answer
    assert {c.article for c in answer.citations} == {"ida_brenholt.txt", "osterlund.txt"}

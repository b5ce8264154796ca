"""Reading, metadata, chunk offsets, idempotent ingest, citation checking, schemas."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from agent.answer.routes import Composer, Passage
from agent.corpus import Corpus
from agent.ingest.chunking import chunk_article
from agent.ingest.readers import read_paths
from agent.models import Article
from agent.schemas import all_schemas
from agent.settings import Settings
from agent.text.sentences import split_sentences

from .conftest import EXAMPLES, ROOT
from .fake_openai import NoAttitudes


def _articles(*paths):
    return {a.id: a for a in read_paths(paths, 10_000_000) if isinstance(a, Article)}


def test_reads_the_metadata_each_article_states():
    articles = _articles(EXAMPLES)
    assert len(articles) == 5
    reuters = articles["001_1dc8111de523b102.txt"]
    assert reuters.title == "Turkey, Russia Call for Libya Ceasefire as Rivals Clash"
    assert reuters.outlet == "Reuters"
    assert reuters.published == date(2020, 1, 8)
    assert reuters.url == "https://www.themoscowtimes.com/2020/01/08/turkey-russia-call-for-libya-ceasefire-a68840"
    dateline = articles["002_f78050063894d683.txt"]
    assert dateline.published == date(2020, 1, 8)
    assert dateline.title is None  # its first line is a sentence, not a headline
    undated = articles["000_9d2263bbbf356092.txt"]
    assert undated.published is None
    assert undated.title == "Ankara and Moscow call for Libyan ceasefire"


def test_every_chunk_and_sentence_is_exactly_its_span():
    for article in _articles(EXAMPLES).values():
        for start, end in split_sentences(article.text):
            assert article.text[start:end].strip() == article.text[start:end] != ""
        chunks = chunk_article(article, 600)
        assert chunks
        for chunk in chunks:
            assert article.text[chunk.start : chunk.end] == chunk.text
        assert [c.start for c in chunks] == sorted(c.start for c in chunks)


def test_sentences_split_on_stops_but_not_on_abbreviations_or_wrapped_lines():
    text = "The U.N. envoy met Gen. Marrow Jr. on Jan. 5. Talks failed.\n\nIt received support\n\nfrom the Compact."
    sentences = [text[a:b] for a, b in split_sentences(text)]
    assert sentences == [
        "The U.N. envoy met Gen. Marrow Jr. on Jan. 5.",
        "Talks failed.",
        "It received support\n\nfrom the Compact.",
    ]


@pytest.mark.parametrize(
    ("sentence", "read"),
    [
        ("PORT ELSA, 3 March 2026 – Corlan shunned Brevia.", "Corlan shunned Brevia."),
        ("KELM (Wire) - Ruritania backed Dunmar.", "Ruritania backed Dunmar."),
        ("UN envoy Ilse Marrow – who backs Kelm – spoke.", None),  # a dash inside a sentence
        ("NATO — the alliance — met in Kelm.", None),  # capitals, but no clause after the dash
    ],
)
def test_a_wire_dateline_is_not_part_of_the_sentence_read(sentence, read):
    from agent.text.datelines import without_dateline

    start, end = without_dateline(sentence, (0, len(sentence)))
    assert sentence[start:end] == (read or sentence)


@pytest.mark.parametrize(
    ("head", "published"),
    [
        ("HARWICK, 14 March 2026 – The Harwick Rovers board backed its manager.", date(2026, 3, 14)),
        ("PORT ELSA, March 3, 2026 — Corlan shunned Brevia.", date(2026, 3, 3)),
        ("PORT ELSA, 3 March – Corlan shunned Brevia.", None),  # no year: no date is made up
        ("KELM (Wire) - Ruritania backed Dunmar.", None),
    ],
)
def test_a_wire_dateline_dates_the_article(tmp_path: Path, head, published):
    (tmp_path / "story.txt").write_text(f"Rovers stand by their manager\n\n{head} More followed on Sunday.\n")
    (article,) = _articles(tmp_path).values()
    assert article.published == published


def test_a_dateline_place_holds_no_stance():
    from agent.extract.pipeline import extract_text
    from agent.models import Stance

    class Model(NoAttitudes):  # types every name a state
        def structured(self, response_model, messages, max_tokens=None):
            return response_model(type="state")

    records = extract_text("PORT ELSA, 3 March 2026 – Corlan condemned Brevia on Tuesday.", Model()).records
    stances = [(r.holder, r.relation, r.target, r.evidence.quote) for r in records if isinstance(r, Stance)]
    assert stances == [("Corlan", "condemns", "Brevia", "Corlan condemned Brevia on Tuesday.")]


def test_html_keeps_visible_text_and_metadata(tmp_path: Path):
    page = tmp_path / "story.html"
    page.write_text(
        "<html><head><title>Veloria talks</title><meta property='article:published_time' content='2021-03-04T10:00:00Z'>"
        "<meta property='og:site_name' content='The Harbour Post'><style>p{color:red}</style></head>"
        "<body><script>var secret = 1;</script><p>Veloria backs the Northern Compact.</p></body></html>",
        encoding="utf-8",
    )
    (article,) = _articles(page).values()
    assert article.text == "Veloria backs the Northern Compact."
    assert (article.title, article.outlet, article.published) == ("Veloria talks", "The Harbour Post", date(2021, 3, 4))


def test_ingest_is_idempotent_and_an_edited_file_replaces_its_chunks(tmp_path: Path):
    folder = tmp_path / "news"
    folder.mkdir()
    story = folder / "story.txt"
    story.write_text("Veloria backs the Northern Compact. Dunmar opposes it.", encoding="utf-8")
    with Corpus(Settings(index_path=tmp_path / "index")) as corpus:
        first = corpus.ingest([folder])
        assert (len(first.added), first.chunks) == (1, 1)
        again = corpus.ingest([folder])
        assert again.unchanged == ["story.txt"] and again.chunks == 0
        assert corpus.collection.count() == 1
        story.write_text("Veloria now opposes the Northern Compact.", encoding="utf-8")
        edited = corpus.ingest([folder])
        assert edited.replaced == ["story.txt"]
        assert corpus.collection.count() == 1
        (chunk,) = corpus.store.chunks()
        assert chunk.text == "Veloria now opposes the Northern Compact."
        assert corpus.collection.get(ids=[chunk.id])["documents"] == [chunk.text]


def test_hybrid_search_finds_the_passage_by_meaning_and_by_name(corpus: Corpus):
    texts = [hit.chunk.text for hit in corpus.search("Who backs the GNA?", 6)]
    assert any("The GNA has the support of the UN, Turkey, and Qatar." in t for t in texts)
    texts = [hit.chunk.text for hit in corpus.search("Mevlut Cavusoglu", 3)]
    assert "Cavusoglu" in texts[0]


def _passages(corpus: Corpus, needle: str) -> list[Passage]:
    for article in corpus.articles():
        start = article.text.find(needle)
        if start >= 0:
            return [Passage(1, article, start, start + len(needle))]
    raise AssertionError(needle)


def test_citation_check_keeps_supported_sentences_and_drops_the_rest(corpus: Corpus):
    (passage,) = _passages(corpus, "The GNA has the support of the UN, Turkey, and Qatar.")
    composer = Composer(corpus.store)
    assert composer.say("The UN, Turkey and Qatar back the GNA.", [passage])
    assert not composer.say("Canada backs the GNA.", [passage])  # a name the passage lacks
    assert not composer.say("Turkey backs the GNA.", [])  # no passage
    assert composer.sentences == ["The UN, Turkey and Qatar back the GNA [1]."]
    assert composer.dropped == ["Canada backs the GNA.", "Turkey backs the GNA."]
    (citation,) = composer.citations.values()
    assert corpus.store.article(citation.article).text[citation.start : citation.end] == citation.quote


def test_citation_whose_quote_no_longer_matches_the_article_is_removed(corpus: Corpus):
    (passage,) = _passages(corpus, "The GNA has the support of the UN, Turkey, and Qatar.")
    stored = corpus.store.article(passage.article.id)
    # The passage claims a span whose text differs from what the store holds.
    moved = Passage(1, stored.model_copy(update={"text": "x" + stored.text}), passage.start + 1, passage.end + 1)
    composer = Composer(corpus.store)
    assert not composer.say("Qatar backs the GNA.", [moved]) and not composer.citations


def test_stance_question_is_answered_from_the_stance_graph_without_a_model(extracted: Corpus):
    answer = extracted.ask("Who backs the GNA?")
    assert not answer.refused
    # One sentence per actor, however outlets spell it; named as its cited passages name it.
    for names in (("Turkey",), ("Qatar",), ("UN", "United Nations"), ("Italy",)):
        sentence = next(s for s in answer.answer.split("]. ") if s.startswith(names))
        assert "outlet" in sentence and "[" in sentence  # an outlet count and a citation each
    for citation in answer.citations:
        assert extracted.store.article(citation.article).text[citation.start : citation.end] == citation.quote
    assert extracted._llm is None  # no model was started


def test_a_name_the_corpus_never_mentions_is_refused_without_a_model(corpus: Corpus):
    answer = corpus.ask("What did China say about the ceasefire?")
    assert answer.refused and answer.citations == []
    assert "China" in answer.answer
    assert corpus._llm is None


def test_schemas_folder_matches_the_models():
    for name, schema in all_schemas().items():
        path = ROOT / "schemas" / f"{name}.json"
        assert path.exists(), f"schemas/{name}.json missing: run `agent schemas --write schemas`"
        assert json.loads(path.read_text()) == schema, f"schemas/{name}.json is stale: run `agent schemas --write schemas`"


@pytest.mark.parametrize("question", ["", "   ", "?!...", "x" * 10_000])
def test_unusable_questions_get_a_clear_error(corpus: Corpus, question: str):
    from agent.errors import DossierError

    with pytest.raises(DossierError) as info:
        corpus.ask(question)
    assert "question" in str(info.value)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Who backs Veloria?", ("supports", "holders", ("Veloria",))),
        ("Which countries back Dunmar?", ("supports", "holders", ("Dunmar",))),  # the parser misses "back"
        ("Who opposes Ostrava?", ("opposes", "holders", ("Ostrava",))),
        ("Whom does Veloria support?", ("supports", "targets", ("Veloria",))),
        ("Where did the envoys of Veloria meet?", None),
        ("What did Veloria say about support for Dunmar?", None),
    ],
)
def test_stance_questions_are_recognised(question, expected):
    from agent.answer.question import stance_query

    query = stance_query(question)
    assert (query and (query.relation, query.ask_for, query.names)) == expected or (query is None and expected is None)


def test_answers_carry_the_dates_their_passages_resolve_and_never_invent_one(extracted: Corpus):
    from agent.answer.routes import with_resolved_dates

    records = extracted.records()
    (dated,) = _passages(extracted, "Haftar's LNA took control of Sirte, a strategically important city in the centre of Libya's Mediterranean coastline, in a rapid advance on Monday and is seeking to consolidate gains.")
    assert with_resolved_dates("The LNA took Sirte on Monday.", dated, records) == "The LNA took Sirte on Monday (2020-01-06)."
    (undated,) = _passages(extracted, "The Benghazi-based LNA took control of strategic coastal city Sirte on Monday.")
    assert with_resolved_dates("The LNA took Sirte on Monday.", undated, records) == "The LNA took Sirte on Monday."


def test_an_index_built_by_another_embedding_model_is_a_clear_error(tmp_path: Path):
    import chromadb

    from agent.errors import IndexUnavailable
    from agent.index.retrieval import open_collection

    client = chromadb.PersistentClient(path=str(tmp_path / "index"), settings=chromadb.Settings(anonymized_telemetry=False))
    client.create_collection("articles", metadata={"embedding_model": "some-other-model"}, embedding_function=None)
    with pytest.raises(IndexUnavailable) as info:
        open_collection(Settings(index_path=tmp_path / "index"))
    assert "some-other-model" in str(info.value) and "re-ingest" in str(info.value)


def test_remembered_vectors_are_the_embedders_and_each_text_is_embedded_once(monkeypatch):
    import numpy as np

    from agent.index import embeddings

    texts = ["The council backed the plan.", "Talks resumed in Ostrand.", "The council backed the plan."]
    expected = embeddings.embed(texts)
    embeddings._REMEMBERED.clear()
    batches = []
    embed = embeddings.embed
    monkeypatch.setattr(embeddings, "embed", lambda t: batches.append(list(t)) or embed(t))
    assert np.allclose(embeddings.embed_remembered(texts), expected, atol=1e-5)
    again = embeddings.embed_remembered(["Talks resumed in Ostrand.", "The harbour reopened."])
    assert batches == [texts[:2], ["The harbour reopened."]]
    assert np.allclose(again[0], expected[1], atol=1e-5) and again.shape == (2, 384)


def test_embeddings_rank_the_supporting_sentence_above_an_unrelated_one():
    from agent.index.embeddings import embed

    question, support, unrelated = embed(
        ["Who backs the GNA?", "The GNA has the support of the UN, Turkey, and Qatar.", "The weather was mild in spring."]
    )
    assert abs(float(question @ question) - 1.0) < 1e-4  # L2-normalised
    assert float(question @ support) > float(question @ unrelated) + 0.2


def test_a_bare_name_is_every_word_capitalised_a_number_or_a_joining_word():
    from agent.text.names import is_bare_name

    assert is_bare_name("Kesh Sound (band)") and is_bare_name("Bank of Osla") and is_bare_name("2007 Kesh Cup")
    assert not is_bare_name("Kelm backs the Osla deal") and not is_bare_name("")

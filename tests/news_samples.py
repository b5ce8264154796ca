"""Short news articles for tests that run extraction many times: a few sentences each, so
parsing and embedding stay cheap, with stances the grammar finds (and so model calls)."""

from __future__ import annotations

from pathlib import Path

from agent.corpus import Corpus

MINI_CORPUS: dict[str, str] = {
    "m1_tripoli.txt": (
        "Turkey backs Tripoli government\n\n"
        "January 6, 2020\n\n"
        "Turkey said on Monday that it supports the Government of National Accord (GNA) in Tripoli. "
        "The Libyan National Army (LNA) has received support from Russia and Egypt. "
        "Qatar condemned the offensive on the capital.\n"
    ),
    "m2_sirte.txt": (
        "LNA takes Sirte\n\n"
        "January 7, 2020\n\n"
        "The LNA took control of the coastal city of Sirte on Monday. "
        "The United Arab Emirates backs the LNA, according to a UN report. "
        "The GNA opposes any foreign deployment near the city.\n"
    ),
    "m3_berlin.txt": (
        "Talks planned in Berlin\n\n"
        "January 12, 2020\n\n"
        "Germany supports a ceasefire between the GNA and the LNA. "
        "The Wagner Group backs Khalifa Haftar, officials in Washington said. "
        "Fayez al-Serraj welcomed the talks.\n"
    ),
    "m4_cairo.txt": (
        "Cairo warns Ankara\n\n"
        "January 14, 2020\n\n"
        "Egypt opposes the Turkish deployment to Libya. "
        "Jordan supports the Libyan National Army, diplomats said. "
        "The African Union called for an end to the fighting.\n"
    ),
}


def write_corpus(folder: Path, articles: dict[str, str] = MINI_CORPUS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in articles.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def ingested_corpus(settings, folder: Path, articles: dict[str, str]) -> Corpus:
    """A corpus over `articles`, written to `folder` and ingested (not extracted)."""
    corpus = Corpus(settings)
    corpus.ingest([write_corpus(folder, articles)])
    return corpus


def assert_verbatim(corpus: Corpus, answer) -> None:
    """Every citation's quote stands at its offsets in the stored article."""
    for citation in answer.citations:
        assert corpus.store.article(citation.article).text[citation.start : citation.end] == citation.quote

"""Real web pages in, clean articles out: the body and the date the page states, no page furniture.

The pages in tests/data/pages are saved from public sources (see the README there); beside
each, a JSON file holds what the page's article says (its paragraphs, its publication date),
as the project it came from recorded them."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.corpus import Corpus
from agent.errors import DossierError
from agent.ingest.boilerplate import load as load_boilerplate
from agent.ingest.chunking import chunk_article
from agent.ingest.readers import Note, Skipped, read_paths
from agent.models import Article
from agent.settings import Settings

PAGES = Path(__file__).resolve().parent / "data" / "pages"
LIMIT = 10_000_000
BODY_SHARE_TARGET = 0.8  # every stored body holds at least this share of the article's own text


def _gold(page: Path) -> dict:
    return json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))


def _words(text: str) -> Counter:
    return Counter(re.findall(r"\w+", text.lower()))


def body_share(article_text: str, stored: str) -> float:
    """How much of the article's own text (its words, with repeats) the stored body holds."""
    wanted, held = _words(article_text), _words(stored)
    return sum(min(n, held[w]) for w, n in wanted.items()) / max(1, sum(wanted.values()))


def _read(*paths: Path) -> tuple[dict[str, Article], list[Note], list[Skipped]]:
    results = list(read_paths(paths, LIMIT))
    articles = {r.id: r for r in results if isinstance(r, Article)}
    return articles, [r for r in results if isinstance(r, Note)], [r for r in results if isinstance(r, Skipped)]


SAVED = sorted(PAGES.glob("*.html"))


def test_every_saved_page_keeps_its_article_and_its_date():
    articles, _, skipped = _read(*SAVED)
    assert not skipped and len(articles) == len(SAVED) >= 6
    short, misdated = [], []
    for page in SAVED:
        gold, article = _gold(page), articles[page.name]
        share = body_share("\n".join(gold["paragraphs"]), article.text)
        if share < BODY_SHARE_TARGET:
            short.append(f"{page.name}: {share:.0%}")
        published = date.fromisoformat(gold["published"])
        if article.published is None or abs((article.published - published).days) > 1:
            misdated.append(f"{page.name}: {article.published} for {published}")
    assert not short, f"bodies under {BODY_SHARE_TARGET:.0%} of the article: {short}"
    assert not misdated, misdated


@pytest.mark.parametrize(
    ("page", "published", "why"),
    [
        ("dw-2023-04-28.html", date(2023, 4, 28), "the title's 28.04.2023 beats a related teaser's 24.04.2023"),
        ("cbc-2024-08-08.html", date(2024, 8, 8), "the JSON-LD article's date, not a related video's"),
    ],
)
def test_the_date_is_the_one_the_page_states_for_its_article(page, published, why):
    (article,) = _read(PAGES / page)[0].values()
    assert article.published == published, why


def test_metadata_comes_from_the_json_ld_article_first():
    (article,) = _read(PAGES / "cbc-2024-08-08.html")[0].values()
    # The JSON-LD headline, not the <title> or og:title ("Palestinians say ... | CBC News").
    assert article.title == "What's next for Gaza, after Yahya Sinwar's appointment as Hamas political head?"
    assert article.outlet == "CBC"


@pytest.mark.parametrize(
    ("page", "source"),
    [
        ("mallorcamagazin-2025-04-15.html", "JSON-LD articleBody"),  # the HTML shows a teaser only
        ("newyorker-2023-04-25.html", "JSON-LD articleBody"),  # the HTML main text is under half of it
        ("pe-2015-01-14.html", "page's text"),  # the "main" block is the comment policy
    ],
)
def test_a_body_that_is_a_small_share_of_a_fuller_one_is_replaced_and_said(page, source):
    articles, notes, _ = _read(PAGES / page)
    (article,) = articles.values()
    assert body_share("\n".join(_gold(PAGES / page)["paragraphs"]), article.text) >= BODY_SHARE_TARGET
    (note,) = notes
    assert note.path == str(PAGES / page) and source in note.message and "stored" in note.message


def test_page_furniture_is_gone_and_offsets_stay_exact():
    (article,) = _read(PAGES / "dailymaverick-2025-05-03.html")[0].values()
    assert "Read more:" not in article.text
    assert "No ceasefire, but SA wins substantive rights measures" not in article.text  # a teaser's headline
    assert "The International Court of Justice" in article.text
    for chunk in chunk_article(article, 600):
        assert article.text[chunk.start : chunk.end] == chunk.text


FURNITURE = [
    "(Credit: Lene Varo / Coastal Herald)",
    "Related",
    "RELATED: Storm batters the northern coast",
    "Related article »",
    "Read more: Mayor of Ostrand resigns after vote",
    "Read More",
    "© Harbour Wire 2020",
    "Copyright 2021 The Coastal Herald. All rights reserved.",
    "Sign up for our weekly newsletter to get the news first.",
    "Submit your letter to the editor via our website.",
    "Photo: Lene Varo/Coastal Herald",
    "Advertisement",
]
KEPT = [
    "Related charges were filed against the harbour master.",
    "The union will submit a letter to the minister on Monday.",
    "The band sued the label for copyright infringement.",
    "Read more about the port in our explainer below, the editor wrote.",
]


def test_furniture_lines_are_removed_and_article_sentences_kept():
    text = "\n\n".join(["The port of Velmora reopened. (Credit: Lene Varo / Coastal Herald)", *FURNITURE, *KEPT])
    stripped = load_boilerplate().strip(text)
    assert stripped.split("\n\n") == ["The port of Velmora reopened.", *KEPT]


def test_users_add_their_own_furniture_patterns(tmp_path: Path):
    story = tmp_path / "news" / "story.txt"
    story.parent.mkdir()
    story.write_text("Velmora port reopens\n\nThe port reopened on Monday.\n\nHarbour Wire: tap to follow us\n", encoding="utf-8")
    index = tmp_path / "index"
    index.mkdir()
    (index / "boilerplate.txt").write_text("# our wire's sign-off\n^harbour wire: tap to follow us$\n", encoding="utf-8")
    with Corpus(Settings(index_path=index)) as corpus:
        corpus.ingest([story.parent])
        (article,) = corpus.articles()
    assert article.text == "Velmora port reopens\n\nThe port reopened on Monday."


def test_a_bad_pattern_is_one_error_naming_its_file_and_line(tmp_path: Path):
    patterns = tmp_path / "mine.txt"
    patterns.write_text("^ok$\n\n^(unclosed\n", encoding="utf-8")
    with pytest.raises(DossierError, match=rf"{re.escape(str(patterns))}, line 3: '\^\(unclosed' is not a valid regular expression"):
        load_boilerplate(patterns)


def _page(title: str, meta: str, body: str) -> str:
    return f"<html><head><title>{title}</title>{meta}</head><body><article><h1>{title}</h1>{body}</article></body></html>"


def test_a_date_the_dateline_contradicts_is_not_used(tmp_path: Path):
    paragraphs = "".join(
        f"<p>{p}</p>" for p in [
            "HARWICK, 14 March 2026 – The harbour board of Velmora voted to reopen the northern docks after a month of repairs.",
            "The board said the first ships would dock within a week, and the ferry company welcomed the decision.",
            "Dock workers, who had asked for the repairs since the winter storms, said the work was long overdue.",
        ]
    )
    page = tmp_path / "docks.html"
    page.write_text(_page("Velmora docks reopen", "<meta property='article:published_time' content='2019-08-01'>", paragraphs), encoding="utf-8")
    (article,) = _read(page)[0].values()
    assert article.published == date(2026, 3, 14)
    # A date the headline is about is no statement of when the page was published.
    flood = tmp_path / "flood.html"
    body = "".join(f"<p>{p}</p>" for p in [
        "Seventy years on, the people of Velmora still remember the night the sea wall broke.",
        "The harbour museum opened an exhibition of photographs and letters from the flood on Friday.",
        "Survivors told their stories to a full hall, and the mayor thanked the volunteers who rebuilt the wall.",
    ])
    flood.write_text(_page("The flood of 12 March 1953 | Velmora Herald",
                           "<meta property='article:published_time' content='2023-03-10T09:00:00Z'>", body), encoding="utf-8")
    (article,) = _read(flood)[0].values()
    assert article.published == date(2023, 3, 10)


def test_ingest_says_which_page_is_short_or_replaced(tmp_path: Path):
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "teaser.html").write_text(
        _page("Velmora docks reopen", "", "<p>The harbour board of Velmora reopened the northern docks on Monday.</p>"),
        encoding="utf-8",
    )
    (folder / "story.html").write_bytes((PAGES / "mallorcamagazin-2025-04-15.html").read_bytes())
    result = CliRunner().invoke(app, ["ingest", str(folder), "--index", str(tmp_path / "index")])
    assert result.exit_code == 0, result.output
    said = " ".join(result.stderr.split())
    assert re.search(rf"note {re.escape(str(folder / 'teaser.html'))}: only \d\d characters of article text", said)
    assert f"note {folder / 'story.html'}: the main text found held 16% of the page's JSON-LD articleBody" in said


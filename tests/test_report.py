"""The evidence report (`agent report`, `Corpus.report()`), read back as HTML: every record marked
at its exact evidence, the stance graph drawn from the stored edges, the actors and the timeline,
nothing loaded from elsewhere, and article text that can never run as markup.
The browser's view of the same file is in test_report_browser.py."""

from __future__ import annotations

import re
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

from typer.testing import CliRunner

from agent.cli import app
from agent.corpus import Corpus
from agent.models import DateMention
from agent.output.report import GRAPH_RELATIONS


class ReportReader(HTMLParser):
    """Each article's text as the page shows it, with the records (`data-r`) and classes of every
    character; the graph's edges; the timeline's dates; every resource reference."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: dict[str, list[str]] = defaultdict(list)  # article anchor -> pieces
        self.marks: dict[str, list[tuple[int, int, list[str], set[str]]]] = defaultdict(list)
        self.edges: list[dict] = []
        self.edge_titles: list[str] = []
        self.timeline: list[str] = []
        self.references: list[tuple[str, str, str]] = []  # tag, attribute, value
        self._article: str | None = None
        self._in_text = 0
        self._mark: tuple[int, list[str], set[str]] | None = None
        self._in_edge = self._in_edge_title = self._in_tl_date = False
        self.tags: list[str] = []

    def _offset(self) -> int:
        return sum(len(p) for p in self.texts[self._article])

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        for name in ("src", "href", "xlink:href", "action", "data"):
            if name in a:
                self.references.append((tag, name, a[name] or ""))
        classes = set((a.get("class") or "").split())
        if tag == "article":
            self._article = a["id"]
        elif tag == "div" and "text" in classes and self._article:
            self._in_text = 1
        elif self._in_text and tag == "span" and "m" in classes:
            self._mark = (self._offset(), a["data-r"].split(), classes)
        elif self._in_text:
            self._in_text += 1
        if tag == "path" and "edge" in classes:
            self.edges.append(a)
            self._in_edge = True
        if tag == "title" and self._in_edge:
            self._in_edge_title = True
        if tag == "small":
            self._in_tl_date = False
        if tag == "div" and "tl-date" in classes:
            self._in_tl_date = True
            self.timeline.append("")

    def handle_endtag(self, tag):
        if self._mark is not None and tag == "span":
            start, records, classes = self._mark
            self.marks[self._article].append((start, self._offset(), records, classes))
            self._mark = None
        elif self._in_text and tag == "div":
            self._in_text -= 1
        if tag == "path":
            self._in_edge = False
        if tag == "title":
            self._in_edge_title = False
        if tag == "div":
            self._in_tl_date = False

    def handle_data(self, data):
        if self._in_text:
            self.texts[self._article].append(data)
        if self._in_edge_title:
            self.edge_titles.append(data)
        if self._in_tl_date:
            self.timeline[-1] += data


def read(html: str) -> ReportReader:
    reader = ReportReader()
    reader.feed(html)
    return reader


def test_every_record_is_marked_exactly_at_its_evidence(extracted: Corpus):
    html = extracted.report()
    page = read(html)
    by_article = extracted.records_by_article()
    articles = extracted.articles()
    assert articles and all(by_article[a.id] for a in articles)
    n = 0
    for number, article in enumerate(articles):
        anchor = f"a{number}"
        assert "".join(page.texts[anchor]) == article.text  # escaped on the page, the same text to a reader
        covered: dict[str, set[int]] = defaultdict(set)
        kinds: dict[str, set[str]] = defaultdict(set)
        for start, end, records, classes in page.marks[anchor]:
            for record_id in records:
                covered[record_id].update(range(start, end))
                kinds[record_id] |= classes
        for record in by_article[article.id]:
            record_id = f"r{n}"
            n += 1
            e = record.evidence
            assert covered[record_id] == set(range(e.start, e.end)), (record, record_id)
            assert f"t-{record.type}" in kinds[record_id]
            if record.type == "stance":
                assert f"rel-{record.relation}" in kinds[record_id]
    assert n == len(extracted.records()) > 50
    # Hovering a mark shows its record, e.g. a stance with its holder, relation and target.
    stance = next(r for r in extracted.records() if r.type == "stance")
    assert re.search(rf"data-tip='[^']*STANCE  {re.escape(stance.holder)} {stance.relation.replace('_', ' ')} {re.escape(stance.target)}", html)


def test_the_stance_graph_draws_every_edge_by_outlets_and_status(extracted: Corpus):
    page = read(extracted.report())
    edges = [e for e in extracted.stance_graph() if e.relation in GRAPH_RELATIONS]
    assert len(page.edges) == len(edges) > 5
    drawn = {}
    for attrs, title in zip(page.edges, page.edge_titles):
        holder_relation_target = title.split(":")[0]
        drawn[holder_relation_target] = attrs
    widths = {}
    for edge in edges:
        attrs = drawn[f"{edge.holder} {edge.relation} {edge.target}"]
        assert f"rel-{edge.relation}" in attrs["class"] and f"st-{edge.status}" in attrs["class"]
        assert ("stroke-dasharray" in attrs) == (edge.status != "stated")
        assert int(attrs["data-outlets"]) == len(edge.outlets)
        widths.setdefault(len(edge.outlets), set()).add(float(attrs["stroke-width"]))
    # Wider with more outlets; the demo corpus has stances that several outlets report.
    assert max(widths) >= 2
    ordered = [widths[k] for k in sorted(widths)]
    assert all(max(a) < min(b) for a, b in zip(ordered, ordered[1:]))


def test_actors_with_aliases_and_the_timeline_of_resolved_dates(extracted: Corpus):
    html = extracted.report()
    page = read(html)
    actors = extracted.actors()
    section = html[html.index("<section id='actors'>"):html.index("<section id='timeline'>")]
    assert section.count("<tr>") == len(actors) + 1
    for actor in actors:
        for alias in actor.aliases:
            assert alias.replace("&", "&amp;").replace("'", "&#x27;") in section
    # Every resolved value once, in order; those without a year last, said to be so.
    resolved = {d.value for d in extracted.dates() if isinstance(d, DateMention) and d.value and not d.unresolved}
    dated = sorted(v for v in resolved if not v.startswith("--"))
    assert dated and page.timeline[: len(dated)] == dated
    assert len(page.timeline) == len(resolved)
    assert all(t.endswith("year unknown") for t in page.timeline[len(dated):])
    if "--01-12" in resolved:
        assert "12 Jan, year unknown" in page.timeline


def test_the_report_loads_nothing_from_elsewhere(extracted: Corpus):
    html = extracted.report()
    page = read(html)
    assert {tag for tag, _, _ in page.references} <= {"a"}  # no script src, img, link, iframe
    # Links within the page, and to each article's stated source (a click, never a load).
    outside = {value for _, _, value in page.references if not value.startswith("#")}
    assert outside == {a.url for a in extracted.articles() if a.url}
    assert "<link" not in html and "@import" not in html and "url(http" not in html
    assert "default-src 'none'" in html  # and the browser is told to refuse any load


HOSTILE = """Port talks <script>window.pwned = 1</script>

Orbis Group <img src=x onerror="window.pwned = 2"> welcomed the deal in Ruritania's harbour.
Quote: "it's a 'fair' deal" & more </div></article><script>alert(1)</script>
"""


def test_article_text_never_becomes_markup_and_an_unextracted_corpus_gets_a_note(settings, tmp_path: Path):
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    (folder / "feed.jsonl").write_text(
        '{"id": "linked", "title": "Click me", "text": "Ruritania signs.", "url": "javascript:alert(1)"}\n', encoding="utf-8"
    )
    with Corpus(settings) as corpus:
        corpus.ingest([folder])
        html = corpus.report()
    page = read(html)
    assert "not been extracted yet" in html
    assert page.tags.count("script") == 1  # the report's own few lines, none from an article
    assert "<img" not in html and "javascript:" not in html.split("<body>")[1].replace("javascript:alert(1)", "")
    assert not any("javascript" in value for _, _, value in page.references)
    texts = {"".join(pieces) for pieces in page.texts.values()}
    assert HOSTILE.split("\n", 2)[2] in "".join(texts)  # the body shown verbatim, as text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<section id='graph'>" not in html  # no graph, actors or timeline before extraction


def test_agent_report_writes_the_file(extracted: Corpus, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("DOSSIER_BASE_URL", extracted.settings.base_url)
    monkeypatch.setenv("DOSSIER_MODEL", extracted.settings.model)
    out = tmp_path / "out" / "report.html"
    result = CliRunner().invoke(app, ["report", "--out", str(out), "--index", str(extracted.settings.index_path)])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}: 5 articles, 5 extracted" in result.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert extracted.report(tmp_path / "again.html") == tmp_path / "again.html"
    assert extracted._llm is None  # read from what extraction stored: no model started, no call made


def test_an_empty_index_gets_a_report_that_says_so(settings):
    with Corpus(settings) as corpus:
        corpus.ingest([])  # an index with nothing in it (a missing one is an error)
        html = corpus.report()
    assert "The index is empty" in html and "<article" not in html


# --- long names (issue 27) -------------------------------------------------------------------------

LONG_OUTLET = "The " + "Evening " * 624 + "Gazette"  # 5,003 characters
LONG_NAME = "Assembly" + "ofHarbourTowns" * 300  # 4,208 characters without a space: nothing to wrap at
LONG_TEXT = "Veloria backs the Assembly, officials said on Monday."


def long_names_report(settings, tmp_path: Path) -> Path:
    """A report of one article from a 5,003-character outlet whose stance names an actor of
    4,208 characters (as a garbled extraction or a hostile feed can give)."""
    import json

    from agent.extract.pipeline import cache_key
    from agent.models import Actor, Evidence, Stance

    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "w1", "outlet": LONG_OUTLET, "title": "Veloria backs the Assembly", "text": LONG_TEXT}) + "\n")
    quote = Evidence(article="w1", start=0, end=len(LONG_TEXT), quote=LONG_TEXT)
    records = [
        Actor(name="Veloria", actor_type="state", evidence=Evidence(article="w1", start=0, end=7, quote="Veloria")),
        Actor(name=LONG_NAME, actor_type="government", evidence=Evidence(article="w1", start=18, end=26, quote="Assembly")),
        Stance(holder="Veloria", relation="supports", target=LONG_NAME, evidence=quote),
    ]
    with Corpus(settings) as corpus:
        corpus.ingest([feed])
        article = corpus.store.article("w1")
        corpus.store.cache_records(cache_key(article, corpus.model_id), "w1", corpus.model_id, [r.model_dump(mode="json") for r in records], 0.0)
        return corpus.report(tmp_path / "report.html")


class _Text(HTMLParser):
    """The text a page shows (attribute values and hover titles are not shown)."""

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[str] = []
        self._title = 0

    def handle_starttag(self, tag, attrs):
        self._title += tag == "title"

    def handle_endtag(self, tag):
        self._title -= tag == "title"

    def handle_data(self, data):
        if not self._title:
            self.shown.append(data)


def test_a_long_outlet_or_name_is_cut_in_labels_and_whole_on_hover(settings, tmp_path: Path):
    html = long_names_report(settings, tmp_path).read_text(encoding="utf-8")
    width = int(re.search(r"<svg class='graph'[^>]* width='(\d+)'", html).group(1))
    assert width < 1000  # the graph's columns are as wide as the names drawn in them
    page = _Text()
    page.feed(html)
    shown = "\n".join(page.shown)
    assert LONG_OUTLET not in shown and "The Evening Evening" in shown and "…" in shown  # a chip is cut
    node = re.search(r"class='node target'><title>(.*?)</title>(.*?)</text>", html)  # the graph node: cut, whole on hover
    assert node.group(1) == LONG_NAME and node.group(2).startswith("Assembly") and len(node.group(2)) <= 45
    assert "overflow-wrap: anywhere" in html  # and a long word in a table or a title wraps

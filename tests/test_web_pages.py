"""Web pages, saved or fetched by URL from a local HTTP server on 127.0.0.1: only the
article's main text reaches the index (no menus, cookie banners, related links or
comments), the page's metadata is kept, every record's quote points into the stored
text, and each URL that cannot be fetched gets one clear reason."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.corpus import Corpus
from agent.settings import Settings

from .fake_openai import FakeOpenAI, extraction_reply

BOILERPLATE = [
    "Subscribe to our newsletter", "We use cookies to improve your experience", "Related articles",
    "Storm batters the northern coast", "posted by harbourfan77", "All rights reserved", "Privacy policy",
    "document.cookie",
]


def news_page(title: str, site: str, published: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | {site}</title>
<meta property="og:site_name" content="{site}">
<meta property="article:published_time" content="{published}T09:30:00Z">
<meta name="author" content="Ana Brel">
<script>document.cookie = "seen=1"; window.track && track();</script>
<style>.banner {{ position: fixed }}</style>
</head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/sub">Subscribe to our newsletter</a></li></ul></nav></header>
<div class="cookie-banner" id="consent">We use cookies to improve your experience. <button>Accept all</button></div>
<main><article>
<h1>{title}</h1>
<p class="byline">By Ana Brel, {published}</p>
{body}</article>
<aside class="related"><h2>Related articles</h2><ul>
<li><a href="/storm">Storm batters the northern coast</a></li><li><a href="/mayor">Mayor of Ostrand resigns</a></li></ul></aside>
<section class="comments"><h3>Comments</h3><div class="comment"><p>Finally some good news for the docks! posted by harbourfan77</p></div></section>
</main>
<footer><p>© 2021 {site}. All rights reserved.</p><p><a href="/privacy">Privacy policy</a></p></footer>
</body></html>"""


PORT_PAGE = news_page(
    "Port of Velmora reopens after strike", "The Coastal Herald", "2021-03-04",
    [
        "The port of Velmora reopened on Monday after a week of strikes, the harbour authority said.",
        "The Ostrand Workers Union, which had backed the strike, welcomed the pay deal signed on Sunday.",
        "The regional government of Kessia condemned the union's blockade of the fuel terminal last week.",
        "Shipping companies said the first vessels would dock on Tuesday, and exporters backed the plan.",
    ],
)


class _Site(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        if self.path == "/news/port-reopens":
            self._send(200, PORT_PAGE.encode(), "text/html; charset=utf-8")
        elif self.path == "/old-link":
            self.send_response(301)
            self.send_header("Location", "/news/port-reopens")
            self.end_headers()
        elif self.path == "/slow":
            time.sleep(3)
            self._send(200, b"<p>late</p>", "text/html")
        elif self.path == "/huge":
            self._send(200, b"<p>" + b"word " * 400_000 + b"</p>", "text/html")
        elif self.path == "/map.png":
            self._send(200, b"\x89PNG\r\n\x1a\n", "image/png")
        else:
            self._send(404, b"<h1>Not found</h1>", "text/html")

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as it should on an oversized page

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def model():
    with FakeOpenAI(extraction_reply) as fake:
        yield fake


def _settings(tmp_path: Path, url: str = "http://127.0.0.1:9/v1", **extra) -> Settings:
    """The test site is on 127.0.0.1, a loopback address: these tests allow it, as a user
    fetching an intranet page would (the default refuses it, tested below)."""
    extra = {"fetch_allow_private": True} | extra
    return Settings(_env_file=None, index_path=tmp_path / "index", base_url=url, model="x", max_retries=0, **extra)  # type: ignore[call-arg]


def _assert_main_text_only(text: str) -> None:
    assert "The port of Velmora reopened on Monday" in text and "exporters backed the plan" in text
    for junk in BOILERPLATE:
        assert junk not in text, f"boilerplate reached the index: {junk!r}"


def test_a_page_fetched_by_url_keeps_only_its_article(site: str, model, tmp_path: Path) -> None:
    url = f"{site}/news/port-reopens"
    with Corpus(_settings(tmp_path, model.url)) as corpus:
        report = corpus.ingest([url])
        assert report.added == [url.removeprefix("http://")] and report.skipped == []
        (article,) = corpus.articles()
        _assert_main_text_only(article.text)
        for chunk in corpus.store.chunks():  # what search and the extractor read
            assert not any(junk in chunk.text for junk in BOILERPLATE)
            assert article.text[chunk.start : chunk.end] == chunk.text
        assert (article.title, article.outlet, article.url) == ("Port of Velmora reopens after strike", "The Coastal Herald", url)
        assert article.published.isoformat() == "2021-03-04"
        (result,) = corpus.extract()
        assert result.records
        for record in result.records:
            e = record.evidence
            assert article.text[e.start : e.end] == e.quote
            assert not any(junk in e.quote for junk in BOILERPLATE)
        # Fetched again, the same page is unchanged; through a redirect it is the same text.
        assert corpus.ingest([url]).unchanged == [article.id]
        assert "same text as" in corpus.ingest([f"{site}/old-link"]).skipped[0].reason


def test_a_saved_page_is_read_the_same_way(tmp_path: Path) -> None:
    saved = tmp_path / "saved" / "port.html"
    saved.parent.mkdir()
    saved.write_text(PORT_PAGE, encoding="utf-8")
    with Corpus(_settings(tmp_path)) as corpus:
        assert corpus.ingest([saved.parent]).added == ["port.html"]
        (article,) = corpus.articles()
    _assert_main_text_only(article.text)
    assert article.outlet == "The Coastal Herald" and article.published.isoformat() == "2021-03-04"


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/missing", "the server answered HTTP 404 Not Found"),
        ("/slow", "no complete answer within 1 s"),
        ("/huge", "over the 1 MB limit"),
        ("/map.png", "not a web page (content type image/png)"),
    ],
)
def test_each_url_that_cannot_be_fetched_gets_one_reason(site: str, tmp_path: Path, path: str, reason: str) -> None:
    with Corpus(_settings(tmp_path, fetch_timeout=1, max_file_bytes=1_000_000)) as corpus:
        report = corpus.ingest([f"{site}{path}", f"{site}/news/port-reopens"])
        assert [s.path for s in report.skipped] == [f"{site}{path}"]
        assert reason in report.skipped[0].reason
        assert len(report.added) == 1  # the rest of the batch goes on


def test_cli_ingest_of_a_url_and_a_dead_one(site: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["ingest", f"{site}/news/port-reopens", "http://127.0.0.1:9/nothing", "--allow-private", "--index", str(tmp_path / "index")]
    )
    assert result.exit_code == 0, result.output
    assert "1 added" in result.stdout and "1 skipped" in result.stdout
    assert "http://127.0.0.1:9/nothing: cannot fetch it" in " ".join(result.stderr.split())

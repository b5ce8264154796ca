"""Web pages, saved or fetched by URL from a local HTTP server on 127.0.0.1: only the
article's main text reaches the index (no menus, cookie banners, related links or
comments), the page's metadata is kept, every record's quote points into the stored
text, and each URL that cannot be fetched gets one clear reason."""

from __future__ import annotations

import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.corpus import Corpus
from agent.ingest.fetch import FetchError, fetch
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
        elif self.path.startswith("/go?to="):  # a redirect to wherever the query says
            self.send_response(302)
            self.send_header("Location", unquote(self.path.removeprefix("/go?to=")))
            self.end_headers()
        elif self.path == "/trickle":  # a byte every half second, for 16 s
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self._trickle(b"<p>still coming " * 2)
        elif self.path == "/trickle-headers":  # headers that never end
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            self._trickle(b"X-Padding: " + b"a" * 21)
        else:
            self._send(404, b"<h1>Not found</h1>", "text/html")

    def _trickle(self, data: bytes) -> None:
        try:
            for byte in data:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.5)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as it should

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


# --- fetches that stay where they were sent (issue 27) ---------------------------------------------


@pytest.fixture(scope="module")
def other_site():
    """A second server on another port of 127.0.0.1: an "internal admin page"."""

    class Admin(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            body = b"<html><body><p>Internal admin page: the database password is hunter2.</p></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Admin)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_loopback_url_is_refused_unless_the_user_allows_it(site: str, tmp_path: Path) -> None:
    url = f"{site}/news/port-reopens"
    with pytest.raises(FetchError, match=r"127\.0\.0\.1 is a loopback address, not a public one: not fetched \(`agent ingest --allow-private`"):
        fetch(url, 1_000_000, 5)
    with Corpus(_settings(tmp_path, fetch_allow_private=False)) as corpus:
        report = corpus.ingest([url])
        assert report.added == [] and "loopback address" in report.skipped[0].reason
    result = CliRunner().invoke(app, ["ingest", url, "--index", str(tmp_path / "cli")])
    assert result.exit_code == 1 and "not fetched" in result.stderr
    allowed = CliRunner().invoke(app, ["ingest", url, "--allow-private", "--index", str(tmp_path / "cli")])
    assert allowed.exit_code == 0 and "1 added" in allowed.stdout, allowed.output


@pytest.mark.parametrize(
    "host",
    [
        "10.0.0.7",  # a private network
        "169.254.169.254",  # link-local: the cloud metadata service
        "fd00::1",  # an IPv6 unique local address
        "::ffff:127.0.0.1",  # loopback written as IPv6
    ],
)
def test_a_name_that_resolves_to_a_private_address_is_refused_before_any_request(host: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    import agent.ingest.fetch

    looked_up = []

    def resolve(name, port, *args, **kwargs):
        looked_up.append(name)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (host, port))]

    monkeypatch.setattr(agent.ingest.fetch.socket, "getaddrinfo", resolve)
    with pytest.raises(FetchError, match=rf"news\.example\.org resolves to .*, a (private|link-local|loopback) address"):
        fetch("https://news.example.org/story", 1_000_000, 5)
    assert looked_up == ["news.example.org"]


@pytest.mark.parametrize(
    "target",
    [
        "{other}/admin",  # another port of the same host: another site
        "http://localhost:{port}/news/port-reopens",  # the same server by another name
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",  # the metadata service
        "http://10.0.0.7/router",  # a private address
    ],
)
def test_a_redirect_leaving_the_site_is_refused_even_where_private_addresses_are_allowed(
    site: str, other_site: str, tmp_path: Path, target: str
) -> None:
    target = target.format(other=other_site, port=site.rsplit(":", 1)[1])
    url = f"{site}/go?to={quote(target, safe='')}"
    with pytest.raises(FetchError, match=f"it redirects to {re.escape(target)}, another site: not followed"):
        fetch(url, 1_000_000, 5, allow_private=True)
    with Corpus(_settings(tmp_path)) as corpus:
        report = corpus.ingest([url])
        assert report.added == [] and "another site" in report.skipped[0].reason
        assert not any("hunter2" in a.text for a in corpus.articles())


def test_a_redirect_on_the_same_site_is_followed(site: str) -> None:
    page = fetch(f"{site}/go?to=%2Fnews%2Fport-reopens", 1_000_000, 5, allow_private=True)
    assert page.url == f"{site}/news/port-reopens" and "Velmora" in page.text


@pytest.mark.parametrize("path", ["/trickle", "/trickle-headers"])
def test_a_server_that_trickles_is_cut_at_the_deadline_of_the_whole_fetch(site: str, tmp_path: Path, path: str) -> None:
    """Each byte comes within any per-read timeout; only a deadline for the whole fetch ends it."""
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"no complete answer within 2 s \(DOSSIER_FETCH_TIMEOUT\)"):
        fetch(f"{site}{path}", 1_000_000, 2, allow_private=True)
    # The trickle goes on for 16 s; a margin for a busy machine, below that.
    assert time.monotonic() - started < 8

"""Web pages, saved or fetched by URL from a local HTTP server on 127.0.0.1: only the
article's main text reaches the index (no menus, cookie banners, related links or
comments), the page's metadata is kept, every record's quote points into the stored
text, and each URL that cannot be fetched gets one clear reason."""

from __future__ import annotations

import ipaddress
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
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


class _Handler(BaseHTTPRequestHandler):
    """A test server's handler: `_send` answers, and nothing is logged."""

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


@contextmanager
def _serving(handler: type[BaseHTTPRequestHandler], tls: ssl.SSLContext | None = None) -> Iterator[ThreadingHTTPServer]:
    """`handler` served on a free port of 127.0.0.1 (over TLS with `tls`) while the block runs."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


class _Site(_Handler):
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


@pytest.fixture(scope="module")
def site():
    with _serving(_Site) as server:
        yield f"http://127.0.0.1:{server.server_address[1]}"


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

    class Admin(_Handler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            self._send(200, b"<html><body><p>Internal admin page: the database password is hunter2.</p></body></html>", "text/html")

    with _serving(Admin) as server:
        yield f"http://127.0.0.1:{server.server_address[1]}"


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


# --- the address checked is the address connected to (DNS rebinding) --------------------------

PUBLIC, PUBLIC_2 = "93.184.216.34", "93.184.216.35"  # public: they pass the check, and are never contacted


class _Network:
    """Name resolution and TCP connects as a test arranges them. `answers[name]` are the
    resolver's successive answers for a made-up name, each a list of addresses (the last
    repeats); `routes` sends a connect to a public address to a local server instead; any
    other connect reaches loopback only, so no test touches the real network. Proxies from
    the environment are cleared: a test that wants one sets it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[list[str]]], routes: dict | None = None) -> None:
        for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
            monkeypatch.delenv(name.upper(), raising=False)
        self.looked_up: list[str] = []
        self.connected: list[tuple[str, int]] = []
        real_resolve, real_connect = socket.getaddrinfo, socket.create_connection

        def resolve(host, port, *args, **kwargs):
            if host not in answers:
                return real_resolve(host, port, *args, **kwargs)
            self.looked_up.append(host)
            addresses = answers[host].pop(0) if len(answers[host]) > 1 else answers[host][0]
            return [found for address in addresses for found in real_resolve(address, port, *args, **kwargs)]

        def connect(address, *args, **kwargs):
            host, port = address[:2]
            self.connected.append((host, port))
            if (host, port) in routes_:
                return real_connect(routes_[(host, port)], *args, **kwargs)
            ip = resolve(host, port, type=socket.SOCK_STREAM)[0][4][0]  # as create_connection would
            if not ipaddress.ip_address(ip).is_loopback:
                raise OSError(f"{ip}: the tests reach no network")
            return real_connect((ip, port), *args, **kwargs)

        routes_ = routes or {}
        monkeypatch.setattr(socket, "getaddrinfo", resolve)
        monkeypatch.setattr(socket, "create_connection", connect)


def test_a_name_that_rebinds_to_loopback_after_the_check_is_connected_to_the_checked_address(site: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first answer, the one checked, is public; every later one is 127.0.0.1, where the
    test site listens. Before, httpx looked the name up again to connect and fetched the site's
    page; now the name is looked up once and the connect goes to the checked address."""
    port = int(site.rsplit(":", 1)[1])
    net = _Network(monkeypatch, {"rebind.example": [[PUBLIC], ["127.0.0.1"]]})
    with pytest.raises(FetchError, match=r"cannot fetch it \(ConnectError: 93\.184\.216\.34: the tests reach no network"):
        fetch(f"http://rebind.example:{port}/news/port-reopens", 1_000_000, 5)
    assert net.looked_up == ["rebind.example"] and net.connected == [(PUBLIC, port)]


def test_each_hop_connects_to_its_checked_addresses_in_turn_and_keeps_the_name(site: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The name has two public addresses: the first refuses, the second is (routed to) the
    test site. A redirect is resolved, checked and pinned again; the page keeps the name."""
    port = int(site.rsplit(":", 1)[1])
    net = _Network(monkeypatch, {"news.example": [[PUBLIC, PUBLIC_2]]}, routes={(PUBLIC_2, port): ("127.0.0.1", port)})
    page = fetch(f"http://news.example:{port}/old-link", 1_000_000, 5)
    assert page.url == f"http://news.example:{port}/news/port-reopens" and "Velmora" in page.text
    assert net.looked_up == ["news.example"] * 2
    assert net.connected == [(PUBLIC, port), (PUBLIC_2, port)] * 2


@pytest.fixture(scope="module")
def tls_site(tmp_path_factory: pytest.TempPathFactory):
    """An HTTPS server on 127.0.0.1 whose self-signed certificate names secure.example and no
    address; it records the TLS server name (SNI) and Host header of each request."""
    if not shutil.which("openssl"):
        pytest.skip("needs the openssl command to make a certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    make = "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=secure.example"
    extra = ["-addext", "subjectAltName=DNS:secure.example", "-keyout", str(key), "-out", str(cert)]
    subprocess.run(["openssl", *make.split(), *extra], check=True, capture_output=True)
    seen: dict[str, list[str]] = {"sni": [], "host": []}

    class Secure(_Handler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            seen["host"].append(self.headers["Host"])
            self._send(200, b"<html><body><p>Served over TLS to secure.example.</p></body></html>", "text/html")

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda _socket, name, _context: seen["sni"].append(name)
    with _serving(Secure, tls=context) as server:
        yield server.server_address[1], cert, seen


def test_an_https_fetch_pinned_to_the_checked_address_still_names_the_host(tls_site, monkeypatch: pytest.MonkeyPatch) -> None:
    """TLS is spoken to the name: SNI and Host are secure.example, the certificate (which
    names no address) is verified against it, and another name on the same address fails."""
    port, cert, seen = tls_site
    net = _Network(monkeypatch, {"secure.example": [[PUBLIC]], "other.example": [[PUBLIC]]}, routes={(PUBLIC, port): ("127.0.0.1", port)})
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # httpx (trust_env) trusts the test's certificate
    page = fetch(f"https://secure.example:{port}/story", 1_000_000, 5)
    assert "Served over TLS" in page.text and page.url == f"https://secure.example:{port}/story"
    assert net.connected == [(PUBLIC, port)]
    assert seen["sni"][-1:] == ["secure.example"] and seen["host"][-1:] == [f"secure.example:{port}"]
    with pytest.raises(FetchError, match="certificate is not valid for 'other.example'"):
        fetch(f"https://other.example:{port}/story", 1_000_000, 5)
    assert net.connected[-1] == (PUBLIC, port)


@pytest.fixture(scope="module")
def proxy():
    """A forward HTTP proxy stand-in on 127.0.0.1: it answers every request itself and records
    the URL and Host header asked for."""
    asked: list[tuple[str, str]] = []

    class Proxy(_Handler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            asked.append((self.path, self.headers["Host"]))
            self._send(200, b"<html><body><p>Through the proxy.</p></body></html>", "text/html")

    with _serving(Proxy) as server:
        yield f"http://127.0.0.1:{server.server_address[1]}", asked


def test_behind_a_proxy_the_proxy_resolves_the_name_and_hosts_it_leaves_out_are_pinned(proxy, monkeypatch: pytest.MonkeyPatch) -> None:
    proxy_url, asked = proxy
    net = _Network(monkeypatch, {"proxied.example": [[PUBLIC]]})
    monkeypatch.setenv("HTTP_PROXY", proxy_url)
    page = fetch("http://proxied.example/story", 1_000_000, 5)
    assert "Through the proxy" in page.text and page.url == "http://proxied.example/story"
    assert asked[-1] == ("http://proxied.example/story", "proxied.example")  # the name, not an address
    assert net.looked_up == ["proxied.example"]  # still checked
    assert [host for host, _ in net.connected] == ["127.0.0.1"]  # only the proxy was contacted
    monkeypatch.setenv("NO_PROXY", ".example")  # left out of the proxy: direct, to the checked address
    with pytest.raises(FetchError, match=r"cannot fetch it \(ConnectError: 93\.184\.216\.34: the tests reach no network"):
        fetch("http://proxied.example/story", 1_000_000, 5)
    assert net.connected[-1] == (PUBLIC, 80)

"""Web pages by URL: fetched with httpx, bounded in time and size, one clear reason per
failure. The page's main text is read from the HTML by `readers`, like a saved page.

A URL is untrusted input too. A page may redirect elsewhere, or a name may lead inside the
user's own network (a router's admin page, a cloud's metadata service at 169.254.169.254):
redirects are followed on the same site only, and no request goes to a private, loopback or
link-local address unless the user allows it. The name is resolved once, and the request
connects to the very addresses that were checked (TLS and the Host header still name the
host), so a name that answers a public address to the check and a private one to the connect
(DNS rebinding) gets nowhere. Behind a proxy from the environment (HTTP_PROXY, HTTPS_PROXY,
ALL_PROXY) the proxy resolves the name, so there the check is all there is. The timeout
bounds the whole fetch, redirects and body included, so a server that trickles a byte at a
time is cut off.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

USER_AGENT = "dossier (+https://github.com/dossier-news/dossier)"
_PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
_DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_REDIRECTS = 5
ALLOW_PRIVATE = "`agent ingest --allow-private` or DOSSIER_FETCH_ALLOW_PRIVATE=1 allows it"
_PINNED = "dossier_addresses"  # the request extension that carries a hop's checked addresses


@dataclass(frozen=True)
class Page:
    url: str  # where the page was found, after redirects
    text: str
    html: bool


class FetchError(Exception):
    """Why a URL gave no page, in words a user can act on."""


def is_url(value: str) -> bool:
    return re.match(r"^[a-z][a-z0-9+.-]*://", value, re.IGNORECASE) is not None


def url_id(url: str) -> str:
    """An article id for a URL: host and path, as a reader would name it."""
    parts = urlsplit(url)
    return (parts.netloc + parts.path).rstrip("/") + (f"?{parts.query}" if parts.query else "")


def fetch(url: str, max_bytes: int, timeout: float, allow_private: bool = False) -> Page:
    """The page at `url`, within `timeout` seconds in all. httpx bounds each read, not the
    whole: the fetch runs in a worker thread that is abandoned at the deadline (it stops at
    its next read, and its own read timeout ends it). `allow_private`: private, loopback and
    link-local addresses may be fetched (an intranet page), and nothing is pinned. Where the
    environment names a proxy for the URL, the proxy resolves the host itself: its address
    is checked here but cannot be pinned."""
    if urlsplit(url).scheme.lower() not in _DEFAULT_PORTS:
        raise FetchError(f"only http and https URLs can be fetched, not {urlsplit(url).scheme}:")
    outcome: list[Page | Exception] = []
    stop = threading.Event()

    def work() -> None:
        try:
            outcome.append(_get(url, max_bytes, timeout, allow_private, stop))
        except Exception as exc:  # noqa: BLE001 - handed to the caller's thread as it is
            outcome.append(exc)

    worker = threading.Thread(target=work, name="dossier-fetch", daemon=True)
    worker.start()
    try:
        worker.join(timeout)
    finally:
        stop.set()  # at the deadline, or on Ctrl-C: the worker drops the page
    if not outcome:
        raise FetchError(f"no complete answer within {timeout:g} s (DOSSIER_FETCH_TIMEOUT)")
    if isinstance(outcome[0], Exception):
        raise outcome[0]
    return outcome[0]


def _get(url: str, max_bytes: int, timeout: float, allow_private: bool, stop: threading.Event) -> Page:
    import httpx

    try:
        # Redirects are followed here, one by one, so each is checked before it is requested.
        with _client(url, timeout, allow_private) as client:
            for _ in range(MAX_REDIRECTS + 1):
                addresses = check_address(url, allow_private)
                with client.stream("GET", url, extensions={_PINNED: addresses}) as response:
                    if response.is_redirect:
                        target = str(response.url.join(response.headers["location"]))
                        if not same_site(url, target):
                            raise FetchError(f"it redirects to {target}, another site: not followed (ingest that URL itself if you trust it)")
                        url = target
                        continue
                    return _page(response, max_bytes, stop)
            raise FetchError(f"more than {MAX_REDIRECTS} redirects")
    except httpx.TimeoutException:
        raise FetchError(f"no answer within {timeout:g} s (DOSSIER_FETCH_TIMEOUT)") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"cannot fetch it ({type(exc).__name__}: {exc})") from None


def _client(url: str, timeout: float, allow_private: bool):
    """An httpx client for `url` and its redirects (all on its host): direct requests go to the
    addresses `check_address` checked, proxied ones to the environment's proxy, as before."""
    import httpx

    settings = {"follow_redirects": False, "timeout": timeout, "headers": {"User-Agent": USER_AGENT}}
    if allow_private:
        return httpx.Client(**settings)  # nothing was checked, so nothing to pin
    # A transport of our own turns httpx's environment proxies off, so the proxies that apply
    # to this host are mounted by hand: each request then either goes to the proxy or is pinned.
    host = urlsplit(url).hostname or ""
    proxies = {f"{scheme}://": httpx.HTTPTransport(proxy=proxy) for scheme in _DEFAULT_PORTS if (proxy := _proxy(scheme, host))}
    return httpx.Client(**settings, transport=_pinned_transport(), mounts=proxies)


def _proxy(scheme: str, host: str) -> str | None:
    """The proxy the environment names for `scheme` URLs on `host` (None: go direct):
    HTTP_PROXY, HTTPS_PROXY or ALL_PROXY, unless NO_PROXY leaves the host out. urllib reads
    NO_PROXY a little differently from httpx; either way a request goes to the proxy or is
    pinned, never direct and unpinned."""
    proxies = urllib.request.getproxies()
    proxy = proxies.get(scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass_environment(host, proxies):
        return None
    return proxy if "://" in proxy else f"http://{proxy}"


def _pinned_transport():
    """httpx's own transport, told to connect to the checked addresses rather than the name.
    The URL's host becomes the address; the Host header (set from the name when the request
    was built) and `sni_hostname` (httpcore's extension: the TLS server name, against which
    the certificate is verified) keep the name, and the response keeps the request with the
    name, so `Page.url` and redirects read as before. Simpler than a network backend of our
    own, which httpx's transport offers no public way to install."""
    import httpx

    class Pinned(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            addresses = request.extensions[_PINNED]
            extensions = {k: v for k, v in request.extensions.items() if k != _PINNED}
            extensions["sni_hostname"] = request.url.raw_host.decode("ascii")
            for i, address in enumerate(addresses):  # in turn, as a connect to the name tries them
                pinned = httpx.Request(
                    request.method, request.url.copy_with(host=address), headers=request.headers, stream=request.stream, extensions=extensions
                )
                try:
                    return super().handle_request(pinned)
                except (httpx.ConnectError, httpx.ConnectTimeout):
                    if i == len(addresses) - 1:
                        raise
            raise httpx.ConnectError("no address to connect to", request=request)

    return Pinned()


def _page(response, max_bytes: int, stop: threading.Event) -> Page:
    if response.status_code >= 400:
        raise FetchError(f"the server answered HTTP {response.status_code} {response.reason_phrase}".rstrip())
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind and kind not in _PAGE_TYPES:
        raise FetchError(f"not a web page (content type {kind})")
    declared = int(response.headers.get("content-length") or 0)
    if declared > max_bytes:
        raise FetchError(f"the page is {declared / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit")
    body = bytearray()
    for piece in response.iter_bytes():
        if stop.is_set():
            raise FetchError("stopped at the deadline")  # nobody waits for this page any more
        body += piece
        if len(body) > max_bytes:
            raise FetchError(f"the page is over the {max_bytes / 1e6:.0f} MB limit")
    encoding = response.charset_encoding or "utf-8"
    try:
        text = bytes(body).decode(encoding)
    except (LookupError, UnicodeDecodeError):
        text = bytes(body).decode("utf-8", errors="replace")
    return Page(str(response.url), text, html=kind != "text/plain")


def same_site(url: str, target: str) -> bool:
    """Whether a redirect from `url` to `target` stays on its site: the same host and port,
    or the same host moving from http to https."""
    a, b = urlsplit(url), urlsplit(target)
    if not a.hostname or a.hostname != b.hostname or b.scheme.lower() not in _DEFAULT_PORTS:
        return False
    try:
        here = (a.scheme.lower(), a.port or _DEFAULT_PORTS[a.scheme.lower()])
        there = (b.scheme.lower(), b.port or _DEFAULT_PORTS[b.scheme.lower()])
    except ValueError:  # a port that is no number
        return False
    return here == there or (here, there) == (("http", 80), ("https", 443))


def check_address(url: str, allow_private: bool) -> list[str]:
    """Refuse a URL whose host is, or resolves to, any address that is not public: loopback,
    private networks, link-local (where clouds serve instance metadata and keys), reserved.
    The addresses checked, in the resolver's order, for the request to connect to (none where
    private addresses are allowed: nothing is resolved then)."""
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        raise FetchError("the URL names no host")
    if allow_private:
        return []
    try:
        port = parts.port or _DEFAULT_PORTS[parts.scheme.lower()]
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except ValueError:
        raise FetchError(f"the URL's port is not a number: {parts.netloc}") from None
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot find the host {host} ({getattr(exc, 'strerror', None) or exc})") from None
    addresses: list[str] = []
    for *_, address in found:
        ip = ipaddress.ip_address(address[0].split("%")[0])  # an IPv6 address may carry its interface
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if not ip.is_global or ip.is_multicast:
            what = f"is {_kind(ip)} address" if host == str(ip) else f"resolves to {ip}, {_kind(ip)} address"
            raise FetchError(f"{host} {what}, not a public one: not fetched ({ALLOW_PRIVATE})")
        if address[0] not in addresses:
            addresses.append(address[0])
    return addresses


def _kind(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if ip.is_loopback:
        return "a loopback"
    if ip.is_link_local:
        return "a link-local"
    if ip.is_private:
        return "a private"
    return "a reserved"

"""Web pages by URL: fetched with httpx, bounded in time and size, one clear reason per
failure. The page's main text is read from the HTML by `readers`, like a saved page.

A URL is untrusted input too. A page may redirect elsewhere, or a name may lead inside the
user's own network (a router's admin page, a cloud's metadata service at 169.254.169.254):
redirects are followed on the same site only, and no request goes to a private, loopback or
link-local address unless the user allows it. The timeout bounds the whole fetch, redirects
and body included, so a server that trickles a byte at a time is cut off.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

USER_AGENT = "dossier (+https://github.com/dossier-news/dossier)"
_PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
_DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_REDIRECTS = 5
ALLOW_PRIVATE = "`agent ingest --allow-private` or DOSSIER_FETCH_ALLOW_PRIVATE=1 allows it"


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
    link-local addresses may be fetched (an intranet page)."""
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
        with httpx.Client(follow_redirects=False, timeout=timeout, headers={"User-Agent": USER_AGENT}) as client:
            for _ in range(MAX_REDIRECTS + 1):
                check_address(url, allow_private)
                with client.stream("GET", url) as response:
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


def check_address(url: str, allow_private: bool) -> None:
    """Refuse a URL whose host is, or resolves to, any address that is not public: loopback,
    private networks, link-local (where clouds serve instance metadata and keys), reserved."""
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        raise FetchError("the URL names no host")
    if allow_private:
        return
    try:
        port = parts.port or _DEFAULT_PORTS[parts.scheme.lower()]
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except ValueError:
        raise FetchError(f"the URL's port is not a number: {parts.netloc}") from None
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot find the host {host} ({getattr(exc, 'strerror', None) or exc})") from None
    for *_, address in found:
        ip = ipaddress.ip_address(address[0].split("%")[0])  # an IPv6 address may carry its interface
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if not ip.is_global or ip.is_multicast:
            what = f"is {_kind(ip)} address" if host == str(ip) else f"resolves to {ip}, {_kind(ip)} address"
            raise FetchError(f"{host} {what}, not a public one: not fetched ({ALLOW_PRIVATE})")


def _kind(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if ip.is_loopback:
        return "a loopback"
    if ip.is_link_local:
        return "a link-local"
    if ip.is_private:
        return "a private"
    return "a reserved"

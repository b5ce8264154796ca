"""Web pages by URL: fetched with httpx, bounded in time and size, one clear reason per
failure. The page's main text is read from the HTML by `readers`, like a saved page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

USER_AGENT = "dossier (+https://github.com/dossier-news/dossier)"
_PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


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


def fetch(url: str, max_bytes: int, timeout: float) -> Page:
    import httpx

    if urlsplit(url).scheme.lower() not in {"http", "https"}:
        raise FetchError(f"only http and https URLs can be fetched, not {urlsplit(url).scheme}:")
    try:
        with httpx.Client(follow_redirects=True, timeout=timeout, headers={"User-Agent": USER_AGENT}) as client:
            with client.stream("GET", url) as response:
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
                    body += piece
                    if len(body) > max_bytes:
                        raise FetchError(f"the page is over the {max_bytes / 1e6:.0f} MB limit")
                encoding = response.charset_encoding or "utf-8"
                try:
                    text = bytes(body).decode(encoding)
                except (LookupError, UnicodeDecodeError):
                    text = bytes(body).decode("utf-8", errors="replace")
                return Page(str(response.url), text, html=kind != "text/plain")
    except httpx.TimeoutException:
        raise FetchError(f"no answer within {timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"cannot fetch it ({type(exc).__name__}: {exc})") from None
